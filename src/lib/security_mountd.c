/*
 * allow.mount on Linux.
 *
 * FreeBSD lets jailed root mount "jail-friendly" file systems, each type
 * allowed by its own allow.mount.<fs>, and unmount them again, but never
 * touch the mounts the host set up.  Linux gets there with three pieces:
 *
 *  1. The jail's mount namespace belongs to a user namespace of the
 *     jail's own (vj_policy_mount_ns): the supervisor builds the jail's
 *     tree (root, /proc and /sys with their masks, /dev, /run/vjail) in a
 *     namespace of the host's user namespace as for any jail, then a
 *     helper in a new user namespace (identity uid/gid map, owner uid 0)
 *     copies it.  Mounts copied into a less privileged namespace are
 *     locked by the kernel: none can be unmounted or moved, bound without
 *     what is mounted on it, or made writable, suid, dev or exec.  The
 *     jail's processes stay in the host's user namespace; uid 0 among
 *     them, as the owner of the new user namespace, holds every
 *     capability in it (the rule vj_policy_unshare_uts uses for the host
 *     name), and so may add and remove mounts of its own in the jail's
 *     mount namespace, and nowhere else: nothing else belongs to that
 *     user namespace.
 *
 *  2. The seccomp filter (security_apply.c, filter_mount) lets bind
 *     mounts (nullfs), unmounting, remounting, moving and propagation
 *     changes reach the kernel, and sends mount(2) calls that make a new
 *     file system to vjail-mountd: the kernel would refuse them (a new
 *     file system needs privilege in the caller's user namespace, the
 *     host's) and, allowed, it would allow every type Linux lets a user
 *     namespace mount (ramfs, overlay, binfmt_misc ...), which the filter
 *     cannot tell apart (it cannot read the type string).
 *
 *  3. vjail-mountd, a child of the supervisor living for the jail's
 *     lifetime, gets the filter's listener from every jailed process
 *     (vj_mountd_hand_over), and for each such call forks an agent that
 *     reads the arguments (its own copy: nothing the caller changes
 *     afterwards counts), checks that the caller is uid 0 and the type is
 *     allowed, enters the jail's user namespace and the caller's root and
 *     working directory, and makes the mount there.  The kernel checks it
 *     as it would check jailed root's own mount in a user namespace.
 *
 * File system types (FreeBSD's names and Linux's): tmpfs (tmpfs), devpts
 * (devfs), fuse, fuse.* (fusefs) are new file systems owned by the jail's
 * user namespace; nullfs is a bind mount; procfs, linprocfs, proc,
 * linsysfs, sysfs and devfs are recursive copies of the jail's own /proc,
 * /sys and /dev with what vjail mounted on them (a new procfs or sysfs
 * would be without the masks, and Linux refuses it in a user namespace
 * anyway).  Everything else fails with EPERM, as on FreeBSD.
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define MOUNTD_MAGIC 0x766a6d64u /* "vjmd" */
#define MOUNTD_LISTENERS 512     /* jailed process trees served at once */
#define AGENT_TIMEOUT_MS 30000
#ifndef PIDFD_GET_MNT_NAMESPACE /* Linux 6.11 */
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#define PIDFD_GET_USER_NAMESPACE _IO(0xFF, 9)
#endif

/* What a jailed process sends with its listener. */
struct hand_over {
    uint32_t magic;
    uint32_t mount_fs; /* VJ_MNT_* of its policy */
};

/* ---- jailed side (vj_policy_apply) ---- */

/* Is our mount namespace owned by another user namespace than ours (an
 * allow.mount jail's)?  Without the pidfd ioctls (Linux < 6.11): yes. */
static bool in_mount_jail(void)
{
    cleanup_close int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    cleanup_close int mnt = self < 0 ? -1 : ioctl(self, PIDFD_GET_MNT_NAMESPACE, 0);
    cleanup_close int user = self < 0 ? -1 : ioctl(self, PIDFD_GET_USER_NAMESPACE, 0);
    if (mnt < 0 || user < 0)
        return true;
    cleanup_close int owner = ioctl(mnt, NS_GET_USERNS);
    struct stat a, b;
    if (owner < 0 || fstat(owner, &a) < 0 || fstat(user, &b) < 0)
        return true;
    return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* vjail-mountd's channel as the supervisor keeps it: the first of its
 * descriptors from VJ_MOUNTD_FD on that is a connected SEQPACKET socket
 * made by pid 1 itself, as root (a socketpair records its maker). */
static bool is_channel(int fd)
{
    int type = 0, listening = 1;
    struct ucred cr = {0};
    socklen_t tl = sizeof type, ll = sizeof listening, cl = sizeof cr;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_SEQPACKET &&
           getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) == 0 && !listening &&
           getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cr.pid == 1 && cr.uid == 0;
}

int vj_mountd_channel(void)
{
    if (!in_mount_jail())
        return -1;
    /* pid 1 of the jail's PID namespace is its supervisor. */
    cleanup_close int sup = (int)syscall(SYS_pidfd_open, 1, 0);
    if (sup < 0)
        return -1;
    /* It keeps a dozen descriptors: the channel is within the first 32. */
    for (int n = VJ_MOUNTD_FD; n < VJ_MOUNTD_FD + 32; n++) {
        int chan = (int)syscall(SYS_pidfd_getfd, sup, n, 0);
        if (chan < 0)
            continue;
        if (is_channel(chan))
            return chan;
        close(chan);
    }
    return -1;
}

void vj_mountd_hand_over(int chan, int listener, unsigned mount_fs)
{
    /* Without a channel the listener is simply closed: mount(2) calls the
     * filter sends to it then fail with ENOSYS. */
    if (chan >= 0 && listener >= 0) {
        struct hand_over h = {MOUNTD_MAGIC, mount_fs};
        struct iovec iov = {&h, sizeof h};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof u);
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                             .msg_controllen = sizeof u.buf};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &listener, sizeof(int));
        /* Once sent, the listener lives in the socket until vjail-mountd
         * takes it: calls made meanwhile wait for it. */
        while (sendmsg(chan, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
            ;
    }
    if (chan >= 0)
        close(chan);
    if (listener >= 0)
        close(listener);
}

/* ---- vjail-mountd ---- */

enum { DIR_PROC, DIR_SYS, DIR_DEV, NDIRS };

struct mountd {
    const char *jail;
    int chan;         /* receives listeners */
    int userns;       /* the jail's user namespace */
    int proc;         /* a procfs of the jail's PID namespace, detached */
    int dir[NDIRS];   /* the jail's /proc, /sys, /dev (mount roots), or -1 */
};

struct listener {
    int fd;
    unsigned fs; /* VJ_MNT_* */
};

enum kind { K_NEW, K_FUSE, K_BIND, K_COPY };

static const struct fstype {
    const char *name; /* as given to mount(2) */
    unsigned need;    /* any of these VJ_MNT_* */
    enum kind kind;
    const char *linux_name; /* K_NEW, K_FUSE: the type mounted */
    int dir;                /* K_COPY: which of the jail's directories */
} fstypes[] = {
    {"tmpfs", VJ_MNT_TMPFS, K_NEW, "tmpfs", 0},
    {"devpts", VJ_MNT_DEVFS, K_NEW, "devpts", 0},
    {"fusefs", VJ_MNT_FUSEFS, K_FUSE, "fuse", 0},
    {"fuse", VJ_MNT_FUSEFS, K_FUSE, NULL, 0}, /* and fuse.SUBTYPE */
    {"nullfs", VJ_MNT_NULLFS, K_BIND, NULL, 0},
    {"procfs", VJ_MNT_PROCFS, K_COPY, NULL, DIR_PROC},
    {"linprocfs", VJ_MNT_LINPROCFS, K_COPY, NULL, DIR_PROC},
    {"proc", VJ_MNT_PROCFS | VJ_MNT_LINPROCFS, K_COPY, NULL, DIR_PROC},
    {"linsysfs", VJ_MNT_LINSYSFS, K_COPY, NULL, DIR_SYS},
    {"sysfs", VJ_MNT_LINSYSFS, K_COPY, NULL, DIR_SYS},
    {"devfs", VJ_MNT_DEVFS, K_COPY, NULL, DIR_DEV},
};

static const struct fstype *fstype_find(const char *name)
{
    for (size_t i = 0; i < sizeof fstypes / sizeof *fstypes; i++)
        if (!strcmp(name, fstypes[i].name))
            return &fstypes[i];
    if (!strncmp(name, "fuse.", 5) && name[5])
        return fstype_find("fuse");
    return NULL;
}

/* A NUL-terminated string of the caller at addr, read page by page (the
 * string may end just before an unmapped page).  0, or an errno. */
static int read_str(pid_t pid, uint64_t addr, char *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        uint64_t at = addr + got;
        size_t want = 4096 - (size_t)(at & 4095);
        if (want > size - got)
            want = size - got;
        struct iovec l = {buf + got, want}, r = {(void *)(uintptr_t)at, want};
        ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);
        if (n <= 0)
            return EFAULT;
        if (memchr(buf + got, 0, (size_t)n))
            return 0;
        got += (size_t)n;
    }
    return ENAMETOOLONG;
}

/* The caller's effective uid, from its status in the jail's procfs. */
static long caller_euid(const struct mountd *m, pid_t pid)
{
    char path[32], buf[2048];
    snprintf(path, sizeof path, "%d/status", (int)pid);
    int fd = openat(m->proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *u = strstr(buf, "\nUid:");
    unsigned long real, eff;
    if (!u || sscanf(u + 5, "%lu %lu", &real, &eff) != 2)
        return -1;
    return (long)eff;
}

/* "fd=N" of FUSE's options: N, and where its digits are; -1 if absent. */
static long fuse_fd_option(const char *data, size_t *at, size_t *len)
{
    for (const char *o = data; o && *o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL) {
        if (strncmp(o, "fd=", 3))
            continue;
        char *end;
        errno = 0;
        long n = strtol(o + 3, &end, 10);
        if (errno || end == o + 3 || n < 0 || n > INT_MAX || (*end && *end != ','))
            return -1;
        *at = (size_t)(o + 3 - data);
        *len = (size_t)(end - (o + 3));
        return n;
    }
    return -1;
}

static unsigned long mount_attrs(unsigned long flags)
{
    unsigned long a = 0;
    if (flags & MS_RDONLY)
        a |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        a |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        a |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NOATIME)
        a |= MOUNT_ATTR_NOATIME;
    if (flags & MS_NODIRATIME)
        a |= MOUNT_ATTR_NODIRATIME;
    return a;
}

/* Leave only what making a mount needs (the caller, jailed root, has no
 * more in the jail's user namespace than this either). */
static int agent_caps(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {{0}};
    uint32_t keep = (1u << CAP_SYS_ADMIN) | (1u << CAP_DAC_OVERRIDE);
    data[0].permitted = data[0].effective = keep;
    return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * One mount(2) call of the jail, in a forked agent.  Returns 0 or the
 * errno for the caller.  Until the user namespace is entered the agent is
 * root of the host (it reads the caller's memory and /proc entries);
 * every mount is made after that, as the jail's root in its own user
 * namespace, from the caller's root and working directory.
 */
static int agent(const struct mountd *m, const struct listener *l, const struct seccomp_notif *req)
{
    pid_t pid = (pid_t)req->pid;
    const __u64 *a = req->data.args;
    unsigned long flags = (unsigned long)a[3];
    char type[64], target[PATH_MAX], source[PATH_MAX], data[4096];
    int e;
    if (!a[2] || !a[1])
        return a[1] ? EINVAL : EFAULT;
    if ((e = read_str(pid, a[2], type, sizeof type)) != 0 ||
        (e = read_str(pid, a[1], target, sizeof target)) != 0)
        return e;
    if (a[0] && (e = read_str(pid, a[0], source, sizeof source)) != 0)
        return e;
    if (a[4] && (e = read_str(pid, a[4], data, sizeof data)) != 0)
        return e;
    const char *src = a[0] ? source : NULL;
    const char *opts = a[4] ? data : NULL;

    /* As on FreeBSD: root only, jail-friendly types only, each allowed. */
    const struct fstype *t = fstype_find(type);
    if (caller_euid(m, pid) != 0 || !t || !(t->need & l->fs))
        return EPERM;
    int dirfd = t->kind == K_COPY ? m->dir[t->dir] : -1;
    if (t->kind == K_COPY && dirfd < 0)
        return EPERM; /* the jail has no such file system to show */

    char path[64];
    snprintf(path, sizeof path, "%d/root", (int)pid);
    cleanup_close int root = openat(m->proc, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof path, "%d/cwd", (int)pid);
    cleanup_close int cwd = openat(m->proc, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0 || cwd < 0)
        return EPERM;

    /* FUSE: the caller's /dev/fuse (fd=N) was opened in the host's user
     * namespace, the kernel wants one of the mount's: we open the device
     * again in the jail's user namespace, mount with it and put it in
     * place of the caller's descriptor N. */
    cleanup_close int dev = -1;
    long devnum = -1;
    size_t at = 0, len = 0;
    if (t->kind == K_FUSE) {
        devnum = opts ? fuse_fd_option(opts, &at, &len) : -1;
        if (devnum < 0)
            return EINVAL;
        cleanup_close int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        dev = pfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pfd, (int)devnum, 0);
        struct stat st;
        if (dev < 0 || fstat(dev, &st) < 0 || !S_ISCHR(st.st_mode) ||
            st.st_rdev != makedev(10, 229))
            return EINVAL;
    }
    /* Still the caller of this notification: the pid was not reused. */
    if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
        return ENOENT;

    if (setns(m->userns, CLONE_NEWUSER) < 0 || fchdir(root) < 0 || chroot(".") < 0 ||
        fchdir(cwd) < 0 || agent_caps() < 0)
        return EPERM;

    switch (t->kind) {
    case K_NEW:
        return mount(src, target, t->linux_name, flags, opts) < 0 ? errno : 0;
    case K_FUSE: {
        snprintf(path, sizeof path, "self/fd/%d", dev);
        cleanup_close int mine = openat(m->proc, path, O_RDWR | O_CLOEXEC);
        if (mine < 0)
            return errno;
        char num[16];
        snprintf(num, sizeof num, "%d", mine);
        char newopts[sizeof data + 16];
        snprintf(newopts, sizeof newopts, "%.*s%s%s", (int)at, opts, num, opts + at + len);
        if (mount(src, target, t->linux_name ? t->linux_name : type, flags, newopts) < 0)
            return errno;
        struct seccomp_notif_addfd add = {
            .id = req->id, .flags = SECCOMP_ADDFD_FLAG_SETFD, .srcfd = (uint32_t)mine,
            .newfd = (uint32_t)devnum, .newfd_flags = 0,
        };
        if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
            e = errno;
            umount2(target, MNT_DETACH);
            return e;
        }
        return 0;
    }
    case K_BIND: {
        if (!src)
            return EINVAL;
        /* FreeBSD's nullfs is one file system: no MS_REC unless asked. */
        if (mount(src, target, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
            return errno;
        unsigned long re = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                    MS_NODIRATIME);
        if (re && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | re, NULL) < 0) {
            e = errno;
            umount2(target, MNT_DETACH);
            return e;
        }
        return 0;
    }
    case K_COPY: {
        /* Recursive: the masks come along, locked as in the original. */
        cleanup_close int tree = open_tree(dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                          AT_RECURSIVE | AT_EMPTY_PATH);
        if (tree < 0)
            return errno;
        struct mount_attr ma = {.attr_set = mount_attrs(flags)};
        if (ma.attr_set && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof ma) < 0)
            return errno;
        if (move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            return errno;
        return 0;
    }
    }
    return EPERM;
}

/* One notification: an agent does the work, we answer. */
static void serve(const struct mountd *m, const struct listener *l)
{
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return; /* the caller is gone (or was interrupted) */
    int e = ENOSYS;
    if (req.data.nr == __NR_mount && req.data.arch == seccomp_arch_native()) {
        int pp[2];
        e = EPERM;
        if (pipe2(pp, O_CLOEXEC) == 0) {
            pid_t a = fork();
            if (a == 0) {
                close(pp[0]);
                int r = agent(m, l, &req);
                if (write(pp[1], &r, sizeof r) < 0)
                    _exit(1);
                _exit(0);
            }
            close(pp[1]);
            struct pollfd p = {pp[0], POLLIN, 0};
            int r;
            if (a > 0 && poll(&p, 1, AGENT_TIMEOUT_MS) > 0 && read(pp[0], &r, sizeof r) == sizeof r)
                e = r;
            else if (a > 0)
                kill(a, SIGKILL); /* stuck (a FUSE lookup ...): EPERM */
            close(pp[0]);
        }
    }
    struct seccomp_notif_resp resp = {.id = req.id, .val = 0, .error = e ? -e : 0, .flags = 0};
    ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* A listener from a jailed process (sent with SCM_RIGHTS). */
static void receive(const struct mountd *m, struct listener *ls, size_t *n)
{
    struct hand_over h = {0};
    struct iovec iov = {&h, sizeof h};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    ssize_t r = recvmsg(m->chan, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (r <= 0)
        return;
    int fd = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (fd < 0)
        return;
    /* A seccomp listener answers ENOENT for a notification it does not
     * have; anything else is not one. */
    uint64_t id = 0;
    if (r != sizeof h || h.magic != MOUNTD_MAGIC || *n >= MOUNTD_LISTENERS ||
        ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 || errno != ENOENT) {
        close(fd);
        return;
    }
    ls[(*n)++] = (struct listener){fd, h.mount_fs};
}

static void mountd_main(struct mountd *m) __attribute__((noreturn));
static void mountd_main(struct mountd *m)
{
    static struct listener ls[MOUNTD_LISTENERS];
    static struct pollfd pfd[MOUNTD_LISTENERS + 1];
    size_t n = 0;
    for (;;) {
        pfd[0] = (struct pollfd){m->chan, POLLIN, 0};
        for (size_t i = 0; i < n; i++)
            pfd[i + 1] = (struct pollfd){ls[i].fd, POLLIN, 0};
        size_t polled = n;
        if (poll(pfd, polled + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        /* Downwards: a listener removed is replaced by the last one,
         * already looked at. */
        for (size_t i = polled; i-- > 0;) {
            if (pfd[i + 1].revents & POLLIN)
                serve(m, &ls[i]);
            else if (pfd[i + 1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
                /* every process of that filter is gone */
                close(ls[i].fd);
                ls[i] = ls[--n];
            }
        }
        if (pfd[0].revents & POLLIN)
            receive(m, ls, &n);
        else if (pfd[0].revents & (POLLHUP | POLLERR))
            _exit(0); /* the supervisor is gone, and with it the jail */
    }
}

/* Close every descriptor from 3 on but keep[] (n of them, -1 ignored). */
static void close_all_but(int *keep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            if (keep[k] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[k];
                keep[k] = t;
            }
    unsigned lo = 3;
    for (size_t i = 0; i < n; i++)
        if (keep[i] >= (int)lo) {
            if (keep[i] > (int)lo)
                syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
            lo = (unsigned)keep[i] + 1;
        }
    syscall(SYS_close_range, lo, ~0U, 0);
}

/* ---- the supervisor's part ---- */

/* A procfs of the caller's PID namespace, not attached anywhere (it shows
 * in no mount table). */
static int detached_proc(vj_error_t *err)
{
    cleanup_close int fs = fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return vj_error_make(err, errno, "procfs");
    int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0)
        return vj_error_make(err, errno, "procfs");
    return mnt;
}

static int write_at(int dirfd, const char *path, const char *text)
{
    cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    return write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * The jail's user namespace and the locked copy of our mount namespace it
 * owns, both as descriptors.  A helper is born in the new user namespace;
 * we (root of the host) give it the identity map, then it copies its
 * mount namespace (ours) and we take both namespaces from its /proc
 * entries before it goes.
 */
static int user_mount_ns(int proc, int *userns, int *mntns, vj_error_t *err)
{
    int go[2], done[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return vj_error_make(err, errno, "pipe");
    if (pipe2(done, O_CLOEXEC) < 0) {
        int e = errno;
        close(go[0]);
        close(go[1]);
        return vj_error_make(err, e, "pipe");
    }
    pid_t h = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (h == 0) {
        char b;
        int e = 0;
        close(go[1]);
        close(done[0]);
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        if (unshare(CLONE_NEWNS) < 0)
            e = errno;
        if (write(done[1], &e, sizeof e) < 0)
            _exit(1);
        while (read(go[0], &b, 1) > 0)
            ; /* until the parent has what it needs */
        _exit(0);
    }
    int e = h < 0 ? errno : 0;
    const char *what = "clone(CLONE_NEWUSER)";
    close(go[0]);
    close(done[1]);
    if (h > 0) {
        char path[64];
        int r = 0;
        snprintf(path, sizeof path, "%d/uid_map", (int)h);
        if (write_at(proc, path, "0 0 4294967295") < 0) {
            e = errno;
            what = "uid_map";
        }
        snprintf(path, sizeof path, "%d/gid_map", (int)h);
        if (!e && write_at(proc, path, "0 0 4294967295") < 0) {
            e = errno;
            what = "gid_map";
        }
        if (!e && (write(go[1], "x", 1) != 1 || read(done[0], &r, sizeof r) != sizeof r)) {
            e = EIO;
            what = "helper";
        }
        if (!e && r) {
            e = r;
            what = "unshare(CLONE_NEWNS)";
        }
        if (!e) {
            snprintf(path, sizeof path, "%d/ns/user", (int)h);
            *userns = openat(proc, path, O_RDONLY | O_CLOEXEC);
            snprintf(path, sizeof path, "%d/ns/mnt", (int)h);
            *mntns = openat(proc, path, O_RDONLY | O_CLOEXEC);
            if (*userns < 0 || *mntns < 0) {
                e = errno;
                what = "namespaces";
            }
        }
    }
    close(go[1]);
    close(done[0]);
    if (h > 0)
        while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
            ;
    if (e) {
        if (*userns >= 0)
            close(*userns);
        if (*mntns >= 0)
            close(*mntns);
        *userns = *mntns = -1;
        return vj_error_make(err, e, "user namespace: %s", what);
    }
    return 0;
}

/* The jail's /proc, /sys or /dev if it is a mount of its own (of type
 * magic, unless 0), as an O_PATH descriptor; -1 otherwise. */
static int jail_dir(const char *path, unsigned long magic)
{
    int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct statx stx;
    struct statfs sf;
    if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) < 0 ||
        !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
        !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
        (magic && (fstatfs(fd, &sf) < 0 || (unsigned long)sf.f_type != magic))) {
        close(fd);
        return -1;
    }
    return fd;
}

void vj_mountd_publish(int mountd)
{
    if (mountd < 0)
        return;
    int fd = fcntl(mountd, F_DUPFD_CLOEXEC, VJ_MOUNTD_FD);
    if (fd >= 0)
        close(mountd);
    /* (else it stays where it is and jailed processes do not find it:
     * new file systems then fail with ENOSYS) */
}

int vj_policy_mount_ns(const struct vj_policy *p, int *jail_mnt, int *mountd, vj_error_t *err)
{
    *mountd = -1;
    if (!p->mount)
        return 0;
    struct mountd m = {.jail = p->jail, .chan = -1, .userns = -1, .proc = -1,
                       .dir = {-1, -1, -1}};
    int mntns = -1, sv[2] = {-1, -1}, rc = -1;
    m.proc = detached_proc(err);
    if (m.proc < 0 || user_mount_ns(m.proc, &m.userns, &mntns, err) < 0)
        goto out;
    if (setns(mntns, CLONE_NEWNS) < 0 || chdir("/") < 0) {
        vj_error_make(err, errno, "joining the jail's mount namespace");
        goto out;
    }
    m.dir[DIR_PROC] = jail_dir("/proc", PROC_SUPER_MAGIC);
    m.dir[DIR_SYS] = jail_dir("/sys", SYSFS_MAGIC);
    m.dir[DIR_DEV] = jail_dir("/dev", 0);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        vj_error_make(err, errno, "vjail-mountd: socketpair");
        goto out;
    }
    m.chan = sv[0];
    pid_t d = fork();
    if (d < 0) {
        vj_error_make(err, errno, "vjail-mountd: fork");
        goto out;
    }
    if (d == 0) {
        int keep[] = {m.chan, m.userns, m.proc, m.dir[0], m.dir[1], m.dir[2]};
        close_all_but(keep, sizeof keep / sizeof *keep);
        prctl(PR_SET_NAME, "vjail-mountd");
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGCHLD, SIG_IGN); /* agents are reaped by the kernel */
        signal(SIGPIPE, SIG_IGN);
        mountd_main(&m);
    }
    close(*jail_mnt);
    *jail_mnt = mntns;
    mntns = -1;
    *mountd = sv[1];
    sv[1] = -1;
    rc = 0;
out:
    for (int i = 0; i < NDIRS; i++)
        if (m.dir[i] >= 0)
            close(m.dir[i]);
    int fds[] = {m.proc, m.userns, mntns, sv[0], sv[1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc < 0 ? vj_error_prefix(err, "%s: allow.mount", p->jail) : 0;
}

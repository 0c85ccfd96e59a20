/*
 * Applying a jail's security policy to the calling process: capability
 * sets and the seccomp filter (vj_policy_apply), and the jail's UTS
 * namespace (vj_policy_unshare_uts).
 *
 * The seccomp filter is a deny list on top of the capability drop: the
 * capabilities do the main work; the filter closes what capabilities do
 * not cover (kernel keyrings shared with host root, bpf, perf, userfaultfd,
 * io_uring, TIOCSTI on the host's terminal, user namespaces, socket
 * families, System V IPC kinds that are disabled) and repeats the most
 * important capability checks as a second line.
 */
#include "vjail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* Syscalls no jail may make, whatever its parameters.  Most already need a
 * capability the jail lacks; the rest are not namespaced (keyrings are per
 * uid, and uid 0 in a jail is the host's uid 0) or are large attack
 * surface with no use in a jail. */
static const char *const deny_always[] = {
    /* kernel modules, kexec, reboot, accounting, swap */
    "init_module", "finit_module", "delete_module", "create_module", "kexec_load",
    "kexec_file_load", "reboot", "acct", "swapon", "swapoff",
    /* handles bypass the jail's root (the "shocker" escape) */
    "open_by_handle_at",
    /* kernel keyrings: not namespaced, shared with the host's root */
    "keyctl", "add_key", "request_key",
    /* bpf, perf, userfaultfd, io_uring (its ops bypass this filter) */
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register",
    /* port I/O, obsolete or dangerous interfaces */
    "iopl", "ioperm", "lookup_dcookie", "nfsservctl", "uselib", "_sysctl", "vm86",
    "vm86old", "get_kernel_syms", "query_module",
    /* changing namespaces (mounting: see filter_mount) */
    "setns",
};

struct filter {
    scmp_filter_ctx ctx;
    vj_error_t *err;
    int rc;
};

/* Add one rule; a syscall this architecture or libseccomp does not know
 * is skipped (it cannot be called through this filter's arch anyway). */
static void rule(struct filter *f, uint32_t action, const char *name, unsigned n,
                 const struct scmp_arg_cmp *cmp)
{
    if (f->rc < 0)
        return;
    int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0)
        return;
    int r = seccomp_rule_add_exact_array(f->ctx, action, nr, n, cmp);
    if (r < 0)
        f->rc = vj_error_make(f->err, -r, "%s", "seccomp rule");
    if (r < 0)
        vj_error_prefix(f->err, "%s", name);
}

static void deny(struct filter *f, const char *name) { rule(f, SCMP_ACT_ERRNO(EPERM), name, 0, NULL); }

/* Deny name when (argument arg & mask) == value. */
static void deny_masked(struct filter *f, const char *name, unsigned arg, uint64_t mask,
                        uint64_t value)
{
    struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, mask, value};
    rule(f, SCMP_ACT_ERRNO(EPERM), name, 1, &c);
}

/* Deny name when the int argument arg is >= value (compared on 64 bits, so
 * garbage in the upper half is denied too). */
static void deny_ge(struct filter *f, const char *name, unsigned arg, uint64_t value)
{
    struct scmp_arg_cmp c = {arg, SCMP_CMP_GE, value, 0};
    rule(f, SCMP_ACT_ERRNO(EPERM), name, 1, &c);
}

/* mount(2) flags of the calls that make no new file system. */
#define MS_NOT_NEW (MS_BIND | MS_REMOUNT | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/*
 * Mounting.  Without allow.mount every mount call is refused.  With it,
 * the jail's mount namespace belongs to a user namespace owned by uid 0
 * (security_mountd.c), so the kernel lets jailed root change that
 * namespace's mounts, but none it inherited (they are locked), and
 * refuses it new file systems: those calls (mount(2) with a type) go to
 * vjail-mountd, which checks the type against allow.mount.<fs> and mounts
 * it in the jail's user namespace.  Bind mounts are nullfs.  The new
 * mount API's fsopen/fspick would make new file systems without a type
 * check: they fail with ENOSYS, so that mount(8) uses mount(2).
 */
static void filter_mount(struct filter *f, const struct vj_policy *p)
{
    static const char *const calls[] = {"mount",   "umount",     "umount2",   "pivot_root",
                                        "fsopen",  "fsconfig",   "fsmount",   "fspick",
                                        "move_mount", "open_tree", "mount_setattr"};
    if (!p->mount) {
        for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
            deny(f, calls[i]);
        return;
    }
    struct scmp_arg_cmp fresh = {3, SCMP_CMP_MASKED_EQ, MS_NOT_NEW, 0};
    rule(f, SCMP_ACT_NOTIFY, "mount", 1, &fresh);
    if (!(p->mount_fs & VJ_MNT_NULLFS)) {
        deny_masked(f, "mount", 3, MS_BIND | MS_REMOUNT, MS_BIND);
        deny_masked(f, "open_tree", 2, OPEN_TREE_CLONE, OPEN_TREE_CLONE);
    }
    /* the root stays the jail's root */
    deny(f, "pivot_root");
    static const char *const new_api[] = {"fsopen", "fspick", "fsconfig", "fsmount"};
    for (size_t i = 0; i < sizeof new_api / sizeof *new_api; i++)
        rule(f, SCMP_ACT_ERRNO(ENOSYS), new_api[i], 0, NULL);
    /* A filter of the jail's own could take mount(2) calls away from
     * vjail-mountd (the newest filter gets them): no listeners (the
     * kernel allows only one per process anyway). */
    deny_masked(f, "seccomp", 1, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

static const uint64_t clone_ns_flags[] = {
    CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,   CLONE_NEWNET,
};

static void filter_rules(struct filter *f, const struct vj_policy *p)
{
    for (size_t i = 0; i < sizeof deny_always / sizeof *deny_always; i++)
        deny(f, deny_always[i]);
    filter_mount(f, p);

    /* No new namespaces of any kind: the user namespace needs no privilege
     * at all and would hand a fresh set of capabilities to jailed code.
     * clone3 passes its flags in memory, out of the filter's reach: ENOSYS
     * makes the C library fall back to clone. */
    for (size_t i = 0; i < sizeof clone_ns_flags / sizeof *clone_ns_flags; i++) {
        deny_masked(f, "unshare", 0, clone_ns_flags[i], clone_ns_flags[i]);
        deny_masked(f, "clone", 0, clone_ns_flags[i], clone_ns_flags[i]);
    }
    deny_masked(f, "unshare", 0, CLONE_NEWTIME, CLONE_NEWTIME);
    rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);

    /* Faking input on the terminal jexec was started from would run
     * commands outside the jail.  ioctl's request is 32 bits wide. */
    deny_masked(f, "ioctl", 1, 0xffffffffu, TIOCSTI);
    deny_masked(f, "ioctl", 1, 0xffffffffu, TIOCLINUX);

    /* Device nodes (CAP_MKNOD is dropped too); FIFOs and sockets stay. */
    deny_masked(f, "mknod", 1, S_IFMT, S_IFCHR);
    deny_masked(f, "mknod", 1, S_IFMT, S_IFBLK);
    deny_masked(f, "mknodat", 2, S_IFMT, S_IFCHR);
    deny_masked(f, "mknodat", 2, S_IFMT, S_IFBLK);

    /* allow.socket_af: without it only local, IPv4, IPv6 and netlink (the
     * Linux counterpart of FreeBSD's route sockets). */
    if (!p->socket_af) {
        for (int af = 1; af < AF_MAX; af++)
            if (af != AF_UNIX && af != AF_INET && af != AF_INET6 && af != AF_NETLINK)
                deny_masked(f, "socket", 0, 0xffffffffu, (uint64_t)af);
        deny_ge(f, "socket", 0, AF_MAX);
    }
    /* ip4/ip6 = disable (a restricted jail without addresses of that
     * family): FreeBSD's EAFNOSUPPORT. */
    const struct {
        bool off;
        int af;
    } fams[] = {{p->ip4_disabled, AF_INET}, {p->ip6_disabled, AF_INET6}};
    for (size_t i = 0; i < 2; i++)
        if (fams[i].off) {
            struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint64_t)fams[i].af};
            rule(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
        }

    /* sysvmsg/sysvsem/sysvshm = disable: the calls fail with ENOSYS, as in
     * a FreeBSD jail. */
    static const char *const sysv_calls[VJ_SYSV_N][5] = {
        {"msgget", "msgsnd", "msgrcv", "msgctl", NULL},
        {"semget", "semop", "semtimedop", "semctl", NULL},
        {"shmget", "shmat", "shmdt", "shmctl", NULL},
    };
    for (int k = 0; k < VJ_SYSV_N; k++)
        if (p->sysv[k] == VJ_JS_DISABLE)
            for (int i = 0; sysv_calls[k][i]; i++)
                rule(f, SCMP_ACT_ERRNO(ENOSYS), sysv_calls[k][i], 0, NULL);

    if (!p->set_hostname) {
        deny(f, "sethostname");
        deny(f, "setdomainname");
    }
    if (!p->mlock) {
        deny(f, "mlock");
        deny(f, "mlock2");
        deny(f, "mlockall");
        deny(f, "memfd_secret");
        deny_masked(f, "mmap", 3, MAP_LOCKED, MAP_LOCKED);
    }
    /* allow.read_msgbuf: reading only (3 READ_ALL, 9 SIZE_UNREAD, 10
     * SIZE_BUFFER; 0 and 1 do nothing); never 2 READ, which takes the
     * messages away from the host's log daemon, clearing the buffer or
     * changing the console level. */
    if (!p->read_msgbuf) {
        deny(f, "syslog");
    } else {
        for (unsigned act = 2; act <= 8; act++)
            if (act != 3)
                deny_masked(f, "syslog", 0, 0xffffffffu, act);
        deny_ge(f, "syslog", 0, 11);
    }
    if (!p->proc_debug) {
        deny(f, "ptrace");
        deny(f, "process_vm_readv");
        deny(f, "process_vm_writev");
    }
    if (!p->settime) {
        deny(f, "settimeofday");
        deny(f, "clock_settime");
        deny(f, "stime");
    }
}

static int build_filter(const struct vj_policy *p, bool nnp, scmp_filter_ctx *out,
                        vj_error_t *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return vj_error_make(err, ENOMEM, "%s: seccomp_init", p->jail);
    struct filter f = {ctx, err, 0};
    int r;
    /* Other architectures (i386 and x32 system calls on x86_64) are not in
     * the filter: such a call kills the process instead of slipping past
     * rules written for native numbers.  As root no no_new_privs: setuid
     * programs in the jail must keep working (CAP_SYS_ADMIN allows it). */
    if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
        (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp)) < 0) {
        seccomp_release(ctx);
        return vj_error_make(err, -r, "%s: seccomp attributes", p->jail);
    }
    /* A binary tree over the syscall numbers: every call of the jail
     * passes the filter, most of them allowed. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    filter_rules(&f, p);
    if (f.rc < 0) {
        seccomp_release(ctx);
        return vj_error_prefix(err, "%s", p->jail);
    }
    *out = ctx;
    return 0;
}

/* The filter of one jail compiled ahead by vj_policy_precompile, in
 * jail(8) while the supervisor sets the jail up; its forked children load
 * it as it is.  Keyed by the jail's name: a jail(8) handles one jail at a
 * time, its children inherit this memory. */
static struct {
    char *jail;
    struct sock_fprog prog;
} precompiled;

/* Compiled filters are kept in SECCOMP_CACHE_DIR under a key made of
 * every value of the policy and the identity of this program (its rules
 * and the libseccomp linked into it): compiling takes half a millisecond
 * of every jail's start, reading the file a few microseconds.  The
 * directory is root's, under the registry's, which no jail sees. */
#define SECCOMP_CACHE_DIR VJ_RUNDIR "/seccomp"

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static char *filter_cache_path(const struct vj_policy *p)
{
    struct stat exe;
    if (stat("/proc/self/exe", &exe) < 0)
        return NULL;
    /* The policy's values only: no pointer (the policy was calloc'ed, so
     * its padding is zero too). */
    struct vj_policy k;
    memcpy(&k, p, sizeof k);
    k.jail = NULL;
    k.warnings = NULL;
    k.nwarnings = 0;
    k.net = NULL; /* (addresses are the BPF programs', not the filter's) */
    uint64_t h = fnv(0xcbf29ce484222325ULL, &k, sizeof k);
    uint64_t id[] = {exe.st_dev, exe.st_ino, (uint64_t)exe.st_size, (uint64_t)exe.st_mtim.tv_sec,
                     (uint64_t)exe.st_mtim.tv_nsec};
    h = fnv(h, id, sizeof id);
    return xasprintf("%s/%016llx", SECCOMP_CACHE_DIR, (unsigned long long)h);
}

/* Each policy and each build of jail(8) adds a file; /run is not a tmpfs
 * everywhere, so nothing would ever clear them: once there are more than
 * SECCOMP_CACHE_MAX, the least recently written go (a filter compiled
 * again costs half a millisecond once). */
#define SECCOMP_CACHE_MAX 64

static void cache_prune(void)
{
    DIR *d = opendir(SECCOMP_CACHE_DIR);
    if (!d)
        return;
    struct entry {
        char name[32];
        struct timespec t;
    } *e = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof e->name ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        e = xrealloc(e, (n + 1) * sizeof *e);
        snprintf(e[n].name, sizeof e[n].name, "%s", de->d_name);
        e[n++].t = st.st_mtim;
    }
    while (n > SECCOMP_CACHE_MAX) {
        size_t old = 0;
        for (size_t i = 1; i < n; i++)
            if (e[i].t.tv_sec < e[old].t.tv_sec ||
                (e[i].t.tv_sec == e[old].t.tv_sec && e[i].t.tv_nsec < e[old].t.tv_nsec))
                old = i;
        unlinkat(dirfd(d), e[old].name, 0);
        e[old] = e[--n];
    }
    free(e);
    closedir(d);
}

int vj_policy_precompile(const struct vj_policy *p, vj_error_t *err)
{
    cleanup_free char *cache = filter_cache_path(p);
    cleanup_close int fd = cache ? open(cache, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        scmp_filter_ctx ctx = NULL;
        if (build_filter(p, false, &ctx, err) < 0)
            return -1;
        fd = memfd_create("vjail-seccomp", MFD_CLOEXEC);
        int r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
        seccomp_release(ctx);
        if (r < 0)
            return vj_error_make(err, -r, "%s: compiling the seccomp filter", p->jail);
        off_t n = lseek(fd, 0, SEEK_END);
        cleanup_free char *buf = n > 0 && n <= 65536 * 8 ? xmalloc((size_t)n) : NULL;
        cleanup_free char *tmp = cache ? xasprintf("%s.%d", cache, (int)getpid()) : NULL;
        /* Written whole, then renamed: a reader never sees half a filter. */
        if (buf && tmp && pread(fd, buf, (size_t)n, 0) == n &&
            (mkdir(SECCOMP_CACHE_DIR, 0700) == 0 || errno == EEXIST) &&
            write_file(tmp, buf, (size_t)n, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL) == 0) {
            if (rename(tmp, cache) < 0)
                unlink(tmp);
            else
                cache_prune();
        }
    }
    off_t len = lseek(fd, 0, SEEK_END);
    if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 || len > 65536 * 8)
        return vj_error_make(err, 0, "%s: compiling the seccomp filter: bad length", p->jail);
    struct sock_filter *code = xmalloc((size_t)len);
    if (pread(fd, code, (size_t)len, 0) != len) {
        free(code);
        return vj_error_make(err, errno, "%s: compiling the seccomp filter", p->jail);
    }
    free(precompiled.jail);
    free(precompiled.prog.filter);
    precompiled.jail = xstrdup(p->jail ? p->jail : "");
    precompiled.prog.filter = code;
    precompiled.prog.len = (unsigned short)(len / (off_t)sizeof(struct sock_filter));
    return 0;
}

/* Load the filter; with allow.mount *listener gets its notification fd
 * (else -1). */
static int load_filter(const struct vj_policy *p, bool nnp, int *listener, vj_error_t *err)
{
    *listener = -1;
    if (!nnp && precompiled.jail && !strcmp(precompiled.jail, p->jail ? p->jail : "")) {
        unsigned flags = p->mount ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &precompiled.prog);
        if (r < 0)
            return vj_error_make(err, errno, "%s: loading the seccomp filter", p->jail);
        if (p->mount)
            *listener = (int)r;
        return 0;
    }
    scmp_filter_ctx ctx = NULL;
    if (build_filter(p, nnp, &ctx, err) < 0)
        return -1;
    int r = seccomp_load(ctx);
    if (r == 0 && p->mount)
        *listener = seccomp_notify_fd(ctx);
    seccomp_release(ctx);
    if (r < 0)
        return vj_error_make(err, -r, "%s: loading the seccomp filter", p->jail);
    return 0;
}

int vj_policy_export_filter(const struct vj_policy *p, int fd, vj_error_t *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return vj_error_make(err, ENOMEM, "seccomp_init");
    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    struct filter f = {ctx, err, 0};
    filter_rules(&f, p);
    int r = f.rc < 0 ? -1 : seccomp_export_pfc(ctx, fd);
    seccomp_release(ctx);
    if (f.rc < 0)
        return -1;
    return r < 0 ? vj_error_make(err, -r, "seccomp_export_pfc") : 0;
}

/* Drop every capability the policy does not keep from the bounding set
 * (including ones newer than this build: the loop runs until the kernel
 * says the number is invalid). */
static int drop_bounding(const struct vj_policy *p, vj_error_t *err)
{
    for (int cap = 0;; cap++) {
        int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0)
            return errno == EINVAL ? 0 : vj_error_make(err, errno, "%s: capability %d", p->jail, cap);
        if (r == 0 || vj_policy_keeps_cap(p, cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            return vj_error_make(err, errno,
                                 "%s: dropping capability %d from the bounding set (the "
                                 "policy must be applied as root, before changing user)",
                                 p->jail, cap);
    }
}

static int restrict_sets(const struct vj_policy *p, vj_error_t *err)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0)
        return vj_error_make(err, errno, "%s: capget", p->jail);
    for (int i = 0; i < 2; i++) {
        uint32_t keep = (uint32_t)(p->keep_caps >> (32 * i));
        data[i].permitted &= keep;
        data[i].effective &= keep;
        data[i].inheritable &= keep;
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        return vj_error_make(err, errno, "%s: capset", p->jail);
    /* Ambient capabilities would survive exec of a non-root program. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return vj_error_make(err, errno, "%s: clearing ambient capabilities", p->jail);
    return 0;
}

static bool cap_effective(int cap)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0)
        return false;
    return data[cap / 32].effective & (1u << (cap % 32));
}

int vj_policy_apply(const struct vj_policy *p, vj_error_t *err)
{
    int listener = -1;
    if (cap_effective(CAP_SETPCAP) && cap_effective(CAP_SYS_ADMIN)) {
        /* Root: order matters, the bounding set needs CAP_SETPCAP and
         * loading the filter without no_new_privs needs CAP_SYS_ADMIN,
         * both gone after restrict_sets; vjail-mountd's channel is taken
         * from pid 1 with CAP_SYS_PTRACE. */
        int chan = p->mount ? vj_mountd_channel() : -1;
        if (drop_bounding(p, err) < 0 || load_filter(p, false, &listener, err) < 0) {
            if (chan >= 0)
                close(chan);
            return -1;
        }
        if (p->mount)
            vj_mountd_hand_over(chan, listener, p->mount_fs);
        return restrict_sets(p, err);
    }
    /* Already unprivileged (the caller changed user first): the bounding
     * set cannot be changed any more, so no_new_privs makes sure no
     * program executed from here (setuid root or with file capabilities)
     * gains anything.  (No way to vjail-mountd: mount(2) with a type
     * then fails with ENOSYS.) */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return vj_error_make(err, errno, "%s: no_new_privs", p->jail);
    if (restrict_sets(p, err) < 0 || load_filter(p, true, &listener, err) < 0)
        return -1;
    if (listener >= 0)
        close(listener);
    return 0;
}

struct uts_helper {
    int fd, err;
};

/* In the helper (our memory, our descriptor table): the new UTS
 * namespace as a descriptor for the parent. */
static int uts_helper_main(void *arg)
{
    struct uts_helper *h = arg;
    h->fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
    if (h->fd < 0)
        h->err = errno;
    return 0;
}

int vj_policy_unshare_uts(const struct vj_policy *p, vj_error_t *err)
{
    if (!p->set_hostname) {
        if (unshare(CLONE_NEWUTS) < 0)
            return vj_error_make(err, errno, "%s: unshare(CLONE_NEWUTS)", p->jail);
        return 0;
    }
    /* A helper is born in a new user namespace (owner: our euid 0) and a
     * UTS namespace owned by it; we join the UTS namespace only.  The
     * kernel grants a user namespace's owner, in the parent namespace,
     * every capability inside it, so jailed root may set this hostname
     * without holding CAP_SYS_ADMIN; the jail's other namespaces stay
     * owned by the initial user namespace, where it holds no such
     * capability.  The helper shares our memory and descriptors and we
     * sleep until it exits (CLONE_VM|CLONE_VFORK): no copy of this
     * process, it only opens its UTS namespace for us. */
    struct uts_helper h = {-1, 0};
    const size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return vj_error_make(err, errno, "%s: allow.set_hostname: mmap", p->jail);
    pid_t pid = clone(uts_helper_main, (char *)stack + stack_size,
                      CLONE_VM | CLONE_FILES | CLONE_VFORK | CLONE_NEWUSER | CLONE_NEWUTS | SIGCHLD,
                      &h);
    int e = pid < 0 ? errno : 0;
    const char *what = "clone(CLONE_NEWUSER|CLONE_NEWUTS)";
    if (pid > 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        what = "joining the UTS namespace";
        if (h.fd < 0)
            e = h.err ? h.err : EIO;
        else if (setns(h.fd, CLONE_NEWUTS) < 0)
            e = errno;
    }
    if (h.fd >= 0)
        close(h.fd);
    munmap(stack, stack_size);
    if (e)
        return vj_error_make(err, e, "%s: allow.set_hostname: %s", p->jail, what);
    return 0;
}

/*
 * Child jails managed from inside their parent (children.max > 0).
 *
 * Jailed root cannot create name spaces (that needs CAP_SYS_ADMIN, which
 * would let it escape), so jail(8) and jexec(8) in a jail ask the jail's
 * supervisor, which is outside the jail's policy.  The supervisor listens
 * on /run/vjail/ctl inside the jail's mount name space (only the jail
 * sees it; only its root may connect) and forks a worker per request,
 * which runs the engine (vj_run_child, vj_registry_export_children, a
 * jexec) with the caller's stdin/stdout/stderr, passed with SCM_RIGHTS, so
 * messages reach the caller as they would from a local jail(8).  The
 * worker stays in the jail's PID, UTS, IPC and network name spaces: a
 * child's name spaces are made inside its parent's.
 *
 * The worker is a process of the parent jail (its PID name space), so the
 * jail's root can read its /proc/PID/mountinfo, which no ptrace check
 * guards.  It therefore never enters the host's mount name space: it
 * works in the "engine name space" the supervisor prepared at its start,
 * before any jailed process existed (vj_nested_prepare).  That name space
 * holds only what the engine needs, at the host's paths: the jail's own
 * root (where its children live), the registry, the cgroup file systems,
 * the host's /proc and /dev/null; and a copy of the jail's passwd and
 * group (users given by the jail's root are the jail's users).  The child
 * jail's supervisor and its commands are made from there, so they never
 * show anything else either.  A jail whose root is the host's / shares
 * the host's tree: so do its engine name space and its children.
 *
 * Protocol: one request per connection.  The client sends
 * "OP[ FLAGS] LEN\n" (with its fds 0, 1, 2 attached), then LEN bytes of
 * payload.
 *   RUN FLAGS: payload = NUL-terminated name=value arguments; FLAGS are
 *     jail(8)'s operation and options (vj_run_child); reply = one byte,
 *     the exit status.
 *   LIST: no payload; reply = the descendants' registry records
 *     (registry.c), each followed by a NUL byte.
 *   EXEC: payload = NUL-terminated key=value items, an empty item, then
 *     the command's argv (vj_nested_exec); after the payload the client
 *     sends one byte per signal to pass on, and EOF when it goes; reply =
 *     one byte, jexec's exit status.
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_REQUEST (1 << 20)
/* The engine name space is built on a tmpfs mounted here (in the new
 * name space only; the directory stays, empty, in the host's tree). */
#define ENGINE_TOP VJ_RUNDIR "/nested"
/* Marks the engine name space's own /etc (a tmpfs). */
#define ENGINE_MARK "/etc/.vjail-engine"

/* ---------------------------------------------------------------- */
/* the engine name space                                            */

static int mkdirs(const char *path)
{
    cleanup_free char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -1;
            *s = c;
            if (!c)
                return 0;
        }
    }
}

static int bind_into(const char *src, const char *top, bool recursive, bool file,
                     vj_error_t *err)
{
    cleanup_free char *dst = xasprintf("%s%s", top, src);
    int rc;
    if (file) {
        cleanup_free char *dir = xstrdup(dst);
        *strrchr(dir, '/') = 0;
        rc = mkdirs(dir);
        if (rc == 0) {
            int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            rc = fd < 0 ? -1 : close(fd);
        }
    } else {
        rc = mkdirs(dst);
    }
    if (rc < 0)
        return vj_error_make(err, errno, "mkdir %s", dst);
    if (mount(src, dst, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
        return vj_error_make(err, errno, "bind %s", src);
    return 0;
}

/* In a fresh copy of the host's mount name space: replace its root by a
 * tmpfs holding only what the engine needs (see the top of the file). */
static int engine_root(const char *path, vj_error_t *err)
{
    /* host mounts still reach us, ours never reach the host */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return vj_error_make(err, errno, "make / slave");
    if (!path || !strcmp(path, "/"))
        return 0; /* the jail shares the host's tree */
    if (mkdir(ENGINE_TOP, 0700) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", ENGINE_TOP);
    if (mount("vjail", ENGINE_TOP, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256k") < 0)
        return vj_error_make(err, errno, "mount tmpfs on %s", ENGINE_TOP);
    /* the registry without what is mounted below it (pinned network
     * name spaces), the cgroup file systems with theirs */
    if (bind_into(VJ_RUNDIR, ENGINE_TOP, false, false, err) < 0 ||
        bind_into("/sys/fs/cgroup", ENGINE_TOP, true, false, err) < 0 ||
        bind_into("/proc", ENGINE_TOP, false, false, err) < 0 ||
        bind_into("/dev/null", ENGINE_TOP, false, true, err) < 0 ||
        bind_into(path, ENGINE_TOP, true, false, err) < 0)
        return -1;
    /* /etc for sync_users, marked: nothing writes an /etc that is not
     * this one */
    if (mkdir(ENGINE_TOP "/etc", 0755) < 0 ||
        write_file(ENGINE_TOP ENGINE_MARK, "", 0, O_WRONLY | O_CREAT | O_EXCL, 0444, NULL) < 0)
        return vj_error_make(err, errno, "mkdir %s/etc", ENGINE_TOP);
    if (chdir(ENGINE_TOP) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        return vj_error_make(err, errno, "pivot_root %s", ENGINE_TOP);
    return 0;
}

int vj_nested_prepare(const char *path, vj_error_t *err)
{
    cleanup_close int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (host < 0)
        return vj_error_make(err, errno, "open /proc/self/ns/mnt");
    if (unshare(CLONE_NEWNS) < 0)
        return vj_error_make(err, errno, "engine mount name space");
    int fd = -1;
    if (engine_root(path, err) == 0 && (fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
        vj_error_make(err, errno, "open /proc/self/ns/mnt");
    if (setns(host, CLONE_NEWNS) < 0 || chdir("/") < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        vj_error_release(err);
        return vj_error_make(err, e, "setns(CLONE_NEWNS)");
    }
    return fd;
}

/* Copy the parent jail's passwd and group into the engine name space's
 * /etc (a jail's users are its own), read below the jail's root without
 * following anything out of it. */
static void sync_users(int jid)
{
    struct vj_rec p;
    if (vj_reg_load(jid, &p, NULL) < 0)
        return;
    bool own_root = p.j.path && strcmp(p.j.path, "/") != 0;
    cleanup_close int root = own_root ? open(p.j.path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    vj_rec_clear(&p);
    if (root < 0)
        return; /* path=/: /etc is the host's, which is the jail's */
    /* Only ever into the engine name space's tmpfs, never a real /etc. */
    struct statfs sf;
    if (statfs("/etc", &sf) < 0 || sf.f_type != TMPFS_MAGIC || access(ENGINE_MARK, F_OK) < 0)
        return;
    const char *files[] = {"etc/passwd", "etc/group"};
    for (size_t i = 0; i < 2; i++) {
        struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        cleanup_close int in = (int)syscall(SYS_openat2, root, files[i], &how, sizeof how);
        cleanup_free char *tmp = xasprintf("/%s.%d", files[i], (int)getpid());
        cleanup_free char *dst = xasprintf("/%s", files[i]);
        cleanup_close int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
            continue;
        char buf[8192];
        ssize_t n;
        size_t total = 0;
        while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0 && total < MAX_REQUEST) {
            if (write(out, buf, (size_t)n) != n)
                break;
            total += (size_t)n;
        }
        if (rename(tmp, dst) < 0)
            unlink(tmp);
    }
}

/* ---------------------------------------------------------------- */
/* the supervisor's side                                            */

int vj_nested_listen(vj_error_t *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", VJ_NESTED_CTL);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return vj_error_make(err, errno, "socket");
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
        listen(fd, 8) < 0) {
        int e = errno;
        close(fd);
        return vj_error_make(err, e, "%s", VJ_NESTED_CTL);
    }
    return fd;
}

/* Close every descriptor but a and b. */
static void close_all_but(int a, int b)
{
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    if (a > 3)
        close_range(3, (unsigned)a - 1, 0);
    if (b > a + 1)
        close_range((unsigned)a + 1, (unsigned)b - 1, 0);
    close_range((unsigned)b + 1, ~0U, 0);
}

static int read_full(int fd, char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The header (with the caller's fds 0, 1, 2) and the payload. */
static int read_request(int c, int fds[3], char **op, char **payload, size_t *len)
{
    char hdr[256];
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } ctl;
    /* the header alone, byte by byte after the first: the payload (and,
     * for EXEC, what follows it) stays in the socket */
    struct iovec iov = {hdr, 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                        .msg_controllen = sizeof ctl};
    if (recvmsg(c, &mh, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(3 * sizeof(int)))
        return -1;
    memcpy(fds, CMSG_DATA(cm), 3 * sizeof(int));
    size_t n = 1;
    while (hdr[n - 1] != '\n') {
        if (n == sizeof hdr - 1 || read_full(c, hdr + n, 1) < 0)
            return -1;
        n++;
    }
    hdr[n - 1] = 0;
    char *sp = strrchr(hdr, ' ');
    if (!sp)
        return -1;
    char *end;
    unsigned long l = strtoul(sp + 1, &end, 10);
    if (*end || l > MAX_REQUEST)
        return -1;
    *sp = 0;
    *op = xstrdup(hdr);
    /* two more NULs: end the last argument and the list */
    *payload = xcalloc(l + 2, 1);
    *len = l;
    return read_full(c, *payload, l);
}

static void reply_status(int c, int st)
{
    fflush(NULL);
    unsigned char s = (unsigned char)st;
    if (write(c, &s, 1) < 0)
        _exit(1);
    _exit(0);
}

static int serve_exec(int c, int jid, char *payload, size_t len);

static void serve_one(int c, int jid, int engine_mnt) __attribute__((noreturn));
static void serve_one(int c, int jid, int engine_mnt)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (engine_mnt < 0)
        _exit(1);
    /* nothing of the supervisor's: its descriptors name host objects */
    close_all_but(c, engine_mnt);
    int fl = fcntl(c, F_GETFL);
    fcntl(c, F_SETFL, fl & ~O_NONBLOCK);
    struct ucred cr;
    socklen_t crl = sizeof cr;
    /* FreeBSD: only root may create, change, remove or enter jails. */
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.uid != 0)
        _exit(1);
    /* a client that stalls cannot keep a worker forever */
    struct timeval tv = {10, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int fds[3] = {-1, -1, -1};
    char *op = NULL, *payload = NULL;
    size_t len = 0;
    if (read_request(c, fds, &op, &payload, &len) < 0)
        _exit(1);
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)
            _exit(1);
    for (int i = 0; i < 3; i++)
        if (fds[i] > 2)
            close(fds[i]);
    if (setns(engine_mnt, CLONE_NEWNS) < 0 || chdir("/") < 0)
        _exit(1);
    close(engine_mnt);
    /* nothing of the environment jail(8) had when it made the parent */
    clearenv();
    setenv("PATH", VJ_CLEAN_PATH, 1);
    umask(022);
    char *flags = strchr(op, ' ');
    if (flags)
        *flags++ = 0;
    if (!strcmp(op, "RUN")) {
        sync_users(jid);
        char **args = NULL;
        size_t nargs = 0;
        for (char *a = payload; *a; a += strlen(a) + 1) {
            args = xrealloc(args, (nargs + 2) * sizeof *args);
            args[nargs++] = a;
            args[nargs] = NULL;
        }
        int st = vj_run_child(jid, flags ? flags : "", args, nargs);
        free(args);
        reply_status(c, st);
    }
    if (!strcmp(op, "LIST")) {
        size_t n = 0;
        cleanup_free char *out = vj_registry_export_children(jid, &n);
        for (size_t off = 0; off < n;) {
            ssize_t w = write(c, out + off, n - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    if (!strcmp(op, "EXEC")) {
        vj_progname = "jexec";
        /* the command may run for long: no time-outs now */
        struct timeval zero = {0, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof zero);
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
        reply_status(c, serve_exec(c, jid, payload, len));
    }
    _exit(1);
}

void vj_nested_serve(int lfd, int jid, int engine_mnt)
{
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        pid_t pid = fork();
        if (pid == 0)
            serve_one(c, jid, engine_mnt);
        /* reaped by the supervisor's waitpid loop */
        close(c);
    }
}

/* ---------------------------------------------------------------- */
/* jexec into a child: the worker's side                            */

static const char *item(char **items, const char *key)
{
    size_t kl = strlen(key);
    for (; *items; items++)
        if (!strncmp(*items, key, kl) && (*items)[kl] == '=')
            return *items + kl + 1;
    return NULL;
}

static bool has_item(char **items, const char *key)
{
    for (; *items; items++)
        if (!strcmp(*items, key))
            return true;
    return false;
}

/* Signals the client passes on: jexec's own forwarded set and the
 * terminal's, which reach the client, not the command. */
static bool forwardable(int sig)
{
    return sig == SIGINT || sig == SIGQUIT || sig == SIGTERM || sig == SIGHUP ||
           sig == SIGUSR1 || sig == SIGUSR2;
}

static int serve_exec(int c, int jid, char *payload, size_t len)
{
    /* key=value items up to an empty one, then the command */
    char **items = NULL, **cmd = NULL;
    size_t ni = 0, nc = 0;
    char *p = payload, *end = payload + len;
    for (; p < end && *p; p += strlen(p) + 1) {
        items = xrealloc(items, (ni + 2) * sizeof *items);
        items[ni++] = p;
        items[ni] = NULL;
    }
    if (p >= end)
        return 1;
    for (p++; p < end; p += strlen(p) + 1) {
        cmd = xrealloc(cmd, (nc + 2) * sizeof *cmd);
        cmd[nc++] = p;
        cmd[nc] = NULL;
    }
    if (!items || !cmd) {
        if (!cmd)
            cmd = xcalloc(1, sizeof *cmd);
        if (!items)
            return 1;
    }
    const char *name = item(items, "jail");
    vj_error_t err = NULL;
    struct vj_rec rec;
    if (!name || vj_child_lookup(jid, name, &rec, &err) < 0) {
        if (err)
            vj_error_print(&err, "jexec");
        return 1;
    }
    struct vj_policy *pol = NULL;
    static struct vj_cjail unrecorded;
    if (vj_policy_from_jail(rec.j.params ? rec.j.params : &unrecorded, &pol, &err) < 0) {
        vj_error_print(&err, "jexec");
        vj_rec_clear(&rec);
        return 1;
    }
    /* the caller's environment and umask, as jexec keeps them */
    for (char **i = items; *i; i++)
        if (!strncmp(*i, "env=", 4) && strchr(*i + 4, '='))
            putenv(*i + 4);
    const char *um = item(items, "umask");
    if (um)
        umask((mode_t)strtoul(um, NULL, 8) & 0777);
    /* -u or -l: the user the caller looked up in its jail */
    struct vj_user u = {0};
    bool have_user = item(items, "uid") != NULL;
    if (have_user) {
        u.uid = (uid_t)strtoul(item(items, "uid"), NULL, 10);
        u.gid = (gid_t)strtoul(item(items, "gid") ? item(items, "gid") : "0", NULL, 10);
        u.name = xstrdup(item(items, "user") ? item(items, "user") : "");
        u.home = xstrdup(item(items, "home") ? item(items, "home") : "/");
        u.shell = xstrdup(item(items, "shell") ? item(items, "shell") : "/bin/sh");
        const char *g = item(items, "groups");
        for (const char *s = g; s && *s;) {
            u.groups = xrealloc(u.groups, (u.ngroups + 1) * sizeof *u.groups);
            u.groups[u.ngroups++] = (gid_t)strtoul(s, NULL, 10);
            s = strchr(s, ',');
            s = s ? s + 1 : NULL;
        }
    }
    struct vj_jexec x = {
        .cmd = cmd,
        .workdir = item(items, "dir"),
        .clean = has_item(items, "clean"),
        .jail_user = item(items, "jail_user"),
        .u = &u,
        .have_user = have_user,
        .change_creds = has_item(items, "change_creds") || item(items, "jail_user") != NULL,
        .pol = pol,
    };
    struct vj_attach att;
    if (vj_jail_attach_begin(&rec.j, &att, &err) < 0) {
        vj_error_print(&err, "jexec");
        vj_rec_clear(&rec);
        return 1;
    }
    fflush(NULL);
    pid_t pid = vj_jail_attach_fork(&att);
    if (pid == 0) {
        close(c);
        if (vj_jail_attach_finish(&att, &err) < 0) {
            vj_error_print(&err, "jexec");
            _exit(1);
        }
        vj_jexec_exec(&x);
    }
    vj_jail_attach_end(&att);
    vj_rec_clear(&rec);
    if (pid < 0) {
        fprintf(stderr, "jexec: fork: %s\n", strerror(errno));
        return 1;
    }
    /* Wait for the command; pass on the client's signals; if the client
     * goes away the command goes too, as with a killed jexec. */
    cleanup_close int pfd = pidfd_open(pid, 0);
    bool client = true;
    for (;;) {
        struct pollfd pf[2] = {{pfd, POLLIN, 0}, {c, POLLIN, 0}};
        int r = poll(pf, client ? 2 : 1, -1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (pf[0].revents)
            break;
        if (pf[1].revents) {
            unsigned char sig;
            ssize_t n = read(c, &sig, 1);
            if (n == 1 && forwardable(sig)) {
                pidfd_send_signal(pfd, sig, NULL, 0);
            } else if (n <= 0 && !(n < 0 && errno == EINTR)) {
                client = false;
                pidfd_send_signal(pfd, SIGKILL, NULL, 0);
            }
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    vj_user_clear(&u);
    vj_policy_free(pol);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* ---------------------------------------------------------------- */
/* the client's side                                                */

/* From the host: connect s to the control socket of live jail j, in its
 * mount name space, through its supervisor's root (/proc/PID/root).  A
 * pidfd checked around the open keeps a reused PID from standing in; the
 * path is resolved inside that root, so nothing in the jail can point it
 * elsewhere; and the listening end must be the supervisor's own. */
static int connect_via(int s, const struct vj_jail *j, vj_error_t *err)
{
    cleanup_close int pfd = j->sup_pid > 0 ? pidfd_open(j->sup_pid, 0) : -1;
    if (pfd < 0 || vj_proc_start(j->sup_pid) != j->sup_start)
        return vj_error_make(err, ESRCH, "jail_set: %s", j->name);
    cleanup_free char *rootp = xasprintf("/proc/%d/root", (int)j->sup_pid);
    /* The supervisor looks in the host's mount name space, now and then,
     * whether its jail is over (engine_supervisor.c): its root is the
     * host's meanwhile, where there is no such socket.  Try again. */
    int fd = -1;
    for (int i = 0; i < 200 && fd < 0; i++) {
        cleanup_close int root = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct pollfd p = {pfd, POLLIN, 0};
        if (root < 0 || poll(&p, 1, 0) != 0)
            return vj_error_make(err, ESRCH, "jail_set: %s", j->name);
        struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        fd = (int)syscall(SYS_openat2, root, &VJ_NESTED_CTL[1], &how, sizeof how);
        if (fd < 0 && errno != ENOENT)
            return vj_error_make(err, errno, "jail_set: %s: %s", j->name, VJ_NESTED_CTL);
        if (fd < 0) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (fd < 0)
        return vj_error_make(err, ENOENT, "jail_set: %s: %s", j->name, VJ_NESTED_CTL);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", fd);
    int rc = connect(s, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    close(fd);
    if (rc < 0)
        return vj_error_make(err, e, "jail_set: %s: %s", j->name, VJ_NESTED_CTL);
    struct ucred cr;
    socklen_t crl = sizeof cr;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.pid != j->sup_pid ||
        cr.uid != 0)
        return vj_error_make(err, EPERM, "jail_set: %s: %s is not its supervisor's", j->name,
                             VJ_NESTED_CTL);
    return 0;
}

/* Connect (to our own jail's supervisor, or from the host to jail via's)
 * and send the header (with fds 0, 1, 2) and the payload. */
static int send_request(const struct vj_jail *via, const char *op, const char *payload,
                        size_t len, vj_error_t *err)
{
    cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return vj_error_make(err, errno, "jail_set");
    if (via) {
        if (connect_via(s, via, err) < 0)
            return -1;
    } else {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", VJ_NESTED_CTL);
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
            return vj_error_make(err, errno, "jail_set");
    }
    cleanup_free char *hdr = xasprintf("%s %zu\n", op, len);
    struct iovec iov = {hdr, strlen(hdr)};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                        .msg_controllen = sizeof ctl};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
    int fds[3] = {0, 1, 2};
    memcpy(CMSG_DATA(cm), fds, sizeof fds);
    fflush(NULL);
    if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
        return vj_error_make(err, errno, "jail_set");
    for (size_t off = 0; off < len;) {
        ssize_t w = send(s, payload + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            return vj_error_make(err, errno, "jail_set");
        off += (size_t)w;
    }
    return vj_steal_fd(s);
}

int vj_nested_call(const char *op, const char *payload, size_t len, char **reply,
                   size_t *rlen, vj_error_t *err)
{
    return vj_nested_call_via(NULL, op, payload, len, reply, rlen, err);
}

int vj_nested_call_via(const struct vj_jail *via, const char *op, const char *payload,
                       size_t len, char **reply, size_t *rlen, vj_error_t *err)
{
    *reply = NULL;
    *rlen = 0;
    cleanup_close int s = send_request(via, op, payload, len, err);
    if (s < 0)
        return -1;
    shutdown(s, SHUT_WR);
    struct vj_buf b = {0};
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            buf_add(&b, buf, n);
    *rlen = b.len;
    *reply = buf_steal(&b);
    return 0;
}

static volatile sig_atomic_t exec_sock = -1;

static void pass_signal(int sig)
{
    unsigned char s = (unsigned char)sig;
    int e = errno;
    if (exec_sock >= 0 && send(exec_sock, &s, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* the worker is gone: its answer (or its absence) ends us */
    }
    errno = e;
}

int vj_nested_exec(const char *payload, size_t len, vj_error_t *err)
{
    static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    int s = send_request(NULL, "EXEC", payload, len, err);
    if (s < 0)
        return -1;
    exec_sock = s;
    struct sigaction sa = {0};
    sa.sa_handler = pass_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    unsigned char st = 1;
    ssize_t n;
    while ((n = read(s, &st, 1)) < 0 && errno == EINTR)
        ;
    exec_sock = -1;
    close(s);
    return n == 1 ? st : 1;
}

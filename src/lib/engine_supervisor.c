/*
 * The per-jail supervisor: pid 1 of the jail's PID namespace.
 *
 * jail(8) creates it with one clone3() straight into the shared
 * supervisors' cgroup (<root>/vjail/sup), so it never moves between
 * cgroups; it is adopted by the host's init when jail(8) exits.  It
 *   - creates and holds the jail's namespaces: it lives in the jail's PID,
 *     UTS, IPC (per policy), mount and network namespaces, and keeps the
 *     jail's mount namespace open as a descriptor (jail(8) and jexec
 *     obtain it with pidfd_getfd);
 *   - reaps orphans of the jail (it is their reaper as pid 1);
 *   - watches the jail's cgroup: when a non-persistent jail has no
 *     processes left it marks the jail dying, hands vnet.interface back,
 *     tells the jail(8) that waits for it (the report pipe closes), then
 *     releases the rest (interfaces it made, mounts, cgroup, registry
 *     entry) and exits, which ends the namespaces.  As on FreeBSD, a
 *     dying jail is listed by jls -d until then.
 * It never runs user code and is never subject to the jail's policy, so
 * it sets itself non-dumpable: jailed processes cannot read its /proc
 * entries without CAP_SYS_PTRACE in the host's user namespace.
 */
#include "vjail.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <malloc.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static int report_fd = -1;
static int ctl_fd = -1; /* VJ_NESTED_CTL, with children.max > 0 */
static int engine_mnt = -1; /* where its workers run (vj_nested_prepare) */
int vj_sup_host_netns = -1;

static void sup_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void sup_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cleanup_free char *line = xasprintf("ERR %s\n", msg);
    if (write(report_fd, line, strlen(line)) < 0) {
        /* nothing more we can do */
    }
    _exit(1);
}

static int open_ns(const char *which)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/self/ns/%s", which);
    return open(p, O_RDONLY | O_CLOEXEC);
}

static void lo_up(void)
{
    cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    if (s < 0)
        return;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            sup_fail("vnet: lo up: %s", strerror(errno));
    }
}

/* Hide the registry: an empty read-only tmpfs at /run/vjail whose only
 * file tells jail(8)/jls inside which jail they run. */
static void hide_registry(const struct vj_rec *r, const struct vj_cjail *cj)
{
    struct stat st;
    if (stat("/run", &st) < 0)
        return;
    if (mkdir(VJ_RUNDIR, 0700) < 0 && errno != EEXIST)
        return;
    if (mount("vjail", VJ_RUNDIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=16k") < 0)
        sup_fail("%s: mount tmpfs on %s: %s", r->j.name, VJ_RUNDIR, strerror(errno));
    cleanup_free char *self = xasprintf("jid=%d children.max=%lld name=%s\n", r->j.jid,
                                        vj_cjail_int(cj, "children.max", 0), r->j.name);
    write_file(VJ_RUNDIR "/self", self, strlen(self), O_WRONLY | O_CREAT | O_TRUNC, 0444, NULL);
    if (vj_cjail_int(cj, "children.max", 0) > 0) {
        vj_error_t err = NULL;
        ctl_fd = vj_nested_listen(&err);
        if (ctl_fd < 0)
            sup_fail("%s: children.max: %s", r->j.name, err->msg);
    }
    mount(NULL, VJ_RUNDIR, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static bool want_procfs(const struct vj_cjail *cj, const char *path)
{
    return !strcmp(path, "/") || vj_cjail_bool(cj, "mount.procfs", false);
}

/* In the new mount namespace: make the jail root "/". */
static void setup_root(const struct vj_rec *r, const struct vj_cjail *cj,
                       const struct vj_policy *pol)
{
    const char *path = r->j.path ? r->j.path : "/";
    vj_error_t err = NULL;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        sup_fail("%s: make / slave: %s", r->j.name, strerror(errno));
    if (strcmp(path, "/") != 0) {
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
            sup_fail("%s: path %s: %s", r->j.name, path, strerror(errno));
        if (chdir(path) < 0)
            sup_fail("%s: chdir %s: %s", r->j.name, path, strerror(errno));
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            sup_fail("%s: pivot_root %s: %s", r->j.name, path, strerror(errno));
        if (umount2(".", MNT_DETACH) < 0)
            sup_fail("%s: detach old root: %s", r->j.name, strerror(errno));
        if (chdir("/") < 0)
            sup_fail("%s: chdir /: %s", r->j.name, strerror(errno));
    }
    if (want_procfs(cj, path)) {
        struct stat st;
        if (stat("/proc", &st) < 0 || !S_ISDIR(st.st_mode))
            sup_fail("%s: mount.procfs: %s/proc: No such file or directory", r->j.name,
                     strcmp(path, "/") ? path : "");
        /* Mounted by pid 1 of the new PID namespace: shows only the jail. */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            sup_fail("%s: mount.procfs: %s", r->j.name, strerror(errno));
    }
    hide_registry(r, cj);
    if (vj_policy_harden_mounts(pol, "/", &err) < 0)
        sup_fail("%s: %s", r->j.name, err->msg);
}

static pid_t host_pid(void)
{
    char buf[32] = "";
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    if (n > 0)
        buf[n] = 0;
    return atoi(buf);
}

/* Is this jail over?  Called with the jail leaf unpopulated.  The jail
 * is marked dying under the registry lock; what it holds is released
 * without the lock (deleting a link waits for RCU grace periods), after
 * vnet.interface is home and the waiting jail(8) has been let go. */
static bool release_if_done(int jid)
{
    vj_error_t err = NULL;
    int lk = vj_reg_lock(&err);
    if (lk < 0) {
        vj_error_release(&err);
        return false;
    }
    struct vj_rec r;
    if (vj_reg_load(jid, &r, &err) < 0) {
        close(lk);
        vj_error_release(&err);
        return true; /* entry gone: removed by jail -r, nothing left to hold */
    }
    pid_t me = host_pid();
    bool done = false, reap = false;
    cleanup_free char *leaf = xasprintf("%s/jail", r.cgroup ? r.cgroup : "/nonexistent");
    if (r.state == JS_CREATING) {
        done = false; /* jail(8) is still setting it up */
    } else if (r.state == JS_DYING && r.owner == me) {
        done = reap = true; /* ended by jail(8) (vj_rec_end_if_empty) */
    } else if (r.j.sup_pid != me) {
        done = true; /* not ours any more */
    } else if (r.state == JS_RUNNING && !r.persist && !r.temp_persist &&
               vj_cgroup_populated(leaf) == 0 && vj_reg_count_children(jid) == 0) {
        /* (a jail with live children stays, as on FreeBSD) */
        r.state = JS_DYING;
        r.owner = me;
        r.owner_start = vj_proc_start(me);
        vj_reg_save(&r, NULL);
        done = reap = true;
    }
    close(lk);
    if (reap) {
        vj_rec_return_net(&r);
        if (report_fd >= 0) {
            close(report_fd);
            report_fd = -1;
        }
        vj_rec_reap(&r);
    }
    vj_rec_clear(&r);
    return done;
}

struct sup_fds {
    int sig;            /* signalfd */
    int events;         /* jail/cgroup.events, polled for POLLPRI */
    int cgdir;          /* the jail's cgroup directory */
    int host_mnt, jail_mnt;
};

/* Reading the polled fd itself re-arms its POLLPRI notification. */
static int leaf_populated(int events_fd)
{
    char buf[128];
    ssize_t n = pread(events_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *q = strstr(buf, "populated ");
    return q && q[10] == '1';
}

/* The supervisor lives in the jail's mount namespace, so that nothing of
 * the host's mount table shows through /proc/1 in the jail.  It visits
 * the host's only to release the jail, when no jailed process is left. */
static void supervise(int jid, const struct sup_fds *f) __attribute__((noreturn));
static void supervise(int jid, const struct sup_fds *f)
{
    for (;;) {
        struct pollfd pfd[3] = {{f->sig, POLLIN, 0}, {f->events, POLLPRI, 0}, {ctl_fd, POLLIN, 0}};
        poll(pfd, ctl_fd >= 0 ? 3 : 2, 2000);
        if (ctl_fd >= 0 && (pfd[2].revents & POLLIN))
            vj_nested_serve(ctl_fd, jid, engine_mnt);
        struct signalfd_siginfo si;
        while (read(f->sig, &si, sizeof si) == sizeof si) {
            /* Only signals from outside the jail (ssi_pid 0 here) count;
             * a jailed process cannot stop its supervisor. */
            if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && si.ssi_pid == 0)
                _exit(0);
        }
        while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
            ;
        int pop = leaf_populated(f->events);
        if (pop < 0)
            _exit(0); /* cgroup gone: the jail was removed under us */
        if (pop != 0)
            continue;
        if (setns(f->host_mnt, CLONE_NEWNS) < 0 || chdir("/") < 0)
            continue;
        if (release_if_done(jid))
            _exit(0);
        if (setns(f->jail_mnt, CLONE_NEWNS) < 0 || chdir("/") < 0)
            _exit(1); /* cannot go back: leave it to the next jls */
    }
}

/* The supervisor is a fork of jail(8): overwrite the inherited command
 * line (ps in the jail shows pid 1) so jail(8)'s parameters do not show.
 * The area is our own stack memory; /proc/self/stat gives its bounds. */
static void set_cmdline(const char *name)
{
    cleanup_free char *st = NULL;
    if (read_file("/proc/self/stat", &st, NULL, NULL) < 0)
        return;
    char *p = strrchr(st, ')');
    unsigned long start = 0, end = 0;
    int field = 2;
    for (char *s = p ? p + 1 : st; s && *s; s++) {
        if (*s != ' ')
            continue;
        field++;
        if (field == 48)
            start = strtoul(s + 1, NULL, 10);
        else if (field == 49) {
            end = strtoul(s + 1, NULL, 10);
            break;
        }
    }
    if (!start || end <= start)
        return;
    char *area = (char *)start;
    size_t len = end - start;
    memset(area, 0, len);
    snprintf(area, len, "vjail-sup: %s", name);
}

/* Close every inherited descriptor but those listed: a pipe of jail(8)'s
 * caller (a `$(jail -i -c ...)`, kyua's output capture) must not be held
 * open for the jail's lifetime. */
static void keep_only_fds(int *keep, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (keep[k] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[k];
                keep[k] = t;
            }
    unsigned lo = 3;
    for (int i = 0; i < n; i++) {
        if (keep[i] >= (int)lo) {
            if (keep[i] > (int)lo)
                syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
            lo = (unsigned)keep[i] + 1;
        }
    }
    syscall(SYS_close_range, lo, ~0U, 0);
}

static void supervisor_main(struct vj_rec *r, const struct vj_cjail *cj, int nsflags,
                            const struct vj_policy *pol) __attribute__((noreturn));
static void supervisor_main(struct vj_rec *r, const struct vj_cjail *cj, int nsflags,
                            const struct vj_policy *pol)
{
    /* Our PID as the host sees it (the caller may be in a parent jail's
     * PID name space, where clone3 returned another number): /proc is
     * still the host's here. */
    pid_t hpid = host_pid();
    ctl_fd = engine_mnt = -1; /* a child jail's supervisor: not its parent's */
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_NAME, "vjail-sup");
    set_cmdline(r->j.name);
    setsid();
    const char *hn = vj_cjail_str(cj, "host.hostname");
    const char *dn = vj_cjail_str(cj, "host.domainname");
    /* FreeBSD: a new jail has its own, empty host info unless given. */
    if (sethostname(hn ? hn : "", hn ? strlen(hn) : 0) < 0)
        sup_fail("%s: host.hostname: %s", r->j.name, strerror(errno));
    if (setdomainname(dn ? dn : "", dn ? strlen(dn) : 0) < 0)
        sup_fail("%s: host.domainname: %s", r->j.name, strerror(errno));
    if (nsflags & CLONE_NEWNET)
        lo_up();

    /* We were born in the supervisors' cgroup, outside the jail's (so
     * that its leaf empties with the jail) and outside its limits. */

    /* Set up what the supervision loop needs while host paths work. */
    struct sup_fds f;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    f.sig = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    f.cgdir = open(r->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_free char *ev = xasprintf("%s/jail/cgroup.events", r->cgroup);
    /* cgroup.events signals changes with POLLPRI: no inotify instance,
     * whose per-user limit (128 by default) would cap the host's jails. */
    f.events = open(ev, O_RDONLY | O_CLOEXEC);
    if (f.sig < 0 || f.cgdir < 0 || f.events < 0)
        sup_fail("%s: supervisor: %s", r->j.name, strerror(errno));
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

    /* children.max > 0: the mount namespace its children are made from,
     * prepared while no jailed process can see us (engine_nested.c). */
    vj_error_t nerr = NULL;
    if (vj_cjail_int(cj, "children.max", 0) > 0 &&
        (engine_mnt = vj_nested_prepare(r->j.path, &nerr)) < 0)
        sup_fail("%s: children.max: %s", r->j.name, nerr->msg);

    /* mount namespace with the jail root; the supervisor stays in it. */
    f.host_mnt = open_ns("mnt");
    if (f.host_mnt < 0 || unshare(CLONE_NEWNS) < 0)
        sup_fail("%s: mount namespace: %s", r->j.name, strerror(errno));
    f.jail_mnt = open_ns("mnt");
    if (f.jail_mnt < 0)
        sup_fail("%s: mount namespace: %s", r->j.name, strerror(errno));
    setup_root(r, cj, pol);
    if (chdir("/") < 0)
        sup_fail("%s: chdir /: %s", r->j.name, strerror(errno));

    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 2)
            close(nul);
    }
    /* allow.mount: the jail's mount namespace becomes one its root may
     * mount in, and vjail-mountd starts (security_mountd.c). */
    vj_error_t merr = NULL;
    int mountd = -1;
    if (vj_policy_mount_ns(pol, &f.jail_mnt, &mountd, &merr) < 0)
        sup_fail("%s", merr->msg);
    int keep[] = {f.sig,     f.events,          f.cgdir, f.host_mnt,  f.jail_mnt,
                  report_fd, vj_sup_host_netns, ctl_fd,  engine_mnt, mountd,
                  vj_policy_mask_source_fd()};
    keep_only_fds(keep, 11);
    vj_mountd_publish(mountd);
    char ok[64];
    int n = snprintf(ok, sizeof ok, "OK %d %d\n", f.jail_mnt, (int)hpid);
    if (write(report_fd, ok, n) < 0)
        _exit(1);
    vj_policy_mask_source_close(); /* waits for RCU; jail(8) goes on */
    /* report_fd stays open: its end tells the jail(8) that created us
     * (vj_supervisor_poke) that the jail is released. */
    /* The heap came from jail(8), with what it read (the registry: every
     * jail's entry); freed, it stays resident here for the jail's life,
     * ~0.6 KiB per jail that existed when this one was made. */
    malloc_trim(0);
    supervise(r->j.jid, &f);
}

/* The PID a pidfd refers to, as /proc (the host's) numbers it. */
static pid_t pidfd_pid(int fd)
{
    cleanup_free char *path = xasprintf("/proc/self/fdinfo/%d", fd);
    cleanup_free char *info = NULL;
    char *p;
    if (read_file(path, &info, NULL, NULL) < 0 || !(p = strstr(info, "Pid:")))
        return -1;
    return (pid_t)strtol(p + 4, NULL, 10);
}

/* The read end of each supervisor's report pipe, kept by the jail(8)
 * that created it: its end (EOF) says the jail has been released. */
static struct release_pipe {
    int jid, fd;
} *release_pipes;
static size_t nrelease_pipes;

static void release_pipe_keep(int jid, int fd)
{
    release_pipes = xrealloc(release_pipes, (nrelease_pipes + 1) * sizeof *release_pipes);
    release_pipes[nrelease_pipes++] = (struct release_pipe){jid, fd};
}

static int release_pipe_take(int jid)
{
    for (size_t i = 0; i < nrelease_pipes; i++)
        if (release_pipes[i].jid == jid) {
            int fd = release_pipes[i].fd;
            release_pipes[i] = release_pipes[--nrelease_pipes];
            return fd;
        }
    return -1;
}

/* A supervisor that failed to start: killed and reaped (our child). */
static void kill_child(int pidfd)
{
    siginfo_t si;
    pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
}

/* Close the report pipe of a jail we no longer wait for. */
static void release_pipe_drop(int jid)
{
    int fd = release_pipe_take(jid);
    if (fd >= 0)
        close(fd);
}

/* Reap the supervisor if it is our own child (jail(8) created it). */
static void reap_if_child(int pidfd)
{
    siginfo_t si;
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) < 0 && errno == EINTR)
        ;
}

int vj_supervisor_start(struct vj_rec *r, const struct vj_cjail *cj, vj_error_t *err)
{
    struct vj_policy *pol = NULL;
    if (vj_policy_from_jail(cj, &pol, err) < 0)
        return -1;
    /* No CLONE_NEWUTS: the UTS namespace is made with
     * vj_policy_unshare_uts (allow.set_hostname) and inherited. */
    int nsflags = CLONE_NEWPID | vj_policy_ns_flags(pol);
    const char *vnet = vj_cjail_str(cj, "vnet");
    struct vj_cparam *vp = vj_cjail_get(cj, "vnet");
    if (vp && !vp->negated && (!vnet || !strcmp(vnet, "new") || param_parse_bool(vnet) == 1))
        nsflags |= CLONE_NEWNET;
    int pfd[2] = {-1, -1}, own_uts = -1, cpidfd = -1, rc = -1;
    cleanup_free char *leaf = xasprintf("%s/jail", r->cgroup);
    cleanup_free char *supdir = vj_cgroup_sup_dir();
    cleanup_close int cgfd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int supfd = supdir ? open(supdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (cgfd < 0 || supfd < 0) {
        vj_error_make(err, errno, "%s: open %s", r->j.name, cgfd < 0 ? leaf : supdir);
        goto out;
    }
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        vj_error_make(err, errno, "%s: pipe", r->j.name);
        goto out;
    }
    /* A VNET supervisor keeps the network namespace it came from, to hand
     * vnet.interface back to it when the jail's last process goes (it
     * cannot open the host init's: no ptrace access). */
    if ((nsflags & CLONE_NEWNET) &&
        (vj_sup_host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
        vj_error_make(err, errno, "%s: network namespace", r->j.name);
        goto out;
    }
    /* The jail's UTS namespace is made here and inherited by the
     * supervisor; we go back to ours right after the clone.  (Made by the
     * supervisor, the helper would take PID 2 in the jail.) */
    own_uts = open_ns("uts");
    if (own_uts < 0) {
        vj_error_make(err, errno, "%s: UTS namespace", r->j.name);
        goto out;
    }
    if (vj_policy_unshare_uts(pol, err) < 0)
        goto out;
    fflush(NULL);
    /* Born straight into the supervisors' cgroup: a process that moves
     * between cgroups (writes cgroup.procs) waits for an RCU grace period,
     * milliseconds on a quiet machine. */
    struct clone_args ca = {0};
    ca.flags = (unsigned)nsflags | CLONE_INTO_CGROUP | CLONE_PIDFD;
    ca.cgroup = (unsigned)supfd;
    ca.pidfd = (uint64_t)(uintptr_t)&cpidfd;
    ca.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) {
        close(own_uts);
        close(pfd[0]);
        report_fd = pfd[1];
        supervisor_main(r, cj, nsflags, pol);
    }
    int e = errno;
    int back = setns(own_uts, CLONE_NEWUTS);
    if (back < 0 || pid < 0) {
        if (pid > 0)
            kill_child(cpidfd);
        vj_error_make(err, back < 0 ? errno : e, "%s: %s", r->j.name,
                      back < 0 ? "setns(CLONE_NEWUTS)" : "clone");
        goto out;
    }
    close(pfd[1]);
    pfd[1] = -1;
    /* The PID as the host sees it: clone3 answers in our PID name space,
     * which is a parent jail's for a child jail; the pidfd's fdinfo
     * answers in /proc's, which is the host's here. */
    pid_t hpid = pidfd_pid(cpidfd);
    r->j.sup_pid = hpid > 0 ? hpid : (pid_t)pid;
    r->j.sup_start = vj_proc_start(r->j.sup_pid);
    /* While the supervisor sets the jail up: the devices its processes
     * may open (before the first of them, which comes after "OK"), its
     * network (vnet.bridge: the namespace exists since the clone), and
     * their seccomp filter, compiled once here for all of them. */
    vj_error_t perr = NULL;
    if (vj_policy_devices_attach(pol, cgfd, err) < 0 ||
        vj_netaddr_attach(pol->net, cgfd, r->j.name, err) < 0 || vj_net_create(r, cj, err) < 0) {
        kill_child(cpidfd);
        goto out; /* the caller's rollback releases what vj_net_create recorded */
    }
    if (vj_policy_precompile(pol, &perr) < 0)
        vj_error_release(&perr); /* (each child compiles it then) */
    /* One line, "OK mntfd hostpid" or "ERR message"; the pipe stays open. */
    char msg[1100];
    size_t len = 0;
    while (len < sizeof msg - 1 && !memchr(msg, '\n', len)) {
        ssize_t n = read(pfd[0], msg + len, sizeof msg - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    msg[len] = 0;
    int mfd = -1, okpid = 0;
    if (!strncmp(msg, "OK ", 3) && sscanf(msg, "OK %d %d", &mfd, &okpid) == 2 && okpid > 0 &&
        okpid != r->j.sup_pid) {
        /* created inside a parent jail: the host's number is the one */
        r->j.sup_pid = (pid_t)okpid;
        r->j.sup_start = vj_proc_start(r->j.sup_pid);
    }
    if (!strncmp(msg, "OK ", 3) && r->j.sup_start && mfd >= 0) {
        r->mntns_fd = mfd;
        release_pipe_keep(r->j.jid, pfd[0]);
        pfd[0] = -1;
        rc = 0;
        goto out;
    }
    kill_child(cpidfd);
    r->j.sup_pid = 0;
    r->j.sup_start = 0;
    if (!strncmp(msg, "ERR ", 4)) {
        msg[strcspn(msg, "\n")] = 0;
        vj_error_make(err, 0, "%s", msg + 4);
    } else {
        vj_error_make(err, 0, "%s: supervisor failed to start", r->j.name);
    }
out:
    if (own_uts >= 0)
        close(own_uts);
    if (vj_sup_host_netns >= 0) {
        close(vj_sup_host_netns);
        vj_sup_host_netns = -1;
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i] >= 0)
            close(pfd[i]);
    if (cpidfd >= 0)
        close(cpidfd);
    vj_policy_free(pol);
    return rc;
}

/* A pidfd for a process known by its host PID.  pidfd_open() takes a
 * number of the caller's PID name space, which is a parent jail's in a
 * worker creating a child jail (engine_nested.c): there the process has
 * another number, one of those in its NSpid line.  The pidfd is checked
 * against the host PID, so it never refers to another process. */
static int pidfd_host(pid_t pid)
{
    int fd = pidfd_open(pid, 0);
    if (fd >= 0 && pidfd_pid(fd) == pid)
        return fd;
    if (fd >= 0)
        close(fd);
    cleanup_free char *path = xasprintf("/proc/%d/status", (int)pid);
    cleanup_free char *st = NULL;
    char *l;
    if (read_file(path, &st, NULL, NULL) < 0 || !(l = strstr(st, "NSpid:")))
        return -1;
    l += 6;
    for (;;) {
        char *end;
        long n = strtol(l, &end, 10);
        if (end == l)
            return -1;
        l = end;
        if (n <= 0 || n == pid)
            continue;
        fd = pidfd_open((pid_t)n, 0);
        if (fd >= 0 && pidfd_pid(fd) == pid)
            return fd;
        if (fd >= 0)
            close(fd);
    }
}

static int sup_pidfd(const struct vj_rec *r)
{
    if (r->j.sup_pid <= 0 || !r->j.sup_start)
        return -1;
    int fd = pidfd_host(r->j.sup_pid);
    if (fd < 0)
        return -1;
    /* The pidfd pins the process: check it is still the one recorded. */
    if (vj_proc_start(r->j.sup_pid) != r->j.sup_start) {
        close(fd);
        return -1;
    }
    return fd;
}

bool vj_rec_end_if_empty(struct vj_rec *r)
{
    if (r->persist || r->temp_persist || r->state != JS_RUNNING || !r->cgroup ||
        r->j.sup_pid <= 0)
        return false;
    cleanup_free char *leaf = xasprintf("%s/jail", r->cgroup);
    if (vj_cgroup_populated(leaf) != 0 || vj_reg_count_children(r->j.jid) != 0 ||
        vj_rec_has_returns(r))
        return false;
    r->state = JS_DYING;
    r->j.dying = true;
    r->owner = r->j.sup_pid;
    r->owner_start = r->j.sup_start;
    return true;
}

void vj_supervisor_signal(const struct vj_rec *r)
{
    release_pipe_drop(r->j.jid);
    cleanup_close int fd = sup_pidfd(r);
    if (fd >= 0)
        pidfd_send_signal(fd, SIGUSR1, NULL, 0);
}

void vj_supervisor_poke(const struct vj_rec *r)
{
    cleanup_close int rel = release_pipe_take(r->j.jid);
    cleanup_close int fd = sup_pidfd(r);
    if (fd < 0)
        return;
    pidfd_send_signal(fd, SIGUSR1, NULL, 0);
    /* A jail with no process left ends now: wait (bounded) until its
     * supervisor has marked it dying and handed vnet.interface back (its
     * report pipe closes), or, for a supervisor we did not create, until
     * it is gone.  The rest of the release goes on without us, as a
     * FreeBSD jail stays dying while the kernel frees what it held. */
    if (!r->cgroup || r->persist)
        return;
    cleanup_free char *leaf = xasprintf("%s/jail", r->cgroup);
    if (vj_cgroup_populated(leaf) != 0)
        return;
    struct pollfd p = {rel >= 0 ? rel : fd, POLLIN, 0};
    while (poll(&p, 1, 10000) < 0 && errno == EINTR)
        ;
    reap_if_child(fd);
}

void vj_supervisor_kill(const struct vj_rec *r)
{
    release_pipe_drop(r->j.jid); /* (a jail rolled back by its jail(8)) */
    cleanup_close int fd = sup_pidfd(r);
    if (fd < 0)
        return;
    if (host_pid() == r->j.sup_pid)
        return; /* the supervisor releasing its own jail */
    pidfd_send_signal(fd, SIGKILL, NULL, 0);
    struct pollfd p = {fd, POLLIN, 0};
    for (int i = 0; i < 100; i++) {
        if (poll(&p, 1, 100) > 0)
            break;
    }
    /* Our own child (created by this jail(8)): reap it.  Otherwise it
     * was adopted by init, which reaps it; wait until it is really gone. */
    reap_if_child(fd);
    for (int i = 0; i < 200 && vj_proc_start(r->j.sup_pid) == r->j.sup_start; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

/* ---- joining a live jail ---- */

/* setns(CLONE_NEWPID) only changes the PID namespace of the caller's
 * future children.  Once the caller has forked its jailed child, the
 * parent goes back to its own PID namespace for later children: the
 * helpers LeakSanitizer forks at exit (and any other child) must not land
 * in the jail. */
static int host_pidns_fd = -1;
static void restore_pidns(void)
{
    if (host_pidns_fd >= 0) {
        if (setns(host_pidns_fd, CLONE_NEWPID) < 0) {
            /* the next child would be jailed; nothing better to do */
        }
        close(host_pidns_fd);
        host_pidns_fd = -1;
    }
}

static void attach_release(struct vj_attach *a)
{
    int *fds[] = {&a->pidfd, &a->mnt, &a->cgdir};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    free(a->cgroup);
    a->cgroup = NULL;
}

void vj_jail_attach_end(struct vj_attach *a)
{
    restore_pidns();
    attach_release(a);
}

/* The part of a begin that needs the jail's record (a current one: its
 * supervisor is checked by pidfd and start time). */
static int attach_begin_rec(const struct vj_rec *r, struct vj_attach *a, vj_error_t *err)
{
    a->jid = r->j.jid;
    a->pidfd = sup_pidfd(r);
    if (a->pidfd < 0 || !r->cgroup)
        return vj_error_make(err, ESRCH, "jail_attach");
    a->mnt = pidfd_getfd(a->pidfd, r->mntns_fd, 0);
    a->cgroup = xasprintf("%s/jail/cgroup.procs", r->cgroup);
    cleanup_free char *leaf = xasprintf("%s/jail", r->cgroup);
    if (a->mnt >= 0)
        a->cgdir = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (a->mnt < 0 || a->cgdir < 0) {
        int e = errno;
        vj_jail_attach_end(a);
        return vj_error_make(err, e, "jail_attach");
    }
    static bool atfork_done;
    if (!atfork_done) {
        pthread_atfork(NULL, restore_pidns, NULL);
        atfork_done = true;
    }
    if (host_pidns_fd < 0)
        host_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (host_pidns_fd < 0 || setns(a->pidfd, CLONE_NEWPID) < 0) {
        int e = errno;
        vj_jail_attach_end(a);
        return vj_error_make(err, e, "jail_attach");
    }
    return 0;
}

/* FreeBSD: jail_attach(2) is for root only.  From inside a jail (into a
 * child) it goes through the parent's supervisor (engine_nested.c). */
static int attach_allowed(int jid, vj_error_t *err)
{
    int self_jid = 0;
    if (geteuid() != 0 || (vj_self_jail(&self_jid, NULL, NULL) == 0 && self_jid > 0))
        return vj_error_make(err, EPERM, "jail_attach(%d)", jid);
    return 0;
}

int vj_jail_attach_begin(const struct vj_jail *jj, struct vj_attach *a, vj_error_t *err)
{
    struct vj_rec r;
    char num[16];
    *a = (struct vj_attach){.jid = jj->jid, .pidfd = -1, .mnt = -1, .cgdir = -1};
    snprintf(num, sizeof num, "%d", jj->jid);
    if (attach_allowed(jj->jid, err) < 0)
        return -1;
    {
        cleanup_close int lk = vj_reg_lock(err);
        if (lk < 0)
            return vj_error_prefix(err, "jail_attach");
        if (vj_reg_lookup(num, false, &r, err) < 0)
            return -1;
    }
    int rc = attach_begin_rec(&r, a, err);
    vj_rec_clear(&r);
    return rc;
}

int vj_jail_attach_begin_rec(const struct vj_rec *r, struct vj_attach *a, vj_error_t *err)
{
    *a = (struct vj_attach){.jid = r->j.jid, .pidfd = -1, .mnt = -1, .cgdir = -1};
    if (attach_allowed(r->j.jid, err) < 0)
        return -1;
    return attach_begin_rec(r, a, err);
}

/* fork(2) into the jail's leaf cgroup with a new cgroup namespace, which
 * the kernel roots there (CLONE_INTO_CGROUP): no move between cgroups. */
static pid_t clone_into_leaf(int cgdir)
{
    struct clone_args ca = {0};
    ca.flags = CLONE_INTO_CGROUP | CLONE_NEWCGROUP;
    ca.cgroup = (unsigned)cgdir;
    ca.exit_signal = SIGCHLD;
    return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}

/* The child is born in the jail's leaf cgroup with a new cgroup namespace,
 * which the kernel roots at that cgroup (CLONE_INTO_CGROUP): every jailed
 * process sees the leaf as "/", whichever way it entered.  It is also born
 * in the jail's mount namespace (we step into it for the clone and back):
 * it shows in the jail's PID namespace from birth, and nothing of the
 * host's mount table may show through its /proc/PID/mountinfo. */
pid_t vj_jail_attach_fork(struct vj_attach *a)
{
    /* Non-dumpable from the start (inherited): jailed root, without
     * CAP_SYS_PTRACE, cannot open its /proc/PID/root, fd or mem. */
    prctl(PR_SET_DUMPABLE, 0);
    static int own_mnt = -1;
    if (own_mnt < 0)
        own_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    vj_error_t rerr = NULL;
    struct vj_rctl_entry *re = own_mnt >= 0 ? vj_rctl_enter_prepare(a->jid, &rerr) : NULL;
    vj_error_release(&rerr); /* (the child then joins the old way) */
    cleanup_close int cwd = re ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    bool inmnt = re && cwd >= 0 && setns(a->mnt, CLONE_NEWNS) == 0;
    pid_t pid = clone_into_leaf(a->cgdir);
    int e = errno;
    if (pid == 0) {
        a->in_cgroup = true;
        a->in_mntns = inmnt;
        a->rctl = inmnt ? re : NULL;
        return 0;
    }
    if (inmnt && (setns(own_mnt, CLONE_NEWNS) < 0 || fchdir(cwd) < 0)) {
        /* Every later path would be the jail's: never go on so. */
        fprintf(stderr, "%s: cannot return to the host's mount namespace: %s\n",
                vj_progname ? vj_progname : "jail", strerror(errno));
        abort();
    }
    vj_rctl_entry_free(re);
    errno = e;
    return pid;
}

int vj_jail_attach_finish(struct vj_attach *a, vj_error_t *err)
{
    int rc = 0;
    if (!a->in_cgroup && (write_file(a->cgroup, "0", 1, O_WRONLY, 0, NULL) < 0 ||
                          unshare(CLONE_NEWCGROUP) < 0))
        rc = vj_error_make(err, errno, "jail_attach: cgroup");
    else if (a->rctl ? vj_rctl_enter_apply(a->rctl, err) < 0 : vj_rctl_enter(a->jid, err) < 0)
        rc = -1;
    else if (setns(a->pidfd, CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
        rc = vj_error_make(err, errno, "jail_attach");
    else if (!a->in_mntns && setns(a->mnt, CLONE_NEWNS) < 0)
        rc = vj_error_make(err, errno, "jail_attach");
    else if (chdir("/") < 0)
        rc = vj_error_make(err, errno, "chdir /");
    vj_rctl_entry_free(a->rctl);
    a->rctl = NULL;
    attach_release(a);
    return rc;
}

int vj_jail_attach(const struct vj_jail *jj, int *cgdir, vj_error_t *err)
{
    struct vj_attach a;
    if (vj_jail_attach_begin(jj, &a, err) < 0)
        return -1;
    *cgdir = fcntl(a.cgdir, F_DUPFD_CLOEXEC, 0);
    if (*cgdir < 0) {
        int e = errno;
        vj_jail_attach_end(&a);
        return vj_error_make(err, e, "jail_attach");
    }
    a.in_cgroup = true; /* the caller's child is born there */
    if (vj_jail_attach_finish(&a, err) < 0) {
        close(*cgdir);
        *cgdir = -1;
        return -1;
    }
    return 0;
}

pid_t vj_jail_fork_into(int cgdir)
{
    pid_t pid = clone_into_leaf(cgdir);
    if (pid > 0)
        restore_pidns(); /* later children of ours are not the jail's */
    return pid;
}

/*
 * Running the user's exec.* commands, the only place the engine forks
 * and execs.  Host-side commands run in jail(8)'s environment plus JID,
 * JNAME, JPATH; in-jail commands (exec.start, command, exec.stop) are
 * forked straight into the jail's PID namespace (vj_jail_attach_begin in
 * jail(8) before the fork) and join the rest of the jail themselves: no
 * process in between, as unshare(1) has none.
 */
#include "vjail.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define SHELL_META "!\"$&'()*;<>?[\\]`{|}~"

static void note(const struct vj_cmdctx *c, FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(const struct vj_cmdctx *c, FILE *f, const char *fmt, ...)
{
    va_list ap;
    if (f == stderr)
        fprintf(f, "%s: ", vj_progname ? vj_progname : "jail");
    if (c->cfgname)
        fprintf(f, "%s: ", c->name);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fflush(f);
}

static void child_fail(const struct vj_cmdctx *c, vj_error_t *err) __attribute__((noreturn));
static void child_fail(const struct vj_cmdctx *c, vj_error_t *err)
{
    note(c, stderr, "%s\n", (*err)->msg);
    _exit(1);
}

static void close_from(int lowfd)
{
    if (syscall(__NR_close_range, lowfd, ~0U, 0) == 0)
        return;
    for (int fd = lowfd; fd < 1024; fd++)
        close(fd);
}

/* Look the configured user up (in the current root) and set up the
 * environment per exec.clean.  Returns whether *u was filled in. */
static bool user_prepare(const struct vj_cmdctx *c, const char *username, struct vj_user *pre,
                         bool clean, struct vj_user *u)
{
    vj_error_t err = NULL;
    bool have = false;
    if (pre && pre->name) {
        *u = *pre;
        have = true;
    } else if (username) {
        if (vj_user_lookup(username, u, &err) < 0)
            child_fail(c, &err);
        have = true;
    } else if (clean) {
        if (vj_user_lookup_uid(getuid(), u, &err) < 0)
            vj_error_release(&err);
        else
            have = true;
    }
    if (clean)
        vj_user_clean_env(have ? u : NULL);
    return have;
}

/* Become that user; for a jailed command after vj_policy_apply, which
 * needs root's capabilities (see vjail.h). */
static void user_become(const struct vj_cmdctx *c, const char *username, const struct vj_user *u,
                        bool have, bool clean)
{
    vj_error_t err = NULL;
    if (username && vj_user_become(u, &err) < 0)
        child_fail(c, &err);
    if (clean && have && u->home && chdir(u->home) < 0) {
        /* FreeBSD moves to the home directory; a missing one is not fatal */
    }
}

static void exec_argv(const struct vj_cmdctx *c, char *const *argv) __attribute__((noreturn));
static void exec_argv(const struct vj_cmdctx *c, char *const *argv)
{
    /* FreeBSD's ifconfig/route verbs come first for every exec.* command. */
    vj_libexec_path_prepend();
    execvp(argv[0], argv);
    note(c, stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(1);
}

/* What an in-jail command needs from the host side, made before the fork:
 * the child is a process of the jail from its birth, so it joins the
 * rest of the jail (its mount name space above all) first thing, and
 * shows the jail's processes as little of the host as can be. */
struct jail_prep {
    struct vj_policy *pol;
    struct vj_user pre; /* exec.jail_user looked up on the host */
};

static int jail_prepare(const struct vj_cmdctx *c, struct jail_prep *jp, vj_error_t *err)
{
    const char *user = vj_cjail_str(c->cj, "exec.jail_user");
    if (user && vj_cjail_bool(c->cj, "exec.system_jail_user", false) &&
        vj_user_lookup(user, &jp->pre, err) < 0)
        return -1;
    return vj_policy_from_jail(c->cj, &jp->pol, err);
}

static void run_in_jail(const struct vj_cmdctx *c, char *const *argv, int consfd, bool bg,
                        struct vj_attach *att, struct jail_prep *jp) __attribute__((noreturn));
static void run_in_jail(const struct vj_cmdctx *c, char *const *argv, int consfd, bool bg,
                        struct vj_attach *att, struct jail_prep *jp)
{
    vj_error_t err = NULL;
    if (vj_jail_attach_finish(att, &err) < 0)
        child_fail(c, &err);
    const char *user = vj_cjail_str(c->cj, "exec.jail_user");
    bool clean = vj_cjail_bool(c->cj, "exec.clean", false);
    bool sysuser = vj_cjail_bool(c->cj, "exec.system_jail_user", false);
    struct vj_user pre = jp->pre;
    struct vj_policy *pol = jp->pol;
    if (consfd >= 0) {
        dup2(consfd, 1);
        dup2(consfd, 2);
        close(consfd);
    }
    if (bg) {
        /* Fork once more inside the jail's PID namespace: orphaned, the
         * command is adopted by the jail's pid 1 (orphans of a process
         * outside the namespace would go to the host's).  jail(8) reaps
         * this process at once. */
        pid_t g = fork();
        if (g != 0)
            _exit(g < 0);
        setsid();
    }
    struct vj_user u = {0};
    bool have = user_prepare(c, user, user && sysuser ? &pre : NULL, clean, &u);
    /* Nothing of the host may stay reachable: no descriptors beyond
     * stdio, no ptrace or /proc access to this process before exec. */
    prctl(PR_SET_DUMPABLE, 0);
    close_from(3);
    if (vj_policy_apply(pol, &err) < 0)
        child_fail(c, &err);
    user_become(c, user, &u, have, clean);
    exec_argv(c, argv);
}

static void run_on_host(const struct vj_cmdctx *c, char *const *argv) __attribute__((noreturn));
static void run_on_host(const struct vj_cmdctx *c, char *const *argv)
{
    const char *user = vj_cjail_str(c->cj, "exec.system_user");
    bool clean = vj_cjail_bool(c->cj, "exec.clean", false);
    if (!clean) {
        char num[16];
        snprintf(num, sizeof num, "%d", c->jid);
        setenv("JID", num, 1);
        setenv("JNAME", c->name, 1);
        setenv("JPATH", c->path ? c->path : "", 1);
    }
    struct vj_user u = {0};
    bool have = user_prepare(c, user, NULL, clean, &u);
    user_become(c, user, &u, have, clean);
    close_from(3);
    exec_argv(c, argv);
}

/* Wait for a command, at most timeout seconds (0: no limit).  Returns the
 * wait status, or -2 on timeout. */
static int wait_cmd(pid_t pid, int timeout)
{
    int st;
    if (timeout <= 0) {
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR)
                return -1;
        return st;
    }
    cleanup_close int pfd = pidfd_open(pid, 0);
    struct timespec end, now;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            return -2;
        struct pollfd p = {pfd, POLLIN, 0};
        int r = poll(&p, 1, (int)ms);
        if (r > 0) {
            while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                    return -1;
            return st;
        }
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int vj_exec_run(const struct vj_cmdctx *c, const char *param, const char *cmd,
                char *const *argv_in, bool injail)
{
    char **argv = NULL;
    cleanup_free char *words = NULL;
    bool bg = false;
    const char *shargv[4] = {"/bin/sh", "-c", cmd, NULL};
    struct jail_prep jp = {0};
    if (argv_in) {
        argv = (char **)argv_in;
    } else {
        if (!cmd)
            return 0;
        const char *m = strpbrk(cmd, SHELL_META);
        if (m && !(m[0] == '&' && m[1] == 0)) {
            argv = (char **)shargv;
        } else {
            words = xstrdup(cmd);
            if (m) {
                words[m - cmd] = 0;
                bg = true;
            }
            size_t n = 0, cap = 4;
            argv = xcalloc(cap, sizeof *argv);
            for (char *s = NULL, *t = strtok_r(words, " \t\f\v\r\n", &s); t;
                 t = strtok_r(NULL, " \t\f\v\r\n", &s)) {
                if (n + 2 > cap)
                    argv = xrealloc(argv, (cap *= 2) * sizeof *argv);
                argv[n++] = t;
            }
            argv[n] = NULL;
        }
    }
    /* The command line as FreeBSD prints it in messages. */
    struct vj_buf lb = {0};
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            buf_addc(&lb, ' ');
        buf_adds(&lb, argv[i]);
    }
    cleanup_free char *line = buf_steal(&lb);
    int rc = 0;
    if (!argv[0])
        goto out;
    const char *user = vj_cjail_str(c->cj, injail ? "exec.jail_user" : "exec.system_user");
    if (c->verbose)
        note(c, stdout, "run command%s%s%s: %s\n", injail ? " in jail" : "", user ? " as " : "",
             user ? user : "", line);
    int consfd = -1;
    const char *conslog = injail ? vj_cjail_str(c->cj, "exec.consolelog") : NULL;
    if (conslog) {
        consfd = open(conslog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (consfd < 0) {
            note(c, stderr, "open %s: %s\n", conslog, strerror(errno));
            rc = -1;
            goto out;
        }
    }
    struct vj_attach att = {.pidfd = -1, .mnt = -1, .cgdir = -1};
    if (injail) {
        vj_error_t aerr = NULL;
        if (jail_prepare(c, &jp, &aerr) < 0 || vj_jail_attach_begin_rec(c->rec, &att, &aerr) < 0) {
            /* as if the jailed child had failed to join */
            note(c, stderr, "%s\n", aerr->msg);
            vj_error_release(&aerr);
            if (consfd >= 0)
                close(consfd);
            if (!bg) {
                note(c, stderr, "%s: failed\n", line);
                rc = -1;
            }
            goto out;
        }
    }
    /* Found on the host: the jailed child only checks it can see it. */
    vj_libexec_dir();
    fflush(NULL);
    pid_t pid = injail ? vj_jail_attach_fork(&att) : fork();
    if (injail && pid != 0)
        vj_jail_attach_end(&att); /* its own PID namespace again for later children */
    if (pid < 0) {
        note(c, stderr, "fork: %s\n", strerror(errno));
        if (consfd >= 0)
            close(consfd);
        rc = -1;
        goto out;
    }
    if (pid == 0) {
        if (bg)
            setsid();
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        if (injail)
            run_in_jail(c, argv, consfd, bg, &att, &jp);
        run_on_host(c, argv);
    }
    if (consfd >= 0)
        close(consfd);
    if (bg) {
        if (injail) /* reap the short-lived joiner: the jail is entered */
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        goto out;
    }
    /* Like system(3): a ^C for the foreground command is not for us. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
    sigaction(SIGINT, &ign, &oint);
    sigaction(SIGQUIT, &ign, &oquit);
    int st = wait_cmd(pid, (int)vj_cjail_int(c->cj, "exec.timeout", 0));
    sigaction(SIGINT, &oint, NULL);
    sigaction(SIGQUIT, &oquit, NULL);
    if (st == -2) {
        note(c, stderr, "%s: timed out\n", line);
        rc = -1;
    } else if (st == -1) {
        note(c, stderr, "%s: %s\n", line, strerror(errno));
        rc = -1;
    } else if (WIFSIGNALED(st)) {
        note(c, stderr, "%s: exited on signal %d\n", line, WTERMSIG(st));
        rc = -1;
    } else if (WEXITSTATUS(st) != 0) {
        note(c, stderr, "%s: failed\n", line);
        rc = -1;
    }
out:
    vj_policy_free(jp.pol);
    vj_user_clear(&jp.pre);
    if (argv != (char **)argv_in && argv != (char **)shargv)
        free(argv);
    (void)param;
    return rc;
}

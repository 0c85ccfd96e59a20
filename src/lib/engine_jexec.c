/*
 * jexec's command, once in the jail: the last steps before exec, shared by
 * jexec(8) on the host and by a parent jail's supervisor worker running a
 * jexec into one of its children (engine_nested.c).
 */
#include "vjail.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define DEFAULT_SHELL "/bin/sh"

/* Attached: leave with _exit(), exit handlers could start processes
 * (LeakSanitizer forks a tracer), which would be created in the jail. */
static void quit(int status) __attribute__((noreturn));
static void quit(int status)
{
    fflush(NULL);
    _exit(status);
}

static void die(vj_error_t *err) __attribute__((noreturn));
static void die(vj_error_t *err)
{
    vj_error_print(err, "jexec");
    quit(1);
}

void vj_jexec_exec(const struct vj_jexec *x)
{
    static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    vj_error_t err = NULL;
    struct vj_user *u = x->u;
    bool have_user = x->have_user;
    /* Nobody should outlive a jexec that was killed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (x->workdir && chdir(x->workdir) < 0) {
        fprintf(stderr, "jexec: chdir(): %s: %s\n", x->workdir, strerror(errno));
        quit(1);
    }
    if (x->jail_user) {
        /* -U: the jail's own passwd, now that its root is ours. */
        if (vj_user_lookup(x->jail_user, u, &err) < 0)
            die(&err);
        have_user = true;
    }
    if (x->clean)
        vj_user_clean_env(have_user ? u : NULL);
    /* FreeBSD's ifconfig and route first, as for exec.* commands (also
     * with -l), when the jail's root shows vjail's libexec directory. */
    vj_libexec_path_prepend();
    /* The policy needs root's capabilities, so it comes before the change
     * of user; nothing of the host may stay reachable from the jail: no
     * descriptors beyond stdio, no ptrace or /proc access to this process
     * before exec. */
    prctl(PR_SET_DUMPABLE, 0);
    close_range(3, ~0U, 0);
    if (vj_policy_apply(x->pol, &err) < 0)
        die(&err);
    if (x->change_creds && vj_user_become(u, &err) < 0)
        die(&err);
    if (x->clean && have_user && !x->workdir && chdir(u->home) < 0) {
        fprintf(stderr, "jexec: chdir: %s: %s\n", u->home, strerror(errno));
        quit(1);
    }
    if (x->cmd[0]) {
        execvp(x->cmd[0], x->cmd);
        fprintf(stderr, "jexec: execvp: %s: %s\n", x->cmd[0], strerror(errno));
    } else {
        const char *shell = getenv("SHELL");
        if (!shell || !*shell)
            shell = DEFAULT_SHELL;
        execlp(shell, shell, "-i", (char *)NULL);
        fprintf(stderr, "jexec: execlp: %s: %s\n", shell, strerror(errno));
    }
    quit(1);
}

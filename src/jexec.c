/*
 * jexec(8): run a command inside a live jail.
 *
 * Linux differences (see jexec.8): entering the jail's PID namespace only
 * applies to children, so jexec forks once after attaching and waits; its
 * exit status is the command's, or 128+N if the command died of signal N.
 */
#include "vjail.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define DEFAULT_SHELL "/bin/sh"

static void usage(void)
{
    fprintf(stderr, "usage: jexec [-l] [-d working-directory] [-u username | -U username] "
                    "jail [command ...]\n");
    exit(1);
}

static void die(vj_error_t *err) __attribute__((noreturn));
static void die(vj_error_t *err)
{
    vj_error_print(err, "jexec");
    exit(1);
}

/*
 * Once attached, leave with _exit(): exit handlers could start processes
 * (LeakSanitizer forks a tracer), and any child of ours would now be
 * created inside the jail.
 */
static void quit(int status) __attribute__((noreturn));
static void quit(int status)
{
    fflush(NULL);
    _exit(status);
}

static void die_attached(vj_error_t *err) __attribute__((noreturn));
static void die_attached(vj_error_t *err)
{
    vj_error_print(err, "jexec");
    quit(1);
}

/* Signals jexec passes on to the command (the terminal's SIGINT and
 * SIGQUIT reach it directly through the process group). */
static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* In the jail's PID namespace: user, directory, policy, exec. */
static void child(char **cmd, const char *workdir, bool clean, const char *jail_user,
                  struct vj_user *u, bool have_user, bool change_creds,
                  const struct vj_policy *pol) __attribute__((noreturn));
static void child(char **cmd, const char *workdir, bool clean, const char *jail_user,
                  struct vj_user *u, bool have_user, bool change_creds,
                  const struct vj_policy *pol)
{
    vj_error_t err = NULL;
    /* Nobody should outlive a jexec that was killed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    for (size_t i = 0; i < NFORWARDED; i++)
        signal(forwarded[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (workdir && chdir(workdir) < 0) {
        fprintf(stderr, "jexec: chdir(): %s: %s\n", workdir, strerror(errno));
        quit(1);
    }
    if (jail_user) {
        /* -U: the jail's own passwd, now that its root is ours. */
        if (vj_user_lookup(jail_user, u, &err) < 0)
            die_attached(&err);
        have_user = true;
    }
    if (clean)
        vj_user_clean_env(have_user ? u : NULL);
    /* The policy needs root's capabilities, so it comes before the change
     * of user; nothing of the host may stay reachable from the jail: no
     * descriptors beyond stdio, no ptrace or /proc access to this process
     * before exec. */
    prctl(PR_SET_DUMPABLE, 0);
    close_range(3, ~0U, 0);
    if (vj_policy_apply(pol, &err) < 0)
        die_attached(&err);
    if (change_creds && vj_user_become(u, &err) < 0)
        die_attached(&err);
    if (clean && have_user && !workdir && chdir(u->home) < 0) {
        fprintf(stderr, "jexec: chdir: %s: %s\n", u->home, strerror(errno));
        quit(1);
    }
    if (cmd[0]) {
        execvp(cmd[0], cmd);
        fprintf(stderr, "jexec: execvp: %s: %s\n", cmd[0], strerror(errno));
    } else {
        const char *shell = getenv("SHELL");
        if (!shell || !*shell)
            shell = DEFAULT_SHELL;
        execlp(shell, shell, "-i", (char *)NULL);
        fprintf(stderr, "jexec: execlp: %s: %s\n", shell, strerror(errno));
    }
    quit(1);
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

int main(int argc, char **argv)
{
    vj_progname = "jexec";
    cleanup_error vj_error_t err = NULL;
    bool clean = false, uflag = false, Uflag = false;
    const char *username = NULL, *workdir = NULL;
    int c;
    opterr = 0; /* BSD wording below */
    /* "+": the command's own options are not ours. */
    while ((c = getopt(argc, argv, "+:d:lnu:U:")) != -1) {
        switch (c) {
        case 'd':
            workdir = optarg;
            break;
        case 'l':
            clean = true;
            break;
        case 'n':
            break; /* historic, ignored */
        case 'u':
            username = optarg;
            uflag = true;
            break;
        case 'U':
            username = optarg;
            Uflag = true;
            break;
        case ':':
            fprintf(stderr, "%s: option requires an argument -- %c\n", vj_progname, optopt);
            usage();
            break;
        default:
            fprintf(stderr, "%s: illegal option -- %c\n", vj_progname, optopt);
            usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1 || (uflag && Uflag))
        usage();

    /* Host-side user first (-u, or -l for the current user). */
    struct vj_user u = {0};
    bool have_user = false;
    if (uflag) {
        if (vj_user_lookup(username, &u, &err) < 0)
            die(&err);
        have_user = true;
    } else if (clean && !Uflag) {
        if (vj_user_lookup_uid(getuid(), &u, &err) < 0)
            die(&err);
        have_user = true;
    }

    struct vj_jail j = {0};
    if (vj_registry_find(argv[0], false, &j, &err) < 0)
        die(&err);
    /* The same policy as the jail's own processes, from its record. */
    struct vj_policy *pol = NULL;
    static struct vj_cjail unrecorded; /* a record without parameters */
    if (vj_policy_from_jail(j.params ? j.params : &unrecorded, &pol, &err) < 0)
        die(&err);
    if (vj_jail_attach(&j, &err) < 0)
        die_attached(&err); /* may have joined part of the jail */

    fflush(NULL);
    /* Until the child exists, forwarded signals wait (blocked). */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigset_t fwd, old;
    sigemptyset(&fwd);
    for (size_t i = 0; i < NFORWARDED; i++) {
        sigaction(forwarded[i], &sa, NULL);
        sigaddset(&fwd, forwarded[i]);
    }
    sigprocmask(SIG_BLOCK, &fwd, &old);

    pid_t pid = fork();
    if (pid < 0) {
        vj_error_make(&err, errno, "fork");
        die_attached(&err);
    }
    if (pid == 0)
        child(argv + 1, workdir, clean, Uflag ? username : NULL, &u, have_user,
              username != NULL, pol);
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);

    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            vj_error_make(&err, errno, "waitpid");
            die_attached(&err);
        }
    }
    vj_policy_free(pol);
    vj_user_clear(&u);
    vj_jail_clear(&j);
    if (WIFSIGNALED(st))
        quit(128 + WTERMSIG(st));
    quit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

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
#include <sys/stat.h>
#include <sys/wait.h>

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

/* jexec inside a jail into one of its children: the jail's supervisor
 * attaches the command to the child (jail_attach needs privileges jailed
 * root lacks) with our standard descriptors, environment and umask, and
 * our signals passed on; -u and -l users are ours, -U the child's. */
static int in_parent(const struct vj_jail *j, char **cmd, const char *workdir, bool clean,
                     const char *jail_user, const struct vj_user *u, bool change_creds)
{
    cleanup_error vj_error_t err = NULL;
    struct vj_buf b = {0};
#define ITEM(...)                                                                         \
    do {                                                                                  \
        char *it_ = xasprintf(__VA_ARGS__);                                               \
        buf_add(&b, it_, strlen(it_) + 1);                                                \
        free(it_);                                                                        \
    } while (0)
    ITEM("jail=%s", j->name);
    if (workdir)
        ITEM("dir=%s", workdir);
    if (clean)
        ITEM("clean");
    if (jail_user)
        ITEM("jail_user=%s", jail_user);
    if (change_creds)
        ITEM("change_creds");
    if (u) {
        ITEM("uid=%u", (unsigned)u->uid);
        ITEM("gid=%u", (unsigned)u->gid);
        ITEM("user=%s", u->name ? u->name : "");
        ITEM("home=%s", u->home ? u->home : "/");
        ITEM("shell=%s", u->shell ? u->shell : "/bin/sh");
        struct vj_buf g = {0};
        for (size_t i = 0; i < u->ngroups; i++)
            buf_printf(&g, "%s%u", i ? "," : "", (unsigned)u->groups[i]);
        cleanup_free char *gs = buf_steal(&g);
        ITEM("groups=%s", gs);
    }
    mode_t um = umask(022);
    umask(um);
    ITEM("umask=%o", (unsigned)um);
    extern char **environ;
    for (char **e = environ; e && *e; e++)
        ITEM("env=%s", *e);
#undef ITEM
    buf_addc(&b, 0);
    for (char **a = cmd; *a; a++)
        buf_add(&b, *a, strlen(*a) + 1);
    size_t len = b.len;
    cleanup_free char *payload = buf_steal(&b);
    int st = vj_nested_exec(payload, len, &err);
    if (st < 0)
        die(&err);
    return st;
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
    /* Inside a jail: into one of its children, through its supervisor. */
    int self = 0;
    if (vj_self_jail(&self, NULL, NULL) == 0 && self > 0)
        return in_parent(&j, argv + 1, workdir, clean, Uflag ? username : NULL,
                         have_user ? &u : NULL, username != NULL);
    /* The same policy as the jail's own processes, from its record. */
    struct vj_policy *pol = NULL;
    static struct vj_cjail unrecorded; /* a record without parameters */
    if (vj_policy_from_jail(j.params ? j.params : &unrecorded, &pol, &err) < 0)
        die(&err);
    vj_libexec_dir(); /* looked up on the host, before entering the jail */
    int cgdir = -1;
    if (vj_jail_attach(&j, &cgdir, &err) < 0)
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

    pid_t pid = vj_jail_fork_into(cgdir);
    if (pid < 0) {
        vj_error_make(&err, errno, "fork");
        die_attached(&err);
    }
    if (pid == 0) {
        struct vj_jexec x = {.cmd = argv + 1, .workdir = workdir, .clean = clean,
                             .jail_user = Uflag ? username : NULL, .u = &u,
                             .have_user = have_user, .change_creds = username != NULL,
                             .pol = pol};
        vj_jexec_exec(&x);
    }
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

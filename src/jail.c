/*
 * jail(8): parse the command line, pick the jails, hand them to the
 * engine (vj_run).  `jail -e` is handled here completely.
 */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#define CONF_FILE "/etc/jail.conf"

static void __attribute__((noreturn)) usage(void)
{
    fputs("usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
          "            -[cmr] param=value ... [command=command ...]\n"
          "       jail [-dqv] [-f file] -[cmr] [jail]\n"
          "       jail [-qv] [-f file] -[rR] ['*' | jail ...]\n"
          "       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n"
          "            [-n jailname] [-s securelevel]\n"
          "            path hostname ip[,...] command ...\n"
          "       jail [-f file] -e separator\n",
          stderr);
    exit(1);
}

struct argv_list {
    char **v;
    int n;
};

static void argv_add(struct argv_list *a, char *s)
{
    a->v = xrealloc(a->v, (size_t)(a->n + 2) * sizeof *a->v);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void argv_free(struct argv_list *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

static int fatal(vj_error_t *err)
{
    vj_error_print(err, "jail");
    return 1;
}

/* jail -e: every configured non-wildcard jail, one per line. */
static int show_jails(const char *cfname, const char *sep)
{
    cleanup_error vj_error_t err = NULL;
    struct vj_conf *conf;
    if (vj_conf_load(cfname, &conf, &err) < 0)
        return fatal(&err);
    int status = 0;
    for (size_t i = 0; i < conf->njails; i++) {
        if (vj_conf_expand(&conf->jails[i], 0, &err) < 0) {
            vj_error_print(&err, "jail");
            status = 1;
            continue;
        }
        vj_conf_print_jail(stdout, &conf->jails[i], sep);
    }
    vj_conf_free(conf);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}

/* Old form: path hostname ip[,ip...] command ... */
static void oldform_args(struct argv_list *a, int argc, char **argv)
{
    argv_add(a, xasprintf("path=%s", argv[0]));
    argv_add(a, xasprintf("host.hostname=%s", argv[1]));
    if (argv[2][0]) {
        cleanup_free char *list = xstrdup(argv[2]);
        for (char *s = list;;) {
            char *c = strchr(s, ',');
            if (c)
                *c = '\0';
            unsigned char buf[16];
            argv_add(a, xasprintf("%s=%s", inet_pton(AF_INET6, s, buf) == 1 ? "ip6.addr"
                                                                              : "ip4.addr",
                                  s));
            if (!c)
                break;
            s = c + 1;
        }
    }
    argv_add(a, xasprintf("command=%s", argv[3]));
    for (int i = 4; i < argc; i++)
        argv_add(a, xstrdup(argv[i]));
}

int main(int argc, char **argv)
{
    vj_progname = "jail";
    /* Resolved now: exec.* commands may run after namespace changes. */
    vj_libexec_dir();
    struct vj_opts opts = {0};
    struct argv_list pre = {0}; /* parameters from -h -l -n -s -u -U */
    const char *cfname = CONF_FILE;
    const char *sep = NULL, *jid_file = NULL;
    bool docf = true, dflag = false, rflag_big = false;
    int ch;

    /* "+": stop at the first non-option like BSD getopt, so a command's
     * own options are not taken for jail's. */
    while ((ch = getopt(argc, argv, "+cCde:f:hiJ:lmn:p:qrRs:u:U:v")) != -1) {
        switch (ch) {
        case 'c': opts.ops |= JOP_CREATE; break;
        case 'C': opts.cleanup = true; break;
        case 'd': dflag = true; break;
        case 'e': sep = optarg; break;
        case 'f': cfname = optarg; break;
        case 'h': argv_add(&pre, xstrdup("ip_hostname")); docf = false; break;
        case 'i': opts.print_jid = true; opts.quiet = true; break;
        case 'J': jid_file = optarg; break;
        case 'l': argv_add(&pre, xstrdup("exec.clean")); docf = false; break;
        case 'm': opts.ops |= JOP_MODIFY; break;
        case 'n': argv_add(&pre, xasprintf("name=%s", optarg)); docf = false; break;
        case 'p': opts.limit = (int)strtol(optarg, NULL, 10); break;
        case 'q': opts.quiet = true; break;
        case 'r': opts.ops |= JOP_REMOVE; break;
        case 'R': opts.ops |= JOP_REMOVE; rflag_big = true; break;
        case 's': argv_add(&pre, xasprintf("securelevel=%s", optarg)); docf = false; break;
        case 'u':
            argv_add(&pre, xasprintf("exec.jail_user=%s", optarg));
            argv_add(&pre, xstrdup("exec.system_jail_user"));
            docf = false;
            break;
        case 'U':
            argv_add(&pre, xasprintf("exec.jail_user=%s", optarg));
            argv_add(&pre, xstrdup("exec.system_jail_user=false"));
            docf = false;
            break;
        case 'v': opts.verbose = true; break;
        default: usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (opts.limit < 0)
        opts.limit = 0;
    opts.nocfg_remove = rflag_big;

    if (sep) {
        argv_free(&pre);
        if (opts.ops || argc > 0)
            usage();
        return show_jails(cfname, sep);
    }

    cleanup_error vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    struct vj_cjail **sel = NULL;
    size_t nsel = 0;
    char **targets = NULL;
    size_t ntargets = 0;
    struct argv_list args = {0};

    if (!opts.ops) {
        /* Old-style command line with four fixed parameters. */
        if (argc < 4 || argv[0][0] != '/')
            usage();
        opts.ops = JOP_CREATE;
        opts.oldform = true;
        docf = false;
        for (int i = 0; i < pre.n; i++)
            argv_add(&args, xstrdup(pre.v[i]));
        oldform_args(&args, argc, argv);
    } else if (opts.ops == JOP_REMOVE) {
        struct stat st;
        if (!docf || argc == 0)
            usage();
        if (!rflag_big)
            for (int i = 0; i < argc; i++)
                if (strchr(argv[i], '='))
                    usage();
        docf = !rflag_big && (strcmp(cfname, "-") == 0 || stat(cfname, &st) == 0);
    } else if (argc > 1 || (argc == 1 && strchr(argv[0], '='))) {
        /* A single jail given by parameters. */
        if (rflag_big || opts.cleanup)
            usage();
        docf = false;
        for (int i = 0; i < pre.n; i++)
            argv_add(&args, xstrdup(pre.v[i]));
        for (int i = 0; i < argc; i++)
            argv_add(&args, xstrdup(argv[i]));
    } else {
        if (rflag_big || !docf)
            usage();
    }
    argv_free(&pre);

    if (dflag)
        fprintf(stderr, "jail: the 'allow.dying' parameter and '-d' flag are deprecated "
                        "and have no effect.\n");

    int status = 1;
    if (args.n > 0 || opts.oldform) {
        if (vj_conf_from_args(args.n, args.v, &conf, &err) < 0) {
            argv_free(&args);
            return fatal(&err);
        }
        argv_free(&args);
        sel = xcalloc(1, sizeof *sel);
        sel[nsel++] = &conf->jails[0];
    } else if (docf) {
        if (vj_conf_load(cfname, &conf, &err) < 0)
            return fatal(&err);
        opts.from_file = true;
        struct vj_selection selection;
        vj_conf_select(conf, argv, (size_t)argc, false, &selection);
        opts.wild = selection.wild;
        sel = vj_steal(selection.jails);
        nsel = selection.njails;
        targets = vj_steal(selection.targets);
        ntargets = selection.ntargets;
    } else {
        /* -R, or -r without a config file: running jails only. */
        targets = xcalloc((size_t)argc + 1, sizeof *targets);
        for (int i = 0; i < argc; i++) {
            opts.wild |= vj_wild_name(argv[i]);
            targets[ntargets++] = argv[i];
        }
    }

    if (jid_file) {
        opts.jid_file = fopen(jid_file, "w");
        if (!opts.jid_file) {
            fprintf(stderr, "jail: open %s: %s\n", jid_file, strerror(errno));
            goto out;
        }
        setlinebuf(opts.jid_file);
    }
    setlinebuf(stdout);
    status = vj_run(conf, sel, nsel, targets, ntargets, &opts);
    if (opts.jid_file && fclose(opts.jid_file) != 0)
        status = 1;
out:
    free(sel);
    free(targets);
    vj_conf_free(conf);
    return status;
}

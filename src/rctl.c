/*
 * rctl(8): display and update the resource limits of jails.  Thin: the
 * rules, the store and the cgroup mapping are in src/lib/rctl_*.c.
 */
#include "vjail.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr, "usage: rctl [ -h ] [-a rule | -l filter | -r filter | -u filter | filter]\n");
    exit(1);
}

static void print_rules(const struct vj_rctl_rule *r, size_t n, bool human)
{
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *t = vj_rctl_rule_format(&r[i], human);
        printf("%s\n", t);
    }
}

static int show_rules(const char *text, bool human)
{
    cleanup_error vj_error_t err = NULL;
    struct vj_rctl_rule f;
    if (vj_rctl_rule_parse(text, &f, &err) < 0) {
        vj_rctl_rule_clear(&f);
        vj_error_print(&err, NULL);
        return 1;
    }
    struct vj_rctl_rule *l;
    size_t n;
    int rc = vj_rctl_list(&f, &l, &n, &err);
    vj_rctl_rule_clear(&f);
    if (rc < 0) {
        vj_error_prefix(&err, "failed to show rules for '%s'", text);
        vj_error_print(&err, NULL);
        return 1;
    }
    print_rules(l, n, human);
    vj_rctl_rules_free(l, n);
    return 0;
}

/* The jail a process is in, by its cgroup v2 path (…/vjail/JID/…). */
static int pid_jid(const char *pid)
{
    cleanup_free char *p = xasprintf("/proc/%s/cgroup", pid);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) < 0)
        return -1;
    char *line = strstr(s, "0::");
    if (!line)
        return 0;
    char *v = strstr(line, "/vjail/");
    return v ? atoi(v + 7) : 0;
}

static int show_limits(const char *text, bool human)
{
    cleanup_error vj_error_t err = NULL;
    struct vj_rctl_rule f;
    int rc = vj_rctl_rule_parse(text, &f, &err);
    if (rc == 0 && (f.subject != VJ_RS_PROCESS || !f.id)) {
        int e = f.subject && f.subject != VJ_RS_PROCESS ? EOPNOTSUPP : EINVAL;
        rc = vj_error_make(&err, e, "failed to get limits for '%s'", text);
    }
    int jid = 0;
    if (rc == 0) {
        jid = pid_jid(f.id);
        if (jid < 0)
            rc = vj_error_make(&err, ESRCH, "failed to get limits for '%s'", text);
    }
    vj_rctl_rule_clear(&f);
    if (rc < 0) {
        vj_error_print(&err, NULL);
        return 1;
    }
    if (jid == 0)
        return 0; /* not jailed: no jail rules apply */
    char id[24];
    snprintf(id, sizeof id, "%d", jid);
    struct vj_jail j;
    if (vj_registry_find(id, true, &j, NULL) < 0)
        return 0;
    struct vj_rctl_rule jf = {.subject = VJ_RS_JAIL, .id = j.name, .resource = -1,
                              .action = -1, .amount = -1};
    struct vj_rctl_rule *l;
    size_t n;
    rc = vj_rctl_list(&jf, &l, &n, &err);
    vj_jail_clear(&j);
    if (rc < 0) {
        vj_error_prefix(&err, "failed to get limits for '%s'", text);
        vj_error_print(&err, NULL);
        return 1;
    }
    print_rules(l, n, human);
    vj_rctl_rules_free(l, n);
    return 0;
}

static int show_usage(const char *text, bool human)
{
    cleanup_error vj_error_t err = NULL;
    struct vj_rctl_rule f;
    int rc = vj_rctl_rule_parse(text, &f, &err);
    if (rc == 0 && f.subject && f.subject != VJ_RS_JAIL)
        rc = vj_error_make(&err, 0,
                           "failed to show resource consumption for '%s': subject '%s' is not "
                           "supported on Linux (only jail)",
                           text, vj_rctl_subject_name(f.subject));
    else if (rc == 0 && !f.id)
        rc = vj_error_make(&err, EINVAL, "failed to show resource consumption for '%s'", text);
    int64_t u[VJ_RR_N] = {0};
    if (rc == 0) {
        struct vj_jail j;
        /* FreeBSD shows zeros for a jail name it has no processes for. */
        if (vj_registry_find(f.id, false, &j, NULL) == 0) {
            bool same = j.name && strcmp(j.name, f.id) == 0;
            int jid = j.jid;
            vj_jail_clear(&j);
            if (same && vj_rctl_usage(jid, 0, u, &err) < 0)
                rc = vj_error_prefix(&err, "failed to show resource consumption for '%s'", text);
        }
    }
    vj_rctl_rule_clear(&f);
    if (rc < 0) {
        vj_error_print(&err, NULL);
        return 1;
    }
    for (int i = 0; i < VJ_RR_N; i++) {
        char v[32];
        if (human)
            vj_rctl_humanize(v, 6, u[i]);
        else
            snprintf(v, sizeof v, "%lld", (long long)u[i]);
        printf("%s=%s\n", vj_rctl_resource_name(i), v);
    }
    return 0;
}

int main(int argc, char **argv)
{
    vj_progname = "rctl";
    int ch, aflag = 0, hflag = 0, lflag = 0, rflag = 0, uflag = 0;
    while ((ch = getopt(argc, argv, "ahlnru")) != -1) {
        switch (ch) {
        case 'a': aflag = 1; break;
        case 'h': hflag = 1; break;
        case 'l': lflag = 1; break;
        case 'n': break; /* numeric uids: jail rules have none */
        case 'r': rflag = 1; break;
        case 'u': uflag = 1; break;
        default: usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (aflag + lflag + rflag + uflag > 1) {
        fprintf(stderr, "rctl: at most one of -a, -l, -r, or -u may be specified\n");
        return 1;
    }
    if (argc == 0) {
        if (aflag + lflag + rflag + uflag)
            usage();
        show_rules("::", hflag);
        return 0;
    }
    int errors = 0;
    for (int i = 0; i < argc; i++) {
        cleanup_error vj_error_t err = NULL;
        int rc;
        if (aflag)
            rc = vj_rctl_add(argv[i], &err) < 0;
        else if (rflag)
            rc = vj_rctl_remove(argv[i], &err) < 0;
        else if (lflag)
            rc = show_limits(argv[i], hflag);
        else if (uflag)
            rc = show_usage(argv[i], hflag);
        else
            rc = show_rules(argv[i], hflag);
        if (err)
            vj_error_print(&err, NULL);
        errors += rc != 0;
    }
    return errors;
}

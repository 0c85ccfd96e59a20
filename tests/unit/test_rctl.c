/* Unit tests: rctl rules (parse, print, FreeBSD validity, Linux support),
 * expand/humanize, the rule store (in a scratch file), and cgroup layout
 * detection from fake mount tables (pure v2, hybrid, v1 only). */
#include "vjail.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static void assert_parse_err(const char *text, const char *msg)
{
    struct vj_rctl_rule r;
    vj_error_t err = NULL;
    int rc = vj_rctl_rule_parse(text, &r, &err);
    if (rc == 0)
        rc = vj_rctl_rule_check(&r, text, &err);
    if (rc == 0)
        rc = vj_rctl_rule_supported(&r, text, &err);
    vj_rctl_rule_clear(&r);
    if (rc == 0)
        fail_msg("%s: accepted", text);
    assert_non_null(err);
    assert_string_equal(err->msg, msg);
    vj_error_release(&err);
}

/* Parse + check + supported, then print; expect `out`. */
static void assert_rule(const char *text, const char *out)
{
    struct vj_rctl_rule r;
    vj_error_t err = NULL;
    if (vj_rctl_rule_parse(text, &r, &err) < 0 || vj_rctl_rule_check(&r, text, &err) < 0 ||
        vj_rctl_rule_supported(&r, text, &err) < 0)
        fail_msg("%s: %s", text, err->msg);
    char *s = vj_rctl_rule_format(&r, false);
    assert_string_equal(s, out);
    free(s);
    vj_rctl_rule_clear(&r);
}

static void test_parse_print(void **state)
{
    assert_rule("jail:web:memoryuse:deny=2G", "jail:web:memoryuse:deny=2147483648");
    assert_rule("j:web:pcpu:deny=20", "jail:web:pcpu:deny=20");
    assert_rule("jail:web:maxproc:deny=100/jail", "jail:web:maxproc:deny=100");
    assert_rule("jail:web:openfiles:deny=1k/process", "jail:web:openfiles:deny=1024/process");
    assert_rule("jail:web:vmemoryuse:deny=512m", "jail:web:vmemoryuse:deny=536870912");
    assert_rule("jail:web:readbps:throttle=10M", "jail:web:readbps:throttle=10485760");
    assert_rule("jail:web:cputime:sigkill=60/process", "jail:web:cputime:sigkill=60/process");
    assert_rule("JAIL:web:MemoryUse:DENY=1t", "jail:web:memoryuse:deny=1099511627776");
    assert_rule("jail:web:swapuse:deny=0", "jail:web:swapuse:deny=0");
    assert_rule("jail:web:memoryuse:deny=16t", "jail:web:memoryuse:deny=17592186044416");
}

static void test_human(void **state)
{
    char b[8];
    vj_rctl_humanize(b, 6, 2147483648LL);
    assert_string_equal(b, "2048M");
    vj_rctl_humanize(b, 6, 10737418240LL);
    assert_string_equal(b, "10G");
    vj_rctl_humanize(b, 6, 536870912LL);
    assert_string_equal(b, "512M");
    vj_rctl_humanize(b, 6, 20);
    assert_string_equal(b, "20");
    vj_rctl_humanize(b, 6, 1536);
    assert_string_equal(b, "1536");
    vj_rctl_humanize(b, 6, 10000);
    assert_string_equal(b, "10K");
    vj_rctl_humanize(b, 6, 0);
    assert_string_equal(b, "0");
    uint64_t v;
    assert_int_equal(vj_rctl_expand_number("10", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(vj_rctl_expand_number("4k", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(vj_rctl_expand_number("2GB", &v), 0);
    assert_int_equal(v, 2147483648ULL);
    assert_int_equal(vj_rctl_expand_number("1x", &v), -1);
    assert_int_equal(vj_rctl_expand_number("", &v), -1);
    assert_int_equal(vj_rctl_expand_number("-1", &v), -1);
    assert_int_equal(vj_rctl_expand_number("99999999999e", &v), -1);
}

static void test_errors(void **state)
{
    assert_parse_err("jail", "malformed rule 'jail': missing subject");
    assert_parse_err("jial:web:memoryuse:deny=1",
                     "malformed rule 'jial:web:memoryuse:deny=1': unknown subject 'jial'");
    assert_parse_err("jail:web:memuse:deny=1",
                     "malformed rule 'jail:web:memuse:deny=1': unknown resource 'memuse'");
    assert_parse_err("jail:web:memoryuse:forbid=1",
                     "malformed rule 'jail:web:memoryuse:forbid=1': unknown action 'forbid'");
    assert_parse_err("jail:web:memoryuse:deny=2Q",
                     "malformed rule 'jail:web:memoryuse:deny=2Q': invalid numeric value '2Q'");
    assert_parse_err("jail:web:memoryuse:deny=1/country",
                     "malformed rule 'jail:web:memoryuse:deny=1/country': unknown per 'country'");
    assert_parse_err("jail:web:pcpu:deny=10t",
                     "malformed rule 'jail:web:pcpu:deny=10t': invalid numeric value '10t'");
    assert_parse_err("jail:web:memoryuse:deny",
                     "malformed rule 'jail:web:memoryuse:deny': missing amount");
    assert_parse_err("jail:a b:memoryuse:deny=1",
                     "malformed rule 'jail:a b:memoryuse:deny=1': invalid subject-id 'a b'");
    assert_parse_err("jail::memoryuse:deny=1",
                     "malformed rule 'jail::memoryuse:deny=1': missing subject-id");
    /* FreeBSD's validity rules. */
    assert_parse_err("jail:web:cputime:deny=10",
                     "failed to add rule 'jail:web:cputime:deny=10': action 'deny' is not "
                     "supported for resource 'cputime'");
    assert_parse_err("jail:web:readbps:deny=10",
                     "failed to add rule 'jail:web:readbps:deny=10': action 'deny' is not "
                     "supported for resource 'readbps'");
    assert_parse_err("jail:web:pcpu:throttle=10",
                     "failed to add rule 'jail:web:pcpu:throttle=10': action 'throttle' is not "
                     "supported for resource 'pcpu'");
    assert_parse_err("jail:web:swapuse:deny=1/process",
                     "failed to add rule 'jail:web:swapuse:deny=1/process': resource 'swapuse' "
                     "cannot be accounted per process");
    /* What Linux cannot do. */
    assert_parse_err("user:joe:maxproc:deny=10",
                     "failed to add rule 'user:joe:maxproc:deny=10': subject 'user' is not "
                     "supported on Linux (vjail limits jails only)");
    assert_parse_err("jail:web:nsem:deny=10",
                     "failed to add rule 'jail:web:nsem:deny=10': resource 'nsem' is not "
                     "supported on Linux (no per-jail counter to enforce it)");
    assert_parse_err("jail:web:wallclock:sigterm=10",
                     "failed to add rule 'jail:web:wallclock:sigterm=10': resource 'wallclock' "
                     "is not supported on Linux (it would need a watcher daemon, vjail has none)");
    assert_parse_err("jail:web:memoryuse:devctl=1g",
                     "failed to add rule 'jail:web:memoryuse:devctl=1g': action 'devctl' is not "
                     "supported on Linux for resource 'memoryuse' (it would need a watcher "
                     "daemon, vjail has none)");
    assert_parse_err("jail:web:maxproc:deny=10/process",
                     "failed to add rule 'jail:web:maxproc:deny=10/process': resource 'maxproc' "
                     "can only be limited per jail on Linux (a cgroup)");
    assert_parse_err("jail:web:cputime:sigterm=10/process",
                     "failed to add rule 'jail:web:cputime:sigterm=10/process': on Linux "
                     "resource 'cputime' supports only sigxcpu and sigkill, per process "
                     "(RLIMIT_CPU)");
    assert_parse_err("jail:web:maxproc:deny=10/user",
                     "failed to add rule 'jail:web:maxproc:deny=10/user': per 'user' is not "
                     "supported on Linux (only jail and process)");
}

/* Odd input never crashes; whatever parses prints and re-parses. */
static void test_odd_input(void **state)
{
    const char *odd[] = {"", ":", ":::::::", "=", "/", "jail:x:memoryuse:deny=/",
                         "jail:x:memoryuse:=5", "::::=1/jail/jail", "jail:x::deny=1",
                         "jail:x:memoryuse:deny=18446744073709551615",
                         "jail:x:memoryuse:deny=99999999999999999999", "jail:x:pcpu:deny=0",
                         "jail:x:memoryuse:deny=9223372036854775807", "p:1:nthr:sigkill=3",
                         "jail:x:maxproc:sigemt=1", "jail:x:memoryuse:deny=1e",
                         "jail:x:memoryuse:deny=1k/", "jail:\x01:nthr:deny=1"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        struct vj_rctl_rule r;
        vj_error_t err = NULL;
        if (vj_rctl_rule_parse(odd[i], &r, &err) == 0) {
            char *t = vj_rctl_rule_format(&r, true);
            free(t);
            if (vj_rctl_rule_check(&r, odd[i], &err) == 0 &&
                vj_rctl_rule_supported(&r, odd[i], &err) == 0) {
                t = vj_rctl_rule_format(&r, false);
                struct vj_rctl_rule r2;
                assert_int_equal(vj_rctl_rule_parse(t, &r2, NULL), 0);
                assert_true(vj_rctl_rule_matches(&r, &r2));
                vj_rctl_rule_clear(&r2);
                free(t);
            }
        }
        vj_error_release(&err);
        vj_rctl_rule_clear(&r);
    }
}

static void test_filters(void **state)
{
    struct vj_rctl_rule r, f;
    assert_int_equal(vj_rctl_rule_parse("jail:web:memoryuse:deny=1g", &r, NULL), 0);
    assert_int_equal(vj_rctl_rule_check(&r, "", NULL), 0);
    const char *match[] = {":", "::", "jail:", "jail:web", "::memoryuse", "jail:web:memoryuse:deny",
                           ":::deny", ":::=1g", "jail:web:memoryuse:deny=1073741824/jail"};
    const char *nomatch[] = {"process:", "jail:db", "::maxproc", ":::log", ":::=2g",
                             ":::=1g/process"};
    for (size_t i = 0; i < sizeof match / sizeof *match; i++) {
        assert_int_equal(vj_rctl_rule_parse(match[i], &f, NULL), 0);
        if (!vj_rctl_rule_matches(&r, &f))
            fail_msg("%s should match", match[i]);
        assert_true(vj_rctl_rule_is_filter(&f) || i == 8);
        vj_rctl_rule_clear(&f);
    }
    for (size_t i = 0; i < sizeof nomatch / sizeof *nomatch; i++) {
        assert_int_equal(vj_rctl_rule_parse(nomatch[i], &f, NULL), 0);
        if (vj_rctl_rule_matches(&r, &f))
            fail_msg("%s should not match", nomatch[i]);
        vj_rctl_rule_clear(&f);
    }
    vj_rctl_rule_clear(&r);
}

static char *scratch_store(void)
{
    char *dir = xasprintf("%s/test_rctl.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    vj_rctl_rules_path = xasprintf("%s/rctl.rules", dir);
    return dir;
}

static void scratch_remove(char *dir)
{
    char *p[] = {xasprintf("%s/rctl.rules", dir), xasprintf("%s/rctl.rules.lock", dir)};
    for (int i = 0; i < 2; i++) {
        unlink(p[i]);
        free(p[i]);
    }
    rmdir(dir);
    free(dir);
    free((char *)vj_rctl_rules_path);
    vj_rctl_rules_path = VJ_RCTL_RULES;
}

static char *list_text(const char *filter)
{
    struct vj_rctl_rule f, *l;
    size_t n;
    if (filter)
        assert_int_equal(vj_rctl_rule_parse(filter, &f, NULL), 0);
    assert_int_equal(vj_rctl_list(filter ? &f : NULL, &l, &n, NULL), 0);
    if (filter)
        vj_rctl_rule_clear(&f);
    struct vj_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        char *t = vj_rctl_rule_format(&l[i], false);
        buf_printf(&b, "%s\n", t);
        free(t);
    }
    vj_rctl_rules_free(l, n);
    return buf_steal(&b);
}

static void test_store(void **state)
{
    char *dir = scratch_store();
    vj_error_t err = NULL;
    assert_int_equal(vj_rctl_add("jail:web:memoryuse:deny=1g", &err), 0);
    assert_int_equal(vj_rctl_add("jail:web:pcpu:deny=20", &err), 0);
    assert_int_equal(vj_rctl_add("jail:db:maxproc:deny=50", &err), 0);
    /* A deny rule differing only by amount replaces the old one. */
    assert_int_equal(vj_rctl_add("jail:web:memoryuse:deny=2g", &err), 0);
    assert_int_equal(vj_rctl_add("jail:web:bogus:deny=1", &err), -1);
    vj_error_release(&err);
    char *s = list_text(NULL);
    assert_string_equal(s, "jail:web:pcpu:deny=20\njail:db:maxproc:deny=50\n"
                           "jail:web:memoryuse:deny=2147483648\n");
    free(s);
    s = list_text("jail:web");
    assert_string_equal(s, "jail:web:pcpu:deny=20\njail:web:memoryuse:deny=2147483648\n");
    free(s);

    /* The `rctl` parameter: stored, replaced, and forgotten on release. */
    char *conf[] = {"openfiles:deny=100", "maxproc:deny=10"};
    assert_int_equal(vj_rctl_conf_set("db", conf, 2, &err), 0);
    assert_int_equal(vj_rctl_conf_set("db", conf, 1, &err), 0);
    s = list_text("jail:db");
    /* maxproc:deny=10 replaced maxproc:deny=50 on the first set, then went
     * away with the second, which only has openfiles. */
    assert_string_equal(s, "jail:db:openfiles:deny=100\n");
    free(s);
    char *bad[] = {"memoryuse:deny=lots"};
    assert_int_equal(vj_rctl_conf_check("db", bad, 1, &err), -1);
    assert_string_equal(err->msg, "db: rctl: malformed rule 'jail:db:memoryuse:deny=lots': "
                                  "invalid numeric value 'lots'");
    vj_error_release(&err);
    vj_rctl_conf_forget("db");
    s = list_text("jail:db");
    assert_string_equal(s, "");
    free(s);

    /* Remove by filter; nothing matched is an error (ESRCH). */
    assert_int_equal(vj_rctl_remove("::pcpu", &err), 0);
    assert_int_equal(vj_rctl_remove("::pcpu", &err), -1);
    assert_string_equal(err->msg, "failed to remove rule '::pcpu': No such process");
    vj_error_release(&err);
    assert_int_equal(vj_rctl_remove("jail:web:", &err), 0);
    s = list_text(NULL);
    assert_string_equal(s, "");
    free(s);
    scratch_remove(dir);
}

static void test_store_other_boot(void **state)
{
    char *dir = scratch_store();
    assert_int_equal(write_file(vj_rctl_rules_path,
                                "boot not-this-boot\na jail:web:pcpu:deny=20\n", 44,
                                O_CREAT | O_TRUNC, 0600, NULL),
                     0);
    char *s = list_text(NULL);
    assert_string_equal(s, ""); /* rules of an earlier boot are gone */
    free(s);
    scratch_remove(dir);
}

static const char mi_hybrid[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void test_layout(void **state)
{
    struct vj_cg_layout l;
    /* Hybrid: v2 carries hugetlb only; everything else on v1. */
    vj_cg_layout_parse(mi_hybrid, "hugetlb\n", &l);
    assert_string_equal(l.v2, "/sys/fs/cgroup/unified");
    assert_false(l.on_v2[VJ_CG_MEMORY]);
    assert_string_equal(l.v1[VJ_CG_MEMORY], "/sys/fs/cgroup/memory");
    assert_string_equal(l.v1[VJ_CG_PIDS], "/sys/fs/cgroup/pids");
    assert_string_equal(l.v1[VJ_CG_CPU], "/sys/fs/cgroup/cpu");
    assert_string_equal(l.v1[VJ_CG_IO], "/sys/fs/cgroup/blkio");
    assert_true(l.on_v2[VJ_CG_CPUACCT]);
    vj_cg_layout_clear(&l);

    /* Hybrid with memory moved to v2. */
    vj_cg_layout_parse(mi_hybrid, "memory hugetlb\n", &l);
    assert_true(l.on_v2[VJ_CG_MEMORY]);
    assert_null(l.v1[VJ_CG_MEMORY]);
    assert_string_equal(l.v1[VJ_CG_PIDS], "/sys/fs/cgroup/pids");
    vj_cg_layout_clear(&l);

    /* Pure v2. */
    vj_cg_layout_parse("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
                       "rw,nsdelegate\n",
                       "cpuset cpu io memory hugetlb pids rdma misc\n", &l);
    assert_string_equal(l.v2, "/sys/fs/cgroup");
    for (int c = 0; c < VJ_CG_N; c++) {
        assert_true(l.on_v2[c]);
        assert_null(l.v1[c]);
    }
    vj_cg_layout_clear(&l);

    /* A second cgroup2 mount elsewhere does not win over /sys/fs/cgroup. */
    vj_cg_layout_parse("1 0 0:1 / /mnt/cg rw - cgroup2 none rw\n"
                       "2 0 0:2 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                       "memory pids\n", &l);
    assert_string_equal(l.v2, "/sys/fs/cgroup");
    assert_false(l.on_v2[VJ_CG_CPU]);
    vj_cg_layout_clear(&l);

    /* v1 only, cpu and cpuacct co-mounted. */
    vj_cg_layout_parse("1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                       "2 0 0:2 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
                       NULL, &l);
    assert_null(l.v2);
    assert_string_equal(l.v1[VJ_CG_CPU], "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(l.v1[VJ_CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
    assert_null(l.v1[VJ_CG_PIDS]);
    assert_false(l.on_v2[VJ_CG_CPUACCT]);
    vj_cg_layout_clear(&l);

    /* Garbage does not crash. */
    vj_cg_layout_parse("x\n\n- - -\n1 2 3 4 5 - cgroup\n", "", &l);
    assert_null(l.v2);
    vj_cg_layout_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_print), cmocka_unit_test(test_human),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_filters),
        cmocka_unit_test(test_odd_input),
        cmocka_unit_test(test_store),       cmocka_unit_test(test_store_other_boot),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

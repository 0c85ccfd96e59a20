/* Unit tests: the jail.conf fragments of the seed documents
 * (tests/data/conf, NAME.conf) load, and expand to the expected parameters
 * (NAME.expected: `jail -e ' '` output); with a reserved jid, ${jid} is
 * substituted everywhere. */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static char datadir[4096];

/* Tests run from the build directory; find the source tree upwards. */
static int find_data(void **state)
{
    const char *root = getenv("VJ_SRCROOT");
    if (root) {
        snprintf(datadir, sizeof datadir, "%s/tests/data/conf", root);
        return 0;
    }
    struct stat st;
    char rel[64] = "tests/data/conf";
    for (int up = 0; up < 5; up++) {
        if (stat(rel, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(datadir, sizeof datadir, "%s", rel);
            return 0;
        }
        memmove(rel + 3, rel, strlen(rel) + 1);
        memcpy(rel, "../", 3);
    }
    fprintf(stderr, "tests/data/conf not found (set VJ_SRCROOT)\n");
    return -1;
}

static char *render(const char *name, int jid)
{
    char *path = xasprintf("%s/%s.conf", datadir, name);
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    if (vj_conf_load(path, &conf, &err) < 0)
        fail_msg("%s", err->msg);
    free(path);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; i < conf->njails; i++) {
        if (vj_conf_expand(&conf->jails[i], jid, &err) < 0)
            fail_msg("%s", err->msg);
        vj_conf_print_jail(f, &conf->jails[i], " ");
    }
    fclose(f);
    vj_conf_free(conf);
    return out;
}

static void compare_expected(const char *name)
{
    char *path = xasprintf("%s/%s.expected", datadir, name);
    char *want = NULL;
    size_t len;
    vj_error_t err = NULL;
    if (read_file(path, &want, &len, &err) < 0)
        fail_msg("%s", err->msg);
    char *got = render(name, 0);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(path);
}

static void test_seed000(void **state)
{
    compare_expected("seed000a");
    compare_expected("seed000b");
    char *got = render("seed000b", 0);
    assert_non_null(strstr(got, "vnet.interface=epair154b "));
    assert_non_null(strstr(got, "\"/sbin/ifconfig epair154a up descr jail:my-vnet-jail\""));
    assert_non_null(strstr(got, "exec.prestop=\"/sbin/ifconfig epair154b || /sbin/ifconfig "
                                "epair154b -vnet my-vnet-jail\""));
    assert_null(strstr(got, "$")); /* every variable resolved, none shown */
    free(got);
}

static void test_seed001(void **state)
{
    compare_expected("seed001");
    /* ${jid} with the jid the engine reserved */
    char *got = render("seed001", 42);
    assert_null(strstr(got, "${jid}"));
    assert_non_null(strstr(got, "name=webserver "));
    assert_non_null(strstr(got, "vnet.interface=epair42b "));
    assert_non_null(strstr(got, "\"ifconfig epair42x create up\""));
    assert_non_null(strstr(got, "path=/usr/jails/myjail "));
    free(got);
}

static void test_grammar(void **state) { compare_expected("grammar"); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed000),
        cmocka_unit_test(test_seed001),
        cmocka_unit_test(test_grammar),
    };
    return cmocka_run_group_tests(tests, find_data, NULL);
}

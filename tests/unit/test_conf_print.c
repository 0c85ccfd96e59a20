/* Unit tests: quoting and printing (jail -e / -J), wildcard matching,
 * command-line parameters (vj_conf_from_args) and jail accessors. */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

static void assert_quote(const char *in, const char *out)
{
    char *q = vj_quote_value(in);
    assert_string_equal(q, out);
    free(q);
}

static void test_quote(void **state)
{
    assert_quote("plain", "plain");
    assert_quote("", "\"\"");
    assert_quote("a b", "\"a b\"");
    assert_quote("a\tb", "\"a\tb\"");
    assert_quote("it's", "\"it's\"");
    assert_quote("say \"hi\"", "'say \"hi\"'");
    assert_quote("both ' and \"", "\"both ' and \\\"\"");
    assert_quote("back\\slash", "back\\\\slash");
    assert_quote("a b\\c", "\"a b\\\\c\"");
    assert_quote("$x,y", "$x,y");
}

static char *print_conf(const char *text, const char *sep, size_t *lenp)
{
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    if (vj_conf_load_buf("t.conf", text, strlen(text), &conf, &err) < 0)
        fail_msg("%s", err->msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; i < conf->njails; i++) {
        assert_int_equal(vj_conf_expand(&conf->jails[i], 0, &err), 0);
        vj_conf_print_jail(f, &conf->jails[i], sep);
    }
    fclose(f);
    vj_conf_free(conf);
    *lenp = len;
    return out;
}

static void test_print_separators(void **state)
{
    size_t len;
    char *s = print_conf("a { persist; $v = 1; depend = b, \"c d\"; } b { } \"c d\" { }", "\t", &len);
    assert_string_equal(s, "name=a\tpersist\tdepend=b,\"c d\"\nname=b\nname=\"c d\"\n");
    free(s);
    /* empty separator: NUL after each parameter, extra NUL per jail */
    s = print_conf("a { persist; } b { }", "", &len);
    assert_int_equal(len, sizeof "name=a\0persist\0\0name=b\0\0" - 1);
    assert_memory_equal(s, "name=a\0persist\0\0name=b\0\0", len);
    free(s);
}

static void test_wild(void **state)
{
    assert_true(vj_wild_name("*"));
    assert_true(vj_wild_name("foo.*"));
    assert_true(vj_wild_name("*.bar"));
    assert_true(vj_wild_name("a.*.c"));
    assert_false(vj_wild_name("a*"));
    assert_false(vj_wild_name("a.b*"));
    assert_false(vj_wild_name("foo"));
    assert_true(vj_wild_match("*", "a"));
    assert_true(vj_wild_match("*", "a.b.c"));
    assert_true(vj_wild_match("foo.*", "foo.bar"));
    assert_true(vj_wild_match("foo.*", "foo.bar.baz"));
    assert_false(vj_wild_match("foo.*", "foo"));
    assert_false(vj_wild_match("foo.*", "foobar.x"));
    assert_true(vj_wild_match("*.b", "a.b"));
    assert_false(vj_wild_match("*.b", "a.c.b"));
    assert_true(vj_wild_match("a.*.c", "a.x.c"));
    assert_false(vj_wild_match("a.*.c", "a.x.y.c"));
    assert_true(vj_wild_match("exact", "exact"));
}

static struct vj_conf *args(const char *first, ...)
{
    const char *v[64];
    int n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        v[n++] = s;
    va_end(ap);
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    if (vj_conf_from_args(n, (char **)v, &conf, &err) < 0)
        fail_msg("%s", err->msg);
    return conf;
}

static char *print_one(struct vj_conf *conf)
{
    vj_error_t err = NULL;
    if (vj_conf_expand(&conf->jails[0], 0, &err) < 0)
        fail_msg("%s", err->msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    vj_conf_print_jail(f, &conf->jails[0], " ");
    fclose(f);
    return out;
}

#define assert_args(expected, ...)                                                         \
    do {                                                                                   \
        struct vj_conf *c_ = args(__VA_ARGS__, NULL);                                      \
        char *s_ = print_one(c_);                                                          \
        assert_string_equal(s_, expected);                                                 \
        free(s_);                                                                          \
        vj_conf_free(c_);                                                                  \
    } while (0)

static void test_from_args(void **state)
{
    /* seed 004 */
    struct vj_conf *c = args("name=j1", "host.hostname=j1.example.com", "path=/", "vnet",
                             "command=/bin/sh", "-c", "echo $HOME", NULL);
    assert_int_equal(c->njails, 1);
    assert_true(c->jails[0].cmdline);
    assert_string_equal(c->jails[0].name, "j1");
    struct vj_cparam *cmd = vj_cjail_get(&c->jails[0], "command");
    assert_int_equal(cmd->nvalues, 3);
    assert_string_equal(cmd->values[2], "echo $HOME"); /* no expansion, no shell */
    char *s = print_one(c);
    assert_string_equal(s, "name=j1 host.hostname=j1.example.com path=/ vnet "
                           "command=/bin/sh,-c,\"echo $HOME\"\n");
    free(s);
    vj_conf_free(c);
    /* bare "command": the rest is argv */
    assert_args("name=x command=/bin/echo,persist\n", "name=x", "command", "/bin/echo", "persist");
    /* list parameters split on commas and accumulate */
    assert_args("vnet.interface=a,b,c ip4.addr=192.0.2.1,192.0.2.2\n", "vnet.interface=a,b",
                "vnet.interface=c", "ip4.addr=192.0.2.1,192.0.2.2");
    /* other values are not split; scalars keep the last value */
    assert_args("path=/b host.hostname=a,b\n", "path=/a", "path=/b", "host.hostname=a,b");
    /* noX, and the same parameter written both ways */
    assert_args("allow.nomount persist=0\n", "allow.mount", "allow.nomount", "persist=0");
    /* empty value */
    assert_args("host.hostname=\"\"\n", "host.hostname=");
    /* anonymous jail: no name */
    c = args("path=/", "persist", NULL);
    assert_null(c->jails[0].name);
    vj_conf_free(c);
    c = args("jid=5", "persist", NULL);
    assert_string_equal(c->jails[0].name, "5");
    vj_conf_free(c);
}

static void assert_args_error(const char *msg, int argc, const char **argv)
{
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    assert_int_equal(vj_conf_from_args(argc, (char **)argv, &conf, &err), -1);
    assert_string_equal(err->msg, msg);
    vj_error_release(&err);
}

static void test_from_args_errors(void **state)
{
    const char *a1[] = {"name=x", "persits"};
    assert_args_error("unknown parameter \"persits\"", 2, a1);
    const char *a2[] = {"name=x", "name=y"};
    assert_args_error("cannot redefine parameter \"name\".", 2, a2);
    const char *a3[] = {"children.cur=1"};
    assert_args_error("children.cur: read-only parameter", 1, a3);
    /* a bad value is reported on expansion, naming the parameter */
    const char *a4[] = {"name=x", "persist=maybe"};
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    assert_int_equal(vj_conf_from_args(2, (char **)a4, &conf, &err), 0);
    assert_int_equal(vj_conf_expand(&conf->jails[0], 0, &err), -1);
    assert_string_equal(err->msg, "x: persist: unknown boolean value \"maybe\"");
    vj_error_release(&err);
    vj_conf_free(conf);
}

static void test_accessors(void **state)
{
    struct vj_conf *c = args("name=x", "persist", "allow.nomount", "stop.timeout=5",
                             "vnet=new", "ip4=disable", "exec.clean=0", "host.hostname=h", NULL);
    struct vj_cjail *j = &c->jails[0];
    vj_error_t err = NULL;
    assert_int_equal(vj_conf_expand(j, 3, &err), 0);
    assert_true(vj_cjail_bool(j, "persist", false));
    assert_false(vj_cjail_bool(j, "allow.mount", true));
    assert_false(vj_cjail_bool(j, "exec.clean", true));
    assert_true(vj_cjail_bool(j, "vnet", false));
    assert_false(vj_cjail_bool(j, "ip4", true));
    assert_true(vj_cjail_bool(j, "mount.devfs", true)); /* default */
    assert_int_equal(vj_cjail_int(j, "stop.timeout", 10), 5);
    assert_int_equal(vj_cjail_int(j, "exec.timeout", 42), 42);
    assert_string_equal(vj_cjail_str(j, "host.hostname"), "h");
    assert_null(vj_cjail_str(j, "path"));
    vj_cjail_set(j, "jid", "3");
    vj_cjail_set(j, "host.hostname", "other");
    assert_string_equal(vj_cjail_str(j, "jid"), "3");
    assert_string_equal(vj_cjail_str(j, "host.hostname"), "other");
    struct vj_cparam *p = vj_cjail_get(j, "allow.mount");
    char *dn = vj_cparam_display_name(p);
    assert_string_equal(dn, "allow.nomount");
    free(dn);
    vj_conf_free(c);
}

static void test_select(void **state)
{
    const char *t = "a { } b { } foo.x { } foo.y { } * { persist; }";
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    assert_int_equal(vj_conf_load_buf("t.conf", t, strlen(t), &conf, &err), 0);
    struct vj_selection s;
    vj_conf_select(conf, NULL, 0, false, &s);
    assert_int_equal(s.njails, 4);
    assert_int_equal(s.ntargets, 0);
    assert_true(s.wild);
    vj_selection_clear(&s);
    char *names[] = {"b", "foo.*", "7", "b", "nope.*"};
    vj_conf_select(conf, names, 5, false, &s);
    assert_int_equal(s.njails, 3);
    assert_string_equal(s.jails[0]->name, "b");
    assert_string_equal(s.jails[1]->name, "foo.x");
    assert_string_equal(s.jails[2]->name, "foo.y");
    assert_int_equal(s.ntargets, 1); /* "7": maybe a running jid */
    assert_string_equal(s.targets[0], "7");
    assert_true(s.wild);
    vj_selection_clear(&s);
    vj_conf_select(conf, names + 4, 1, true, &s);
    assert_int_equal(s.njails, 0);
    assert_int_equal(s.ntargets, 1);
    vj_selection_clear(&s);
    char *one[] = {"a"};
    vj_conf_select(conf, one, 1, false, &s);
    assert_int_equal(s.njails, 1);
    assert_false(s.wild);
    vj_selection_clear(&s);
    vj_conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote),        cmocka_unit_test(test_print_separators),
        cmocka_unit_test(test_wild),         cmocka_unit_test(test_from_args),
        cmocka_unit_test(test_from_args_errors), cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_select),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

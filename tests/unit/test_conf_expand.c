/* Unit tests: variable substitution (jail.conf(5) "Variables") and the
 * validation done at expansion time. */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

static char *show_jid(const char *text, int jid)
{
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    if (vj_conf_load_buf("t.conf", text, strlen(text), &conf, &err) < 0)
        fail_msg("load failed: %s", err->msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; i < conf->njails; i++) {
        if (vj_conf_expand(&conf->jails[i], jid, &err) < 0) {
            fprintf(f, "ERR %s\n", err->msg);
            vj_error_release(&err);
            /* a second call reports the same error */
            assert_int_equal(vj_conf_expand(&conf->jails[i], jid, &err), -1);
            vj_error_release(&err);
            continue;
        }
        vj_conf_print_jail(f, &conf->jails[i], " ");
    }
    fclose(f);
    vj_conf_free(conf);
    return out;
}

#define assert_show_jid(text, jid, expected)                                               \
    do {                                                                                   \
        char *got_ = show_jid(text, jid);                                                  \
        assert_string_equal(got_, expected);                                               \
        free(got_);                                                                        \
    } while (0)
#define assert_show(text, expected) assert_show_jid(text, 0, expected)

static void test_name_and_params(void **state)
{
    assert_show("a { path = /j/$name; host.hostname = \"${name}.example\"; }",
                "name=a path=/j/a host.hostname=a.example\n");
    /* referencing a parameter through braces, including dotted names */
    assert_show("a { host.hostname = h; exec.start = \"echo ${host.hostname} ${path}\"; path = /p; }",
                "name=a host.hostname=h exec.start=\"echo h /p\" path=/p\n");
}

static void test_variables_dropped(void **state)
{
    assert_show("a { $v = x; path = /$v; }", "name=a path=/x\n");
}

static void test_order_independent_recursive(void **state)
{
    /* used before defined, and through a chain */
    assert_show("a { path = \"/j/$c\"; $c = \"${b}c\"; $b = \"${aa}b\"; $aa = A; }",
                "name=a path=/j/Abc\n");
}

static void test_global_per_jail(void **state)
{
    /* globals are expanded per jail, after merging */
    assert_show("path = \"/jails/$name\"; $dom = example.org;\n"
                "host.hostname = \"$name.$dom\";\na { } b { $dom = b.test; }",
                "name=a path=/jails/a host.hostname=a.example.org\n"
                "name=b path=/jails/b host.hostname=b.b.test\n");
}

static void test_not_found(void **state)
{
    assert_show("a {\n path = \"/x/$nope\"; }\nb { }",
                "ERR a: t.conf line 2: path: variable \"nope\" not found\nname=b\n");
    /* an empty (bare) parameter counts as not found */
    assert_show("a { vnet; path = /$vnet; }",
                "ERR a: t.conf line 1: path: variable \"vnet\" not found\n");
    /* error inside a variable names the variable */
    assert_show("a { $x = \"$y\"; path = $x; }",
                "ERR a: t.conf line 1: x: variable \"y\" not found\n");
}

static void test_loop(void **state)
{
    assert_show("a { $x = \"$y\"; $y = \"a$x\"; path = $x; }",
                "ERR a: t.conf line 1: x: variable loop\n");
    assert_show("a { $s = \"$s\"; }", "ERR a: t.conf line 1: s: variable loop\n");
    assert_show("a { path = \"${path}\"; }", "ERR a: t.conf line 1: path: variable loop\n");
}

static void test_arrays(void **state)
{
    /* whole-string substitution carries every value */
    assert_show("a { $ips = 192.0.2.1, 192.0.2.2; ip4.addr = $ips; }",
                "name=a ip4.addr=192.0.2.1,192.0.2.2\n");
    assert_show("a { depend = x, y; exec.start = \"${depend}\"; } x { } y { }",
                "name=a depend=x,y exec.start=x,y\nname=x\nname=y\n");
    /* inline: error */
    assert_show("a { depend = x, y; exec.start = \"echo $depend\"; } x { } y { }",
                "ERR a: t.conf line 1: exec.start: array cannot be substituted inline\n"
                "name=x\nname=y\n");
    /* two references in one string, even of single values, are fine */
    assert_show("a { $p = 1; exec.start = $p$p; }", "name=a exec.start=11\n");
    /* single-valued ok inline */
    assert_show("a { $v = one; exec.start = \"x $v\", \"y\"; }", "name=a exec.start=\"x one\",y\n");
}

static void test_jid(void **state)
{
    const char *conf = "a { vnet.interface = \"epair${jid}b\"; exec.start = \"echo $jid\"; }";
    /* jail -e: left as written */
    assert_show_jid(conf, 0, "name=a vnet.interface=epair${jid}b exec.start=\"echo ${jid}\"\n");
    /* with the reserved jid: expanded (vjail improvement) */
    assert_show_jid(conf, 12, "name=a vnet.interface=epair12b exec.start=\"echo 12\"\n");
    /* a jid fixed by the configuration wins */
    assert_show_jid("a { jid = 7; exec.start = \"echo $jid\"; }", 12, "name=a exec.start=\"echo 7\"\n");
    assert_show_jid("9 { exec.start = \"echo $jid $name\"; }", 12,
                    "exec.start=\"echo 9 9\" name=9\n");
    /* unexpanded ${jid} is not validated, expanded is */
    assert_show_jid("a { stop.timeout = $jid; }", 0, "name=a stop.timeout=${jid}\n");
    assert_show_jid("a { stop.timeout = $jid; }", 3, "name=a stop.timeout=3\n");
    assert_show_jid("a { stop.timeout = x$jid; }", 3,
                    "ERR a: t.conf line 1: stop.timeout: non-integer value \"x3\"\n");
}

static void test_validation(void **state)
{
    assert_show("a {\n persist = maybe; }",
                "ERR a: t.conf line 2: persist: unknown boolean value \"maybe\"\n");
    assert_show("a { $t = x; stop.timeout = $t; }",
                "ERR a: t.conf line 1: stop.timeout: non-integer value \"x\"\n");
    /* scalars: only the last value counts */
    assert_show("a { persist = maybe, 1; }", "name=a persist=maybe,1\n");
    /* lists: every element */
    assert_show("a { ip4.addr = 192.0.2.1, bogus; }",
                "ERR a: t.conf line 1: ip4.addr: invalid IPv4 address \"bogus\"\n");
    assert_show("a { ip6.addr = \"em0|2001:db8::1/64\"; }", "name=a ip6.addr=em0|2001:db8::1/64\n");
}

static void test_blowup_guard(void **state)
{
    /* exponential growth is cut off, never exhausts memory */
    struct vj_buf b = {0};
    buf_adds(&b, "a { $v0 = xxxxxxxxxxxxxxxx;");
    for (int i = 1; i < 40; i++)
        buf_printf(&b, " $v%d = \"$v%d$v%d\";", i, i - 1, i - 1);
    buf_adds(&b, " path = $v39; }");
    char *got = show_jid(b.s, 0);
    assert_non_null(strstr(got, "value too long"));
    free(got);
    free(b.s);
}

static void test_depth_guard(void **state)
{
    /* a long chain resolves in file order; a reversed one is cut off */
    struct vj_buf b = {0};
    buf_adds(&b, "a { path = $v1;");
    for (int i = 1; i < 1000; i++)
        buf_printf(&b, " $v%d = \"$v%d\";", i, i + 1);
    buf_adds(&b, " $v1000 = x; }");
    char *got = show_jid(b.s, 0);
    assert_string_equal(got, "ERR a: t.conf line 1: v257: variables nested too deeply\n");
    free(got);
    free(b.s);
    b = (struct vj_buf){0};
    buf_adds(&b, "a { $v0 = x;");
    for (int i = 1; i < 1000; i++)
        buf_printf(&b, " $v%d = \"$v%d\";", i, i - 1);
    buf_adds(&b, " path = $v999; }");
    got = show_jid(b.s, 0);
    assert_string_equal(got, "name=a path=x\n");
    free(got);
    free(b.s);
}

static void test_depend_list(void **state)
{
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    const char *t = "$d = b; a { depend = $d, c; } b { } c { }";
    assert_int_equal(vj_conf_load_buf("t.conf", t, strlen(t), &conf, &err), 0);
    assert_int_equal(vj_conf_expand(&conf->jails[0], 0, &err), 0);
    assert_string_equal(conf->jails[0].depend[0], "b");
    assert_string_equal(conf->jails[0].depend[1], "c");
    assert_null(conf->jails[0].depend[2]);
    assert_true(conf->jails[0].expanded);
    vj_conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_and_params),
        cmocka_unit_test(test_variables_dropped),
        cmocka_unit_test(test_order_independent_recursive),
        cmocka_unit_test(test_global_per_jail),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_jid),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_blowup_guard),
        cmocka_unit_test(test_depth_guard),
        cmocka_unit_test(test_depend_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: jail.conf(5) lexical rules, grammar, merging/precedence,
 * .include, and every load-time error (text and line number). */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

/* Load text, expand every jail with jid (0: leave ${jid}), print with " ":
 * one line per jail; expansion errors as "ERR msg". */
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
            continue;
        }
        vj_conf_print_jail(f, &conf->jails[i], " ");
    }
    fclose(f);
    vj_conf_free(conf);
    return out;
}

static char *show(const char *text) { return show_jid(text, 0); }

#define assert_show(text, expected)                                                        \
    do {                                                                                   \
        char *got_ = show(text);                                                           \
        assert_string_equal(got_, expected);                                               \
        free(got_);                                                                        \
    } while (0)

static void assert_load_error(const char *text, const char *msg)
{
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    if (vj_conf_load_buf("t.conf", text, strlen(text), &conf, &err) == 0) {
        vj_conf_free(conf);
        fail_msg("loading succeeded, expected: %s", msg);
    }
    assert_non_null(err);
    assert_string_equal(err->msg, msg);
    vj_error_release(&err);
}

/* ---- lexical rules ---- */

static void test_comments(void **state)
{
    assert_show("# hash\n// slashes\n/* block\n comment */ a { persist; # x\n"
                "path = /x; // y\n /* z */ }\n",
                "name=a persist path=/x\n");
    /* a comment cuts an unquoted word; quoting keeps it */
    assert_show("a { path = /a//b; host.hostname = x;\n; host.hostname = 'x#y'; }",
                "name=a path=/a host.hostname=x#y\n");
    assert_show("a { path = /a#b; }\n; }", "name=a path=/a\n");
}

static void test_unquoted(void **state)
{
    assert_show("a { path = /var/jail/a-b_c.d:1@x; exec.start = a+b*c; }",
                "name=a path=/var/jail/a-b_c.d:1@x exec.start=a+b*c\n");
    assert_show("a { exec.start = (x)<y>?[z]^`|~!%&; }", "name=a exec.start=(x)<y>?[z]^`|~!%&\n");
    /* a lone $ is literal */
    assert_show("a { exec.start = a$; }", "name=a exec.start=a$\n");
}

static void test_quotes_and_escapes(void **state)
{
    assert_show("a { exec.start = 'it''s', \"x y\"; }", "name=a exec.start=its,\"x y\"\n");
    /* single quotes: no variables, escapes decoded */
    assert_show("a { exec.start = '$name\\t\\''; }", "name=a exec.start=\"$name\t'\"\n");
    /* double quotes: variables and escapes */
    assert_show("a { exec.start = \"${name}\\n\\101\\x41\\x4a\\\"\"; }",
                "name=a exec.start='a\nAAJ\"'\n");
    /* backslash-newline continues a line */
    assert_show("a { exec.start = \"ab\\\ncd\"; path = /x\\\ny; }",
                "name=a exec.start=abcd path=/xy\n");
    /* unquoted escapes */
    assert_show("a { exec.start = a\\;b\\ c; }", "name=a exec.start=\"a;b c\"\n");
    /* octal with fewer digits */
    assert_show("a { exec.start = \"\\61x\"; }", "name=a exec.start=1x\n");
}

static void test_concatenation(void **state)
{
    assert_show("a { exec.start = \"a\"b'c'$name\"-${name}\"; }", "name=a exec.start=abca-a\n");
    assert_show("a { path = /var/$name/x; }", "name=a path=/var/a/x\n");
    /* $host.hostname is the variable "host" followed by text: use braces */
    assert_show("a { host.hostname = h; $hn = H; path = /$hn.hostname/${host.hostname}; }",
                "name=a host.hostname=h path=/H.hostname/h\n");
}

static void test_empty_strings(void **state)
{
    assert_show("a { host.hostname = \"\"; exec.start = ''; }",
                "name=a host.hostname=\"\" exec.start=\"\"\n");
}

/* ---- statements ---- */

static void test_statement_forms(void **state)
{
    /* name; name = v1, v2; name += v; name v; */
    assert_show("a { persist; depend = b, c; depend += d; exec.start \"x\"; }\n"
                "b { } c { } d { }",
                "name=a persist depend=b,c,d exec.start=x\nname=b\nname=c\nname=d\n");
    /* = replaces, bare name clears the list */
    assert_show("a { depend = b; depend = c; mount = x; mount; }", "name=a depend=c mount\n");
    /* += on a parameter that does not exist yet creates it */
    assert_show("a { exec.start += x; }", "name=a exec.start=x\n");
    /* empty statements */
    assert_show(";; a { ; persist;; } ;", "name=a persist\n");
}

static void test_no_prefix_same_param(void **state)
{
    assert_show("a { allow.nomount; allow.mount; }", "name=a allow.mount\n");
    assert_show("a { persist; nopersist; }", "name=a nopersist\n");
    assert_show("a { allow.mount = 1; allow.nomount = 0; }", "name=a allow.nomount=0\n");
}

static void test_quoted_names(void **state)
{
    assert_show("\"a b\" { \"persist\"; }", "name=\"a b\" persist\n");
}

/* ---- blocks ---- */

static void test_nested_blocks(void **state)
{
    assert_show("a { persist; b { path = /b; c { } } path = /a; }",
                "name=a persist path=/a\nname=a.b path=/b\nname=a.b.c\n");
}

static void test_numeric_block(void **state)
{
    /* numeric name = jid; name back-filled at the end; jid never printed */
    assert_show("5309 { persist; }", "persist name=5309\n");
    assert_show("5309 { name = basejail; persist; }", "name=basejail persist\n");
    assert_show("basejail { jid = 5309; host.hostname = \"${jid}\"; }",
                "name=basejail host.hostname=5309\n");
    assert_show("0 { persist; }", "name=0 persist\n");
}

static void test_redefine_name(void **state)
{
    /* only the affected jail fails (FreeBSD) */
    assert_show("a { name = b; }\nc { }",
                "ERR a: t.conf line 1: cannot redefine parameter \"name\".\nname=c\n");
    assert_show("a { jid = 1; jid = 2; }",
                "ERR a: t.conf line 1: cannot redefine parameter \"jid\".\n");
    assert_show("7 { jid = 7; }", "ERR 7: t.conf line 1: cannot redefine parameter \"jid\".\n");
    assert_show("name = x;\na { }", "ERR a: t.conf line 1: cannot redefine parameter \"name\".\n");
}

static void test_globals_and_wildcards(void **state)
{
    /* global before: default the jail overrides */
    assert_show("path = /g; persist;\na { path = /a; }", "name=a path=/a persist\n");
    /* explicit * after the jail: overrides it */
    assert_show("a { path = /a; }\n* { path = /w; }", "name=a path=/w\n");
    /* * before: default */
    assert_show("* { path = /w; }\na { path = /a; }", "name=a path=/a\n");
    /* partial wildcard */
    assert_show("foo.* { persist; }\nfoo.bar { } foo { } foo.bar.baz { } x.foo { }",
                "name=foo.bar persist\nname=foo\nname=foo.bar.baz persist\nname=x.foo\n");
    /* non-final * matches exactly one component */
    assert_show("*.b { persist; }\na.b { } a.c.b { } b { }",
                "name=a.b persist\nname=a.c.b\nname=b\n");
    /* a wildcard section is not a jail */
    assert_show("* { persist; } foo.* { }", "");
    /* `*` inside a name is a wildcard only as a whole component */
    assert_show("a*b { }", "name=a*b\n");
}

/* Top-level statements after jail blocks: the 2025 parser collects every
 * top-level statement into ONE global section placed at the first one. */
static void test_global_precedence_2025(void **state)
{
    /* first top-level statement before `a`: the whole global section is a
     * default for `a`, even the statement written after `a` */
    assert_show("persist;\na { path = /a; }\npath = /late;\n",
                "name=a persist path=/a\n");
    /* first top-level statement after `a`: the global section overrides a */
    assert_show("a { path = /a; }\npath = /late;\nb { path = /b; }\n",
                "name=a path=/late\nname=b path=/b\n");
}

/* ---- .include ---- */

static char tmpdir[64];

static void write_text(const char *rel, const char *text)
{
    char *p = xasprintf("%s/%s", tmpdir, rel);
    vj_error_t err = NULL;
    if (write_file(p, text, strlen(text), O_CREAT | O_TRUNC, 0644, &err) < 0)
        fail_msg("%s", err->msg);
    free(p);
}

static int setup_dir(void **state)
{
    strcpy(tmpdir, "/tmp/vjail-conf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

static char *show_file(const char *rel, vj_error_t *errp)
{
    char *p = xasprintf("%s/%s", tmpdir, rel);
    struct vj_conf *conf = NULL;
    int r = vj_conf_load(p, &conf, errp);
    free(p);
    if (r < 0)
        return NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; i < conf->njails; i++) {
        vj_error_t e = NULL;
        if (vj_conf_expand(&conf->jails[i], 0, &e) == 0)
            vj_conf_print_jail(f, &conf->jails[i], " ");
        vj_error_release(&e);
    }
    fclose(f);
    vj_conf_free(conf);
    return out;
}

static void test_include(void **state)
{
    char *d = xasprintf("%s/jail.conf.d", tmpdir);
    mkdir(d, 0755);
    free(d);
    write_text("main.conf", "path = \"/j/$name\";\n.include \"jail.conf.d/*.conf\";\n"
                            ".include \"inc/one.conf\", \"two.conf\";\n"
                            ".include \"nothing/*.conf\";\n"
                            "x { .include \"inner.conf\"; }\n");
    char *inc = xasprintf("%s/inc", tmpdir);
    mkdir(inc, 0755);
    free(inc);
    write_text("jail.conf.d/b.conf", "b { }\n");
    write_text("jail.conf.d/a.conf", "a { persist; }\n");
    /* relative to the including file's directory */
    write_text("inc/one.conf", "one { }\n.include \"sub.conf\";\n");
    write_text("inc/sub.conf", "sub { }\n");
    write_text("two.conf", "two { }\n");
    write_text("inner.conf", "host.hostname = inner;\n");
    vj_error_t err = NULL;
    char *out = show_file("main.conf", &err);
    if (!out)
        fail_msg("%s", err->msg);
    assert_string_equal(out, "name=a path=/j/a persist\nname=b path=/j/b\nname=one path=/j/one\n"
                             "name=sub path=/j/sub\nname=two path=/j/two\n"
                             "name=x path=/j/x host.hostname=inner\n");
    free(out);
}

static void test_include_errors(void **state)
{
    vj_error_t err = NULL;
    write_text("missing.conf", "a { }\n.include \"nope.conf\";\n");
    assert_null(show_file("missing.conf", &err));
    char *want = xasprintf("%s/nope.conf: No such file or directory", tmpdir);
    assert_string_equal(err->msg, want);
    free(want);
    vj_error_release(&err);

    write_text("loop.conf", ".include \"loop.conf\";\n");
    assert_null(show_file("loop.conf", &err));
    assert_string_equal(err->msg, "maximum include depth exceeded");
    vj_error_release(&err);

    write_text("var.conf", "\n.include \"$x.conf\";\n");
    assert_null(show_file("var.conf", &err));
    want = xasprintf("%s/var.conf line 2: variables not permitted in '.include' filename", tmpdir);
    assert_string_equal(err->msg, want);
    free(want);
    vj_error_release(&err);

    /* an error inside an included file names that file */
    write_text("bad.conf", ".include \"bad2.conf\";\n");
    write_text("bad2.conf", "a {\n persits;\n}\n");
    assert_null(show_file("bad.conf", &err));
    want = xasprintf("a: %s/bad2.conf line 2: unknown parameter \"persits\"", tmpdir);
    assert_string_equal(err->msg, want);
    free(want);
    vj_error_release(&err);
}

/* ---- load-time errors ---- */

static void test_syntax_errors(void **state)
{
    assert_load_error("a { path = /x }", "t.conf line 1: }: syntax error");
    assert_load_error("a {\n path = /x;\n", "t.conf: unexpected EOF");
    assert_load_error("a { path = /x", "t.conf: unexpected EOF");
    assert_load_error("}", "t.conf line 1: }: syntax error");
    assert_load_error("\n\n= x;", "t.conf line 3: =: syntax error");
    assert_load_error("a { path = , x; }", "t.conf line 1: ,: syntax error");
    assert_load_error("a { path = x y; }", "t.conf line 1: y: syntax error");
    assert_load_error("a {\n\n path += ; }", "t.conf line 3: ;: syntax error");
    assert_load_error("$a$b = 1;", "t.conf line 1: =: syntax error");
    assert_load_error("$x { }", "t.conf line 1: {: syntax error");
    assert_load_error("a { path = \x01; }", "t.conf line 1: \x01: syntax error");
}

static void test_lexical_errors(void **state)
{
    assert_load_error("a {\n path = \"/x;\n}\n", "t.conf line 2: unterminated string");
    assert_load_error("a {\n path = '/x;\n}\n", "t.conf line 2: unterminated string");
    assert_load_error("\n/* never closed\n\n", "t.conf line 2: unterminated comment");
    assert_load_error("a {\n path = ${x", "t.conf line 2: unterminated variable");
    assert_load_error("a { path = ${x{y}; }", "t.conf line 1: unterminated variable");
    assert_load_error("a { path = \"${x\"; }", "t.conf line 1: unterminated variable");
    assert_load_error("a { path = ${x\n}; }", "t.conf line 1: unterminated variable");
}

static void test_unknown_parameter(void **state)
{
    assert_load_error("# c\n\na {\n  persits;\n}\n", "a: t.conf line 4: unknown parameter \"persits\"");
    assert_load_error("persits;", "t.conf line 1: unknown parameter \"persits\"");
    assert_load_error("* { nopath; }", "t.conf line 1: unknown parameter \"nopath\"");
    assert_load_error("a { dying; }", "a: t.conf line 1: dying: read-only parameter");
    /* nothing from a file with an error: the good jail is not returned */
    assert_load_error("good { }\nbad { x; }", "bad: t.conf line 2: unknown parameter \"x\"");
}

static void test_variable_named_like_param(void **state)
{
    assert_load_error("a {\n $path = 1; }",
                      "a: t.conf line 2: variable \"$path\" cannot have the same name as a "
                      "parameter.");
    assert_load_error("${allow.nomount} = 1;",
                      "t.conf line 1: variable \"$allow.nomount\" cannot have the same name as a "
                      "parameter.");
}

static void test_line_numbers_span(void **state)
{
    /* a multi-line string advances the line count */
    assert_load_error("a { exec.start = \"x\ny\nz\"; }\nbad;", "t.conf line 4: unknown parameter \"bad\"");
    assert_load_error("/*\n\n*/ bad;", "t.conf line 3: unknown parameter \"bad\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_unquoted),
        cmocka_unit_test(test_quotes_and_escapes),
        cmocka_unit_test(test_concatenation),
        cmocka_unit_test(test_empty_strings),
        cmocka_unit_test(test_statement_forms),
        cmocka_unit_test(test_no_prefix_same_param),
        cmocka_unit_test(test_quoted_names),
        cmocka_unit_test(test_nested_blocks),
        cmocka_unit_test(test_numeric_block),
        cmocka_unit_test(test_redefine_name),
        cmocka_unit_test(test_globals_and_wildcards),
        cmocka_unit_test(test_global_precedence_2025),
        cmocka_unit_test_setup_teardown(test_include, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_include_errors, setup_dir, teardown_dir),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_lexical_errors),
        cmocka_unit_test(test_unknown_parameter),
        cmocka_unit_test(test_variable_named_like_param),
        cmocka_unit_test(test_line_numbers_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

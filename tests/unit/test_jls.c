/* jls(8) formatting: the default table, -N, -v, parameter columns with
 * -n/-q/-s/-h, JSON and XML output, escaping, --libxo parsing.  Jails are
 * built by hand, no registry involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vjail.h"

#include <string.h>

/* ---- hand-built jails ---- */

struct pspec {
    const char *name;
    const char *values[4];
    bool negated;
};

static struct vj_cjail *mk_params(const struct pspec *ps)
{
    struct vj_cjail *cj = xcalloc(1, sizeof *cj);
    size_t n = 0;
    while (ps && ps[n].name)
        n++;
    cj->params = xcalloc(n + 1, sizeof *cj->params);
    cj->nparams = n;
    for (size_t i = 0; i < n; i++) {
        struct vj_cparam *p = &cj->params[i];
        p->name = xstrdup(ps[i].name);
        p->def = param_lookup(ps[i].name, NULL);
        p->negated = ps[i].negated;
        size_t k = 0;
        while (k < 4 && ps[i].values[k])
            k++;
        p->values = xcalloc(k + 1, sizeof *p->values);
        for (size_t v = 0; v < k; v++)
            p->values[v] = xstrdup(ps[i].values[v]);
        p->nvalues = k;
    }
    return cj;
}

static void free_params(struct vj_cjail *cj)
{
    for (size_t i = 0; i < cj->nparams; i++) {
        free(cj->params[i].name);
        for (size_t v = 0; v < cj->params[i].nvalues; v++)
            free(cj->params[i].values[v]);
        free(cj->params[i].values);
    }
    free(cj->params);
    free(cj);
}

static struct vj_jail mk_jail(int jid, const char *name, const char *host, const char *path,
                              const struct pspec *ps)
{
    struct vj_jail j = {0};
    j.jid = jid;
    j.name = (char *)name;
    j.hostname = (char *)host;
    j.path = (char *)path;
    j.params = mk_params(ps);
    return j;
}

/* Run jls formatting over jails and return what it printed. */
static char *render(unsigned pflags, const char *const *names, enum vj_xo_style style,
                    unsigned xoflags, const struct vj_jail *jails, size_t n)
{
    size_t nnames = 0;
    while (names && names[nnames])
        nnames++;
    struct vj_jls *q = NULL;
    vj_error_t err = NULL;
    int r = vj_jls_new(pflags, (char *const *)names, nnames, &q, &err);
    if (r < 0)
        fail_msg("vj_jls_new: %s", err->msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    struct vj_xo *xo = vj_xo_new(f, style, xoflags);
    vj_xo_set_version(xo, "2");
    vj_jls_header(q, xo);
    vj_xo_open_container(xo, "jail-information");
    vj_xo_open_list(xo, "jail");
    for (size_t i = 0; i < n; i++)
        vj_jls_print(q, xo, &jails[i], jails, n);
    assert_int_equal(vj_xo_finish(xo, &err), 0);
    vj_xo_free(xo);
    vj_jls_free(q);
    fclose(f);
    return out;
}

static const struct pspec www_params[] = {
    {"ip4.addr", {"192.0.2.10", "192.0.2.11"}, false},
    {"ip6.addr", {"2001:db8::10"}, false},
    {"persist", {NULL}, false},
    {"host.hostname", {"www.example.org"}, false},
    {NULL, {NULL}, false},
};

static void test_default_table(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "www.example.org", "/var/jail/www", www_params);
    char *out = render(0, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "   JID  IP Address      Hostname                      Path\n"
                             "     3  192.0.2.10      www.example.org               /var/jail/www\n");
    free(out);
    free_params(j.params);
}

static void test_default_no_jails_header(void **state)
{
    char *out = render(0, NULL, VJ_XO_TEXT, 0, NULL, 0);
    assert_string_equal(out, "   JID  IP Address      Hostname                      Path\n");
    free(out);
}

static void test_default_truncation(void **state)
{
    static const struct pspec ps[] = {
        {"ip4.addr", {"eth0|203.000.113.254/24"}, false},
        {NULL, {NULL}, false},
    };
    char path[120];
    memset(path, 'p', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = 0;
    struct vj_jail j = mk_jail(123456, "long",
                               "a-very-long-hostname-that-does-not-fit.example.org", path, ps);
    char *out = render(0, NULL, VJ_XO_TEXT, 0, &j, 1);
    /* iface| and /mask stripped, the address cut at 15, hostname at 29,
     * path at 74 */
    char want[400];
    snprintf(want, sizeof want, "%s\n123456  203.000.113.254 a-very-long-hostname-that-doe %.74s\n",
             "   JID  IP Address      Hostname                      Path", path);
    assert_string_equal(out, want);
    free(out);
    free_params(j.params);
}

static void test_default_jail_name(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "h", "/j", NULL);
    char *out = render(VJ_JLS_JAIL_NAME, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, " JID             IP Address      Hostname                      Path\n"
                             " www                             h                             /j\n");
    free(out);
    free_params(j.params);
}

static void test_verbose(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "www.example.org", "/var/jail/www", www_params);
    char *out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "   JID  Hostname                      Path\n"
                             "        Name                          State\n"
                             "        CPUSetID\n"
                             "        IP Address(es)\n"
                             "     3  www.example.org               /var/jail/www\n"
                             "        www                           ACTIVE\n"
                             "        0\n"
                             "        192.0.2.10\n"
                             "        192.0.2.11\n"
                             "        2001:db8::10\n");
    free(out);
    j.dying = true;
    out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_non_null(strstr(out, "        www                           DYING\n"));
    free(out);
    free_params(j.params);
}

static void test_params_plain(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "www.example.org", "/var/jail/www", www_params);
    const char *names[] = {"jid", "name", "path", "ip4.addr", "persist", "allow.mount", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "3 www /var/jail/www 192.0.2.10,192.0.2.11 true false\n");
    free(out);
    /* -v is dropped when parameters are given */
    out = render(VJ_JLS_VERBOSE, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "3 www /var/jail/www 192.0.2.10,192.0.2.11 true false\n");
    free(out);
    free_params(j.params);
}

static void test_params_nameval_bools(void **state)
{
    static const struct pspec ps[] = {
        {"persist", {NULL}, true},          /* written "nopersist" */
        {"allow.raw_sockets", {"1"}, false},
        {NULL, {NULL}, false},
    };
    struct vj_jail j = mk_jail(7, "b", "", "/", ps);
    const char *names[] = {"persist", "allow.raw_sockets", "allow.mount", "nopersist",
                           "allow.nomount", NULL};
    char *out = render(VJ_JLS_NAMEVAL, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out,
                        "nopersist allow.raw_sockets allow.nomount nopersist allow.nomount\n");
    free(out);
    out = render(VJ_JLS_NAMEVAL, names, VJ_XO_JSON, 0, &j, 1);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": "
                             "[{\"persist\":false,\"allow.raw_sockets\":true,"
                             "\"allow.mount\":false,\"nopersist\":true,"
                             "\"allow.nomount\":true}]}}\n");
    free(out);
    free_params(j.params);
}

static void test_quoting(void **state)
{
    static const struct pspec ps[] = {
        {"host.domainname", {"it's"}, false},
        {"osrelease", {"say \"hi\""}, false},
        {"meta", {""}, false},
        {NULL, {NULL}, false},
    };
    struct vj_jail j = mk_jail(1, "q", "a b", "/", ps);
    const char *names[] = {"host.hostname", "host.domainname", "osrelease", "meta", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, &j, 1);
    /* without -q only the empty string is quoted */
    assert_string_equal(out, "a b it's say \"hi\" \"\"\n");
    free(out);
    out = render(VJ_JLS_QUOTED, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "\"a b\" \"it's\" 'say \"hi\"' \"\"\n");
    free(out);
    out = render(VJ_JLS_NAMEVAL | VJ_JLS_QUOTED, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "host.hostname=\"a b\" host.domainname=\"it's\" "
                             "osrelease='say \"hi\"' meta=\"\"\n");
    free(out);
    free_params(j.params);
}

static void test_empty_list(void **state)
{
    struct vj_jail j = mk_jail(1, "e", "", "/", NULL);
    const char *names[] = {"ip4.addr", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "-\n");
    free(out);
    out = render(VJ_JLS_QUOTED, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "\"\"\n");
    free(out);
    out = render(VJ_JLS_NAMEVAL, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "ip4.addr=\n");
    free(out);
    out = render(0, names, VJ_XO_JSON, 0, &j, 1);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": "
                             "[{\"ip4.addr\": []}]}}\n");
    free(out);
    free_params(j.params);
}

static void test_skip(void **state)
{
    static const struct pspec ps[] = {
        {"ip4", {"new"}, false},
        {"ip4.addr", {"192.0.2.1"}, false},
        {"host", {"inherit"}, false},
        {NULL, {NULL}, false},
    };
    struct vj_jail j = mk_jail(4, "s", "h", "/s", ps);
    const char *names[] = {"jid", "name", "dying", "parent", "ip4.addr", "host.hostname",
                           "children.cur", "persist", NULL};
    unsigned s = VJ_JLS_NAMEVAL | VJ_JLS_QUOTED | VJ_JLS_SKIP;
    char *out = render(s, names, VJ_XO_TEXT, 0, &j, 1);
    /* read-only (dying, parent, children.cur) and host.* under host=inherit
     * are skipped; ip4.addr stays because ip4=new */
    assert_string_equal(out, "jid=4 name=s ip4.addr=192.0.2.1 nopersist\n");
    free(out);
    free_params(j.params);
}

static void test_header(void **state)
{
    struct vj_jail j = mk_jail(5, "h", "hh", "/h", NULL);
    const char *names[] = {"jid", "name", NULL};
    char *out = render(VJ_JLS_HEADER, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "jid name\n5 h\n");
    free(out);
    free_params(j.params);
}

static void test_all_order(void **state)
{
    struct vj_jail j = mk_jail(5, "h", "hh", "/h", NULL);
    char *out = render(VJ_JLS_HEADER, NULL, VJ_XO_TEXT, 0, &j, 1);
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = 0;
    /* top-level names first, then dotted ones, each sorted; no pseudo
     * parameters, no meta. prefix */
    const char *h = out;
    assert_non_null(strstr(h, "children.max"));
    assert_null(strstr(h, "exec.start"));
    assert_null(strstr(h, "meta. "));
    /* nothing Linux cannot do, no deprecated alias */
    assert_null(strstr(h, "allow.vmm"));
    assert_null(strstr(h, "linux"));
    assert_null(strstr(h, "allow.sysvipc"));
    assert_non_null(strstr(h, "sysvshm"));
    assert_true(strstr(h, "vnet ") < strstr(h, "allow.chflags"));
    assert_true(strstr(h, "children.cur") < strstr(h, "children.max"));
    assert_true(strstr(h, "devfs_ruleset") < strstr(h, "jid"));
    free(out);
    free_params(j.params);
}

static void test_unknown_parameter(void **state)
{
    struct vj_jls *q = NULL;
    vj_error_t err = NULL;
    char *bad[] = {"jid", "bogus"};
    assert_int_equal(vj_jls_new(0, bad, 2, &q, &err), -1);
    assert_string_equal(err->msg, "unknown parameter: bogus");
    vj_error_release(&err);
    /* jail(8)-only parameters are not jls parameters either */
    char *pseudo[] = {"exec.start"};
    assert_int_equal(vj_jls_new(0, pseudo, 1, &q, &err), -1);
    assert_string_equal(err->msg, "unknown parameter: exec.start");
    vj_error_release(&err);
}

static void test_meta_key(void **state)
{
    static const struct pspec ps[] = {
        {"meta", {"a=1\ncolor=blue\nb=2"}, false},
        {NULL, {NULL}, false},
    };
    struct vj_jail j = mk_jail(2, "m", "", "/", ps);
    const char *names[] = {"meta.color", "meta.none", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "blue \"\"\n");
    free(out);
    free_params(j.params);
}

static void test_json_default_and_two_jails(void **state)
{
    struct vj_jail js[2] = {
        mk_jail(3, "www", "www.example.org", "/var/jail/www", www_params),
        mk_jail(4, "db", "", "/j/db", NULL),
    };
    char *out = render(0, NULL, VJ_XO_JSON, 0, js, 2);
    assert_string_equal(out,
                        "{\"__version\": \"2\", \"jail-information\": {\"jail\": ["
                        "{\"jid\":3,\"ipv4\":\"192.0.2.10\",\"hostname\":\"www.example.org\","
                        "\"path\":\"/var/jail/www\"}, "
                        "{\"jid\":4,\"ipv4\":\"\",\"hostname\":\"\",\"path\":\"/j/db\"}]}}\n");
    free(out);
    out = render(0, NULL, VJ_XO_JSON, 0, NULL, 0);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": []}}\n");
    free(out);
    out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_JSON, 0, js, 1);
    assert_string_equal(out,
                        "{\"__version\": \"2\", \"jail-information\": {\"jail\": ["
                        "{\"jid\":3,\"hostname\":\"www.example.org\",\"path\":\"/var/jail/www\","
                        "\"name\":\"www\",\"state\":\"ACTIVE\",\"cpusetid\":0,"
                        "\"ipv4_addrs\": [\"192.0.2.10\",\"192.0.2.11\"],"
                        "\"ipv6_addrs\": [\"2001:db8::10\"]}]}}\n");
    free(out);
    free_params(js[0].params);
    free_params(js[1].params);
}

static void test_json_params_like_freebsd(void **state)
{
    /* FreeBSD's jailmeta test: jls -jj --libxo json name meta */
    static const struct pspec ps[] = {
        {"meta", {"a b c"}, false},
        {NULL, {NULL}, false},
    };
    struct vj_jail j = mk_jail(9, "j", "", "/", ps);
    const char *names[] = {"name", "meta", NULL};
    char *out = render(0, names, VJ_XO_JSON, 0, &j, 1);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": "
                             "[{\"name\":\"j\",\"meta\":\"a b c\"}]}}\n");
    free(out);
    free_params(j.params);
}

static void test_json_escaping(void **state)
{
    struct vj_jail j = mk_jail(1, "e", "q\"b\\s\nt\tc\x01", "/", NULL);
    const char *names[] = {"host.hostname", NULL};
    char *out = render(0, names, VJ_XO_JSON, 0, &j, 1);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": "
                             "[{\"host.hostname\":\"q\\\"b\\\\s\\nt\\tc\\u0001\"}]}}\n");
    free(out);
    free_params(j.params);
}

static void test_xml(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "a<b>&c", "/var/jail/www", www_params);
    char *out = render(0, NULL, VJ_XO_XML, 0, &j, 1);
    assert_string_equal(out, "<jail-information version=\"2\"><jail><jid>3</jid>"
                             "<ipv4>192.0.2.10</ipv4><hostname>a&lt;b&gt;&amp;c</hostname>"
                             "<path>/var/jail/www</path></jail></jail-information>\n");
    free(out);
    const char *names[] = {"ip4.addr", NULL};
    out = render(0, names, VJ_XO_XML, 0, &j, 1);
    assert_string_equal(out, "<jail-information version=\"2\"><jail>"
                             "<ip4.addr>192.0.2.10</ip4.addr><ip4.addr>192.0.2.11</ip4.addr>"
                             "</jail></jail-information>\n");
    free(out);
    free_params(j.params);
}

static void test_json_pretty(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "h", "/p", NULL);
    const char *names[] = {"jid", "name", NULL};
    char *out = render(0, names, VJ_XO_JSON, VJ_XO_PRETTY, &j, 1);
    assert_string_equal(out, "{\n"
                             "  \"__version\": \"2\",\n"
                             "  \"jail-information\": {\n"
                             "    \"jail\": [\n"
                             "      {\n"
                             "        \"jid\": \"3\",\n"
                             "        \"name\": \"www\"\n"
                             "      }\n"
                             "    ]\n"
                             "  }\n"
                             "}\n");
    free(out);
    free_params(j.params);
}

static void test_xml_pretty(void **state)
{
    struct vj_jail j = mk_jail(3, "www", "h", "/p", NULL);
    const char *names[] = {"jid", NULL};
    char *out = render(0, names, VJ_XO_XML, VJ_XO_PRETTY, &j, 1);
    assert_string_equal(out, "<jail-information version=\"2\">\n"
                             "  <jail>\n"
                             "    <jid>3</jid>\n"
                             "  </jail>\n"
                             "</jail-information>\n");
    free(out);
    free_params(j.params);
}

static void test_quote_backslash(void **state)
{
    struct vj_jail j = mk_jail(1, "b", "a\\b c", "/", NULL);
    const char *names[] = {"host.hostname", NULL};
    char *out = render(VJ_JLS_QUOTED, names, VJ_XO_TEXT, 0, &j, 1);
    /* escaped so that jail(8) reads the same value back */
    assert_string_equal(out, "\"a\\\\b c\"\n");
    free(out);
    out = render(0, names, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "a\\b c\n");
    free(out);
    free_params(j.params);
}

static void test_escape_functions(void **state)
{
    struct vj_buf b = {0};
    vj_xo_escape_xml(&b, "\"x\"&'", true);
    assert_string_equal(b.s, "&quot;x&quot;&amp;'");
    free(buf_steal(&b));
    vj_xo_escape_xml(&b, "a\x02z", false);
    assert_string_equal(b.s, "a\xef\xbf\xbdz");
    free(buf_steal(&b));
}

static void test_parse_args(void **state)
{
    char *argv[] = {"jls", "--libxo", "json,pretty", "-v", "--libxo=xml", "--libxo:J", "--",
                    "--libxo", NULL};
    int argc = 8;
    enum vj_xo_style st = VJ_XO_TEXT;
    unsigned fl = 0;
    vj_error_t err = NULL;
    assert_int_equal(vj_xo_parse_args(&argc, argv, &st, &fl, &err), 0);
    assert_int_equal(argc, 4);
    assert_string_equal(argv[1], "-v");
    assert_string_equal(argv[2], "--");
    assert_string_equal(argv[3], "--libxo"); /* after "--": not ours */
    assert_int_equal(st, VJ_XO_JSON);
    assert_true(fl & VJ_XO_PRETTY);

    char *bad[] = {"jls", "--libxo=html", NULL};
    argc = 2;
    assert_int_equal(vj_xo_parse_args(&argc, bad, &st, &fl, &err), -1);
    assert_non_null(strstr(err->msg, "html"));
    vj_error_release(&err);
    char *missing[] = {"jls", "--libxo", NULL};
    argc = 2;
    assert_int_equal(vj_xo_parse_args(&argc, missing, &st, &fl, &err), -1);
    vj_error_release(&err);
    char *text[] = {"jls", "--libxo", "text", NULL};
    argc = 3;
    st = VJ_XO_JSON;
    assert_int_equal(vj_xo_parse_args(&argc, text, &st, &fl, &err), 0);
    assert_int_equal(st, VJ_XO_TEXT);
    assert_int_equal(argc, 1);
}

static void test_children_cur(void **state)
{
    struct vj_jail js[3] = {
        mk_jail(1, "p", "", "/", NULL),
        mk_jail(2, "p.c1", "", "/", NULL),
        mk_jail(3, "p.c2", "", "/", NULL),
    };
    js[1].parent = 1;
    js[2].parent = 1;
    const char *names[] = {"name", "children.cur", "parent", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, js, 3);
    assert_string_equal(out, "p 2 0\np.c1 0 1\np.c2 0 1\n");
    free(out);
    /* derived booleans, also in their "no" spelling */
    js[1].dying = true;
    const char *dn[] = {"dying", "nodying", NULL};
    out = render(0, dn, VJ_XO_TEXT, 0, js, 2);
    assert_string_equal(out, "false true\ntrue false\n");
    free(out);
    out = render(VJ_JLS_NAMEVAL, dn, VJ_XO_TEXT, 0, js, 2);
    assert_string_equal(out, "nodying nodying\ndying dying\n");
    free(out);
    for (int i = 0; i < 3; i++)
        free_params(js[i].params);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_table),
        cmocka_unit_test(test_default_no_jails_header),
        cmocka_unit_test(test_default_truncation),
        cmocka_unit_test(test_default_jail_name),
        cmocka_unit_test(test_verbose),
        cmocka_unit_test(test_params_plain),
        cmocka_unit_test(test_params_nameval_bools),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_empty_list),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_all_order),
        cmocka_unit_test(test_unknown_parameter),
        cmocka_unit_test(test_meta_key),
        cmocka_unit_test(test_json_default_and_two_jails),
        cmocka_unit_test(test_json_params_like_freebsd),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_xml),
        cmocka_unit_test(test_json_pretty),
        cmocka_unit_test(test_xml_pretty),
        cmocka_unit_test(test_quote_backslash),
        cmocka_unit_test(test_escape_functions),
        cmocka_unit_test(test_parse_args),
        cmocka_unit_test(test_children_cur),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

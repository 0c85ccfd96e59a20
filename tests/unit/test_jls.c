/* jls(8) formatting: the default table, -N, -v, parameter columns with
 * -n/-q/-s/-h, JSON and XML output, escaping, --libxo parsing.  Jails are
 * built by hand, no registry involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vjail.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>

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

/* ---- fake live figures (rctl usage, a VNET jail's interfaces) ---- */

struct fake_addr {
    const char *addr; /* "192.0.2.5/24" */
    unsigned char scope;
};
struct fake_if {
    const char *name;
    unsigned flags;          /* IFF_* */
    bool ether;
    unsigned char mac[6];
    struct fake_addr addrs[4];
};
struct fake_live {
    int jid;
    int usage_rc, links_rc;  /* what the source returns: 1, 0 or -1 */
    int64_t usage[VJ_RR_N];
    const struct fake_if *ifs;
    size_t nifs;
};
static const struct fake_live *fakes;
static size_t nfakes;
static int usage_calls, links_calls;

static const struct fake_live *fake_find(int jid)
{
    for (size_t i = 0; i < nfakes; i++)
        if (fakes[i].jid == jid)
            return &fakes[i];
    return NULL;
}

static int fake_usage(const struct vj_jail *j, int64_t *usage, void *arg, vj_error_t *err)
{
    usage_calls++;
    const struct fake_live *f = fake_find(j->jid);
    if (!f || f->usage_rc == 0)
        return 0;
    if (f->usage_rc < 0)
        return vj_error_make(err, EIO, "rctl: usage: fake failure");
    memcpy(usage, f->usage, sizeof f->usage);
    return 1;
}

static int fake_links(const struct vj_jail *j, struct vj_nl_link **out, size_t *n, void *arg,
                      vj_error_t *err)
{
    links_calls++;
    const struct fake_live *f = fake_find(j->jid);
    if (!f || f->links_rc == 0)
        return 0;
    if (f->links_rc < 0)
        return vj_error_make(err, EPERM, "netlink: fake failure");
    struct vj_nl_link *l = xcalloc(f->nifs + 1, sizeof *l);
    for (size_t i = 0; i < f->nifs; i++) {
        const struct fake_if *fi = &f->ifs[i];
        l[i].ifindex = (int)i + 1;
        snprintf(l[i].name, sizeof l[i].name, "%s", fi->name);
        l[i].flags = fi->flags;
        l[i].mtu = fi->flags & IFF_LOOPBACK ? 65536 : 1500;
        l[i].type = fi->ether ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
        l[i].maclen = 6;
        memcpy(l[i].mac, fi->mac, 6);
        size_t na = 0;
        while (na < 4 && fi->addrs[na].addr)
            na++;
        l[i].addrs = xcalloc(na + 1, sizeof *l[i].addrs);
        for (size_t k = 0; k < na; k++) {
            vj_error_t e = NULL;
            if (vj_nl_prefix_parse(fi->addrs[k].addr, AF_UNSPEC, &l[i].addrs[k].p, &e) < 0)
                fail_msg("%s", e->msg);
            l[i].addrs[k].scope = fi->addrs[k].scope;
        }
        l[i].naddrs = na;
    }
    *out = l;
    *n = f->nifs;
    return 1;
}

static const struct vj_jls_source fake_source = {fake_usage, fake_links, NULL};

static void set_fakes(const struct fake_live *f, size_t n)
{
    fakes = f;
    nfakes = n;
    usage_calls = links_calls = 0;
}

/* Run jls formatting over jails and return what it printed.  Live
 * figures come from the fakes (none unless a test sets them). */
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
    vj_jls_set_source(q, &fake_source);
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

/* ---- live figures: VNET interfaces and rctl usage (fake source) ---- */

static const struct pspec vnet_params[] = {
    {"vnet", {NULL}, false},
    {"persist", {NULL}, false},
    {NULL, {NULL}, false},
};

static const struct fake_if vn_ifs[] = {
    {"lo", IFF_LOOPBACK | IFF_UP, false, {0}, {{"127.0.0.1/8", 254}, {"::1/128", 254}}},
    {"eth0", IFF_UP, true, {0x02, 0, 0x5e, 0, 0, 7},
     {{"192.0.2.7/24", 0}, {"fe80::7/64", 253}, {"2001:db8::7/64", 0}}},
    /* down; the same address again is listed once among the jail's */
    {"eth1", 0, true, {0x02, 0, 0x5e, 0, 1, 7}, {{"198.51.100.7/24", 0}, {"192.0.2.7/32", 0}}},
};
static const struct fake_if v6_ifs[] = {
    {"lo", IFF_LOOPBACK | IFF_UP, false, {0}, {{"127.0.0.1/8", 254}}},
    {"eth0", IFF_UP, true, {0x02, 0, 0, 0, 0, 8}, {{"fe80::8/64", 253}, {"2001:db8::8/64", 0}}},
};
static const struct fake_if lo_ifs[] = {
    {"lo", IFF_LOOPBACK | IFF_UP, false, {0}, {{"127.0.0.1/8", 254}, {"::1/128", 254}}},
};

static struct fake_live mk_live(int jid, const struct fake_if *ifs, size_t nifs)
{
    struct fake_live f = {jid, 1, ifs ? 1 : 0, {0}, ifs, nifs};
    for (int i = 0; i < VJ_RR_N; i++)
        f.usage[i] = 0;
    f.usage[VJ_RR_CPUTIME] = 12;
    f.usage[VJ_RR_DATASIZE] = 1064960;
    f.usage[VJ_RR_MEMORYUSE] = 123456789;
    f.usage[VJ_RR_MAXPROC] = 3;
    f.usage[VJ_RR_OPENFILES] = 14;
    f.usage[VJ_RR_VMEMORYUSE] = 9999999999LL;
    f.usage[VJ_RR_WALLCLOCK] = 3600;
    f.usage[VJ_RR_PCPU] = 5;
    return f;
}

#define USAGE_TEXT                                                                      \
    "        rctl usage: cputime=12 datasize=1064960 stacksize=0 coredumpsize=0\n"        \
    "                    memoryuse=123456789 memorylocked=0 maxproc=3 openfiles=14\n"     \
    "                    vmemoryuse=9999999999 pseudoterminals=0 swapuse=0 nthr=0\n"      \
    "                    msgqqueued=0 msgqsize=0 nmsgq=0 nsem=0 nsemop=0 nshm=0\n"        \
    "                    shmsize=0 wallclock=3600 pcpu=5 readbps=0 writebps=0\n"          \
    "                    readiops=0 writeiops=0\n"

#define USAGE_JSON                                                                      \
    "\"usage\": {\"cputime\":12,\"datasize\":1064960,\"stacksize\":0,\"coredumpsize\":0," \
    "\"memoryuse\":123456789,\"memorylocked\":0,\"maxproc\":3,\"openfiles\":14,"          \
    "\"vmemoryuse\":9999999999,\"pseudoterminals\":0,\"swapuse\":0,\"nthr\":0,"           \
    "\"msgqqueued\":0,\"msgqsize\":0,\"nmsgq\":0,\"nsem\":0,\"nsemop\":0,\"nshm\":0,"     \
    "\"shmsize\":0,\"wallclock\":3600,\"pcpu\":5,\"readbps\":0,\"writebps\":0,"           \
    "\"readiops\":0,\"writeiops\":0}"

static void test_vnet_default(void **state)
{
    struct fake_live f[3] = {mk_live(7, vn_ifs, 3), mk_live(8, v6_ifs, 2),
                             mk_live(9, lo_ifs, 1)};
    set_fakes(f, 3);
    struct vj_jail js[4] = {
        mk_jail(7, "vn", "vn.example.org", "/j/vn", vnet_params),
        mk_jail(8, "v6", "", "/j/v6", vnet_params),
        mk_jail(9, "lo", "", "/j/lo", vnet_params),
        mk_jail(10, "www", "www.example.org", "/var/jail/www", www_params),
    };
    char *out = render(0, NULL, VJ_XO_TEXT, 0, js, 4);
    /* first IPv4 of a non-loopback interface, else the first IPv6 (not
     * link-local); loopback alone shows nothing; plain jails as before */
    assert_string_equal(out, "   JID  IP Address      Hostname                      Path\n"
                             "     7  192.0.2.7       vn.example.org                /j/vn\n"
                             "     8  2001:db8::8                                   /j/v6\n"
                             "     9                                                /j/lo\n"
                             "    10  192.0.2.10      www.example.org               /var/jail/www\n");
    free(out);
    /* one listing per jail; the text table never reads usage */
    assert_int_equal(links_calls, 4);
    assert_int_equal(usage_calls, 0);
    set_fakes(NULL, 0);
    for (int i = 0; i < 4; i++)
        free_params(js[i].params);
}

static void test_vnet_verbose(void **state)
{
    struct fake_live f[1] = {mk_live(7, vn_ifs, 3)};
    set_fakes(f, 1);
    struct vj_jail j = mk_jail(7, "vn", "vn.example.org", "/j/vn", vnet_params);
    char *out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out,
                        "   JID  Hostname                      Path\n"
                        "        Name                          State\n"
                        "        CPUSetID\n"
                        "        IP Address(es)\n"
                        "     7  vn.example.org                /j/vn\n"
                        "        vn                            ACTIVE\n"
                        "        0\n"
                        "        192.0.2.7\n"
                        "        198.51.100.7\n"
                        "        2001:db8::7\n"
                        "        lo0: inet 127.0.0.1/8 inet6 ::1/128\n"
                        "        eth0: ether 02:00:5e:00:00:07 inet 192.0.2.7/24 "
                        "inet6 fe80::7/64 inet6 2001:db8::7/64\n"
                        "        eth1: ether 02:00:5e:00:01:07 inet 198.51.100.7/24 "
                        "inet 192.0.2.7/32\n" USAGE_TEXT);
    free(out);
    assert_int_equal(links_calls, 1);
    assert_int_equal(usage_calls, 1);
    /* every usage line fits in 80 columns */
    out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    for (char *l = strstr(out, "rctl usage:"); l && *l;) {
        size_t n = strcspn(l, "\n");
        assert_true(n < 80);
        l += n + (l[n] != 0);
    }
    free(out);
    set_fakes(NULL, 0);
    free_params(j.params);
}

static void test_verbose_no_live(void **state)
{
    /* no cgroup and not VNET: exactly FreeBSD's lines */
    static struct fake_live f[1];
    f[0] = mk_live(3, NULL, 0);
    f[0].usage_rc = 0;
    set_fakes(f, 1);
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
    /* a plain jail with usage: the usage lines only */
    f[0].usage_rc = 1;
    out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_non_null(strstr(out, "        2001:db8::10\n" USAGE_TEXT));
    assert_null(strstr(out, "ether"));
    free(out);
    set_fakes(NULL, 0);
    free_params(j.params);
}

static void test_vnet_json(void **state)
{
    struct fake_live f[2] = {mk_live(7, vn_ifs, 3), mk_live(9, lo_ifs, 1)};
    f[1].usage_rc = 0; /* no cgroup: no "usage" */
    set_fakes(f, 2);
    struct vj_jail js[2] = {
        mk_jail(7, "vn", "vn.example.org", "/j/vn", vnet_params),
        mk_jail(9, "lo", "", "/j/lo", vnet_params),
    };
    char *out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_JSON, 0, js, 2);
    assert_string_equal(
        out,
        "{\"__version\": \"2\", \"jail-information\": {\"jail\": ["
        "{\"jid\":7,\"hostname\":\"vn.example.org\",\"path\":\"/j/vn\",\"name\":\"vn\","
        "\"state\":\"ACTIVE\",\"cpusetid\":0,"
        "\"ipv4_addrs\": [\"192.0.2.7\",\"198.51.100.7\"],\"ipv6_addrs\": [\"2001:db8::7\"], "
        "\"interfaces\": ["
        "{\"name\":\"lo0\",\"mtu\":65536,\"up\":true,\"inet\": [\"127.0.0.1/8\"],"
        "\"inet6\": [\"::1/128\"]}, "
        "{\"name\":\"eth0\",\"mac\":\"02:00:5e:00:00:07\",\"mtu\":1500,\"up\":true,"
        "\"inet\": [\"192.0.2.7/24\"],\"inet6\": [\"fe80::7/64\",\"2001:db8::7/64\"]}, "
        "{\"name\":\"eth1\",\"mac\":\"02:00:5e:00:01:07\",\"mtu\":1500,\"up\":false,"
        "\"inet\": [\"198.51.100.7/24\",\"192.0.2.7/32\"],\"inet6\": []}], " USAGE_JSON "}, "
        "{\"jid\":9,\"hostname\":\"\",\"path\":\"/j/lo\",\"name\":\"lo\","
        "\"state\":\"ACTIVE\",\"cpusetid\":0,\"ipv4_addrs\": [],\"ipv6_addrs\": [], "
        "\"interfaces\": [{\"name\":\"lo0\",\"mtu\":65536,\"up\":true,"
        "\"inet\": [\"127.0.0.1/8\"],\"inet6\": [\"::1/128\"]}]}]}}\n");
    free(out);
    /* the default display's JSON: FreeBSD's four keys, then the same
     * interfaces and usage */
    out = render(0, NULL, VJ_XO_JSON, 0, js, 1);
    assert_non_null(strstr(out, "[{\"jid\":7,\"ipv4\":\"192.0.2.7\",\"hostname\":"
                                "\"vn.example.org\",\"path\":\"/j/vn\", \"interfaces\": ["));
    assert_non_null(strstr(out, "}], " USAGE_JSON "}]}}\n"));
    free(out);
    set_fakes(NULL, 0);
    for (int i = 0; i < 2; i++)
        free_params(js[i].params);
}

static void test_vnet_xml(void **state)
{
    static const struct fake_if ifs[] = {
        {"eth0", IFF_UP, true, {0x02, 0, 0, 0, 0, 1}, {{"192.0.2.1/24", 0}}},
    };
    struct fake_live f[1] = {mk_live(5, ifs, 1)};
    f[0].usage_rc = 0;
    set_fakes(f, 1);
    struct vj_jail j = mk_jail(5, "x", "", "/x", vnet_params);
    char *out = render(0, NULL, VJ_XO_XML, 0, &j, 1);
    assert_string_equal(out, "<jail-information version=\"2\"><jail><jid>5</jid>"
                             "<ipv4>192.0.2.1</ipv4><hostname></hostname><path>/x</path>"
                             "<interface><name>eth0</name><mac>02:00:00:00:00:01</mac>"
                             "<mtu>1500</mtu><up>true</up><inet>192.0.2.1/24</inet>"
                             "</interface></jail></jail-information>\n");
    free(out);
    f[0].usage_rc = 1;
    out = render(0, NULL, VJ_XO_XML, 0, &j, 1);
    assert_non_null(strstr(out, "</interface><usage><cputime>12</cputime><datasize>1064960"
                                "</datasize>"));
    assert_non_null(strstr(out, "<writeiops>0</writeiops></usage></jail>"));
    free(out);
    set_fakes(NULL, 0);
    free_params(j.params);
}

static void test_usage_columns(void **state)
{
    struct fake_live f[1] = {mk_live(7, NULL, 0)};
    set_fakes(f, 1);
    struct vj_jail js[2] = {
        mk_jail(7, "a", "", "/", NULL),
        mk_jail(8, "b", "", "/", NULL), /* no cgroup: zeros, like rctl -u */
    };
    const char *names[] = {"name", "usage.memoryuse", "usage.maxproc", "usage.pcpu", NULL};
    char *out = render(0, names, VJ_XO_TEXT, 0, js, 2);
    assert_string_equal(out, "a 123456789 3 5\nb 0 0 0\n");
    free(out);
    assert_int_equal(usage_calls, 2); /* once per jail for three columns */
    out = render(VJ_JLS_NAMEVAL, names, VJ_XO_TEXT, 0, js, 1);
    assert_string_equal(out, "name=a usage.memoryuse=123456789 usage.maxproc=3 usage.pcpu=5\n");
    free(out);
    out = render(VJ_JLS_HEADER, names, VJ_XO_TEXT, 0, js, 1);
    assert_string_equal(out, "name usage.memoryuse usage.maxproc usage.pcpu\n"
                             "a 123456789 3 5\n");
    free(out);
    /* read-only: -s (jail(8) input) leaves them out */
    out = render(VJ_JLS_NAMEVAL | VJ_JLS_QUOTED | VJ_JLS_SKIP, names, VJ_XO_TEXT, 0, js, 1);
    assert_string_equal(out, "name=a\n");
    free(out);
    out = render(0, names, VJ_XO_JSON, 0, js, 1);
    assert_string_equal(out, "{\"__version\": \"2\", \"jail-information\": {\"jail\": "
                             "[{\"name\":\"a\",\"usage.memoryuse\":\"123456789\","
                             "\"usage.maxproc\":\"3\",\"usage.pcpu\":\"5\"}]}}\n");
    free(out);
    /* not in "all", and an unknown resource is an unknown parameter */
    const char *all[] = {"all", NULL};
    out = render(VJ_JLS_NAMEVAL, all, VJ_XO_TEXT, 0, js, 1);
    assert_null(strstr(out, "usage."));
    free(out);
    const char *bad[] = {"usage.bogus", "usage", "usage.", NULL};
    for (int i = 0; bad[i]; i++) {
        struct vj_jls *q = NULL;
        vj_error_t err = NULL;
        assert_int_equal(vj_jls_new(0, (char *const *)&bad[i], 1, &q, &err), -1);
        char want[64];
        snprintf(want, sizeof want, "unknown parameter: %s", bad[i]);
        assert_string_equal(err->msg, want);
        vj_error_release(&err);
    }
    set_fakes(NULL, 0);
    free_params(js[0].params);
    free_params(js[1].params);
}

static void test_live_failures(void **state)
{
    /* a source that fails: the jail is still listed, without the figures
     * (the warning goes to stderr) */
    struct fake_live f[1] = {mk_live(7, vn_ifs, 3)};
    f[0].usage_rc = -1;
    f[0].links_rc = -1;
    set_fakes(f, 1);
    struct vj_jail j = mk_jail(7, "vn", "h", "/j/vn", vnet_params);
    char *out = render(VJ_JLS_VERBOSE, NULL, VJ_XO_TEXT, 0, &j, 1);
    assert_string_equal(out, "   JID  Hostname                      Path\n"
                             "        Name                          State\n"
                             "        CPUSetID\n"
                             "        IP Address(es)\n"
                             "     7  h                             /j/vn\n"
                             "        vn                            ACTIVE\n"
                             "        0\n");
    free(out);
    /* asked once per jail even though it failed */
    assert_int_equal(links_calls, 1);
    assert_int_equal(usage_calls, 1);
    set_fakes(NULL, 0);
    free_params(j.params);
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
        cmocka_unit_test(test_vnet_default),
        cmocka_unit_test(test_vnet_verbose),
        cmocka_unit_test(test_verbose_no_live),
        cmocka_unit_test(test_vnet_json),
        cmocka_unit_test(test_vnet_xml),
        cmocka_unit_test(test_usage_columns),
        cmocka_unit_test(test_live_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

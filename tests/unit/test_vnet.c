/* Unit tests of declarative networking (vnet_*.c) that touch nothing: the
 * plan made from a jail's parameters and its errors, names and MACs, the
 * state file format, the nftables rules.  What they do to the kernel is
 * tested by tests/integration/vnet_lib_test.sh. */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

/* Load one jail from jail.conf text and expand it with jid. */
static struct vj_conf *load(const char *text, int jid)
{
    struct vj_conf *conf = NULL;
    vj_error_t err = NULL;
    if (vj_conf_load_buf("t.conf", text, strlen(text), &conf, &err) < 0)
        fail_msg("load: %s", err->msg);
    assert_int_equal(conf->njails, 1);
    if (vj_conf_expand(&conf->jails[0], jid, &err) < 0)
        fail_msg("expand: %s", err->msg);
    return conf;
}

/* Plan that must succeed (the message otherwise). */
static void plan_ok(struct vj_conf *conf, int jid, struct vj_vnet_state *st)
{
    vj_error_t err = NULL;
    if (vj_vnet_plan(&conf->jails[0], jid, st, &err) < 0)
        fail_msg("plan: %s", err->msg);
}

/* The plan's error for a configuration, or NULL. */
static char *plan_error(const char *text)
{
    struct vj_conf *conf = load(text, 7);
    struct vj_vnet_state st = {0};
    vj_error_t err = NULL;
    char *msg = NULL;
    if (vj_vnet_plan(&conf->jails[0], 7, &st, &err) < 0) {
        msg = xstrdup(err->msg);
        vj_error_release(&err);
    }
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
    return msg;
}

static void test_plan_full(void **state)
{
    struct vj_conf *conf = load("web {\n"
                                "  vnet;\n"
                                "  vnet.bridge = vjbr0;\n"
                                "  vnet.bridge.addr = 10.9.0.1/24, fd00:9::1/64;\n"
                                "  vnet.addr = 10.9.0.2/24, fd00:9::2/64;\n"
                                "  vnet.nat;\n"
                                "  vnet.forward = tcp/8080:80, udp/5353:53, 2222;\n"
                                "}\n",
                                12);
    struct vj_vnet_state st = {0};
    plan_ok(conf, 12, &st);
    assert_string_equal(st.bridge, "vjbr0");
    assert_string_equal(st.name, "web");
    assert_string_equal(st.host_if, "vj12a");
    assert_string_equal(st.jail_if, "eth0");
    assert_int_equal(st.naddrs, 2);
    assert_int_equal(st.nbridge_addrs, 2);
    /* gateways default to the bridge's address in the jail's network */
    char a[46];
    assert_int_equal(st.gw4.family, AF_INET);
    assert_string_equal(vj_nl_ntop(AF_INET, st.gw4.addr, a), "10.9.0.1");
    assert_int_equal(st.gw6.family, AF_INET6);
    assert_string_equal(vj_nl_ntop(AF_INET6, st.gw6.addr, a), "fd00:9::1");
    assert_true(st.nat);
    assert_int_equal(st.nfwds, 3);
    assert_int_equal(st.fwds[1].proto, VJ_VNET_UDP);
    assert_int_equal(st.fwds[1].hport, 5353);
    assert_int_equal(st.fwds[1].jport, 53);
    assert_int_equal(st.fwds[2].proto, VJ_VNET_TCP);
    assert_int_equal(st.fwds[2].jport, 2222);
    /* MAC from the name: locally administered unicast, deterministic */
    unsigned char mac[6];
    vj_vnet_mac("jail", "web", mac);
    assert_memory_equal(st.mac, mac, 6);
    assert_int_equal(mac[0] & 3, 2);
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
}

static void test_plan_none(void **state)
{
    struct vj_conf *conf = load("web { vnet; }\n", 3);
    struct vj_vnet_state st = {.path = xstrdup("/x")};
    plan_ok(conf, 3, &st);
    assert_null(st.bridge);
    assert_string_equal(st.path, "/x"); /* kept */
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
}

static void check_error(const char *text, const char *want)
{
    char *msg = plan_error(text);
    if (!msg)
        fail_msg("no error for: %s", text);
    assert_string_equal(msg, want);
    free(msg);
}

static void test_plan_errors(void **state)
{
    check_error("web {\n vnet.bridge = br0;\n}\n",
                "web: vnet.bridge: requires vnet (vnet=new) (t.conf line 2)");
    check_error("web {\n vnet;\n vnet.addr = 10.0.0.2/24;\n}\n",
                "web: vnet.addr: requires vnet.bridge (t.conf line 3)");
    check_error("web {\n vnet;\n vnet.bridge = a_very_long_bridge;\n}\n",
                "web: vnet.bridge: \"a_very_long_bridge\": not a valid interface name (at most "
                "15 characters) (t.conf line 3)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.addr = 10.0.0.2;\n}\n",
                "web: vnet.addr: \"10.0.0.2\": prefix length missing (ADDR/LEN) (t.conf line 4)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.addr = bogus/24;\n}\n",
                "web: vnet.addr: bogus/24: bad address (t.conf line 4)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.mac = 01:00:5e:00:00:01;\n}\n",
                "web: vnet.mac: \"01:00:5e:00:00:01\": a multicast address (t.conf line 4)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.mac = zz;\n}\n",
                "web: vnet.mac: \"zz\": not a MAC address (t.conf line 4)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.nat;\n}\n",
                "web: vnet.nat: requires vnet.addr (t.conf line 4)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.addr = 10.0.0.2/24;\n"
                " vnet.forward = tcp/80, 80:81;\n}\n",
                "web: vnet.forward: \"80:81\": host port given twice (t.conf line 5)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.addr = 10.0.0.2/24;\n"
                " vnet.forward = sctp/80;\n}\n",
                "web: vnet.forward: \"sctp/80\": protocol must be tcp or udp (t.conf line 5)");
    check_error("web {\n vnet;\n vnet.bridge = br0;\n vnet.gateway = 10.0.0.1, 10.0.0.2;\n}\n",
                "web: vnet.gateway: more than one IPv4 gateway (t.conf line 4)");
    /* vnet=inherit is not a vnet jail */
    check_error("web {\n vnet = inherit;\n vnet.bridge = br0;\n}\n",
                "web: vnet.bridge: requires vnet (vnet=new) (t.conf line 3)");
}

static void test_forward_parse(void **state)
{
    struct vj_vnet_fwd f;
    vj_error_t err = NULL;
    assert_int_equal(vj_vnet_forward_parse("UDP/53", &f, &err), 0);
    assert_int_equal(f.proto, VJ_VNET_UDP);
    assert_int_equal(f.hport, 53);
    assert_int_equal(f.jport, 53);
    assert_int_equal(vj_vnet_forward_parse("8080:80", &f, &err), 0);
    assert_int_equal(f.proto, VJ_VNET_TCP);
    assert_int_equal(f.hport, 8080);
    assert_int_equal(f.jport, 80);
    static const char *const bad[] = {"", "tcp/", "0", "65536", "80:", ":80", "80:0", "80x",
                                      "tcp/80:81:82", "-1", "tcp80", "80: 81"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (vj_vnet_forward_parse(bad[i], &f, &err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        vj_error_release(&err);
    }
}

static void test_names(void **state)
{
    char alt[VJ_VNET_ALTNAME_MAX];
    vj_vnet_altname("web", alt);
    assert_string_equal(alt, "jail.web");
    vj_vnet_altname("a/b:c d\te", alt);
    assert_string_equal(alt, "jail.a_b_c_d_e");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    vj_vnet_altname(longname, alt);
    assert_int_equal(strlen(alt), VJ_VNET_ALTNAME_MAX - 1);
    /* every jid fits in IFNAMSIZ */
    struct vj_conf *conf = load("j { vnet; vnet.bridge = br0; }\n", 2147483647);
    struct vj_vnet_state st = {0};
    plan_ok(conf, 2147483647, &st);
    assert_string_equal(st.host_if, "vj2147483647a");
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
    /* MACs: stable, distinct per name and per kind */
    unsigned char m1[6], m2[6], m3[6];
    vj_vnet_mac("jail", "web", m1);
    vj_vnet_mac("jail", "web", m2);
    assert_memory_equal(m1, m2, 6);
    vj_vnet_mac("jail", "weg", m2);
    vj_vnet_mac("host", "web", m3);
    assert_memory_not_equal(m1, m2, 6);
    assert_memory_not_equal(m1, m3, 6);
    assert_int_equal(m2[0] & 3, 2);
    assert_int_equal(m3[0] & 3, 2);
}

static void test_state_roundtrip(void **state)
{
    struct vj_conf *conf = load("web {\n vnet;\n vnet.bridge = vjbr0;\n"
                                " vnet.bridge.addr = 10.9.0.1/24;\n"
                                " vnet.addr = 10.9.0.2/24, fd00:9::2/64;\n"
                                " vnet.gateway = fd00:9::1;\n vnet.mac = 02:00:00:00:00:09;\n"
                                " vnet.nat;\n vnet.forward = udp/5353:53;\n}\n",
                                5);
    struct vj_vnet_state st = {0}, back = {0};
    vj_error_t err = NULL;
    plan_ok(conf, 5, &st);
    st.bridge_created = true;
    char *text = vj_vnet_state_format(&st);
    assert_string_equal(text, "vjail-vnet 1\njid 5\nname web\nbridge vjbr0\nbridge.created 1\n"
                              "bridge.addr 10.9.0.1/24\nhost vj5a\njail eth0\n"
                              "mac 02:00:00:00:00:09\naddr 10.9.0.2/24\naddr fd00:9::2/64\n"
                              "gateway 10.9.0.1\ngateway fd00:9::1\nnat 1\n"
                              "forward udp/5353:53\n");
    assert_int_equal(vj_vnet_state_parse(text, &back, &err), 0);
    char *again = vj_vnet_state_format(&back);
    assert_string_equal(text, again);
    free(again);
    free(text);
    /* save / load through a file */
    char path[] = "/tmp/test_vnet.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    vj_vnet_state_clear(&back);
    assert_int_equal(vj_vnet_state_save(&st, path, &err), 0);
    assert_int_equal(vj_vnet_state_load(path, &back, &err), 0);
    assert_string_equal(back.host_if, "vj5a");
    assert_int_equal(back.nfwds, 1);
    unlink(path);
    vj_vnet_state_clear(&back);
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
}

/* Interfaces moved in by hand (ifconfig IF vnet JAIL), with their
 * supervisor, in a state of their own or beside a bridge. */
static void test_state_moved(void **state)
{
    const char *text = "vjail-vnet 1\njid 7\nname web\nsup 4242 987654321\n"
                       "moved epair0b 12 host\nmoved e1 3 /run/vjail/netns/6\n";
    struct vj_vnet_state st = {0};
    vj_error_t err = NULL;
    assert_int_equal(vj_vnet_state_parse(text, &st, &err), 0);
    assert_int_equal(st.sup_pid, 4242);
    assert_true(st.sup_start == 987654321ULL);
    assert_int_equal(st.nmoved, 2);
    assert_string_equal(st.moved[0].name, "epair0b");
    assert_int_equal(st.moved[0].ifindex, 12);
    assert_null(st.moved[0].home);
    assert_string_equal(st.moved[1].home, "/run/vjail/netns/6");
    assert_null(st.bridge);
    char *again = vj_vnet_state_format(&st);
    assert_string_equal(text, again);
    free(again);
    vj_vnet_state_clear(&st);
    static const char *const bad[] = {
        "vjail-vnet 1\njid 1\nmoved epair0b\n",
        "vjail-vnet 1\njid 1\nmoved epair0b 12\n",
        "vjail-vnet 1\njid 1\nmoved epair0b x host\n",
        "vjail-vnet 1\njid 1\nmoved epair0b 12 elsewhere\n",
        "vjail-vnet 1\njid 1\nmoved 0123456789abcdefg 12 host\n",
        "vjail-vnet 1\njid 1\nsup 0 1\n",
        "vjail-vnet 1\njid 1\nsup 12\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vj_vnet_state b = {0};
        if (vj_vnet_state_parse(bad[i], &b, &err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        vj_error_release(&err);
        vj_vnet_state_clear(&b);
    }
}

static void test_state_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "vjail-vnet 2\njid 1\n",
        "vjail-vnet 1\n",                       /* no jid */
        "vjail-vnet 1\njid x\n",
        "vjail-vnet 1\njid 1\nbridge br0\n",    /* no interface names */
        "vjail-vnet 1\njid 1\naddr 300.1.1.1/8\n",
        "vjail-vnet 1\njid 1\nhost 0123456789abcdefg\n",
        "vjail-vnet 1\njid 1\nmac 1:2\n",
        "vjail-vnet 1\njid 1\nforward tcp/0\n",
        "vjail-vnet 1\njid 1\nnat\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vj_vnet_state st = {0};
        vj_error_t err = NULL;
        if (vj_vnet_state_parse(bad[i], &st, &err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(err);
        vj_error_release(&err);
        vj_vnet_state_clear(&st);
    }
    /* unknown keys (a newer vjail) are skipped */
    struct vj_vnet_state st = {0};
    vj_error_t err = NULL;
    assert_int_equal(vj_vnet_state_parse("vjail-vnet 1\njid 4\nfuture 1 2 3\n", &st, &err), 0);
    assert_int_equal(st.jid, 4);
    assert_null(st.bridge);
    vj_vnet_state_clear(&st);
}

static void test_nft_rules(void **state)
{
    struct vj_conf *conf = load("\"my web\" {\n vnet;\n vnet.bridge = vjbr0;\n"
                                " vnet.addr = 10.9.0.2/24, fd00:9::2/64;\n vnet.nat;\n"
                                " vnet.forward = tcp/8080:80;\n}\n",
                                9);
    struct vj_vnet_state st = {0};
    plan_ok(conf, 9, &st);
    char tag[128];
    vj_vnet_nft_tag(&st, tag, sizeof tag);
    assert_string_equal(tag, "vjail 9 my_web");
    char *r = vj_vnet_nft_rules(&st);
    /* only vjail's own table */
    for (const char *l = r; *l; l = strchr(l, '\n') + 1)
        assert_true(strncmp(l, "add table inet vjail\n", 21) == 0 ||
                    strncmp(l, "add chain inet vjail ", 21) == 0 ||
                    strncmp(l, "add rule inet vjail ", 20) == 0);
    assert_non_null(strstr(r, "add rule inet vjail postrouting ip saddr 10.9.0.2 oifname != "
                              "\"vjbr0\" masquerade comment \"vjail 9 my_web\"\n"));
    assert_non_null(strstr(r, "add rule inet vjail prerouting meta nfproto ipv4 fib daddr type "
                              "local tcp dport 8080 dnat ip to 10.9.0.2:80 comment"));
    assert_non_null(strstr(r, "add rule inet vjail output meta nfproto ipv6 fib daddr type local "
                              "tcp dport 8080 dnat ip6 to [fd00:9::2]:80 comment"));
    assert_non_null(strstr(r, "ip daddr 10.9.0.2 ct status dnat ip saddr { 127.0.0.0/8, "
                              "10.9.0.0/24 } masquerade"));
    assert_non_null(strstr(r, "ip6 daddr fd00:9::2 ct status dnat ip6 saddr { ::1, fd00:9::/64 "
                              "} masquerade"));
    assert_non_null(strstr(r, "localnet iifname \"vjbr0\" ip daddr 127.0.0.0/8 ct status ! dnat "
                              "drop"));
    free(r);
    /* no NAT, no forwards: only the (idempotent) table and chains */
    st.nat = false;
    st.nfwds = 0;
    r = vj_vnet_nft_rules(&st);
    assert_null(strstr(r, "add rule"));
    free(r);
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
}

static void test_params_known(void **state)
{
    static const char *const names[] = {"vnet.bridge", "vnet.bridge.addr", "vnet.addr",
                                        "vnet.gateway", "vnet.mac", "vnet.nat", "vnet.forward"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool neg = false;
        const struct vj_param_def *d = param_lookup(names[i], &neg);
        assert_non_null(d);
        assert_true(d->flags & PF_VJAIL);
        assert_true(d->flags & PF_CREATE);
    }
    bool neg = false;
    const struct vj_param_def *d = param_lookup("vnet.nonat", &neg);
    assert_non_null(d);
    assert_true(neg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_full),     cmocka_unit_test(test_plan_none),
        cmocka_unit_test(test_plan_errors),   cmocka_unit_test(test_forward_parse),
        cmocka_unit_test(test_names),         cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_state_bad),     cmocka_unit_test(test_nft_rules),
        cmocka_unit_test(test_params_known),  cmocka_unit_test(test_state_moved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

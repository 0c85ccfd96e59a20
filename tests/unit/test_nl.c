/* Unit tests of the netlink layer: parsing helpers and the messages it
 * builds.  Requests are queued in a batch and inspected, never sent (the
 * rtnetlink socket is opened, nothing reaches the kernel). */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

static void test_prefix_parse(void **state)
{
    struct vj_nl_prefix p;
    vj_error_t err = NULL;
    assert_int_equal(vj_nl_prefix_parse("10.1.2.3/24", AF_UNSPEC, &p, &err), 0);
    assert_int_equal(p.family, AF_INET);
    assert_int_equal(p.len, 24);
    assert_memory_equal(p.addr, "\x0a\x01\x02\x03", 4);
    assert_int_equal(vj_nl_prefix_parse("192.0.2.1", AF_UNSPEC, &p, &err), 0);
    assert_int_equal(p.len, 32);
    assert_int_equal(vj_nl_prefix_parse("2001:db8::1/64", AF_UNSPEC, &p, &err), 0);
    assert_int_equal(p.family, AF_INET6);
    assert_int_equal(p.len, 64);
    assert_int_equal(vj_nl_prefix_parse("fe80::1%epair0b", AF_INET6, &p, &err), 0);
    assert_int_equal(p.len, 128);
    assert_int_equal(p.addr[0], 0xfe);
    /* family mismatch, bad lengths, garbage */
    assert_int_equal(vj_nl_prefix_parse("10.0.0.1", AF_INET6, &p, &err), -1);
    assert_string_equal(err->msg, "10.0.0.1: bad IPv6 address");
    vj_error_release(&err);
    assert_int_equal(vj_nl_prefix_parse("10.0.0.1/33", AF_UNSPEC, &p, &err), -1);
    assert_string_equal(err->msg, "10.0.0.1/33: bad prefix length");
    vj_error_release(&err);
    assert_int_equal(vj_nl_prefix_parse("10.0.0.1/", AF_UNSPEC, &p, &err), -1);
    vj_error_release(&err);
    assert_int_equal(vj_nl_prefix_parse("10.0.0.1/-1", AF_UNSPEC, &p, &err), -1);
    vj_error_release(&err);
    assert_int_equal(vj_nl_prefix_parse("::1/129", AF_UNSPEC, &p, &err), -1);
    vj_error_release(&err);
    assert_int_equal(vj_nl_prefix_parse("eth0", AF_UNSPEC, &p, &err), -1);
    assert_string_equal(err->msg, "eth0: bad address");
    vj_error_release(&err);
    char big[300];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(vj_nl_prefix_parse(big, AF_UNSPEC, &p, NULL), -1);
}

static void test_netmask(void **state)
{
    assert_int_equal(vj_nl_netmask_len("255.255.255.0"), 24);
    assert_int_equal(vj_nl_netmask_len("0xffffff00"), 24);
    assert_int_equal(vj_nl_netmask_len("0xFFFF0000"), 16);
    assert_int_equal(vj_nl_netmask_len("255.255.255.255"), 32);
    assert_int_equal(vj_nl_netmask_len("0.0.0.0"), 0);
    assert_int_equal(vj_nl_netmask_len("255.0.255.0"), -1);
    assert_int_equal(vj_nl_netmask_len("0x1ffffffff"), -1);
    assert_int_equal(vj_nl_netmask_len("0x"), -1);
    assert_int_equal(vj_nl_netmask_len("garbage"), -1);
}

static void test_mac(void **state)
{
    unsigned char m[6];
    assert_int_equal(vj_nl_mac_parse("02:00:00:0a:bC:ff", m), 0);
    assert_memory_equal(m, "\x02\x00\x00\x0a\xbc\xff", 6);
    assert_int_equal(vj_nl_mac_parse("2:0:0:a:b:c", m), 0);
    assert_memory_equal(m, "\x02\x00\x00\x0a\x0b\x0c", 6);
    assert_int_equal(vj_nl_mac_parse("02:00:00:00:00", m), -1);
    assert_int_equal(vj_nl_mac_parse("02:00:00:00:00:00:01", m), -1);
    assert_int_equal(vj_nl_mac_parse("02:00:00:00:00:0g", m), -1);
    assert_int_equal(vj_nl_mac_parse("", m), -1);
}

/* ---- message building ---------------------------------------------------- */

static int setup_nl(void **state)
{
    struct vj_nl *nl = NULL;
    vj_error_t err = NULL;
    if (vj_nl_open(-1, &nl, &err) < 0) {
        vj_error_print(&err, "test_nl");
        return -1;
    }
    vj_nl_batch_begin(nl);
    *state = nl;
    return 0;
}

static int teardown_nl(void **state)
{
    vj_nl_discard(*state);
    vj_nl_close(*state);
    return 0;
}

/* The n-th queued message. */
static const struct nlmsghdr *queued(struct vj_nl *nl, int n, int *count)
{
    size_t len;
    const void *buf = vj_nl_pending(nl, &len);
    int rem = (int)len, i = 0;
    const struct nlmsghdr *found = NULL;
    for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem), i++)
        if (i == n)
            found = h;
    if (count)
        *count = i;
    return found;
}

static const struct nlattr *attr(const struct nlmsghdr *h, size_t hdr, uint16_t type)
{
    const struct nlattr *a;
    mnl_attr_for_each(a, h, hdr)
    {
        if (mnl_attr_get_type(a) == type)
            return a;
    }
    return NULL;
}

static const struct nlattr *nested(const struct nlattr *n, uint16_t type)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, n)
    {
        if (mnl_attr_get_type(a) == type)
            return a;
    }
    return NULL;
}

static void test_veth_message(void **state)
{
    struct vj_nl *nl = *state;
    static const unsigned char mac[6] = {2, 0, 0, 0, 0, 0x0b};
    struct vj_nl_veth v = {.name = "epair3a", .peer = "epair3b", .netns_fd = -1,
                           .peer_netns_fd = 7, .peer_mac = mac, .mtu = 1400};
    assert_int_equal(vj_nl_veth_create(nl, &v, NULL), 0);
    int n;
    const struct nlmsghdr *h = queued(nl, 0, &n);
    assert_int_equal(n, 1);
    assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(h->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL),
                     NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    size_t hdr = sizeof(struct ifinfomsg);
    assert_string_equal(mnl_attr_get_str(attr(h, hdr, IFLA_IFNAME)), "epair3a");
    assert_null(attr(h, hdr, IFLA_NET_NS_FD)); /* near end: the context's stack */
    assert_int_equal(mnl_attr_get_u32(attr(h, hdr, IFLA_MTU)), 1400);
    const struct nlattr *li = attr(h, hdr, IFLA_LINKINFO);
    assert_non_null(li);
    assert_string_equal(mnl_attr_get_str(nested(li, IFLA_INFO_KIND)), "veth");
    const struct nlattr *peer = nested(nested(li, IFLA_INFO_DATA), VETH_INFO_PEER);
    assert_non_null(peer);
    /* The peer: an ifinfomsg, then its own attributes. */
    const char *p = mnl_attr_get_payload(peer);
    const char *end = p + mnl_attr_get_payload_len(peer);
    p += MNL_ALIGN(sizeof(struct ifinfomsg));
    bool name = false, ns = false, lladdr = false;
    for (const struct nlattr *a = (const void *)p; (const char *)a < end;
         a = (const void *)((const char *)a + MNL_ALIGN(a->nla_len))) {
        if (mnl_attr_get_type(a) == IFLA_IFNAME)
            name = strcmp(mnl_attr_get_str(a), "epair3b") == 0;
        if (mnl_attr_get_type(a) == IFLA_NET_NS_FD)
            ns = mnl_attr_get_u32(a) == 7;
        if (mnl_attr_get_type(a) == IFLA_ADDRESS)
            lladdr = memcmp(mnl_attr_get_payload(a), mac, 6) == 0;
    }
    assert_true(name);
    assert_true(ns);
    assert_true(lladdr);
}

static void test_batch_messages(void **state)
{
    struct vj_nl *nl = *state;
    assert_int_equal(vj_nl_bridge_create(nl, "bridge0", NULL, NULL), 0);
    assert_int_equal(vj_nl_link_up(nl, "bridge0", true, NULL), 0);
    assert_int_equal(vj_nl_link_mtu(nl, "bridge0", 9000, NULL), 0);
    assert_int_equal(vj_nl_link_alias(nl, "bridge0", "uplink", NULL), 0);
    assert_int_equal(vj_nl_link_alias(nl, "bridge0", NULL, NULL), 0);
    assert_int_equal(vj_nl_link_altname(nl, "bridge0", "a-very-long-bridge-name", true, NULL),
                     0);
    assert_int_equal(vj_nl_link_netns(nl, "bridge0", 5, NULL), 0);
    assert_int_equal(vj_nl_link_delete(nl, "bridge0", NULL), 0);
    int n;
    const struct nlmsghdr *h = queued(nl, 0, &n);
    assert_int_equal(n, 8);
    size_t hdr = sizeof(struct ifinfomsg);
    assert_string_equal(
        mnl_attr_get_str(nested(attr(h, hdr, IFLA_LINKINFO), IFLA_INFO_KIND)), "bridge");
    uint32_t seq0 = h->nlmsg_seq;
    /* up: by name, IFF_UP in change and flags */
    h = queued(nl, 1, NULL);
    assert_int_equal(h->nlmsg_seq, seq0 + 1);
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
    assert_int_equal(ifi->ifi_index, 0);
    assert_int_equal(ifi->ifi_change, IFF_UP);
    assert_int_equal(ifi->ifi_flags, IFF_UP);
    assert_string_equal(mnl_attr_get_str(attr(h, hdr, IFLA_IFNAME)), "bridge0");
    h = queued(nl, 2, NULL);
    assert_int_equal(mnl_attr_get_u32(attr(h, hdr, IFLA_MTU)), 9000);
    h = queued(nl, 3, NULL);
    const struct nlattr *a = attr(h, hdr, IFLA_IFALIAS);
    assert_int_equal(mnl_attr_get_payload_len(a), 6);
    assert_memory_equal(mnl_attr_get_payload(a), "uplink", 6);
    h = queued(nl, 4, NULL); /* cleared: an empty alias */
    assert_int_equal(mnl_attr_get_payload_len(attr(h, hdr, IFLA_IFALIAS)), 0);
    h = queued(nl, 5, NULL);
    assert_int_equal(h->nlmsg_type, RTM_NEWLINKPROP);
    assert_string_equal(
        mnl_attr_get_str(nested(attr(h, hdr, IFLA_PROP_LIST), IFLA_ALT_IFNAME)),
        "a-very-long-bridge-name");
    h = queued(nl, 6, NULL);
    assert_int_equal(mnl_attr_get_u32(attr(h, hdr, IFLA_NET_NS_FD)), 5);
    h = queued(nl, 7, NULL);
    assert_int_equal(h->nlmsg_type, RTM_DELLINK);
}

static void test_bad_names(void **state)
{
    struct vj_nl *nl = *state;
    vj_error_t err = NULL;
    assert_int_equal(vj_nl_bridge_create(nl, "bridge-with-a-long-name", NULL, &err), -1);
    assert_string_equal(err->msg,
                        "bridge-with-a-long-name: interface name too long (at most 15 characters)");
    vj_error_release(&err);
    assert_int_equal(vj_nl_bridge_create(nl, "a/b", NULL, &err), -1);
    assert_string_equal(err->msg, "a/b: invalid interface name");
    vj_error_release(&err);
    struct vj_nl_veth v = {.name = "ok0", .peer = "", .netns_fd = -1, .peer_netns_fd = -1};
    assert_int_equal(vj_nl_veth_create(nl, &v, &err), -1);
    assert_string_equal(err->msg, "veth: interface name missing");
    vj_error_release(&err);
    assert_int_equal(vj_nl_vlan_create(nl, "v0", "eth0", 4095, &err), -1);
    assert_string_equal(err->msg, "v0: vlan 4095 out of range (1-4094)");
    vj_error_release(&err);
    assert_int_equal(vj_nl_macvlan_create(nl, "m0", "eth0", "bogus", &err), -1);
    assert_string_equal(err->msg, "m0: unknown macvlan mode \"bogus\"");
    vj_error_release(&err);
    char alias[300];
    memset(alias, 'x', sizeof alias - 1);
    alias[sizeof alias - 1] = '\0';
    assert_int_equal(vj_nl_link_alias(nl, "eth0", alias, &err), -1);
    assert_string_equal(err->msg, "eth0: description too long (at most 255 bytes)");
    vj_error_release(&err);
    assert_int_equal(vj_nl_link_altname(nl, "eth0", "", true, &err), -1);
    vj_error_release(&err);
    /* nothing was queued by the failures */
    int n;
    queued(nl, 0, &n);
    assert_int_equal(n, 0);
}

static void test_route_message(void **state)
{
    struct vj_nl *nl = *state;
    struct vj_nl_route r;
    memset(&r, 0, sizeof r);
    assert_int_equal(vj_nl_prefix_parse("10.20.0.0/16", AF_INET, &r.dst, NULL), 0);
    assert_int_equal(vj_nl_prefix_parse("10.0.0.1", AF_INET, &r.gw, NULL), 0);
    assert_int_equal(vj_nl_route_add(nl, &r, NULL), 0);
    memset(&r.dst, 0, sizeof r.dst);
    r.dst.family = AF_INET; /* default */
    assert_int_equal(vj_nl_route_del(nl, &r, NULL), 0);
    int n;
    const struct nlmsghdr *h = queued(nl, 0, &n);
    assert_int_equal(n, 2);
    assert_int_equal(h->nlmsg_type, RTM_NEWROUTE);
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
    assert_int_equal(rtm->rtm_family, AF_INET);
    assert_int_equal(rtm->rtm_dst_len, 16);
    assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
    assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
    assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
    assert_memory_equal(mnl_attr_get_payload(attr(h, sizeof *rtm, RTA_DST)), "\x0a\x14\0\0", 4);
    assert_memory_equal(mnl_attr_get_payload(attr(h, sizeof *rtm, RTA_GATEWAY)), "\x0a\0\0\x01",
                        4);
    h = queued(nl, 1, NULL);
    assert_int_equal(h->nlmsg_type, RTM_DELROUTE);
    rtm = mnl_nlmsg_get_payload(h);
    assert_int_equal(rtm->rtm_dst_len, 0);
    assert_null(attr(h, sizeof *rtm, RTA_DST));
    /* mixed families are refused before anything is queued */
    vj_error_t err = NULL;
    assert_int_equal(vj_nl_prefix_parse("2001:db8::1", AF_INET6, &r.gw, NULL), 0);
    assert_int_equal(vj_nl_route_add(nl, &r, &err), -1);
    assert_string_equal(err->msg, "default via 2001:db8::1: gateway of another address family");
    vj_error_release(&err);
}

static void test_discard(void **state)
{
    struct vj_nl *nl = *state;
    assert_int_equal(vj_nl_link_up(nl, "x0", false, NULL), 0);
    vj_nl_discard(nl);
    size_t len;
    vj_nl_pending(nl, &len);
    assert_int_equal(len, 0);
    /* committing nothing succeeds */
    assert_int_equal(vj_nl_commit(nl, NULL), 0);
    vj_nl_batch_begin(nl);
}

static void test_jail_netns(void **state)
{
    vj_error_t err = NULL;
    assert_int_equal(vj_jail_netns_open("web", &err), -1);
    assert_string_equal(err->msg, "jail \"web\" not found");
    vj_error_release(&err);
    assert_int_equal(vj_jail_netns_open("/nonexistent/ns", &err), -1);
    assert_string_equal(err->msg, "/nonexistent/ns: No such file or directory");
    vj_error_release(&err);
    int fd = vj_jail_netns_open("/proc/self/ns/net", &err);
    assert_true(fd >= 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_parse),
        cmocka_unit_test(test_netmask),
        cmocka_unit_test(test_mac),
        cmocka_unit_test_setup_teardown(test_veth_message, setup_nl, teardown_nl),
        cmocka_unit_test_setup_teardown(test_batch_messages, setup_nl, teardown_nl),
        cmocka_unit_test_setup_teardown(test_bad_names, setup_nl, teardown_nl),
        cmocka_unit_test_setup_teardown(test_route_message, setup_nl, teardown_nl),
        cmocka_unit_test_setup_teardown(test_discard, setup_nl, teardown_nl),
        cmocka_unit_test(test_jail_netns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Link requests: create veth/bridge/vxlan/macvlan/vlan links, delete
 * them, and change their state, names, addresses, master and namespace. */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#define ALTNAME_MAX 128  /* ALTIFNAMSIZ */
#define ALIAS_MAX 256    /* IFALIASZ */

static int check_name(const char *name, const char *what, vj_error_t *err)
{
    if (!name || !*name)
        return vj_error_make(err, 0, "%s: interface name missing", what);
    if (strlen(name) >= IFNAMSIZ)
        return vj_error_make(err, 0, "%s: interface name too long (at most %d characters)",
                             name, IFNAMSIZ - 1);
    if (strchr(name, '/') || strchr(name, ':') || strpbrk(name, " \t\n") ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return vj_error_make(err, 0, "%s: invalid interface name", name);
    return 0;
}

/* A link named by name (or altname): the kernel resolves it. */
static int check_ref(const char *name, vj_error_t *err)
{
    if (!name || !*name)
        return vj_error_make(err, 0, "interface name missing");
    if (strlen(name) >= ALTNAME_MAX)
        return vj_error_make(err, 0, "%.32s...: interface name too long", name);
    return 0;
}

static void put_name(struct nlmsghdr *nlh, const char *name)
{
    if (strlen(name) < IFNAMSIZ)
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    else
        mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, name);
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh)
{
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    return ifi;
}

/* RTM_NEWLINK on an existing link named `name`. */
static struct nlmsghdr *link_change(struct vj_nl *nl, const char *name, const char *what)
{
    struct nlmsghdr *nlh = nl_req(nl, RTM_NEWLINK, 0, NULL, "%s: %s", name, what);
    put_ifinfo(nlh);
    put_name(nlh, name);
    return nlh;
}

int vj_nl_veth_create(struct vj_nl *nl, const struct vj_nl_veth *v, vj_error_t *err)
{
    if (check_name(v->name, "veth", err) < 0 || check_name(v->peer, "veth", err) < 0)
        return -1;
    nl_names_changed(nl);
    struct nlmsghdr *nlh =
        nl_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "veth", "%s: create", v->name);
    put_ifinfo(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->name);
    if (v->netns_fd > 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->netns_fd);
    if (v->mac)
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->mac);
    if (v->mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
    /* One queue each way, as the kernel would set it up anyway: said
     * explicitly, veth_newlink skips resizing its per-CPU queues, which
     * waits for an (expedited) RCU grace period per end. */
    mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
    mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    /* The peer is described by its own ifinfomsg and attributes. */
    struct ifinfomsg *pifi = mnl_nlmsg_get_payload_tail(nlh);
    memset(pifi, 0, sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    nlh->nlmsg_len += MNL_ALIGN(sizeof *pifi);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
    if (v->peer_netns_fd > 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
    if (v->peer_mac)
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->peer_mac);
    if (v->mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
    mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
    mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    return nl_req_done(nl, err);
}

/* Start a create request of a simple kind; caller adds IFLA_INFO_DATA. */
static struct nlmsghdr *create_req(struct vj_nl *nl, const char *name, const char *kind,
                                   struct nlattr **li)
{
    nl_names_changed(nl);
    struct nlmsghdr *nlh =
        nl_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, kind, "%s: create", name);
    put_ifinfo(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    return nlh;
}

int vj_nl_bridge_create(struct vj_nl *nl, const char *name, const unsigned char *mac,
                        vj_error_t *err)
{
    if (check_name(name, "bridge", err) < 0)
        return -1;
    struct nlattr *li;
    struct nlmsghdr *nlh = create_req(nl, name, "bridge", &li);
    mnl_attr_nest_end(nlh, li);
    if (mac)
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    return nl_req_done(nl, err);
}

int vj_nl_dummy_create(struct vj_nl *nl, const char *name, vj_error_t *err)
{
    if (check_name(name, "dummy", err) < 0)
        return -1;
    struct nlattr *li;
    struct nlmsghdr *nlh = create_req(nl, name, "dummy", &li);
    mnl_attr_nest_end(nlh, li);
    return nl_req_done(nl, err);
}

/* The parent link of macvlan/vlan/vxlan is given by ifindex. */
static int parent_index(struct vj_nl *nl, const char *parent, vj_error_t *err)
{
    if (check_ref(parent, err) < 0)
        return -1;
    int idx = vj_nl_ifindex(nl, parent, err);
    return idx > 0 ? idx : -1;
}

int vj_nl_vxlan_create(struct vj_nl *nl, const struct vj_nl_vxlan *v, vj_error_t *err)
{
    if (check_name(v->name, "vxlan", err) < 0)
        return -1;
    if (v->vni >= (1u << 24))
        return vj_error_make(err, 0, "%s: vxlan id %u out of range (0-16777215)", v->name,
                             v->vni);
    int dev = 0;
    if (v->dev && (dev = parent_index(nl, v->dev, err)) < 0)
        return -1;
    struct nlattr *li;
    struct nlmsghdr *nlh = create_req(nl, v->name, "vxlan", &li);
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, v->vni);
    if (dev)
        mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)dev);
    if (v->local.family == AF_INET)
        mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, v->local.addr);
    else if (v->local.family == AF_INET6)
        mnl_attr_put(nlh, IFLA_VXLAN_LOCAL6, 16, v->local.addr);
    if (v->remote.family == AF_INET)
        mnl_attr_put(nlh, IFLA_VXLAN_GROUP, 4, v->remote.addr);
    else if (v->remote.family == AF_INET6)
        mnl_attr_put(nlh, IFLA_VXLAN_GROUP6, 16, v->remote.addr);
    mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(v->port ? v->port : 4789));
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    return nl_req_done(nl, err);
}

int vj_nl_macvlan_create(struct vj_nl *nl, const char *name, const char *parent,
                         const char *mode, vj_error_t *err)
{
    static const struct {
        const char *name;
        uint32_t mode;
    } modes[] = {
        {"private", MACVLAN_MODE_PRIVATE}, {"vepa", MACVLAN_MODE_VEPA},
        {"bridge", MACVLAN_MODE_BRIDGE},   {"passthru", MACVLAN_MODE_PASSTHRU},
    };
    uint32_t m = MACVLAN_MODE_BRIDGE;
    if (mode) {
        size_t i;
        for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strcmp(modes[i].name, mode) == 0)
                break;
        if (i == sizeof modes / sizeof modes[0])
            return vj_error_make(err, 0, "%s: unknown macvlan mode \"%s\"", name, mode);
        m = modes[i].mode;
    }
    if (check_name(name, "macvlan", err) < 0)
        return -1;
    int idx = parent_index(nl, parent, err);
    if (idx < 0)
        return -1;
    struct nlattr *li;
    struct nlmsghdr *nlh = create_req(nl, name, "macvlan", &li);
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, m);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)idx);
    return nl_req_done(nl, err);
}

int vj_nl_vlan_create(struct vj_nl *nl, const char *name, const char *parent, unsigned id,
                      vj_error_t *err)
{
    if (check_name(name, "vlan", err) < 0)
        return -1;
    if (id == 0 || id > 4094)
        return vj_error_make(err, 0, "%s: vlan %u out of range (1-4094)", name, id);
    int idx = parent_index(nl, parent, err);
    if (idx < 0)
        return -1;
    struct nlattr *li;
    struct nlmsghdr *nlh = create_req(nl, name, "vlan", &li);
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u16(nlh, IFLA_VLAN_ID, (uint16_t)id);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)idx);
    return nl_req_done(nl, err);
}

int vj_nl_link_delete(struct vj_nl *nl, const char *name, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    nl_names_changed(nl);
    struct nlmsghdr *nlh = nl_req(nl, RTM_DELLINK, 0, NULL, "%s: destroy", name);
    put_ifinfo(nlh);
    put_name(nlh, name);
    return nl_req_done(nl, err);
}

int vj_nl_link_up(struct vj_nl *nl, const char *name, bool up, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    struct nlmsghdr *nlh = nl_req(nl, RTM_NEWLINK, 0, NULL, "%s: %s", name, up ? "up" : "down");
    struct ifinfomsg *ifi = put_ifinfo(nlh);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    put_name(nlh, name);
    return nl_req_done(nl, err);
}

int vj_nl_link_mtu(struct vj_nl *nl, const char *name, unsigned mtu, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    char what[32];
    snprintf(what, sizeof what, "mtu %u", mtu);
    struct nlmsghdr *nlh = link_change(nl, name, what);
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    return nl_req_done(nl, err);
}

int vj_nl_link_no_ipv6_ll(struct vj_nl *nl, const char *name, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    struct nlmsghdr *nlh = link_change(nl, name, "addrgenmode none");
    struct nlattr *af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
    mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
    mnl_attr_nest_end(nlh, in6);
    mnl_attr_nest_end(nlh, af);
    return nl_req_done(nl, err);
}

int vj_nl_link_mac(struct vj_nl *nl, const char *name, const unsigned char mac[6],
                   vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    char what[32];
    snprintf(what, sizeof what, "ether %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
             mac[3], mac[4], mac[5]);
    struct nlmsghdr *nlh = link_change(nl, name, what);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    return nl_req_done(nl, err);
}

int vj_nl_link_rename(struct vj_nl *nl, const char *name, const char *newname,
                      vj_error_t *err)
{
    if (check_ref(name, err) < 0 || check_name(newname, name, err) < 0)
        return -1;
    /* IFLA_IFNAME is the new name, so the link is named by its index. */
    int idx = vj_nl_ifindex(nl, name, err);
    if (idx <= 0)
        return -1;
    nl_names_changed(nl);
    struct nlmsghdr *nlh = nl_req(nl, RTM_NEWLINK, 0, NULL, "%s: name %s", name, newname);
    struct ifinfomsg *ifi = put_ifinfo(nlh);
    ifi->ifi_index = idx;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
    return nl_req_done(nl, err);
}

int vj_nl_link_alias(struct vj_nl *nl, const char *name, const char *alias, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    if (!alias)
        alias = "";
    if (strlen(alias) >= ALIAS_MAX)
        return vj_error_make(err, 0, "%s: description too long (at most %d bytes)", name,
                             ALIAS_MAX - 1);
    struct nlmsghdr *nlh = link_change(nl, name, *alias ? "description" : "-description");
    /* An empty IFLA_IFALIAS removes the alias. */
    mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
    return nl_req_done(nl, err);
}

int vj_nl_link_altname(struct vj_nl *nl, const char *name, const char *altname, bool add,
                       vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    if (!altname || !*altname || strlen(altname) >= ALTNAME_MAX || strchr(altname, '/'))
        return vj_error_make(err, 0, "%s: invalid altname \"%s\"", name,
                             altname ? altname : "");
    nl_names_changed(nl);
    struct nlmsghdr *nlh =
        nl_req(nl, add ? RTM_NEWLINKPROP : RTM_DELLINKPROP, add ? NLM_F_EXCL | NLM_F_CREATE : 0,
               NULL, "%s: %saltname %s", name, add ? "" : "-", altname);
    put_ifinfo(nlh);
    put_name(nlh, name);
    struct nlattr *pl = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
    mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, altname);
    mnl_attr_nest_end(nlh, pl);
    return nl_req_done(nl, err);
}

int vj_nl_link_master(struct vj_nl *nl, const char *name, const char *master,
                      vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    int idx = 0;
    if (master && (idx = parent_index(nl, master, err)) < 0)
        return -1;
    cleanup_free char *what = master ? xasprintf("master %s", master) : xstrdup("nomaster");
    struct nlmsghdr *nlh = link_change(nl, name, what);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)idx);
    return nl_req_done(nl, err);
}

int vj_nl_link_netns(struct vj_nl *nl, const char *name, int netns_fd, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return -1;
    nl_names_changed(nl);
    struct nlmsghdr *nlh = link_change(nl, name, "move to namespace");
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
    return nl_req_done(nl, err);
}

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type == RTM_NEWLINK) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        *(int *)data = ifi->ifi_index;
    }
    return MNL_CB_OK;
}

int vj_nl_ifindex(struct vj_nl *nl, const char *name, vj_error_t *err)
{
    if (check_ref(name, err) < 0)
        return 0;
    int cached = nl_name_cached(nl, name);
    if (cached > 0)
        return cached;
    if (nl_flush(nl, err) < 0)
        return 0;
    char buf[512];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    put_ifinfo(nlh);
    put_name(nlh, name);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    int idx = 0;
    vj_error_t e = NULL;
    if (nl_query(nl, nlh, ifindex_cb, &idx, name, &e) < 0 || idx <= 0) {
        int st = e ? e->status : 0;
        vj_error_release(&e);
        if (st == ENODEV || st == 0)
            vj_error_make(err, 0, "%s: no such interface", name);
        else
            vj_error_make(err, st, "%s", name);
        return 0;
    }
    nl_name_cache(nl, name, idx);
    return idx;
}

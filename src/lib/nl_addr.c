/* Address requests and the listing of links with their addresses. */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

static const char *prefix_str(const struct vj_nl_prefix *p, char buf[64])
{
    char a[46];
    snprintf(buf, 64, "%s/%u", vj_nl_ntop(p->family, p->addr, a), p->len);
    return buf;
}

static int addr_req(struct vj_nl *nl, const char *name, const struct vj_nl_prefix *p, bool add,
                    vj_error_t *err)
{
    if (p->family != AF_INET && p->family != AF_INET6)
        return vj_error_make(err, 0, "%s: address family not supported", name);
    int idx = vj_nl_ifindex(nl, name, err);
    if (idx <= 0)
        return -1;
    char ps[64];
    struct nlmsghdr *nlh =
        nl_req(nl, add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_EXCL : 0, NULL,
               "%s: %s %s%s", name, p->family == AF_INET ? "inet" : "inet6", prefix_str(p, ps),
               add ? "" : " -alias");
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (unsigned char)p->family;
    ifa->ifa_prefixlen = p->len;
    ifa->ifa_index = (unsigned)idx;
    /* 127/8 is host-scoped (Linux refuses it otherwise: `ifconfig lo0
     * inet 127.0.0.2/8 alias`, as ip(8) does it). */
    if (p->family == AF_INET && p->addr[0] == 127)
        ifa->ifa_scope = RT_SCOPE_HOST;
    size_t alen = p->family == AF_INET ? 4 : 16;
    mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr);
    if (p->family == AF_INET6 || add)
        mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr);
    if (add && p->family == AF_INET && p->len < 31) {
        /* FreeBSD always sets the broadcast address; Linux only when asked. */
        uint32_t a, mask = p->len ? htonl(UINT32_MAX << (32 - p->len)) : 0;
        memcpy(&a, p->addr, 4);
        a |= ~mask;
        mnl_attr_put(nlh, IFA_BROADCAST, 4, &a);
    }
    return nl_req_done(nl, err);
}

int vj_nl_addr_add(struct vj_nl *nl, const char *name, const struct vj_nl_prefix *p,
                   vj_error_t *err)
{
    return addr_req(nl, name, p, true, err);
}

int vj_nl_addr_del(struct vj_nl *nl, const char *name, const struct vj_nl_prefix *p,
                   vj_error_t *err)
{
    return addr_req(nl, name, p, false, err);
}

/* ---- listing ----------------------------------------------------------- */

struct link_list {
    struct vj_nl_link *v;
    size_t n, cap;
};

/* Not in older kernel headers (Linux 6.8). */
#define VJ_IFLA_BR_FDB_MAX_LEARNED (IFLA_BR_MCAST_QUERIER_STATE + 2)

/* clock_t (USER_HZ, 1/100 s) as the kernel sends bridge times -> s. */
static unsigned br_secs(const struct nlattr *a)
{
    return mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) / 100 : 0;
}

static void br_id(const struct nlattr *a, unsigned char id[8])
{
    if (mnl_attr_get_payload_len(a) >= sizeof(struct ifla_bridge_id))
        memcpy(id, mnl_attr_get_payload(a), 8);
}

static unsigned attr_uint(const struct nlattr *a)
{
    size_t n = mnl_attr_get_payload_len(a);
    return n >= 4 ? mnl_attr_get_u32(a) : n >= 2 ? mnl_attr_get_u16(a) : n ? mnl_attr_get_u8(a) : 0;
}

/* IFLA_INFO_DATA of a bridge: its spanning tree parameters. */
static void parse_bridge(const struct nlattr *data, struct vj_nl_link *l)
{
    const struct nlattr *b;
    l->br.valid = true;
    mnl_attr_for_each_nested(b, data)
    {
        switch (mnl_attr_get_type(b)) {
        case IFLA_BR_BRIDGE_ID: br_id(b, l->br.id); break;
        case IFLA_BR_ROOT_ID: br_id(b, l->br.root); break;
        case IFLA_BR_PRIORITY: l->br.prio = attr_uint(b); break;
        case IFLA_BR_HELLO_TIME: l->br.hello = br_secs(b); break;
        case IFLA_BR_FORWARD_DELAY: l->br.fwddelay = br_secs(b); break;
        case IFLA_BR_MAX_AGE: l->br.maxage = br_secs(b); break;
        case IFLA_BR_AGEING_TIME: l->br.ageing = br_secs(b); break;
        case IFLA_BR_STP_STATE: l->br.stp = attr_uint(b); break;
        case IFLA_BR_ROOT_PORT: l->br.root_port = attr_uint(b); break;
        case IFLA_BR_ROOT_PATH_COST: l->br.root_cost = attr_uint(b); break;
        case VJ_IFLA_BR_FDB_MAX_LEARNED: l->br.max_learned = attr_uint(b); break;
        }
    }
}

static void parse_linkinfo(const struct nlattr *li, struct vj_nl_link *l)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, li)
    {
        switch (mnl_attr_get_type(a)) {
        case IFLA_INFO_KIND:
            snprintf(l->kind, sizeof l->kind, "%.*s", (int)mnl_attr_get_payload_len(a),
                     (const char *)mnl_attr_get_payload(a));
            l->kind[strcspn(l->kind, "\0")] = '\0';
            break;
        case IFLA_INFO_DATA:
            if (strcmp(l->kind, "bridge") == 0)
                parse_bridge(a, l);
            break;
        case IFLA_INFO_SLAVE_KIND:
            snprintf(l->slave_kind, sizeof l->slave_kind, "%.*s",
                     (int)mnl_attr_get_payload_len(a), (const char *)mnl_attr_get_payload(a));
            break;
        case IFLA_INFO_SLAVE_DATA: {
            const struct nlattr *b;
            mnl_attr_for_each_nested(b, a)
            {
                switch (mnl_attr_get_type(b)) {
                case IFLA_BRPORT_PRIORITY:
                    if (mnl_attr_get_payload_len(b) >= 2)
                        l->port_prio = mnl_attr_get_u16(b);
                    break;
                case IFLA_BRPORT_COST:
                    if (mnl_attr_get_payload_len(b) >= 4)
                        l->port_cost = mnl_attr_get_u32(b);
                    break;
                case IFLA_BRPORT_LEARNING:
                    if (mnl_attr_get_payload_len(b) >= 1)
                        l->port_learning = mnl_attr_get_u8(b);
                    break;
                case IFLA_BRPORT_UNICAST_FLOOD:
                    if (mnl_attr_get_payload_len(b) >= 1)
                        l->port_flood = mnl_attr_get_u8(b);
                    break;
                case IFLA_BRPORT_ISOLATED: l->port_isolated = attr_uint(b) != 0; break;
                case IFLA_BRPORT_NO: l->port_no = attr_uint(b); break;
                case IFLA_BRPORT_ID: l->port_id = attr_uint(b); break;
                case IFLA_BRPORT_STATE: l->port_state = attr_uint(b); break;
                case IFLA_BRPORT_DESIGNATED_PORT: l->port_dport = attr_uint(b); break;
                case IFLA_BRPORT_BRIDGE_ID: br_id(b, l->port_dbridge); break;
                }
            }
            break;
        }
        }
    }
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_list *ll = data;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    if (ll->n == ll->cap) {
        ll->cap = ll->cap ? ll->cap * 2 : 16;
        ll->v = xrealloc(ll->v, ll->cap * sizeof *ll->v);
    }
    struct vj_nl_link *l = &ll->v[ll->n++];
    memset(l, 0, sizeof *l);
    l->ifindex = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    l->type = ifi->ifi_type;
    size_t nalt = 0;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof *ifi)
    {
        size_t plen = mnl_attr_get_payload_len(a);
        const void *pl = mnl_attr_get_payload(a);
        switch (mnl_attr_get_type(a)) {
        case IFLA_IFNAME:
            snprintf(l->name, sizeof l->name, "%.*s", (int)plen, (const char *)pl);
            break;
        case IFLA_MTU:
            if (plen >= 4)
                l->mtu = mnl_attr_get_u32(a);
            break;
        case IFLA_ADDRESS:
            l->maclen = (unsigned)(plen < sizeof l->mac ? plen : sizeof l->mac);
            memcpy(l->mac, pl, l->maclen);
            break;
        case IFLA_MASTER:
            if (plen >= 4)
                l->master = (int)mnl_attr_get_u32(a);
            break;
        case IFLA_LINK:
            if (plen >= 4)
                l->link = (int)mnl_attr_get_u32(a);
            break;
        case IFLA_LINK_NETNSID:
            l->link_other_ns = true;
            break;
        case IFLA_OPERSTATE:
            if (plen >= 1)
                l->operstate = mnl_attr_get_u8(a);
            break;
        case IFLA_CARRIER:
            if (plen >= 1)
                l->carrier = mnl_attr_get_u8(a);
            break;
        case IFLA_IFALIAS:
            if (plen > 0)
                l->alias = xstrndup(pl, plen);
            break;
        case IFLA_PROP_LIST: {
            const struct nlattr *b;
            mnl_attr_for_each_nested(b, a)
            {
                if (mnl_attr_get_type(b) != IFLA_ALT_IFNAME)
                    continue;
                l->altnames = xrealloc(l->altnames, (nalt + 2) * sizeof *l->altnames);
                l->altnames[nalt++] = xstrndup(mnl_attr_get_payload(b),
                                               mnl_attr_get_payload_len(b));
                l->altnames[nalt] = NULL;
            }
            break;
        }
        case IFLA_LINKINFO:
            parse_linkinfo(a, l);
            break;
        }
    }
    return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_list *ll = data;
    if (nlh->nlmsg_type != RTM_NEWADDR)
        return MNL_CB_OK;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return MNL_CB_OK;
    struct vj_nl_link *l = NULL;
    for (size_t i = 0; i < ll->n; i++)
        if (ll->v[i].ifindex == (int)ifa->ifa_index)
            l = &ll->v[i];
    if (!l)
        return MNL_CB_OK;
    struct vj_nl_addr ad = {0};
    ad.p.family = ifa->ifa_family;
    ad.p.len = ifa->ifa_prefixlen;
    ad.scope = ifa->ifa_scope;
    ad.flags = ifa->ifa_flags;
    size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
    bool have_local = false, have_addr = false;
    unsigned char local[16], address[16];
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof *ifa)
    {
        if (mnl_attr_get_payload_len(a) < alen && mnl_attr_get_type(a) != IFA_FLAGS)
            continue;
        switch (mnl_attr_get_type(a)) {
        case IFA_LOCAL:
            memcpy(local, mnl_attr_get_payload(a), alen);
            have_local = true;
            break;
        case IFA_ADDRESS:
            memcpy(address, mnl_attr_get_payload(a), alen);
            have_addr = true;
            break;
        case IFA_BROADCAST:
            memcpy(ad.brd, mnl_attr_get_payload(a), alen);
            ad.has_brd = true;
            break;
        case IFA_FLAGS:
            if (mnl_attr_get_payload_len(a) >= 4)
                ad.flags = mnl_attr_get_u32(a);
            break;
        }
    }
    /* IFA_LOCAL is the address; IFA_ADDRESS the peer when they differ. */
    if (have_local) {
        memcpy(ad.p.addr, local, alen);
        if (have_addr && memcmp(local, address, alen) != 0) {
            memcpy(ad.peer, address, alen);
            ad.has_peer = true;
        }
    } else if (have_addr)
        memcpy(ad.p.addr, address, alen);
    else
        return MNL_CB_OK;
    l->addrs = xrealloc(l->addrs, (l->naddrs + 1) * sizeof *l->addrs);
    l->addrs[l->naddrs++] = ad;
    return MNL_CB_OK;
}

static int by_index(const void *a, const void *b)
{
    const struct vj_nl_link *x = a, *y = b;
    return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* An RTM_GETLINK dump request without statistics, in buf. */
static struct nlmsghdr *getlink_dump(char *buf, size_t len)
{
    memset(buf, 0, len);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_DUMP;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    return nlh;
}

static int links_once(struct vj_nl *nl, struct vj_nl_link **out, size_t *n, vj_error_t *err)
{
    struct link_list ll = {0};
    char buf[256];
    struct nlmsghdr *nlh = getlink_dump(buf, sizeof buf);
    if (nl_query(nl, nlh, link_cb, &ll, "list interfaces", err) < 0)
        goto fail;
    memset(buf, 0, sizeof buf);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_UNSPEC;
    if (nl_query(nl, nlh, addr_cb, &ll, "list addresses", err) < 0)
        goto fail;
    if (ll.n)
        qsort(ll.v, ll.n, sizeof *ll.v, by_index);
    *out = ll.v;
    *n = ll.n;
    return 0;
fail:
    vj_nl_links_free(ll.v, ll.n);
    return -1;
}

int vj_nl_links(struct vj_nl *nl, struct vj_nl_link **out, size_t *n, vj_error_t *err)
{
    /* A dump interrupted by a concurrent change (EINTR) is asked again. */
    for (int tries = 0;; tries++) {
        vj_error_t e = NULL;
        if (links_once(nl, out, n, &e) == 0)
            return 0;
        if (!e || e->status != EINTR || tries >= 50) {
            if (err)
                *err = e;
            else
                vj_error_release(&e);
            return -1;
        }
        vj_error_release(&e);
    }
}

int vj_nl_link_get(struct vj_nl *nl, const char *name, struct vj_nl_link *out, vj_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name || strlen(name) >= 128)
        return 0;
    struct link_list ll = {0};
    char buf[512];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, strlen(name) < IFNAMSIZ ? IFLA_IFNAME : IFLA_ALT_IFNAME, name);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    vj_error_t e = NULL;
    if (nl_query(nl, nlh, link_cb, &ll, name, &e) < 0) {
        vj_nl_links_free(ll.v, ll.n);
        if (e && e->status == ENODEV) {
            vj_error_release(&e);
            return 0;
        }
        if (err)
            *err = e;
        else
            vj_error_release(&e);
        return -1;
    }
    if (ll.n == 0) {
        free(ll.v);
        return 0;
    }
    *out = ll.v[0];
    memset(&ll.v[0], 0, sizeof ll.v[0]);
    vj_nl_links_free(ll.v, ll.n);
    return 1;
}

int vj_nl_link_members(struct vj_nl *nl, const char *master, vj_error_t *err)
{
    vj_error_t e = NULL;
    int idx = vj_nl_ifindex(nl, master, &e);
    if (idx <= 0) {
        if (e && e->status == 0) { /* no such interface: no member */
            vj_error_release(&e);
            return 0;
        }
        if (err)
            *err = e;
        else
            vj_error_release(&e);
        return -1;
    }
    /* The kernel filters the dump by IFLA_MASTER: only members come. */
    struct link_list ll = {0};
    char buf[256];
    struct nlmsghdr *nlh = getlink_dump(buf, sizeof buf);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)idx);
    /* Links that change meanwhile interrupt the dump (EINTR): a member
     * seen is one all the same; with none seen, ask again. */
    for (int tries = 0;; tries++) {
        int rc = nl_query(nl, nlh, link_cb, &ll, "list bridge members", &e);
        int count = 0;
        for (size_t i = 0; i < ll.n; i++)
            count += ll.v[i].master == idx;
        vj_nl_links_free(ll.v, ll.n);
        ll = (struct link_list){0};
        if (rc == 0 || (e && e->status == EINTR && (count > 0 || tries < 50))) {
            vj_error_release(&e);
            if (rc == 0 || count > 0)
                return count;
            continue;
        }
        if (err)
            *err = e;
        else
            vj_error_release(&e);
        return -1;
    }
}

void vj_nl_link_clear(struct vj_nl_link *l)
{
    free(l->alias);
    for (char **a = l->altnames; a && *a; a++)
        free(*a);
    free(l->altnames);
    free(l->addrs);
    memset(l, 0, sizeof *l);
}

void vj_nl_links_free(struct vj_nl_link *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vj_nl_link_clear(&l[i]);
    free(l);
}

const struct vj_nl_link *vj_nl_link_find(const struct vj_nl_link *l, size_t n,
                                         const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].name, name) == 0)
            return &l[i];
    for (size_t i = 0; i < n; i++)
        for (char **a = l[i].altnames; a && *a; a++)
            if (strcmp(*a, name) == 0)
                return &l[i];
    return NULL;
}

/* Route requests on the main table: add, delete, get. */
#include "vjail.h"

#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

static const char *route_str(const struct vj_nl_route *r, char buf[128])
{
    char a[46], g[46];
    if (r->dst.len == 0)
        snprintf(buf, 128, "default");
    else
        snprintf(buf, 128, "%s/%u", vj_nl_ntop(r->dst.family, r->dst.addr, a), r->dst.len);
    if (r->gw.family)
        snprintf(buf + strlen(buf), 128 - strlen(buf), " via %s",
                 vj_nl_ntop(r->gw.family, r->gw.addr, g));
    if (r->dev[0])
        snprintf(buf + strlen(buf), 128 - strlen(buf), " dev %s", r->dev);
    return buf;
}

static int route_req(struct vj_nl *nl, const struct vj_nl_route *r, bool add, vj_error_t *err)
{
    char rs[128];
    int family = r->dst.family;
    if (family != AF_INET && family != AF_INET6)
        return vj_error_make(err, 0, "route: address family not supported");
    if (r->gw.family && r->gw.family != family)
        return vj_error_make(err, 0, "%s: gateway of another address family",
                             route_str(r, rs));
    int oif = 0;
    if (r->dev[0] && (oif = vj_nl_ifindex(nl, r->dev, err)) <= 0)
        return -1;
    struct nlmsghdr *nlh = nl_req(nl, add ? RTM_NEWROUTE : RTM_DELROUTE,
                                  add ? NLM_F_CREATE | NLM_F_EXCL : 0, NULL, "route %s %s",
                                  add ? "add" : "delete", route_str(r, rs));
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (unsigned char)family;
    rtm->rtm_dst_len = r->dst.len;
    rtm->rtm_table = RT_TABLE_MAIN;
    if (add) {
        rtm->rtm_protocol = RTPROT_STATIC;
        rtm->rtm_scope = r->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
    } else {
        rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
    }
    size_t alen = family == AF_INET ? 4 : 16;
    if (r->dst.len)
        mnl_attr_put(nlh, RTA_DST, alen, r->dst.addr);
    if (r->gw.family)
        mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw.addr);
    if (oif)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
    if (add && r->mtu) {
        struct nlattr *m = mnl_attr_nest_start(nlh, RTA_METRICS);
        mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
        mnl_attr_nest_end(nlh, m);
    }
    return nl_req_done(nl, err);
}

int vj_nl_route_add(struct vj_nl *nl, const struct vj_nl_route *r, vj_error_t *err)
{
    return route_req(nl, r, true, err);
}

int vj_nl_route_del(struct vj_nl *nl, const struct vj_nl_route *r, vj_error_t *err)
{
    return route_req(nl, r, false, err);
}

struct route_get {
    struct vj_nl_route *r;
    int oif;
    bool found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_get *g = data;
    if (nlh->nlmsg_type != RTM_NEWROUTE)
        return MNL_CB_OK;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    struct vj_nl_route *r = g->r;
    size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;
    r->dst.family = rtm->rtm_family;
    r->dst.len = rtm->rtm_dst_len;
    r->type = rtm->rtm_type;
    r->flags = rtm->rtm_flags;
    r->protocol = rtm->rtm_protocol;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof *rtm)
    {
        size_t plen = mnl_attr_get_payload_len(a);
        switch (mnl_attr_get_type(a)) {
        case RTA_DST:
            if (plen >= alen)
                memcpy(r->dst.addr, mnl_attr_get_payload(a), alen);
            break;
        case RTA_GATEWAY:
            if (plen >= alen) {
                r->gw.family = rtm->rtm_family;
                r->gw.len = (unsigned char)(alen * 8);
                memcpy(r->gw.addr, mnl_attr_get_payload(a), alen);
            }
            break;
        case RTA_PREFSRC:
            if (plen >= alen) {
                memcpy(r->prefsrc, mnl_attr_get_payload(a), alen);
                r->has_prefsrc = true;
            }
            break;
        case RTA_OIF:
            if (plen >= 4)
                g->oif = (int)mnl_attr_get_u32(a);
            break;
        case RTA_METRICS: {
            const struct nlattr *m;
            mnl_attr_for_each_nested(m, a)
            {
                if (mnl_attr_get_type(m) == RTAX_MTU && mnl_attr_get_payload_len(m) >= 4)
                    r->mtu = mnl_attr_get_u32(m);
            }
            break;
        }
        }
    }
    g->found = true;
    return MNL_CB_OK;
}

struct ifname_get {
    char *name;
};

static int ifname_cb(const struct nlmsghdr *nlh, void *data)
{
    struct ifname_get *g = data;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof *ifi)
    {
        if (mnl_attr_get_type(a) == IFLA_IFNAME)
            snprintf(g->name, IFNAMSIZ, "%.*s", (int)mnl_attr_get_payload_len(a),
                     (const char *)mnl_attr_get_payload(a));
    }
    return MNL_CB_OK;
}

int vj_nl_route_get(struct vj_nl *nl, const struct vj_nl_prefix *to, struct vj_nl_route *out,
                    vj_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (nl_flush(nl, err) < 0)
        return -1;
    char buf[512], a[46];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (unsigned char)to->family;
    size_t alen = to->family == AF_INET ? 4 : 16;
    rtm->rtm_dst_len = (unsigned char)(alen * 8);
    /* The table entry that matches, not the resolved next hop only. */
    rtm->rtm_flags = RTM_F_FIB_MATCH;
    mnl_attr_put(nlh, RTA_DST, alen, to->addr);
    struct route_get g = {.r = out};
    vj_error_t e = NULL;
    if (nl_query(nl, nlh, route_cb, &g, "route get", &e) < 0) {
        int st = e ? e->status : 0;
        vj_error_release(&e);
        if (st == ENETUNREACH || st == ESRCH || st == EHOSTUNREACH)
            return vj_error_make(err, 0, "route has not been found");
        return vj_error_make(err, st, "route get %s", vj_nl_ntop(to->family, to->addr, a));
    }
    if (!g.found)
        return vj_error_make(err, 0, "route has not been found");
    if (g.oif > 0) {
        memset(buf, 0, sizeof buf);
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETLINK;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
        ifi->ifi_index = g.oif;
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        struct ifname_get ig = {.name = out->dev};
        if (nl_query(nl, nlh, ifname_cb, &ig, "route get: interface", err) < 0)
            return -1;
    }
    return 0;
}

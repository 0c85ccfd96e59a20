/* Declarative networking: put a VNET jail on a bridge through an epair
 * that vjail makes (host end on the bridge, jail end born inside the
 * jail's namespace), address it and route it from the host, and undo all
 * of it from the recorded state.
 *
 * Host side and jail side are each one netlink context; requests are
 * batched (a lookup of an ifindex sends what is queued, so link requests
 * come first, then addresses and routes).  The bridge-and-sysctl part runs
 * under vjail's vnet lock, so a bridge that vjail created and a jail that
 * is joining it never race with the removal of its last member. */
#include "vjail.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* IFLA_IFALIAS of a bridge vjail created: removed with its last member. */
#define BRIDGE_MARK "created by vjail"

static int bridge_ensure(struct vj_nl *nl, struct vj_vnet_state *st, vj_error_t *err)
{
    vj_error_t e = NULL;
    if (vj_nl_ifindex(nl, st->bridge, &e) > 0)
        return 0;
    if (e && e->status != 0) { /* anything but "no such interface" */
        *err = e;
        return -1;
    }
    vj_error_release(&e);
    unsigned char mac[6];
    vj_vnet_mac("bridge", st->bridge, mac); /* fixed: ports never change it */
    vj_nl_batch_begin(nl);
    if (vj_nl_bridge_create(nl, st->bridge, mac, err) < 0 ||
        vj_nl_link_alias(nl, st->bridge, BRIDGE_MARK, err) < 0 ||
        vj_nl_link_up(nl, st->bridge, true, err) < 0)
        goto fail;
    st->bridge_created = true;
    for (size_t i = 0; i < st->nbridge_addrs; i++)
        if (vj_nl_addr_add(nl, st->bridge, &st->bridge_addrs[i], err) < 0)
            goto fail;
    return vj_nl_commit(nl, err);
fail:
    vj_nl_discard(nl);
    return -1;
}

/* Delete a bridge vjail created once it has no member left. */
static int bridge_release(struct vj_nl *nl, const char *bridge, vj_error_t *err)
{
    struct vj_nl_link *links = NULL;
    size_t n = 0;
    if (vj_nl_links(nl, &links, &n, err) < 0)
        return -1;
    const struct vj_nl_link *br = vj_nl_link_find(links, n, bridge);
    bool drop = br && strcmp(br->kind, "bridge") == 0 && br->alias &&
                strcmp(br->alias, BRIDGE_MARK) == 0;
    for (size_t i = 0; drop && i < n; i++)
        if (links[i].master == br->ifindex)
            drop = false;
    vj_nl_links_free(links, n);
    if (!drop)
        return 0;
    vj_error_t e = NULL;
    if (vj_nl_link_delete(nl, bridge, &e) < 0 && e && e->status != ENODEV) {
        *err = e;
        return -1;
    }
    vj_error_release(&e);
    return 0;
}

static int host_side(struct vj_nl *nl, struct vj_vnet_state *st, int netns_fd, vj_error_t *err)
{
    unsigned char hmac[6];
    vj_vnet_mac("host", st->name, hmac);
    char alt[VJ_VNET_ALTNAME_MAX];
    vj_vnet_altname(st->name, alt);
    struct vj_nl_veth v = {
        .name = st->host_if,
        .peer = st->jail_if,
        .peer_netns_fd = netns_fd,
        .mac = hmac,
        .peer_mac = st->mac,
    };
    vj_nl_batch_begin(nl);
    /* The master's lookup sends the creation with the altname. */
    if (vj_nl_veth_create(nl, &v, err) < 0 || vj_nl_link_altname(nl, st->host_if, alt, true, err) < 0 ||
        vj_nl_link_master(nl, st->host_if, st->bridge, err) < 0 ||
        vj_nl_link_up(nl, st->host_if, true, err) < 0) {
        vj_nl_discard(nl);
        return -1;
    }
    return vj_nl_commit(nl, err);
}

static int jail_side(int netns_fd, const struct vj_vnet_state *st, vj_error_t *err)
{
    cleanup_nl struct vj_nl *nl = NULL;
    if (vj_nl_open(netns_fd, &nl, err) < 0)
        return -1;
    vj_nl_batch_begin(nl);
    if (vj_nl_link_up(nl, "lo", true, err) < 0 || vj_nl_link_up(nl, st->jail_if, true, err) < 0)
        goto fail;
    for (size_t i = 0; i < st->naddrs; i++)
        if (vj_nl_addr_add(nl, st->jail_if, &st->addrs[i], err) < 0)
            goto fail;
    const struct vj_nl_prefix *gws[2] = {&st->gw4, &st->gw6};
    for (int i = 0; i < 2; i++) {
        if (!gws[i]->family)
            continue;
        struct vj_nl_route r = {.dst = {.family = gws[i]->family}, .gw = *gws[i]};
        snprintf(r.dev, sizeof r.dev, "%s", st->jail_if);
        if (vj_nl_route_add(nl, &r, err) < 0)
            goto fail;
    }
    return vj_nl_commit(nl, err);
fail:
    vj_nl_discard(nl);
    return -1;
}

int vj_vnet_setup(const struct vj_cjail *j, int jid, int netns_fd, struct vj_vnet_state *st,
                  vj_error_t *err)
{
    if (vj_vnet_plan(j, jid, st, err) < 0)
        return -1;
    if (!st->bridge)
        return 0;
    /* Recorded before anything is made: a crash at any later point
     * leaves enough for vj_vnet_teardown. */
    if (st->path && vj_vnet_state_save(st, st->path, err) < 0)
        return vj_error_prefix(err, "%s: vnet", st->name);
    cleanup_close int lock = vj_vnet_lock(err);
    if (lock < 0)
        return vj_error_prefix(err, "%s: vnet", st->name);
    cleanup_nl struct vj_nl *nl = NULL;
    int r = vj_nl_open(-1, &nl, err);
    if (r == 0 && (r = bridge_ensure(nl, st, err)) == 0 && st->bridge_created && st->path)
        r = vj_vnet_state_save(st, st->path, err);
    if (r == 0 && (r = host_side(nl, st, netns_fd, err)) < 0 && err && *err &&
        (*err)->status == EEXIST) {
        /* The kernel does not say which end exists: name it. */
        vj_error_t e = NULL;
        if (vj_nl_ifindex(nl, st->host_if, &e) <= 0) {
            vj_error_release(err);
            vj_error_make(err, EEXIST, "%s: the jail has an interface of that name already",
                          st->jail_if);
        }
        vj_error_release(&e);
    }
    if (r == 0)
        r = jail_side(netns_fd, st, err);
    if (r == 0)
        r = vj_vnet_nft_add(st, err);
    if (r == 0)
        return 0;
    /* Nothing half-made. */
    vj_vnet_teardown_locked(st, NULL);
    return vj_error_prefix(err, "%s: vnet", st->name);
}

int vj_vnet_teardown_locked(const struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge)
        return 0;
    int r = 0;
    vj_error_t e = NULL;
    if (vj_vnet_nft_remove(st, &e) < 0) {
        r = -1;
        if (err && !*err)
            *err = vj_steal(e);
        vj_error_release(&e);
    }
    cleanup_nl struct vj_nl *nl = NULL;
    if (vj_nl_open(-1, &nl, &e) < 0) {
        if (err && !*err)
            *err = vj_steal(e);
        vj_error_release(&e);
        return -1;
    }
    /* Deleting either end of the pair deletes both. */
    if (vj_nl_link_delete(nl, st->host_if, &e) < 0 && e && e->status != ENODEV) {
        r = -1;
        if (err && !*err)
            *err = vj_steal(e);
    }
    vj_error_release(&e);
    if (bridge_release(nl, st->bridge, &e) < 0) {
        r = -1;
        if (err && !*err)
            *err = vj_steal(e);
    }
    vj_error_release(&e);
    return r;
}

int vj_vnet_teardown(const struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge)
        return 0;
    const char *name = st->name ? st->name : "jail";
    cleanup_close int lock = vj_vnet_lock(err);
    if (lock < 0)
        return vj_error_prefix(err, "%s: vnet", name);
    if (vj_vnet_teardown_locked(st, err) < 0)
        return vj_error_prefix(err, "%s: vnet", name);
    return 0;
}

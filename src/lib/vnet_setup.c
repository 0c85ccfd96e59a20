/* Declarative networking: put a VNET jail on a bridge through an epair
 * that vjail makes (host end on the bridge, jail end born inside the
 * jail's namespace), address it and route it from the host, and undo all
 * of it from the recorded state.
 *
 * Host side and jail side are each one netlink context; requests are
 * batched (a lookup of an ifindex sends what is queued, so link requests
 * come first, then addresses and routes).  Creating and deleting a bridge,
 * and the nft rules with their sysctls, run under vjail's vnet lock;
 * joining an existing bridge does not (see vj_vnet_setup). */
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

/* Delete a bridge vjail created once it has no member left.  Only the
 * bridge and its members are asked for: a host may have thousands of
 * links. */
static int bridge_release(struct vj_nl *nl, const char *bridge, vj_error_t *err)
{
    struct vj_nl_link br;
    int found = vj_nl_link_get(nl, bridge, &br, err);
    if (found <= 0)
        return found;
    bool drop = strcmp(br.kind, "bridge") == 0 && br.alias && strcmp(br.alias, BRIDGE_MARK) == 0;
    vj_nl_link_clear(&br);
    if (!drop)
        return 0;
    int members = vj_nl_link_members(nl, bridge, err);
    if (members != 0)
        return members < 0 ? -1 : 0;
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
    /* The host end is a bridge port only: no IPv6 link-local address,
     * whose DAD and MLD packets the bridge would flood to every other
     * port (a cost in the square of the number of jails). */
    if (vj_nl_veth_create(nl, &v, err) < 0 || vj_nl_link_altname(nl, st->host_if, alt, true, err) < 0 ||
        vj_nl_link_no_ipv6_ll(nl, st->host_if, err) < 0 ||
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

/* A Linux bridge numbers its ports with 10 bits, 0 unused: the kernel's
 * EXFULL ("Exchange full") for the next port says nothing useful. */
#define BRIDGE_PORTS_MAX 1023

static int bridge_full(const struct vj_cjail *j, const struct vj_vnet_state *st,
                       vj_error_t *err)
{
    const struct vj_cparam *p = vj_cjail_get(j, "vnet.bridge");
    cleanup_free char *w = p && p->loc.file && p->loc.line > 0
                               ? xasprintf(" (%s line %d)", p->loc.file, p->loc.line)
                               : xstrdup("");
    vj_error_make(err, 0,
                  "%s: vnet.bridge: bridge %s is full (a Linux bridge holds at most %d ports); "
                  "put jail %s on another bridge%s",
                  st->name, st->bridge, BRIDGE_PORTS_MAX, st->name, w);
    (*err)->status = EXFULL; /* without strerror's "Exchange full" in the text */
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
    cleanup_nl struct vj_nl *nl = NULL;
    cleanup_close int lock = -1;
    int r = vj_nl_open(-1, &nl, err);
    /* Joining a bridge that exists needs no lock: a bridge vjail made is
     * deleted (under the lock) only once it has no member, and if that
     * happens between our lookup and our join, the join fails and is
     * retried under the lock, which then makes the bridge again.  So a
     * new jail never waits for another one's set-up or teardown. */
    vj_error_t e = NULL;
    bool exists = r == 0 && vj_nl_ifindex(nl, st->bridge, &e) > 0;
    vj_error_release(&e);
    if (r == 0 && exists && host_side(nl, st, netns_fd, &e) == 0) {
        r = 0;
    } else if (r == 0) {
        if (exists) /* undo the half-made attempt, then once more, locked */
            vj_nl_link_delete(nl, st->host_if, NULL);
        vj_error_release(&e);
        lock = vj_vnet_lock(err);
        r = lock < 0 ? -1 : bridge_ensure(nl, st, err);
        if (r == 0 && st->bridge_created && st->path)
            r = vj_vnet_state_save(st, st->path, err);
        if (r == 0)
            r = host_side(nl, st, netns_fd, err);
    }
    if (r < 0 && err && *err && (*err)->status == EEXIST) {
        /* The kernel does not say which end exists: name it. */
        if (vj_nl_ifindex(nl, st->host_if, &e) <= 0) {
            vj_error_release(err);
            vj_error_make(err, EEXIST, "%s: the jail has an interface of that name already",
                          st->jail_if);
        }
        vj_error_release(&e);
    }
    if (r == 0)
        r = jail_side(netns_fd, st, err);
    if (r == 0 && (st->nat || st->nfwds) && lock < 0 && (lock = vj_vnet_lock(err)) < 0)
        r = -1;
    if (r == 0)
        r = vj_vnet_nft_add(st, err);
    if (r == 0)
        return 0;
    /* Nothing half-made. */
    if (lock < 0)
        lock = vj_vnet_lock(NULL);
    vj_vnet_teardown_locked(st, NULL);
    if (err && *err && (*err)->status == EXFULL) /* only adding a port says so */
        return bridge_full(j, st, err);
    return vj_error_prefix(err, "%s: vnet", st->name);
}

/* Keep the first error (err may be NULL). */
static int keep_first(vj_error_t *err, vj_error_t *e)
{
    if (err && !*err)
        *err = vj_steal(*e);
    vj_error_release(e);
    return -1;
}

/* Deleting either end of the pair deletes both; gone already is fine. */
static int epair_delete(struct vj_nl *nl, const struct vj_vnet_state *st, vj_error_t *err)
{
    vj_error_t e = NULL;
    if (vj_nl_link_delete(nl, st->host_if, &e) < 0 && e && e->status != ENODEV)
        return keep_first(err, &e);
    vj_error_release(&e);
    return 0;
}

/* What needs the vnet lock: the nft rules, the bridge vjail made. */
static int teardown_shared(struct vj_nl *nl, const struct vj_vnet_state *st, vj_error_t *err)
{
    int r = 0;
    vj_error_t e = NULL;
    if (vj_vnet_nft_remove(st, &e) < 0)
        r = keep_first(err, &e);
    if (bridge_release(nl, st->bridge, &e) < 0)
        r = keep_first(err, &e);
    return r;
}

int vj_vnet_teardown_locked(const struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge)
        return 0;
    cleanup_nl struct vj_nl *nl = NULL;
    vj_error_t e = NULL;
    if (vj_nl_open(-1, &nl, &e) < 0)
        return keep_first(err, &e);
    int r = epair_delete(nl, st, err);
    return teardown_shared(nl, st, err) < 0 ? -1 : r;
}

void vj_vnet_release_names(const struct vj_vnet_state *st)
{
    if (!st->bridge || !st->host_if[0] || !st->name)
        return;
    char alt[VJ_VNET_ALTNAME_MAX];
    vj_vnet_altname(st->name, alt);
    cleanup_nl struct vj_nl *nl = NULL;
    vj_error_t e = NULL;
    if (vj_nl_open(-1, &nl, &e) == 0)
        vj_nl_link_altname(nl, st->host_if, alt, false, &e);
    vj_error_release(&e);
}

int vj_vnet_teardown(const struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge)
        return 0;
    const char *name = st->name ? st->name : "jail";
    cleanup_nl struct vj_nl *nl = NULL;
    if (vj_nl_open(-1, &nl, err) < 0)
        return vj_error_prefix(err, "%s: vnet", name);
    /* The epair goes first, without the lock: deleting a link waits for
     * RCU grace periods (tens of ms), and the lock is what every new VNET
     * jail takes.  Only the bridge decision (last member gone) and the
     * nft table need it. */
    int r = epair_delete(nl, st, err);
    cleanup_close int lock = vj_vnet_lock(err);
    if (lock < 0 || teardown_shared(nl, st, err) < 0 || r < 0)
        return vj_error_prefix(err, "%s: vnet", name);
    return 0;
}

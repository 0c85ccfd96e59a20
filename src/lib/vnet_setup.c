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
#include <stdlib.h>
#include <net/if.h>
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

static bool vjail_bridge(const struct vj_nl_link *l)
{
    return strcmp(l->kind, "bridge") == 0 && l->alias && strcmp(l->alias, BRIDGE_MARK) == 0;
}

/*
 * A bridge vjail created goes once it has no member left.  Deleting a
 * link waits for RCU grace periods (40-80 ms for a bridge), and a new
 * jail that finds the bridge gone waits for the vnet lock to make it
 * anew: so under the lock the bridge is only taken out of use, renamed
 * to a private name ("vjdel" and its index: unique) and brought down,
 * and it is deleted after the lock is released.  The new name is
 * recorded in the jail's state before the rename and forgotten once the
 * bridge is gone: a teardown that did not finish is finished by the next
 * one (retired_finish).
 *
 * A jail joins an existing bridge without the lock, through the index it
 * looked up: it can join between the check for members and the rename.
 * The bridge is checked again after the rename and, with a member, gets
 * its name back; a jail that joins after that check finds, when it
 * checks its join (joined_live), that the bridge of that name is not the
 * one it is on, and joins again under the lock.
 */
#define RETIRED_PREFIX "vjdel"

/* Record the retired bridge (or, name NULL, forget it). */
static int note_retired(struct vj_vnet_state *st, const char *name, vj_error_t *err)
{
    snprintf(st->bridge_retired, sizeof st->bridge_retired, "%s", name ? name : "");
    return st->path ? vj_vnet_state_save(st, st->path, err) : 0;
}

static int link_delete(struct vj_nl *nl, const char *name, vj_error_t *err)
{
    vj_error_t e = NULL;
    if (vj_nl_link_delete(nl, name, &e) < 0 && e && e->status != ENODEV) {
        *err = e;
        return -1;
    }
    vj_error_release(&e);
    return 0;
}

/* The recorded retired bridge, if it is still there and ours (the index
 * in its name is its own); 1 found, 0 not, -1 error. */
static int retired_get(struct vj_nl *nl, const struct vj_vnet_state *st, struct vj_nl_link *br,
                       vj_error_t *err)
{
    int found = vj_nl_link_get(nl, st->bridge_retired, br, err);
    if (found <= 0)
        return found;
    const char *idx = st->bridge_retired + strlen(RETIRED_PREFIX);
    if (strncmp(st->bridge_retired, RETIRED_PREFIX, strlen(RETIRED_PREFIX)) == 0 &&
        vjail_bridge(br) && br->ifindex == atoi(idx))
        return 1;
    vj_nl_link_clear(br);
    return 0;
}

/* Without the lock: delete the retired bridge.  Members it may have
 * joined it late and join again (see above). */
static int retired_delete(struct vj_nl *nl, struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge_retired[0])
        return 0;
    struct vj_nl_link br;
    int found = retired_get(nl, st, &br, err);
    if (found < 0)
        return -1;
    if (found) {
        vj_nl_link_clear(&br);
        if (link_delete(nl, st->bridge_retired, err) < 0)
            return -1;
    }
    return note_retired(st, NULL, err);
}

/* Under the lock: a retired bridge recorded by a teardown that did not
 * finish.  Still up with a member, it was being checked again: it gets
 * its name back; else it is deleted now. */
static int retired_finish(struct vj_nl *nl, struct vj_vnet_state *st, vj_error_t *err)
{
    struct vj_nl_link br;
    int found = retired_get(nl, st, &br, err);
    if (found < 0)
        return -1;
    bool up = found && (br.flags & IFF_UP);
    if (found)
        vj_nl_link_clear(&br);
    int members = up ? vj_nl_link_members(nl, st->bridge_retired, err) : 0;
    if (members < 0)
        return -1;
    vj_error_t e = NULL;
    if (members > 0 && vj_nl_link_rename(nl, st->bridge_retired, st->bridge, &e) == 0)
        return note_retired(st, NULL, err);
    vj_error_release(&e);
    return retired_delete(nl, st, err);
}

/* Under the lock: take the bridge vjail created out of use once it has
 * no member left (deleted by retired_delete).  Only the bridge and its
 * members are asked for: a host may have thousands of links. */
static int bridge_retire(struct vj_nl *nl, struct vj_vnet_state *st, vj_error_t *err)
{
    if (st->bridge_retired[0] && retired_finish(nl, st, err) < 0)
        return -1;
    struct vj_nl_link br;
    int found = vj_nl_link_get(nl, st->bridge, &br, err);
    if (found <= 0)
        return found;
    bool drop = vjail_bridge(&br);
    char name[16];
    snprintf(name, sizeof name, RETIRED_PREFIX "%d", br.ifindex);
    char **alts = br.altnames;
    br.altnames = NULL;
    vj_nl_link_clear(&br);
    int r = 0, members = drop ? vj_nl_link_members(nl, st->bridge, err) : 1;
    if (members != 0) {
        r = members < 0 ? -1 : 0;
        goto out;
    }
    if (note_retired(st, name, err) < 0) {
        r = -1;
        goto out;
    }
    vj_error_t e = NULL;
    if (vj_nl_link_rename(nl, st->bridge, name, &e) < 0) {
        /* (the name is somebody else's): deleted here, as it is */
        vj_error_release(&e);
        r = link_delete(nl, st->bridge, err) < 0 ? -1 : note_retired(st, NULL, err);
        goto out;
    }
    /* A jail that joined between the check and the rename keeps it. */
    members = vj_nl_link_members(nl, name, err);
    if (members != 0) {
        r = members < 0 || vj_nl_link_rename(nl, name, st->bridge, err) < 0
                ? -1
                : note_retired(st, NULL, err);
        goto out;
    }
    /* Down, its routes go (a new bridge of the old name gets the same
     * addresses); no altname of it can be looked up any more. */
    vj_nl_batch_begin(nl);
    r = vj_nl_link_up(nl, name, false, err);
    for (size_t i = 0; r == 0 && alts && alts[i]; i++)
        r = vj_nl_link_altname(nl, name, alts[i], false, err);
    if (r < 0)
        vj_nl_discard(nl);
    else
        r = vj_nl_commit(nl, err);
out:
    for (size_t i = 0; alts && alts[i]; i++)
        free(alts[i]);
    free(alts);
    return r;
}

/* The epair, its host end up (not on the bridge yet: host_join). */
static int host_create(struct vj_nl *nl, const struct vj_vnet_state *st, int netns_fd,
                       vj_error_t *err)
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
    /* The host end is a bridge port only: no IPv6 link-local address,
     * whose DAD and MLD packets the bridge would flood to every other
     * port (a cost in the square of the number of jails). */
    if (vj_nl_veth_create(nl, &v, err) < 0 || vj_nl_link_altname(nl, st->host_if, alt, true, err) < 0 ||
        vj_nl_link_no_ipv6_ll(nl, st->host_if, err) < 0 ||
        vj_nl_link_up(nl, st->host_if, true, err) < 0) {
        vj_nl_discard(nl);
        return -1;
    }
    return vj_nl_commit(nl, err);
}

static int host_join(struct vj_nl *nl, const struct vj_vnet_state *st, vj_error_t *err)
{
    return vj_nl_link_master(nl, st->host_if, st->bridge, err);
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

/* After a join without the lock: is the port on the bridge that has the
 * name now?  (Both asked afresh, the port first.) */
static bool joined_live(struct vj_nl *nl, const struct vj_vnet_state *st)
{
    struct vj_nl_link port;
    if (vj_nl_link_get(nl, st->host_if, &port, NULL) <= 0)
        return false;
    int master = port.master;
    vj_nl_link_clear(&port);
    return master > 0 && vj_nl_ifindex(nl, st->bridge, NULL) == master;
}

/* Take the lock (kept in *lock) and make the bridge if it is missing. */
static int bridge_locked(struct vj_nl *nl, struct vj_vnet_state *st, int *lock, vj_error_t *err)
{
    if (*lock < 0 && (*lock = vj_vnet_lock(err)) < 0)
        return -1;
    if (bridge_ensure(nl, st, err) < 0)
        return -1;
    return st->bridge_created && st->path ? vj_vnet_state_save(st, st->path, err) : 0;
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
     * retired (under the lock) only once it has no member (see
     * bridge_retire).  If that happens between our lookup of the bridge
     * and our join, the join fails or joins the retired bridge; either
     * way it is done again under the lock, which makes the bridge anew if
     * it is missing.  So a new jail never waits for another one's set-up
     * or teardown. */
    if (r == 0)
        r = host_create(nl, st, netns_fd, err);
    vj_error_t e = NULL;
    if (r == 0 && (host_join(nl, st, &e) < 0 || !joined_live(nl, st))) {
        vj_error_release(&e);
        r = bridge_locked(nl, st, &lock, err);
        if (r == 0)
            r = host_join(nl, st, err);
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

/* What needs the vnet lock: the nft rules, retiring the bridge vjail
 * made. */
static int teardown_shared(struct vj_nl *nl, struct vj_vnet_state *st, vj_error_t *err)
{
    int r = 0;
    vj_error_t e = NULL;
    if (vj_vnet_nft_remove(st, &e) < 0)
        r = keep_first(err, &e);
    if (bridge_retire(nl, st, &e) < 0)
        r = keep_first(err, &e);
    return r;
}

int vj_vnet_teardown_locked(struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge)
        return 0;
    cleanup_nl struct vj_nl *nl = NULL;
    vj_error_t e = NULL;
    if (vj_nl_open(-1, &nl, &e) < 0)
        return keep_first(err, &e);
    int r = epair_delete(nl, st, err);
    if (teardown_shared(nl, st, err) < 0)
        r = -1;
    if (retired_delete(nl, st, &e) < 0)
        r = keep_first(err, &e);
    return r;
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

int vj_vnet_teardown(struct vj_vnet_state *st, vj_error_t *err)
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
    int lock = vj_vnet_lock(err);
    if (lock < 0)
        return vj_error_prefix(err, "%s: vnet", name);
    if (teardown_shared(nl, st, err) < 0)
        r = -1;
    close(lock);
    /* The retired bridge goes without the lock: see bridge_retire. */
    vj_error_t e = NULL;
    if (retired_delete(nl, st, &e) < 0)
        r = keep_first(err, &e);
    return r < 0 ? vj_error_prefix(err, "%s: vnet", name) : 0;
}

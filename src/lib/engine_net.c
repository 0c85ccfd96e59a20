/*
 * Networking of a jail as the engine drives it: the network namespace is
 * pinned (vj_vnet_ns_pin) so that the interfaces given with vnet.interface
 * can be handed back on every removal path, including the clean-up after
 * a crash, and declarative networking (vnet.bridge ...) is set up and torn
 * down from its recorded state.  The building blocks are vnet_*.c.
 */
#include "vjail.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define NETNS_DIR VJ_VNET_PIN_DIR
#define NETSTATE_DIR VJ_VNET_STATE_DIR

bool vj_jail_is_vnet(const struct vj_cjail *cj)
{
    struct vj_cparam *vp = vj_cjail_get(cj, "vnet");
    if (!vp || vp->negated)
        return false;
    const char *v = vj_cjail_str(cj, "vnet");
    return !v || !strcmp(v, "new") || param_parse_bool(v) == 1;
}

static bool has_values(const struct vj_cjail *cj, const char *name)
{
    struct vj_cparam *p = vj_cjail_get(cj, name);
    return p && p->nvalues;
}

int vj_net_create(struct vj_rec *r, const struct vj_cjail *cj, vj_error_t *err)
{
    bool ifaces = has_values(cj, "vnet.interface");
    bool bridge = has_values(cj, "vnet.bridge");
    if (!ifaces && !bridge)
        return 0;
    if (!vj_jail_is_vnet(cj))
        return vj_error_make(err, 0, "%s: %s: the jail has no vnet", r->j.name,
                             ifaces ? "vnet.interface" : "vnet.bridge");
    mkdir(NETNS_DIR, 0700);
    free(r->netns_pin);
    r->netns_pin = xasprintf("%s/%d", NETNS_DIR, r->j.jid);
    if (bridge) {
        mkdir(NETSTATE_DIR, 0700);
        free(r->vnet_state);
        r->vnet_state = xasprintf("%s/%d", NETSTATE_DIR, r->j.jid);
    }
    /* Recorded before they exist: a crash from here on is undone. */
    {
        cleanup_close int lk = vj_reg_lock(err);
        if (lk < 0 || vj_reg_save(r, err) < 0)
            return -1;
    }
    if (vj_vnet_ns_pin(r->j.sup_pid, r->netns_pin, err) < 0)
        return vj_error_prefix(err, "%s", r->j.name);
    if (!bridge)
        return 0;
    cleanup_close int fd = open(r->netns_pin, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vj_error_make(err, errno, "%s: open %s", r->j.name, r->netns_pin);
    struct vj_vnet_state st = {0};
    st.path = xstrdup(r->vnet_state);
    int rc = vj_vnet_setup(cj, r->j.jid, fd, &st, err);
    vj_vnet_state_clear(&st);
    return rc;
}

int vj_net_move_in(const struct vj_rec *r, const struct vj_cjail *cj, vj_error_t *err)
{
    struct vj_cparam *p = vj_cjail_get(cj, "vnet.interface");
    if (!p || !p->nvalues || !r->netns_pin)
        return 0;
    cleanup_close int fd = open(r->netns_pin, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vj_error_make(err, errno, "%s: open %s", r->j.name, r->netns_pin);
    return vj_vnet_ifaces_move_in(fd, p->values, p->nvalues, err);
}

bool vj_rec_has_returns(const struct vj_rec *r)
{
    if (r->j.params && has_values(r->j.params, "vnet.interface"))
        return true;
    cleanup_free char *path = xasprintf("%s/%d", VJ_VNET_STATE_DIR, r->j.jid);
    if (access(path, F_OK) < 0)
        return false;
    struct vj_vnet_state st = {0};
    bool moved = vj_vnet_state_load(path, &st, NULL) < 0 || st.nmoved > 0;
    vj_vnet_state_clear(&st);
    return moved;
}

void vj_rec_return_net(struct vj_rec *r)
{
    if (r->net_returned)
        return;
    r->net_returned = true;
    vj_error_t err = NULL;
    vj_rec_net_paths(r); /* also what `ifconfig IF vnet JAIL` recorded since r was read */
    if (r->netns_pin) {
        cleanup_close int fd = open(r->netns_pin, O_RDONLY | O_CLOEXEC);
        struct vj_cparam *p = r->j.params ? vj_cjail_get(r->j.params, "vnet.interface") : NULL;
        /* The supervisor releasing its own jail (last process gone) lives
         * in the jail's network namespace: "back" must mean the one it
         * came from (kept in vj_sup_host_netns), not its own. */
        struct stat pin, self;
        if (fd >= 0 && fstat(fd, &pin) == 0 && stat("/proc/self/ns/net", &self) == 0 &&
            pin.st_ino == self.st_ino && pin.st_dev == self.st_dev) {
            if (vj_sup_host_netns < 0 || setns(vj_sup_host_netns, CLONE_NEWNET) < 0)
                fprintf(stderr, "%s: %s: vnet.interface: host network namespace: %s\n",
                        vj_progname ? vj_progname : "jail", r->j.name, strerror(errno));
        }
        if (fd >= 0 && p && p->nvalues && vj_vnet_ifaces_return(fd, p->values, p->nvalues, &err) < 0)
            vj_error_print(&err, vj_progname ? vj_progname : "jail");
        /* and those moved in by hand (ifconfig IF vnet JAIL) */
        if (fd >= 0 && vj_vnet_moved_return(r, fd, &err) < 0)
            vj_error_print(&err, vj_progname ? vj_progname : "jail");
    }
    if (r->vnet_state) {
        /* A jail of the same name may be created before the links go. */
        struct vj_vnet_state st = {0};
        if (vj_vnet_state_load(r->vnet_state, &st, NULL) == 0) {
            vj_vnet_release_names(&st);
            vj_vnet_state_clear(&st);
        }
    }
}

void vj_rec_release_net(struct vj_rec *r)
{
    vj_error_t err = NULL;
    vj_rec_return_net(r);
    if (r->vnet_state) {
        struct vj_vnet_state st = {0};
        if (vj_vnet_state_load(r->vnet_state, &st, NULL) == 0) {
            if (vj_vnet_teardown(&st, &err) < 0)
                vj_error_print(&err, vj_progname ? vj_progname : "jail");
            vj_vnet_state_clear(&st);
        }
        unlink(r->vnet_state);
    }
    if (r->netns_pin && vj_vnet_ns_unpin(r->netns_pin, &err) < 0)
        vj_error_release(&err);
}

/* Interfaces moved between network stacks by hand: ifconfig's `IF vnet
 * JAIL` and `IF -vnet JAIL`.
 *
 * FreeBSD hands every interface that was moved into a vnet jail back to
 * its home vnet when the jail is removed; Linux destroys a virtual
 * interface with its namespace.  So each move into a jail is recorded in
 * the jail's vnet state (VJ_VNET_STATE_DIR/JID, "moved" lines) with the
 * interface's home, under the registry lock and before the move, and the
 * jail's namespace is pinned (VJ_VNET_PIN_DIR/JID): every removal path,
 * the cleanup after a crash included, can then hand it back
 * (vj_vnet_moved_return, run beside vnet.interface's return). */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/stat.h>

static char *pin_path(int jid)
{
    return xasprintf("%s/%d", VJ_VNET_PIN_DIR, jid);
}

static char *state_path(int jid)
{
    return xasprintf("%s/%d", VJ_VNET_STATE_DIR, jid);
}

/* Were the moved interfaces of st recorded for this very jail (and not
 * for an earlier one of the same JID whose files were left behind)? */
static bool state_is_jails(const struct vj_vnet_state *st, const struct vj_rec *r)
{
    return st->jid == r->j.jid && st->sup_pid == r->j.sup_pid &&
           st->sup_start == r->j.sup_start;
}

static void moved_remove(struct vj_vnet_state *st, size_t i)
{
    free(st->moved[i].home);
    memmove(&st->moved[i], &st->moved[i + 1], (st->nmoved - i - 1) * sizeof *st->moved);
    st->nmoved--;
}

/* The record of a link (its index in the jail's stack), or -1. */
static ssize_t moved_find(const struct vj_vnet_state *st, int ifindex)
{
    for (size_t i = 0; i < st->nmoved; i++)
        if (st->moved[i].ifindex == ifindex)
            return (ssize_t)i;
    return -1;
}

/* ---- the two ends of a move ------------------------------------------- */

struct stack {
    const char *spec;         /* NULL: the caller's stack; "/...": a file */
    bool is_jail;             /* a jail of the registry */
    struct vj_rec rec;        /* is_jail: its entry */
    int fd;                   /* its namespace, -1 until opened */
    struct vj_vnet_state st;  /* is_jail: its vnet state, once loaded */
    bool st_loaded;
};

static void stack_clear(struct stack *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->is_jail)
        vj_rec_clear(&s->rec);
    vj_vnet_state_clear(&s->st);
}

/* Under the registry lock: look the jail up and open its namespace. */
static int stack_open(struct stack *s, vj_error_t *err)
{
    if (!s->spec) {
        s->fd = vj_nl_self_netns(err);
        return s->fd;
    }
    if (s->spec[0] == '/') {
        s->fd = open(s->spec, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return vj_error_make(err, errno, "%s", s->spec);
        return 0;
    }
    if (vj_reg_lookup(s->spec, false, &s->rec, NULL) < 0)
        return vj_error_make(err, 0, "jail \"%s\" not found", s->spec);
    s->is_jail = true;
    struct vj_rec *r = &s->rec;
    /* Until jail(8) has made it (state "running"), its vnet state is not
     * ours to write. */
    if (r->state == JS_CREATING)
        return vj_error_make(err, 0, "jail \"%s\" is still being created", s->spec);
    if (r->j.params && !vj_jail_is_vnet(r->j.params))
        return vj_error_make(err, 0,
                             "jail \"%s\" has no vnet (it shares the host's network stack)",
                             s->spec);
    if (r->j.sup_pid <= 0 || vj_proc_start(r->j.sup_pid) != r->j.sup_start)
        return vj_error_make(err, 0, "jail \"%s\" not found", s->spec);
    if (r->netns_pin && vj_vnet_is_nsfs(r->netns_pin))
        s->fd = open(r->netns_pin, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        cleanup_free char *p = xasprintf("/proc/%d/ns/net", (int)r->j.sup_pid);
        s->fd = open(p, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return vj_error_make(err, errno, "jail \"%s\": %s", s->spec, p);
    }
    return 0;
}

/* Pin a jail's namespace, recorded in its entry before it is made. */
static int stack_pin(struct stack *s, vj_error_t *err)
{
    struct vj_rec *r = &s->rec;
    if (!r->netns_pin) {
        mkdir(VJ_VNET_PIN_DIR, 0700);
        r->netns_pin = pin_path(r->j.jid);
        if (vj_reg_save(r, err) < 0)
            return -1;
    }
    if (vj_vnet_ns_pin(r->j.sup_pid, r->netns_pin, err) < 0)
        return vj_error_prefix(err, "%s", r->j.name);
    return 0;
}

/* A jail's vnet state, its file recorded in its entry (made if missing). */
static int stack_state(struct stack *s, vj_error_t *err)
{
    if (s->st_loaded)
        return 0;
    struct vj_rec *r = &s->rec;
    if (r->vnet_state) {
        vj_error_t e = NULL;
        if (vj_vnet_state_load(r->vnet_state, &s->st, &e) < 0) {
            if (!e || e->status != ENOENT) {
                if (err)
                    *err = vj_steal(e);
                vj_error_release(&e);
                return vj_error_prefix(err, "%s", r->j.name);
            }
            vj_error_release(&e);
        }
    } else {
        mkdir(VJ_VNET_STATE_DIR, 0700);
        r->vnet_state = state_path(r->j.jid);
        if (vj_reg_save(r, err) < 0)
            return -1;
    }
    if (!s->st.jid) {
        s->st.jid = r->j.jid;
        free(s->st.name);
        s->st.name = xstrdup(r->j.name);
    }
    /* Records of an earlier jail of this JID are not this one's. */
    if (s->st.nmoved && !state_is_jails(&s->st, r))
        while (s->st.nmoved)
            moved_remove(&s->st, s->st.nmoved - 1);
    s->st.sup_pid = r->j.sup_pid;
    s->st.sup_start = r->j.sup_start;
    s->st_loaded = true;
    return 0;
}

static int stack_save(struct stack *s, vj_error_t *err)
{
    if (vj_vnet_state_save(&s->st, s->rec.vnet_state, err) < 0)
        return vj_error_prefix(err, "%s", s->rec.j.name);
    return 0;
}

static bool in_vnet_interface(const struct vj_rec *r, const char *name)
{
    const struct vj_cparam *p = r->j.params ? vj_cjail_get(r->j.params, "vnet.interface") : NULL;
    for (size_t i = 0; p && i < p->nvalues; i++)
        if (strcmp(p->values[i], name) == 0)
            return true;
    return false;
}

/* Where the link goes back to when the jail it is moved into ends, as an
 * allocated namespace file, NULL for the host; *had: index of the source
 * jail's record of it (dropped once the move is made), else -1. */
static int home_of(struct stack *src, const struct vj_nl_link *l, char **home, ssize_t *had,
                   vj_error_t *err)
{
    *home = NULL;
    *had = -1;
    if (!src->spec)
        return 0; /* the caller's stack: the host */
    if (!src->is_jail) {
        *home = xstrdup(src->spec);
        return 0;
    }
    if (src->rec.vnet_state) {
        if (stack_state(src, err) < 0)
            return -1;
        if ((*had = moved_find(&src->st, l->ifindex)) >= 0) {
            const char *h = src->st.moved[*had].home;
            *home = h ? xstrdup(h) : NULL;
            return 0;
        }
    }
    /* vnet.interface goes back to the host; anything else was made in
     * the source jail: its home is that jail. */
    if (in_vnet_interface(&src->rec, l->name))
        return 0;
    if (stack_pin(src, err) < 0)
        return -1;
    *home = xstrdup(src->rec.netns_pin);
    return 0;
}

int vj_vnet_iface_move(const char *ifname, const char *from, const char *to, vj_error_t *err)
{
    struct stack src = {.spec = from, .fd = -1}, dst = {.spec = to, .fd = -1};
    bool registry = (from && from[0] != '/') || (to && to[0] != '/');
    cleanup_close int lk = registry ? vj_reg_lock(err) : -1;
    cleanup_free char *home = NULL;
    cleanup_nl struct vj_nl *nl = NULL;
    struct vj_nl_link l = {0};
    int rc = -1;
    ssize_t had = -1;
    bool record = false;
    if (registry && lk < 0)
        return -1;
    if (stack_open(&src, err) < 0 || stack_open(&dst, err) < 0)
        goto out;
    if (vj_nl_open(src.spec ? src.fd : -1, &nl, err) < 0)
        goto out;
    int found = vj_nl_link_get(nl, ifname, &l, err);
    if (found <= 0) {
        if (found == 0) {
            vj_error_make(err, 0, "interface %s does not exist", ifname);
            if (err && *err)
                (*err)->status = ENODEV;
        }
        goto out;
    }
    if (home_of(&src, &l, &home, &had, err) < 0)
        goto out;
    if (dst.is_jail) {
        /* Back into the jail it was made in: nothing to hand back. */
        cleanup_free char *dpin = pin_path(dst.rec.j.jid);
        record = !home || (strcmp(home, dpin) != 0 &&
                           !(dst.rec.netns_pin && strcmp(home, dst.rec.netns_pin) == 0));
    }
    if (record) {
        /* Recorded, with the namespace pinned, before the move. */
        if (stack_pin(&dst, err) < 0 || stack_state(&dst, err) < 0)
            goto out;
        ssize_t old = moved_find(&dst.st, l.ifindex);
        if (old >= 0)
            moved_remove(&dst.st, (size_t)old);
        dst.st.moved = xrealloc(dst.st.moved, (dst.st.nmoved + 1) * sizeof *dst.st.moved);
        struct vj_vnet_moved *m = &dst.st.moved[dst.st.nmoved++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", l.name);
        m->ifindex = l.ifindex; /* Linux keeps it when it is free there */
        m->home = home ? xstrdup(home) : NULL;
        if (stack_save(&dst, err) < 0)
            goto out;
    }
    if (vj_nl_link_netns(nl, l.name, dst.fd, err) < 0) {
        if (record) {
            dst.st.nmoved--;
            free(dst.st.moved[dst.st.nmoved].home);
            stack_save(&dst, NULL);
        }
        goto out;
    }
    rc = 0;
    if (record) {
        /* Its index over there, should the kernel have given another. */
        cleanup_nl struct vj_nl *dnl = NULL;
        struct vj_nl_link there = {0};
        if (vj_nl_open(dst.fd, &dnl, NULL) == 0 && vj_nl_link_get(dnl, l.name, &there, NULL) == 1 &&
            there.ifindex != l.ifindex) {
            dst.st.moved[dst.st.nmoved - 1].ifindex = there.ifindex;
            stack_save(&dst, NULL);
        }
        vj_nl_link_clear(&there);
    }
    if (had >= 0) {
        moved_remove(&src.st, (size_t)had);
        stack_save(&src, NULL);
    }
out:
    vj_nl_link_clear(&l);
    stack_clear(&src);
    stack_clear(&dst);
    return rc;
}

/* ---- release ----------------------------------------------------------- */

void vj_rec_net_paths(struct vj_rec *r)
{
    if (r->j.params && !vj_jail_is_vnet(r->j.params))
        return; /* nothing can have been moved in */
    if (!r->netns_pin) {
        cleanup_free char *p = pin_path(r->j.jid);
        struct stat pin, sup;
        cleanup_free char *supns = xasprintf("/proc/%d/ns/net", (int)r->j.sup_pid);
        /* A live supervisor must be in the pinned namespace. */
        bool other = r->j.sup_pid > 0 && vj_proc_start(r->j.sup_pid) == r->j.sup_start &&
                     stat(supns, &sup) == 0 && stat(p, &pin) == 0 &&
                     (pin.st_ino != sup.st_ino || pin.st_dev != sup.st_dev);
        if (vj_vnet_is_nsfs(p) && !other)
            r->netns_pin = vj_steal(p);
    }
    if (!r->vnet_state) {
        cleanup_free char *p = state_path(r->j.jid);
        struct vj_vnet_state st = {0};
        if (vj_vnet_state_load(p, &st, NULL) == 0 && state_is_jails(&st, r))
            r->vnet_state = vj_steal(p);
        vj_vnet_state_clear(&st);
    }
}

/* Move one link home; a name the home has taken meanwhile makes it come
 * back as "vjr<ifindex>" (said in *msg). */
static int move_home(struct vj_nl *nl, const struct vj_nl_link *l, int home, struct vj_buf *msg,
                     vj_error_t *err)
{
    vj_error_t e = NULL;
    if (vj_nl_link_netns(nl, l->name, home, &e) == 0)
        return 0;
    if (!e || e->status != EEXIST) {
        if (err && !*err)
            *err = vj_steal(e);
        vj_error_release(&e);
        return -1;
    }
    vj_error_release(&e);
    char tmp[16];
    snprintf(tmp, sizeof tmp, "vjr%d", l->ifindex);
    if (vj_nl_link_rename(nl, l->name, tmp, &e) < 0 || vj_nl_link_netns(nl, tmp, home, &e) < 0) {
        if (err && !*err)
            *err = vj_steal(e);
        vj_error_release(&e);
        return -1;
    }
    buf_printf(msg, "%s%s: the host has an interface of that name, returned as %s",
               msg->len ? "; " : "", l->name, tmp);
    return -1;
}

int vj_vnet_moved_return(const struct vj_rec *r, int netns_fd, vj_error_t *err)
{
    if (!r->vnet_state)
        return 0;
    struct vj_vnet_state st = {0};
    if (vj_vnet_state_load(r->vnet_state, &st, NULL) < 0 || !st.nmoved ||
        !state_is_jails(&st, r)) {
        vj_vnet_state_clear(&st);
        return 0;
    }
    cleanup_nl struct vj_nl *nl = NULL;
    struct vj_nl_link *links = NULL;
    size_t nlinks = 0;
    int rc = 0;
    cleanup_close int host = -1;
    struct vj_buf msg = {0};
    vj_error_t first = NULL;
    if (vj_nl_open(netns_fd, &nl, &first) < 0 || vj_nl_links(nl, &links, &nlinks, &first) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = st.nmoved; i-- > 0;) {
        const struct vj_vnet_moved *m = &st.moved[i];
        const struct vj_nl_link *l = NULL;
        cleanup_close int other = -1;
        for (size_t k = 0; k < nlinks && !l; k++)
            if (links[k].ifindex == m->ifindex && !(links[k].flags & IFF_LOOPBACK))
                l = &links[k];
        if (!l)
            continue; /* gone, or moved on */
        int fd;
        if (!m->home) {
            if (host < 0 && (host = vj_nl_self_netns(&first)) < 0) {
                rc = -1;
                goto out;
            }
            fd = host;
        } else {
            /* A home jail that has ended takes nothing back: the link
             * was made there, and goes with its namespace (FreeBSD
             * destroys a cloned interface with the vnet it was made in). */
            if (!vj_vnet_is_nsfs(m->home) || (other = open(m->home, O_RDONLY | O_CLOEXEC)) < 0)
                continue;
            fd = other;
        }
        if (move_home(nl, l, fd, &msg, &first) < 0)
            rc = -1;
    }
out:
    vj_nl_links_free(links, nlinks);
    vj_vnet_state_clear(&st);
    cleanup_free char *m = buf_steal(&msg);
    if (rc < 0 && err) {
        if (*m) {
            vj_error_make(err, 0, "%s", m);
            (*err)->status = EEXIST;
        } else {
            *err = vj_steal(first);
        }
    }
    vj_error_release(&first);
    return rc < 0 ? vj_error_prefix(err, "%s: vnet", r->j.name) : 0;
}

/* vnet.interface: host interfaces lent to a VNET jail and handed back on
 * every way the jail can end, and the pinned namespace handle that makes
 * the hand-back possible after its supervisor died.
 *
 * Linux destroys a virtual interface (veth, ...) that is in a namespace
 * when the namespace dies, where FreeBSD returns it to its home vnet; a
 * physical one goes back to the initial namespace.  So the hand-back must
 * run while the namespace is still alive: the supervisor does it before
 * it exits, and a crash cleanup does it through the pinned handle. */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* Move the named links from the context's namespace to netns_fd, in one
 * batch.  Returns -1 with the first failure (the others still run). */
static int move_links(struct vj_nl *nl, char *const *names, size_t n, int netns_fd,
                      vj_error_t *err)
{
    vj_nl_batch_begin(nl);
    for (size_t i = 0; i < n; i++)
        if (vj_nl_link_netns(nl, names[i], netns_fd, err) < 0) {
            vj_nl_discard(nl);
            return -1;
        }
    return vj_nl_commit(nl, err);
}

int vj_vnet_ifaces_move_in(int netns_fd, char *const *names, size_t n, vj_error_t *err)
{
    if (n == 0)
        return 0;
    cleanup_nl struct vj_nl *nl = NULL;
    if (vj_nl_open(-1, &nl, err) < 0)
        return vj_error_prefix(err, "vnet.interface");
    if (move_links(nl, names, n, netns_fd, err) == 0)
        return 0;
    /* Nothing half-made: whatever did move goes back. */
    vj_vnet_ifaces_return(netns_fd, names, n, NULL);
    return vj_error_prefix(err, "vnet.interface");
}

/* After a failed return: an interface whose name the host has taken in
 * the meantime would be lost with the namespace (a virtual one), so it
 * comes back as "vjr<ifindex>" and the error says so. */
static int return_renamed(struct vj_nl *nl, char **back, size_t nback, int host,
                          vj_error_t *err)
{
    struct vj_nl_link *links = NULL;
    size_t nlinks = 0;
    vj_error_t e = NULL;
    if (vj_nl_links(nl, &links, &nlinks, &e) < 0) {
        vj_error_release(&e);
        return -1; /* keep the first error */
    }
    struct vj_buf msg = {0};
    for (size_t i = 0; i < nback; i++) {
        const struct vj_nl_link *l = vj_nl_link_find(links, nlinks, back[i]);
        if (!l)
            continue;
        char tmp[16];
        snprintf(tmp, sizeof tmp, "vjr%d", l->ifindex);
        if (vj_nl_link_rename(nl, back[i], tmp, &e) == 0 &&
            vj_nl_link_netns(nl, tmp, host, &e) == 0)
            buf_printf(&msg, "%s%s: the host has an interface of that name, returned as %s",
                       msg.len ? "; " : "", back[i], tmp);
        vj_error_release(&e);
    }
    vj_nl_links_free(links, nlinks);
    cleanup_free char *m = buf_steal(&msg);
    if (*m && err) {
        vj_error_release(err);
        vj_error_make(err, 0, "%s", m);
        (*err)->status = EEXIST;
    }
    return -1;
}

int vj_vnet_ifaces_return(int netns_fd, char *const *names, size_t n, vj_error_t *err)
{
    if (n == 0)
        return 0;
    cleanup_nl struct vj_nl *nl = NULL;
    if (vj_nl_open(netns_fd, &nl, err) < 0)
        return vj_error_prefix(err, "vnet.interface");
    struct vj_nl_link *links = NULL;
    size_t nlinks = 0;
    if (vj_nl_links(nl, &links, &nlinks, err) < 0)
        return vj_error_prefix(err, "vnet.interface");
    /* Only those still there (idempotent), last moved first. */
    cleanup_free char **back = xcalloc(n + 1, sizeof *back);
    size_t nback = 0;
    for (size_t i = n; i-- > 0;) {
        const struct vj_nl_link *l = vj_nl_link_find(links, nlinks, names[i]);
        if (l && strcmp(l->name, "lo") != 0)
            back[nback++] = names[i];
    }
    int r = 0;
    cleanup_close int host = -1;
    if (nback && (host = vj_nl_self_netns(err)) < 0)
        r = -1;
    else if (nback)
        r = move_links(nl, back, nback, host, err);
    vj_nl_links_free(links, nlinks);
    if (r < 0 && host >= 0)
        r = return_renamed(nl, back, nback, host, err);
    return r < 0 ? vj_error_prefix(err, "vnet.interface") : 0;
}

bool vj_vnet_is_nsfs(const char *path)
{
    struct statfs sf;
    return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == (unsigned long)NSFS_MAGIC;
}

int vj_vnet_ns_pin(pid_t pid, const char *path, vj_error_t *err)
{
    char src[64];
    snprintf(src, sizeof src, "/proc/%d/ns/net", (int)pid);
    struct stat want, have;
    if (stat(src, &want) < 0)
        return vj_error_make(err, errno, "%s", src);
    if (vj_vnet_is_nsfs(path)) {
        if (stat(path, &have) == 0 && have.st_ino == want.st_ino && have.st_dev == want.st_dev)
            return 0; /* pinned already */
        return vj_error_make(err, EEXIST, "%s: another namespace is pinned there", path);
    }
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return vj_error_make(err, errno, "%s", path);
    if (mount(src, path, NULL, MS_BIND, NULL) < 0) {
        int e = errno;
        unlink(path);
        return vj_error_make(err, e, "bind %s on %s", src, path);
    }
    return 0;
}

int vj_vnet_ns_unpin(const char *path, vj_error_t *err)
{
    /* Every layer, should it have been pinned twice by an older vjail. */
    for (int i = 0; i < 16 && vj_vnet_is_nsfs(path); i++)
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
            return vj_error_make(err, errno, "unmount %s", path);
    if (unlink(path) < 0 && errno != ENOENT)
        return vj_error_make(err, errno, "%s", path);
    return 0;
}

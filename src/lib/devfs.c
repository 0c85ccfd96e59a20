/*
 * devfs for jails: FreeBSD mounts a devfs at PATH/dev and hides devices
 * with a ruleset.  Linux has no devfs; a jail gets a private tmpfs with the
 * few device nodes of the ruleset, made from the host side (jailed root has
 * no CAP_MKNOD), its own devpts instance, and the usual links.  Everything
 * is built on a detached mount and attached in one step, so a failure
 * leaves nothing behind.
 *
 * Rulesets (see the man page): 1 devfsrules_hide_all = empty; 2
 * devfsrules_unhide_basic = null zero full random urandom; 3
 * devfsrules_unhide_login = 2 + tty, ptmx, pts/, fd/, std*; 4 devfsrules_jail
 * and 5 devfsrules_jail_vnet = 3 + /dev/shm; 0 (no ruleset) = 4, because
 * an unrestricted devfs would expose the host's disks and memory.  With
 * allow.mount.fusefs, /dev/fuse too (but not in ruleset 1's empty /dev).
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

enum { DEV_BASIC = 1, DEV_LOGIN = 2, DEV_SHM = 4, DEV_FUSE = 8 };

static int ruleset_sets(int ruleset)
{
    switch (ruleset) {
    case 1:
        return 0;
    case 2:
        return DEV_BASIC;
    case 3:
        return DEV_BASIC | DEV_LOGIN;
    case 0:
    case 4:
    case 5:
        return DEV_BASIC | DEV_LOGIN | DEV_SHM;
    default:
        return -1;
    }
}

bool vj_devfs_ruleset_known(int ruleset) { return ruleset_sets(ruleset) >= 0; }

static const struct {
    const char *name;
    unsigned maj, min;
    int set;
} dev_nodes[] = {
    {"null", 1, 3, DEV_BASIC},    {"zero", 1, 5, DEV_BASIC},    {"full", 1, 7, DEV_BASIC},
    {"random", 1, 8, DEV_BASIC},  {"urandom", 1, 9, DEV_BASIC}, {"tty", 5, 0, DEV_LOGIN},
    {"fuse", 10, 229, DEV_FUSE},
};

static const struct {
    const char *name, *target;
} dev_links[] = {
    {"ptmx", "pts/ptmx"},         {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* A detached mount of fstype configured with key=value pairs. */
static int new_mount(const char *fstype, const char *const *opts, unsigned attrs,
                     vj_error_t *err)
{
    cleanup_close int fs = fsopen(fstype, FSOPEN_CLOEXEC);
    if (fs < 0)
        return vj_error_make(err, errno, "fsopen %s", fstype);
    for (size_t i = 0; opts[i]; i += 2) {
        int r = opts[i + 1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
                            : fsconfig(fs, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
        if (r < 0)
            return vj_error_make(err, errno, "%s option %s", fstype, opts[i]);
    }
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return vj_error_make(err, errno, "creating %s", fstype);
    int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
    if (mnt < 0)
        return vj_error_make(err, errno, "fsmount %s", fstype);
    return mnt;
}

/* The node from the host side; without CAP_MKNOD (e.g. in a user
 * namespace) fall back to a bind mount of the host's node. */
static int make_node(int dev, const char *name, unsigned maj, unsigned min, vj_error_t *err)
{
    if (mknodat(dev, name, S_IFCHR | 0666, makedev(maj, min)) == 0)
        return fchmodat(dev, name, 0666, 0) < 0 ? vj_error_make(err, errno, "chmod %s", name) : 0;
    if (errno != EPERM)
        return vj_error_make(err, errno, "mknod %s", name);
    cleanup_free char *host = xasprintf("/dev/%s", name);
    struct stat st;
    if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != maj ||
        minor(st.st_rdev) != min)
        return vj_error_make(err, EPERM, "mknod %s", name);
    int f = openat(dev, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
    if (f < 0)
        return vj_error_make(err, errno, "%s", name);
    close(f);
    cleanup_close int tree = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0 || move_mount(tree, "", dev, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return vj_error_make(err, errno, "bind mount of %s", host);
    return 0;
}

static int attach_sub(int dev, const char *name, int mnt, mode_t mode, vj_error_t *err)
{
    if (mkdirat(dev, name, mode) < 0)
        return vj_error_make(err, errno, "mkdir %s", name);
    if (move_mount(mnt, "", dev, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return vj_error_make(err, errno, "mounting %s", name);
    return 0;
}

static int devfs_populate(int dev, int sets, vj_error_t *err)
{
    for (size_t i = 0; i < sizeof dev_nodes / sizeof *dev_nodes; i++)
        if ((sets & dev_nodes[i].set) &&
            make_node(dev, dev_nodes[i].name, dev_nodes[i].maj, dev_nodes[i].min, err) < 0)
            return -1;
    if (sets & DEV_LOGIN) {
        /* A private devpts instance: the jail sees its own terminals only. */
        static const char *const pts_opts[] = {"newinstance", NULL,   "ptmxmode", "0666",
                                               "mode",        "0620", "gid",      "5",
                                               NULL};
        cleanup_close int pts = new_mount("devpts", pts_opts,
                                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
        if (pts < 0 || attach_sub(dev, "pts", pts, 0755, err) < 0)
            return -1;
        for (size_t i = 0; i < sizeof dev_links / sizeof *dev_links; i++)
            if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
                return vj_error_make(err, errno, "symlink %s", dev_links[i].name);
    }
    if (sets & DEV_SHM) {
        static const char *const shm_opts[] = {"mode", "1777", NULL};
        cleanup_close int shm = new_mount(
            "tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
        if (shm < 0 || attach_sub(dev, "shm", shm, 01777, err) < 0)
            return -1;
    }
    return 0;
}

int vj_devfs_mount(const char *devdir, int ruleset, unsigned mount_fs, vj_error_t *err)
{
    int sets = ruleset_sets(ruleset);
    if (sets > 0 && (mount_fs & VJ_MNT_FUSEFS))
        sets |= DEV_FUSE;
    if (sets < 0)
        return vj_error_make(err, 0,
                             "mount.devfs: %s: devfs_ruleset %d is not supported (vjail "
                             "provides the standard rulesets 0 to 5 only)",
                             devdir, ruleset);
    cleanup_close int target = open(devdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return vj_error_make(err, errno, "mount.devfs: %s", devdir);
    /* Device nodes need a mount without nodev; noexec and nosuid stay. */
    static const char *const dev_opts[] = {"mode", "0755", "size", "1m", NULL};
    cleanup_close int dev =
        new_mount("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
    if (dev < 0 || devfs_populate(dev, sets, err) < 0 ||
        (move_mount(dev, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 &&
         vj_error_make(err, errno, "mounting") < 0))
        return vj_error_prefix(err, "mount.devfs: %s", devdir);
    return 0;
}

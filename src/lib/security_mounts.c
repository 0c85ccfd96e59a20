/*
 * Hardening the jail's /proc and /sys inside its mount namespace: the
 * kernel-wide knobs (/proc/sys, /sys) become read-only and files that leak
 * or change host state (/proc/kcore, kmsg, keys, sysrq-trigger ...) are
 * covered by an empty read-only file.  Uses the fd-based mount API so that
 * nothing below the jail's root is resolved through a symlink the jail may
 * have planted in an earlier life.
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

/* Read-only subtrees of /proc: kernel tunables and hardware interfaces. */
static const char *const proc_readonly[] = {"sys", "irq", "bus", "fs", "driver"};
/* Files of /proc that reveal or change host-wide state. */
static const char *const proc_masked_files[] = {
    "kcore",      "kmsg",       "keys",       "key-users",   "timer_list",
    "timer_stats", "sched_debug", "latency_stats", "kpagecount", "kpageflags",
    "kpagecgroup", "sysrq-trigger", "mtrr",     "kallsyms",    "vmallocinfo",
};
/* Directories of /proc and /sys replaced by an empty one. */
static const char *const proc_masked_dirs[] = {"acpi", "scsi", "asound"};
static const char *const sys_masked_dirs[] = {"firmware", "devices/virtual/powercap",
                                              "kernel/security", "kernel/debug"};

/* Open path below dirfd without following any symlink; -1 with errno. */
static int open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* A detached read-only tmpfs holding an empty file "f" and an empty
 * directory "d": the sources for masking. */
static int mask_source(vj_error_t *err)
{
    cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return vj_error_make(err, errno, "fsopen tmpfs");
    if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return vj_error_make(err, errno, "tmpfs for masking");
    cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0)
        return vj_error_make(err, errno, "fsmount tmpfs");
    int f = openat(mnt, "f", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (f < 0)
        return vj_error_make(err, errno, "tmpfs for masking");
    close(f);
    if (mkdirat(mnt, "d", 0555) < 0)
        return vj_error_make(err, errno, "tmpfs for masking");
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(mnt, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
        return vj_error_make(err, errno, "tmpfs for masking");
    return vj_steal_fd(mnt);
}

/* Cover base/rel (if it exists) with a clone of src's "f" or "d". */
static int mask(int src, int base, const char *where, const char *rel, bool dir,
                vj_error_t *err)
{
    cleanup_close int target = open_beneath(base, rel, dir ? O_DIRECTORY : O_NOFOLLOW);
    if (target < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
            return 0;
        return vj_error_make(err, errno, "%s/%s", where, rel);
    }
    struct stat st;
    if (fstat(target, &st) < 0)
        return vj_error_make(err, errno, "%s/%s", where, rel);
    if (S_ISDIR(st.st_mode) != dir)
        return 0;
    cleanup_close int tree = open_tree(src, dir ? "d" : "f", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return vj_error_make(err, errno, "masking %s/%s", where, rel);
    if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return vj_error_make(err, errno, "masking %s/%s", where, rel);
    return 0;
}

/* Put a read-only recursive copy of base/rel over itself. */
static int make_readonly(int base, const char *where, const char *rel, vj_error_t *err)
{
    cleanup_close int target = rel[0] ? open_beneath(base, rel, O_DIRECTORY) : dup(base);
    if (target < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
            return 0;
        return vj_error_make(err, errno, "%s/%s", where, rel);
    }
    cleanup_close int tree =
        open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0)
        return vj_error_make(err, errno, "read-only %s/%s", where, rel);
    struct mount_attr ro = {
        .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
    };
    if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) < 0 ||
        move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return vj_error_make(err, errno, "read-only %s/%s", where, rel);
    return 0;
}

/* fd of root/name if it is a mount of file system type magic, else -1
 * (errno 0 when it is simply not there or not that type). */
static int open_fs(int rootfd, const char *name, unsigned long magic)
{
    int fd = open_beneath(rootfd, name, O_DIRECTORY);
    errno = 0;
    if (fd < 0)
        return -1;
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0 || (unsigned long)sf.f_type != magic) {
        close(fd);
        errno = 0;
        return -1;
    }
    return fd;
}

/* The detached tmpfs the masks are cloned from.  Closing it unmounts it,
 * which waits for an RCU grace period: the caller does that once the
 * jail is up (vj_policy_mask_source_close), not before. */
static int mask_src = -1;

int vj_policy_mask_source_fd(void) { return mask_src; }

void vj_policy_mask_source_close(void)
{
    if (mask_src >= 0)
        close(mask_src);
    mask_src = -1;
}

int vj_policy_harden_mounts(const struct vj_policy *p, const char *root, vj_error_t *err)
{
    cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vj_error_make(err, errno, "%s: %s", p->jail, root);
    cleanup_close int procfd = open_fs(rootfd, "proc", PROC_SUPER_MAGIC);
    cleanup_close int sysfd = open_fs(rootfd, "sys", SYSFS_MAGIC);
    if (procfd < 0 && sysfd < 0)
        return 0;
    if (mask_src >= 0)
        close(mask_src);
    mask_src = mask_source(err);
    int src = mask_src;
    if (src < 0)
        return vj_error_prefix(err, "%s", p->jail);
    cleanup_free char *proc = xasprintf("%s/proc", strcmp(root, "/") ? root : "");
    cleanup_free char *sys = xasprintf("%s/sys", strcmp(root, "/") ? root : "");

    if (procfd >= 0) {
        for (size_t i = 0; i < sizeof proc_masked_files / sizeof *proc_masked_files; i++)
            if (mask(src, procfd, proc, proc_masked_files[i], false, err) < 0)
                return vj_error_prefix(err, "%s", p->jail);
        for (size_t i = 0; i < sizeof proc_masked_dirs / sizeof *proc_masked_dirs; i++)
            if (mask(src, procfd, proc, proc_masked_dirs[i], true, err) < 0)
                return vj_error_prefix(err, "%s", p->jail);
        /* A VNET jail owns its network stack: /proc/sys/net shows (only)
         * its own namespace's settings, which it may change, as a FreeBSD
         * VNET jail may set its net.inet sysctls.  Take a writable copy
         * before /proc/sys becomes read-only and put it back on top. */
        cleanup_close int net = -1;
        if (p->vnet) {
            cleanup_close int netdir = open_beneath(procfd, "sys/net", O_DIRECTORY);
            if (netdir >= 0)
                net = open_tree(netdir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
            if (netdir >= 0 && net < 0)
                return vj_error_make(err, errno, "%s: %s/sys/net", p->jail, proc);
        }
        for (size_t i = 0; i < sizeof proc_readonly / sizeof *proc_readonly; i++)
            if (make_readonly(procfd, proc, proc_readonly[i], err) < 0)
                return vj_error_prefix(err, "%s", p->jail);
        if (net >= 0) {
            /* Resolve again: sys is now the read-only copy on top. */
            cleanup_close int top = open_beneath(rootfd, "proc/sys/net", O_DIRECTORY);
            if (top < 0 || move_mount(net, "", top, "",
                                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return vj_error_make(err, errno, "%s: %s/sys/net", p->jail, proc);
        }
    }
    if (sysfd >= 0) {
        for (size_t i = 0; i < sizeof sys_masked_dirs / sizeof *sys_masked_dirs; i++)
            if (mask(src, sysfd, sys, sys_masked_dirs[i], true, err) < 0)
                return vj_error_prefix(err, "%s", p->jail);
        if (make_readonly(sysfd, sys, "", err) < 0)
            return vj_error_prefix(err, "%s", p->jail);
    }
    return 0;
}

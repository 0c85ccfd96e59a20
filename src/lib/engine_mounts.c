/*
 * Host-side mounts of a jail (mount, mount.fstab, mount.devfs,
 * mount.fdescfs), made with mount(2) in FreeBSD's order before the jail
 * is created and undone in reverse after it is removed.  mount.procfs is
 * not a host mount on Linux: the supervisor mounts a procfs of the jail's
 * PID namespace inside the jail's mount namespace (engine_supervisor.c).
 */
#include "vjail.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static void mnt_clear(struct vj_mnt *m)
{
    free(m->src);
    free(m->target);
    free(m->type);
    free(m->opts);
}

void vj_mounts_free(struct vj_mnt *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mnt_clear(&m[i]);
    free(m);
}

/* fstab(5) fields use strvis encoding: \040 is a space. */
static char *unvis(const char *s)
{
    struct vj_buf b = {0};
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            buf_addc(&b, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
            s += 3;
        } else if (s[0] == '\\' && s[1]) {
            buf_addc(&b, *++s);
        } else {
            buf_addc(&b, *s);
        }
    }
    return buf_steal(&b);
}

/* Mount points must be absolute and, below the jail path, contain no
 * symbolic links: a jail could otherwise redirect a host mount. */
static int check_mountpoint(const char *jname, const char *param, const char *jpath,
                            const char *target, vj_error_t *err)
{
    if (target[0] != '/')
        return vj_error_make(err, 0, "%s: %s: %s: not an absolute pathname", jname, param, target);
    size_t plen = jpath ? strlen(jpath) : 0;
    while (plen > 1 && jpath[plen - 1] == '/')
        plen--;
    bool below = jpath && plen > 1 && !strncmp(target, jpath, plen) &&
                 (target[plen] == '/' || target[plen] == 0);
    if (!below)
        return 0;
    cleanup_free char *p = xstrdup(target);
    for (char *s = p + plen; s; s = strchr(s + 1, '/')) {
        char save = *s;
        *s = 0;
        struct stat st;
        if (s > p + plen && lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
            return vj_error_make(err, 0, "%s: %s: %s is a symbolic link", jname, param, p);
        *s = save;
        if (!save)
            break;
    }
    struct stat st;
    if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode))
        return vj_error_make(err, 0, "%s: %s: %s is a symbolic link", jname, param, target);
    return 0;
}

static int add_fstab_line(const struct vj_cjail *j, const char *param, const char *line,
                          struct vj_mnt **out, size_t *n, vj_error_t *err)
{
    char *f[4] = {0};
    size_t nf = 0;
    cleanup_free char *copy = xstrdup(line);
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t", &save); t && nf < 4; t = strtok_r(NULL, " \t", &save))
        f[nf++] = t;
    if (nf == 0 || f[0][0] == '#')
        return 0;
    if (nf < 3)
        return vj_error_make(err, 0, "%s: %s: %s: missing information", j->name, param, line);
    struct vj_mnt m = {0};
    m.src = unvis(f[0]);
    m.target = unvis(f[1]);
    m.type = xstrdup(f[2]);
    m.opts = xstrdup(nf > 3 ? f[3] : "rw");
    m.param = param;
    if (check_mountpoint(j->name, param, vj_cjail_str(j, "path"), m.target, err) < 0) {
        mnt_clear(&m);
        return -1;
    }
    *out = xrealloc(*out, (*n + 1) * sizeof **out);
    (*out)[(*n)++] = m;
    return 0;
}

static int add_special(const struct vj_cjail *j, const char *param, const char *type,
                       const char *sub, struct vj_mnt **out, size_t *n, vj_error_t *err)
{
    const char *path = vj_cjail_str(j, "path");
    if (!path)
        return vj_error_make(err, 0, "%s: %s: no jail root path defined", j->name, param);
    struct vj_mnt m = {0};
    m.src = xstrdup(type);
    m.target = xasprintf("%s%s", strcmp(path, "/") ? path : "", sub);
    m.type = xstrdup(type);
    m.opts = xstrdup("");
    m.param = param;
    if (check_mountpoint(j->name, param, path, m.target, err) < 0) {
        mnt_clear(&m);
        return -1;
    }
    *out = xrealloc(*out, (*n + 1) * sizeof **out);
    (*out)[(*n)++] = m;
    return 0;
}

int vj_mounts_plan(const struct vj_cjail *j, struct vj_mnt **out, size_t *n, vj_error_t *err)
{
    *out = NULL;
    *n = 0;
    struct vj_cparam *p = vj_cjail_get(j, "mount");
    for (size_t i = 0; p && i < p->nvalues; i++)
        if (add_fstab_line(j, "mount", p->values[i], out, n, err) < 0)
            goto fail;
    p = vj_cjail_get(j, "mount.fstab");
    for (size_t i = 0; p && i < p->nvalues; i++) {
        cleanup_free char *text = NULL;
        if (read_file(p->values[i], &text, NULL, NULL) < 0) {
            vj_error_make(err, errno, "%s: mount.fstab: %s", j->name, p->values[i]);
            goto fail;
        }
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            if (add_fstab_line(j, "mount.fstab", l, out, n, err) < 0)
                goto fail;
    }
    if (vj_cjail_bool(j, "mount.devfs", false) &&
        add_special(j, "mount.devfs", "devfs", "/dev", out, n, err) < 0)
        goto fail;
    if (vj_cjail_bool(j, "mount.fdescfs", false) &&
        add_special(j, "mount.fdescfs", "fdescfs", "/dev/fd", out, n, err) < 0)
        goto fail;
    if (vj_cjail_bool(j, "mount.procfs", false) && !vj_cjail_str(j, "path")) {
        vj_error_make(err, 0, "%s: mount.procfs: no jail root path defined", j->name);
        goto fail;
    }
    return 0;
fail:
    vj_mounts_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

struct optmap {
    const char *name;
    unsigned long set, clear;
};
static const struct optmap optmap[] = {
    {"ro", MS_RDONLY, 0},         {"rw", 0, MS_RDONLY},        {"rdonly", MS_RDONLY, 0},
    {"nosuid", MS_NOSUID, 0},     {"suid", 0, MS_NOSUID},      {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},         {"noexec", MS_NOEXEC, 0},    {"exec", 0, MS_NOEXEC},
    {"noatime", MS_NOATIME, 0},   {"atime", 0, MS_NOATIME},    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS}, {"relatime", MS_RELATIME, 0}, {"nodiratime", MS_NODIRATIME, 0},
    {"bind", MS_BIND, 0},         {"rbind", MS_BIND | MS_REC, 0}, {"defaults", 0, 0},
    {"auto", 0, 0},               {"noauto", 0, 0},
};

static void parse_opts(const char *opts, unsigned long *flags, struct vj_buf *data)
{
    cleanup_free char *copy = xstrdup(opts);
    char *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (size_t i = 0; i < sizeof optmap / sizeof optmap[0]; i++) {
            if (!strcmp(o, optmap[i].name)) {
                *flags = (*flags | optmap[i].set) & ~optmap[i].clear;
                known = true;
            }
        }
        if (!known) {
            if (data->len)
                buf_addc(data, ',');
            buf_adds(data, o);
        }
    }
}

int vj_mount_one(const struct vj_cjail *j, const struct vj_mnt *m, vj_error_t *err)
{
    if (!strcmp(m->type, "devfs")) {
        long long rs = vj_cjail_int(j, "devfs_ruleset", 4);
        /* allow.mount.fusefs: /dev/fuse too */
        struct vj_policy *pol = NULL;
        unsigned fs = 0;
        if (vj_policy_from_jail(j, &pol, NULL) == 0 && pol->mount)
            fs = pol->mount_fs;
        vj_policy_free(pol);
        if (vj_devfs_mount(m->target, (int)rs, fs, err) < 0)
            return vj_error_prefix(err, "%s", j->name);
        return 0;
    }
    if (!strcmp(m->type, "fdescfs")) {
        /* Linux has no fdescfs: /dev/fd is a symlink to /proc/self/fd. */
        char buf[64];
        ssize_t l = readlink(m->target, buf, sizeof buf - 1);
        if (l > 0) {
            buf[l] = 0;
            if (!strcmp(buf, "/proc/self/fd"))
                return 0;
        }
        struct stat st;
        if (lstat(m->target, &st) == 0)
            return vj_error_make(err, EEXIST, "%s: mount.fdescfs: %s", j->name, m->target);
        if (symlink("/proc/self/fd", m->target) < 0)
            return vj_error_make(err, errno, "%s: mount.fdescfs: %s", j->name, m->target);
        return 0;
    }
    unsigned long flags = 0;
    struct vj_buf data = {0};
    parse_opts(m->opts, &flags, &data);
    cleanup_free char *d = buf_steal(&data);
    const char *type = m->type;
    int rc;
    if (!strcmp(type, "nullfs") || (flags & MS_BIND)) {
        rc = mount(m->src, m->target, NULL, MS_BIND | (flags & MS_REC), NULL);
        unsigned long re = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
        if (rc == 0 && re)
            rc = mount(NULL, m->target, NULL, MS_REMOUNT | MS_BIND | re, NULL);
        if (rc < 0 && errno != 0) {
            int e = errno;
            umount2(m->target, MNT_DETACH);
            errno = e;
        }
    } else {
        if (!strcmp(type, "procfs"))
            type = "proc";
        rc = mount(m->src, m->target, type, flags, *d ? d : NULL);
    }
    if (rc < 0)
        return vj_error_make(err, errno, "%s: %s: mount %s on %s", j->name, m->param, m->src,
                             m->target);
    return 0;
}

static char *mi_unescape(const char *s)
{
    return unvis(s);
}

bool vj_is_mountpoint(const char *path)
{
    cleanup_free char *text = NULL;
    if (read_file("/proc/self/mountinfo", &text, NULL, NULL) < 0)
        return false;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        int nf = 0;
        char *s2 = NULL;
        for (char *t = strtok_r(l, " ", &s2); t && nf < 5; t = strtok_r(NULL, " ", &s2))
            f[nf++] = t;
        if (nf < 5)
            continue;
        cleanup_free char *mp = mi_unescape(f[4]);
        if (!strcmp(mp, path))
            return true;
    }
    return false;
}

int vj_umount_target(const char *target, vj_error_t *err)
{
    struct stat st;
    if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* mount.fdescfs symlink, only ever our own */
        char buf[64];
        ssize_t l = readlink(target, buf, sizeof buf - 1);
        if (l > 0) {
            buf[l] = 0;
            if (!strcmp(buf, "/proc/self/fd"))
                unlink(target);
        }
        return 0;
    }
    if (!vj_is_mountpoint(target))
        return 0;
    /* Detach the whole subtree: devfs holds bind mounts of device nodes. */
    if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
        return vj_error_make(err, errno, "umount %s", target);
    return 0;
}

/* ---- releasing what a dead or dying jail holds ---- */

void vj_rec_reap(struct vj_rec *r)
{
    /* Child jails go with their parent (their processes already went with
     * its PID name space when its supervisor died). */
    vj_reg_reap_children(r->j.jid);
    vj_supervisor_kill(r);
    if (r->cgroup)
        vj_cgroup_kill(r->cgroup);
    vj_rec_release_net(r);
    for (size_t i = r->nmounts; i-- > 0;)
        vj_umount_target(r->mounts[i], NULL);
    for (size_t i = r->naliases; i-- > 0;)
        vj_alias_del(r->aliases[i]);
    vj_cgroup_remove(r->cgroup);
    vj_rctl_release_jail(r->j.name, r->j.jid);
    vj_reg_delete(r->j.jid);
}

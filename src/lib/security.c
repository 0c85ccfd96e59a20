/*
 * The security policy of a jail: which capabilities its processes keep,
 * which system calls they may not make, and which namespaces it needs
 * beyond the engine's own.  Built from the jail's allow.*, sysv*,
 * securelevel, enforce_statfs, children.max and vnet parameters; applied
 * with vj_policy_apply() (security_apply.c) as the last step before exec.
 *
 * The model is FreeBSD's: root in a jail is uid 0 of the host (the jail's
 * processes stay in the host's user namespace), made harmless by what it
 * cannot do.  Only allow.mount and allow.set_hostname give a jail a user
 * namespace of its own, owned by uid 0, as owner of its mount or UTS
 * namespace (security_mountd.c, security_apply.c).  The mapping of every
 * parameter is documented in jail(8), section SECURITY (man/jail.8.in); keep
 * both in step.
 */
#include "vjail.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <strings.h>

static const char *const sysv_names[VJ_SYSV_N] = {"sysvmsg", "sysvsem", "sysvshm"};

const char *vj_sysv_name(int kind) { return sysv_names[kind]; }

/* " (FILE line N)" for a parameter set in a file, "" otherwise. */
static char *param_where(const struct vj_cjail *j, const char *name)
{
    const struct vj_cparam *p = vj_cjail_get(j, name);
    if (p && p->loc.file && p->loc.line > 0)
        return xasprintf(" (%s line %d)", p->loc.file, p->loc.line);
    return xstrdup("");
}

static const char *jail_name(const struct vj_cjail *j)
{
    return j->name && j->name[0] ? j->name : "jail";
}

static int param_error(vj_error_t *err, const struct vj_cjail *j, const char *name,
                       const char *msg)
{
    cleanup_free char *where = param_where(j, name);
    return vj_error_make(err, 0, "%s: %s: %s%s", jail_name(j), name, msg, where);
}

static void policy_warn(struct vj_policy *p, const struct vj_cjail *j, const char *name,
                        const char *msg)
{
    cleanup_free char *where = param_where(j, name);
    p->warnings = xrealloc(p->warnings, (p->nwarnings + 2) * sizeof *p->warnings);
    /* (a command-line jail without a name: no name, as FreeBSD says it) */
    bool named = j->name && j->name[0];
    p->warnings[p->nwarnings++] = xasprintf("%s%s%s: %s%s", named ? j->name : "",
                                            named ? ": " : "", name, msg, where);
    p->warnings[p->nwarnings] = NULL;
}

/*
 * A jailsys parameter (vnet, sysvmsg ...): "new", "inherit", "disable",
 * their libjail numbers 1, 2, 0, or the boolean form (bare name = new,
 * "no" form or false = disable).
 */
int vj_jailsys_value(const struct vj_cjail *j, const char *name, int dflt, int *out,
                     vj_error_t *err)
{
    const struct vj_cparam *p = vj_cjail_get(j, name);
    if (!p) {
        *out = dflt;
        return 0;
    }
    if (p->nvalues == 0) {
        *out = p->negated ? VJ_JS_DISABLE : VJ_JS_NEW;
        return 0;
    }
    const char *v = p->values[p->nvalues - 1];
    if (!strcasecmp(v, "new") || !strcmp(v, "1"))
        *out = VJ_JS_NEW;
    else if (!strcasecmp(v, "inherit") || !strcmp(v, "2"))
        *out = VJ_JS_INHERIT;
    else if (!strcasecmp(v, "disable") || !strcmp(v, "0"))
        *out = VJ_JS_DISABLE;
    else {
        int b = param_parse_bool(v);
        if (b < 0) {
            cleanup_free char *msg =
                xasprintf("unknown value \"%s\" (expected new, inherit or disable)", v);
            return param_error(err, j, name, msg);
        }
        *out = b ? VJ_JS_NEW : VJ_JS_DISABLE;
    }
    if (p->negated)
        *out = *out == VJ_JS_DISABLE ? VJ_JS_NEW : VJ_JS_DISABLE;
    return 0;
}

/* Capabilities every jail keeps (unless allow.nosuser): what root needs to
 * administer its own files, users and processes, none of which reaches
 * outside the jail's namespaces.  Everything not listed here or granted by
 * an allow.* parameter below is dropped from the bounding set. */
static const int base_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,    CAP_FSETID,      CAP_KILL,
    CAP_SETGID,  CAP_SETUID,       CAP_SETPCAP,   CAP_SYS_CHROOT,  CAP_LEASE,
    CAP_SETFCAP, CAP_IPC_OWNER,    CAP_AUDIT_WRITE,
};

/* allow.* parameters with no Linux counterpart: a warning each when set. */
static const struct {
    const char *name;
    const char *why;
} allow_nolinux[] = {
    {"allow.nfsd", "has no meaning on Linux: the NFS server runs in the host kernel and "
                   "cannot be delegated to a jail; ignored"},
    {"allow.vmm", "has no meaning on Linux: vmm(4) does not exist and devfs never "
                  "provides /dev/kvm; ignored"},
    {"allow.setaudit", "cannot be honoured on Linux: changing audit state needs "
                       "CAP_AUDIT_CONTROL, which controls the host's audit system; ignored"},
    {"allow.quotas", "cannot be honoured on Linux: quota administration needs "
                     "CAP_SYS_ADMIN, which a jail never gets; users may still query "
                     "their quotas; ignored"},
    {"allow.extattr", "cannot be honoured on Linux: trusted.* and security.* extended "
                      "attributes need CAP_SYS_ADMIN, which a jail never gets; ignored"},
    {"allow.unprivileged_parent_tampering",
     "has no effect on Linux: host processes of the same user may always signal jailed "
     "processes"},
};

/* allow.* parameters this file maps (anything else starting with "allow."
 * that is set gets the generic "no meaning" warning). */
static const char *const allow_mapped[] = {
    "allow.set_hostname", "allow.sysvipc",         "allow.raw_sockets",
    "allow.chflags",      "allow.mount",           "allow.socket_af",
    "allow.mlock",        "allow.read_msgbuf",     "allow.reserved_ports",
    "allow.suser",        "allow.routing",         "allow.unprivileged_proc_debug",
    "allow.settime",      "allow.adjtime",         "allow.dying",
};

static bool allow_known(const char *name)
{
    for (size_t i = 0; i < sizeof allow_mapped / sizeof *allow_mapped; i++)
        if (!strcmp(name, allow_mapped[i]))
            return true;
    for (size_t i = 0; i < sizeof allow_nolinux / sizeof *allow_nolinux; i++)
        if (!strcmp(name, allow_nolinux[i].name))
            return true;
    return !strncmp(name, "allow.mount.", 12);
}

static int policy_sysv(struct vj_policy *p, const struct vj_cjail *j, vj_error_t *err)
{
    /* allow.sysvipc (deprecated) = all three "inherit", unless one of them
     * is given explicitly. */
    int dflt = vj_cjail_bool(j, "allow.sysvipc", false) ? VJ_JS_INHERIT : VJ_JS_DISABLE;
    int inherit = -1, fresh = -1;
    for (int k = 0; k < VJ_SYSV_N; k++) {
        if (vj_jailsys_value(j, sysv_names[k], dflt, &p->sysv[k], err) < 0)
            return -1;
        if (p->sysv[k] == VJ_JS_INHERIT && inherit < 0)
            inherit = k;
        if (p->sysv[k] == VJ_JS_NEW && fresh < 0)
            fresh = k;
    }
    if (inherit >= 0 && fresh >= 0) {
        cleanup_free char *msg = xasprintf(
            "cannot be \"new\" while %s is \"inherit\": on Linux all System V IPC kinds "
            "share one IPC namespace",
            sysv_names[inherit]);
        return param_error(err, j, sysv_names[fresh], msg);
    }
    /* A private IPC namespace unless something must see the host's objects;
     * with everything disabled it still hides POSIX message queues. */
    if (inherit < 0)
        p->ns_flags |= CLONE_NEWIPC;
    return 0;
}

static const struct {
    const char *name; /* allow.mount.NAME */
    unsigned bit;
} mount_fs[] = {
    {"devfs", VJ_MNT_DEVFS},       {"fdescfs", VJ_MNT_FDESCFS},   {"fusefs", VJ_MNT_FUSEFS},
    {"nullfs", VJ_MNT_NULLFS},     {"procfs", VJ_MNT_PROCFS},     {"linprocfs", VJ_MNT_LINPROCFS},
    {"linsysfs", VJ_MNT_LINSYSFS}, {"tmpfs", VJ_MNT_TMPFS},       {"zfs", VJ_MNT_ZFS},
};

const char *vj_mount_fs_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof mount_fs / sizeof *mount_fs; i++)
        if (mount_fs[i].bit == bit)
            return mount_fs[i].name;
    return NULL;
}

/*
 * allow.mount and allow.mount.<fs>.  As on FreeBSD, mounting needs
 * enforce_statfs below 2 and a privileged root; each file system type
 * needs its own parameter.  How it works on Linux (a user namespace that
 * owns the jail's mount namespace, vjail-mountd for new file systems) is
 * in security_mountd.c; the mapping of the types is in jail(8).
 */
static void policy_mount(struct vj_policy *p, const struct vj_cjail *j)
{
    unsigned fs = 0;
    for (size_t i = 0; i < sizeof mount_fs / sizeof *mount_fs; i++) {
        char name[32];
        snprintf(name, sizeof name, "allow.mount.%s", mount_fs[i].name);
        if (vj_cjail_bool(j, name, false))
            fs |= mount_fs[i].bit;
    }
    const char *off = NULL;
    if (!vj_cjail_bool(j, "allow.mount", false)) {
        for (size_t i = 0; i < sizeof mount_fs / sizeof *mount_fs; i++)
            if (fs & mount_fs[i].bit) {
                cleanup_free char *name = xasprintf("allow.mount.%s", mount_fs[i].name);
                policy_warn(p, j, name, "has no effect without allow.mount");
            }
        return;
    }
    if (p->enforce_statfs >= 2)
        off = "has no effect while enforce_statfs is 2: as on FreeBSD, mounting in a jail "
              "needs enforce_statfs=1 (or 0)";
    else if (!p->suser)
        off = "has no effect with allow.nosuser: root in the jail is an ordinary user";
    if (off) {
        policy_warn(p, j, "allow.mount", off);
        return;
    }
    if (fs & VJ_MNT_FDESCFS)
        policy_warn(p, j, "allow.mount.fdescfs",
                    "cannot be honoured on Linux: there is no file system of a process's "
                    "descriptors to mount (mount.fdescfs makes /dev/fd a link to "
                    "/proc/self/fd); ignored");
    if (fs & VJ_MNT_ZFS)
        policy_warn(p, j, "allow.mount.zfs", "has no meaning on Linux; ignored");
    p->mount = true;
    p->mount_fs = fs & ~(unsigned)(VJ_MNT_FDESCFS | VJ_MNT_ZFS);
}

/* Kernel parameters Linux has no place for, kept for jls: said once. */
static void policy_recorded_only(struct vj_policy *p, const struct vj_cjail *j)
{
    if (vj_cjail_str(j, "osrelease"))
        policy_warn(p, j, "osrelease",
                    "recorded for jls only: uname(2) in the jail reports the host's release "
                    "(Linux has no per-namespace release)");
    if (vj_cjail_str(j, "osreldate"))
        policy_warn(p, j, "osreldate", "recorded for jls only: Linux has no __FreeBSD_version");
}

/* ip4, ip4.addr, ip6, ip6.addr (security_netaddr.c; the interface
 * aliases and ip_hostname: engine_alias.c). */
static int policy_netaddr(struct vj_policy *p, const struct vj_cjail *j, vj_error_t *err)
{
    if (vj_netaddr_parse(j, p->vnet, jail_name(j), &p->net, err) < 0)
        return -1;
    if (p->net) {
        p->ip4_disabled = p->net->mode4 == VJ_JS_DISABLE;
        p->ip6_disabled = p->net->mode6 == VJ_JS_DISABLE;
        if (p->net->mode4 != VJ_JS_NEW && p->net->mode6 != VJ_JS_NEW) {
            free(p->net); /* (nothing to rewrite: the disabled families are seccomp's) */
            p->net = NULL;
        }
    }
    return 0;
}

int vj_policy_from_jail(const struct vj_cjail *j, struct vj_policy **out, vj_error_t *err)
{
    *out = NULL;
    struct vj_policy *p = xcalloc(1, sizeof *p);
    p->jail = xstrdup(jail_name(j));

    int vnet;
    if (vj_jailsys_value(j, "vnet", VJ_JS_INHERIT, &vnet, err) < 0)
        goto fail;
    p->vnet = vnet == VJ_JS_NEW;
    if (policy_netaddr(p, j, err) < 0)
        goto fail;
    policy_recorded_only(p, j);

    if (policy_sysv(p, j, err) < 0)
        goto fail;

    p->securelevel = (int)vj_cjail_int(j, "securelevel", -1);
    p->enforce_statfs = (int)vj_cjail_int(j, "enforce_statfs", 2);
    if (p->enforce_statfs < 0 || p->enforce_statfs > 2) {
        param_error(err, j, "enforce_statfs", "must be 0, 1 or 2");
        goto fail;
    }
    if (p->enforce_statfs == 0)
        policy_warn(p, j, "enforce_statfs",
                    "0 cannot be honoured on Linux: mounts outside the jail's root are "
                    "not in its mount namespace, so the jail sees only its own (as with 1)");

    p->devfs_ruleset = (int)vj_cjail_int(j, "devfs_ruleset", 0);
    if (vj_cjail_bool(j, "mount.devfs", false) && !vj_devfs_ruleset_known(p->devfs_ruleset)) {
        cleanup_free char *msg = xasprintf(
            "ruleset %d is not supported: vjail provides the standard rulesets 0 to 5 "
            "only (devfs.rules(5) files are not read on Linux)",
            p->devfs_ruleset);
        param_error(err, j, "devfs_ruleset", msg);
        goto fail;
    }

    p->suser = vj_cjail_bool(j, "allow.suser", true);
    p->set_hostname = vj_cjail_bool(j, "allow.set_hostname", true);
    p->raw_sockets = vj_cjail_bool(j, "allow.raw_sockets", false);
    p->socket_af = vj_cjail_bool(j, "allow.socket_af", false);
    p->mlock = vj_cjail_bool(j, "allow.mlock", false);
    p->read_msgbuf = vj_cjail_bool(j, "allow.read_msgbuf", false);
    p->proc_debug = vj_cjail_bool(j, "allow.unprivileged_proc_debug", true);
    p->settime = vj_cjail_bool(j, "allow.settime", false);
    p->adjtime = vj_cjail_bool(j, "allow.adjtime", false);
    bool chflags = vj_cjail_bool(j, "allow.chflags", false);
    bool reserved_ports = vj_cjail_bool(j, "allow.reserved_ports", true);

    if (vj_cjail_bool(j, "allow.routing", false) && !p->vnet)
        policy_warn(p, j, "allow.routing",
                    "cannot be honoured on Linux without vnet: changing the host's routes "
                    "needs CAP_NET_ADMIN over the whole host network stack; ignored");
    if (chflags && p->securelevel >= 1)
        policy_warn(p, j, "allow.chflags",
                    "has no effect at securelevel 1 or more: Linux cannot allow setting "
                    "the immutable and append-only flags while forbidding clearing them");
    if (p->securelevel >= 3 && p->vnet)
        policy_warn(p, j, "securelevel",
                    "3 (network secure mode) cannot be honoured on Linux: the jail's "
                    "firewall rules stay changeable");
    for (size_t i = 0; i < sizeof allow_nolinux / sizeof *allow_nolinux; i++)
        if (vj_cjail_bool(j, allow_nolinux[i].name, false))
            policy_warn(p, j, allow_nolinux[i].name, allow_nolinux[i].why);
    for (size_t i = 0; i < j->nparams; i++) {
        const char *name = j->params[i].name;
        if (!name || j->params[i].is_var || strncmp(name, "allow.", 6) || allow_known(name))
            continue;
        if (vj_cjail_bool(j, name, false))
            policy_warn(p, j, name, "has no meaning on Linux; ignored");
    }
    policy_mount(p, j);

    /* Capabilities. */
    uint64_t keep = 0;
    for (size_t i = 0; i < sizeof base_caps / sizeof *base_caps; i++)
        keep |= VJ_CAP(base_caps[i]);
    if (reserved_ports)
        keep |= VJ_CAP(CAP_NET_BIND_SERVICE);
    if (p->raw_sockets)
        keep |= VJ_CAP(CAP_NET_RAW);
    if (p->mlock)
        keep |= VJ_CAP(CAP_IPC_LOCK);
    if (p->read_msgbuf)
        keep |= VJ_CAP(CAP_SYSLOG);
    if (chflags && p->securelevel < 1)
        keep |= VJ_CAP(CAP_LINUX_IMMUTABLE);
    if (p->settime || p->adjtime)
        keep |= VJ_CAP(CAP_SYS_TIME);
    /* A VNET jail owns its network stack: configuring it cannot reach the
     * host's (moving an interface out needs a reference to a host
     * namespace, which the jail never has). */
    if (p->vnet)
        keep |= VJ_CAP(CAP_NET_ADMIN) | VJ_CAP(CAP_NET_BROADCAST);
    /* allow.nosuser: root is an ordinary user (security.bsd.suser_enabled=0). */
    if (!p->suser)
        keep = 0;
    p->keep_caps = keep;

    *out = p;
    return 0;
fail:
    vj_policy_free(p);
    return -1;
}

void vj_policy_free(struct vj_policy *p)
{
    if (!p)
        return;
    free(p->net);
    for (size_t i = 0; i < p->nwarnings; i++)
        free(p->warnings[i]);
    free(p->warnings);
    free(p->jail);
    free(p);
}

int vj_policy_ns_flags(const struct vj_policy *p) { return p->ns_flags; }

const char *const *vj_policy_warnings(const struct vj_policy *p)
{
    static const char *const none[] = {NULL};
    return p->warnings ? (const char *const *)p->warnings : none;
}

void vj_policy_print_warnings(const struct vj_policy *p, FILE *f)
{
    for (const char *const *w = vj_policy_warnings(p); *w; w++)
        fprintf(f, "%s: %s\n", vj_progname, *w);
}

bool vj_policy_keeps_cap(const struct vj_policy *p, int cap)
{
    return cap >= 0 && cap < 64 && (p->keep_caps & VJ_CAP(cap));
}

int vj_policy_check_child(const struct vj_policy *parent, const struct vj_policy *child,
                          vj_error_t *err)
{
    /* FreeBSD: a child can never be granted more than its parent has.  A
     * VNET child's network capabilities act on its own stack only. */
    uint64_t extra = child->keep_caps & ~parent->keep_caps;
    if (child->vnet)
        extra &= ~(VJ_CAP(CAP_NET_ADMIN) | VJ_CAP(CAP_NET_BROADCAST));
    if (extra) {
        static const struct {
            int cap;
            const char *param;
        } why[] = {
            {CAP_NET_RAW, "allow.raw_sockets"},     {CAP_IPC_LOCK, "allow.mlock"},
            {CAP_SYSLOG, "allow.read_msgbuf"},      {CAP_LINUX_IMMUTABLE, "allow.chflags"},
            {CAP_SYS_TIME, "allow.settime"},        {CAP_NET_BIND_SERVICE, "allow.reserved_ports"},
            {CAP_NET_ADMIN, "vnet"},
        };
        const char *param = "allow.suser";
        for (size_t i = 0; i < sizeof why / sizeof *why; i++)
            if (extra & VJ_CAP(why[i].cap))
                param = why[i].param;
        return vj_error_make(err, EPERM, "%s: %s is not allowed in its parent jail %s",
                             child->jail, param, parent->jail);
    }
    if (child->securelevel < parent->securelevel)
        return vj_error_make(err, EPERM, "%s: securelevel below the parent's (%d)",
                             child->jail, parent->securelevel);
    if (child->enforce_statfs < parent->enforce_statfs)
        return vj_error_make(err, EPERM, "%s: enforce_statfs below the parent's (%d)",
                             child->jail, parent->enforce_statfs);
    struct {
        bool c, p;
        const char *name;
    } bools[] = {
        {child->set_hostname, parent->set_hostname, "allow.set_hostname"},
        {child->socket_af, parent->socket_af, "allow.socket_af"},
        {child->mlock, parent->mlock, "allow.mlock"},
        {child->read_msgbuf, parent->read_msgbuf, "allow.read_msgbuf"},
        {child->proc_debug, parent->proc_debug, "allow.unprivileged_proc_debug"},
        {child->settime, parent->settime, "allow.settime"},
        {child->adjtime, parent->adjtime, "allow.adjtime"},
    };
    for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
        if (bools[i].c && !bools[i].p)
            return vj_error_make(err, EPERM, "%s: %s is not allowed in its parent jail %s",
                                 child->jail, bools[i].name, parent->jail);
    if (child->mount && !parent->mount)
        return vj_error_make(err, EPERM, "%s: allow.mount is not allowed in its parent jail %s",
                             child->jail, parent->jail);
    unsigned fs = child->mount_fs & ~parent->mount_fs;
    if (child->mount && fs)
        return vj_error_make(err, EPERM,
                             "%s: allow.mount.%s is not allowed in its parent jail %s",
                             child->jail, vj_mount_fs_name(fs & -fs), parent->jail);
    for (int k = 0; k < VJ_SYSV_N; k++)
        if (child->sysv[k] != VJ_JS_DISABLE && parent->sysv[k] == VJ_JS_DISABLE)
            return vj_error_make(err, EPERM, "%s: %s is disabled in its parent jail %s",
                                 child->jail, sysv_names[k], parent->jail);
    return 0;
}

/* STUB, replaced by the security work: capabilities, seccomp, allow.*. */
#include "vjail.h"

#include <errno.h>
#include <sched.h>

struct vj_policy {
    int ns_flags;
};

int vj_policy_from_jail(const struct vj_cjail *j, struct vj_policy **out, vj_error_t *err)
{
    *out = xcalloc(1, sizeof **out);
    (*out)->ns_flags = CLONE_NEWIPC;
    return 0;
}

void vj_policy_free(struct vj_policy *p) { free(p); }

int vj_policy_ns_flags(const struct vj_policy *p) { return p->ns_flags; }

int vj_policy_harden_mounts(const struct vj_policy *p, const char *root, vj_error_t *err)
{
    return 0;
}

int vj_policy_apply(const struct vj_policy *p, vj_error_t *err) { return 0; }

int vj_devfs_mount(const char *devdir, int ruleset, vj_error_t *err)
{
    return vj_error_make(err, ENOSYS, "mount.devfs: %s", devdir);
}

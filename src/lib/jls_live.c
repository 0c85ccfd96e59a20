/*
 * The live figures jls(8) shows beside a jail's registry record: its rctl
 * usage (from its cgroup) and, for a VNET jail, the links and addresses of
 * its network namespace (one netlink listing).  jls_format.c asks through
 * struct vj_jls_source, so unit tests can put fakes in their place.
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static int live_usage(const struct vj_jail *j, int64_t *usage, void *arg, vj_error_t *err)
{
    vj_error_t e = NULL;
    if (vj_rctl_usage(j->jid, VJ_RCTL_NOSAMPLE, usage, &e) == 0)
        return 1;
    /* No cgroup (a dying jail, or none made) or not allowed to look: the
     * figures are simply not shown. */
    int st = e ? e->status : 0;
    if (st == ESRCH || st == ENOENT || st == EACCES || st == EPERM) {
        vj_error_release(&e);
        return 0;
    }
    *err = e;
    return -1;
}

/* Is the process behind dirfd pd the supervisor of jail j?  Supervisors
 * live in <root>/vjail/sup (engine_cgroup.c), where only jail(8) puts
 * processes, and its start time is the one recorded: this catches a pid
 * reused after the supervisor died; once pd is open it names that one
 * process for good. */
static bool is_supervisor(int pd, const struct vj_jail *j)
{
    cleanup_close int fd = openat(pd, "cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    if (!strstr(buf, "/vjail/sup\n"))
        return false;
    return !j->sup_start || vj_proc_start(j->sup_pid) == j->sup_start;
}

static int live_links(const struct vj_jail *j, struct vj_nl_link **out, size_t *n, void *arg,
                      vj_error_t *err)
{
    if (!j->params || !vj_jail_is_vnet(j->params) || j->sup_pid <= 0)
        return 0;
    /* The supervisor (pid 1 of the jail) holds the jail's namespace as
     * long as the jail is alive. */
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/%d", (int)j->sup_pid);
    cleanup_close int pd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pd < 0 || !is_supervisor(pd, j))
        return 0;
    cleanup_close int ns = openat(pd, "ns/net", O_RDONLY | O_CLOEXEC);
    if (ns < 0)
        return 0; /* gone, or not ours to look at (not root) */
    struct vj_nl *nl = NULL;
    vj_error_t e = NULL;
    if (vj_nl_open(ns, &nl, &e) < 0) {
        if (e && e->status == EPERM) { /* joining it needs CAP_SYS_ADMIN */
            vj_error_release(&e);
            return 0;
        }
        *err = e;
        return -1;
    }
    int r = vj_nl_links(nl, out, n, err);
    vj_nl_close(nl);
    return r < 0 ? -1 : 1;
}

const struct vj_jls_source vj_jls_live_source = {
    .usage = live_usage,
    .links = live_links,
    .arg = NULL,
};

/* The network namespace of a jail, for `ifconfig -j`, `vnet`, `-vnet`
 * and `route -j`. */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

int vj_jail_netns_open(const char *jail, vj_error_t *err)
{
    if (!jail || !*jail)
        return vj_error_make(err, 0, "jail name missing");
    if (jail[0] == '/') {
        /* A namespace file: /run/netns/NAME or /proc/PID/ns/net (tests,
         * and namespaces made by other tools). */
        int fd = open(jail, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return vj_error_make(err, errno, "%s", jail);
        return fd;
    }
    /* A live jail from the registry.  The pinned namespace file (kept for
     * vnet.interface / vnet.bridge jails) is preferred; otherwise the
     * supervisor's own, checked against its recorded start time so that
     * a reused pid is never taken for the jail. */
    struct vj_rec r = {0};
    {
        cleanup_close int lk = vj_reg_lock(err);
        if (lk < 0)
            return -1;
        if (vj_reg_lookup(jail, false, &r, NULL) < 0)
            return vj_error_make(err, 0, "jail \"%s\" not found", jail);
    }
    int fd = -1;
    if (r.j.params && !vj_jail_is_vnet(r.j.params)) {
        vj_error_make(err, 0, "jail \"%s\" has no vnet (it shares the host's network stack)",
                      jail);
    } else if (r.netns_pin && (fd = open(r.netns_pin, O_RDONLY | O_CLOEXEC)) >= 0) {
        /* pinned */
    } else {
        cleanup_free char *path = xasprintf("/proc/%d/ns/net", (int)r.j.sup_pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && (!vj_rec_alive(&r) || vj_proc_start(r.j.sup_pid) != r.j.sup_start)) {
            close(fd);
            fd = -1;
            vj_error_make(err, 0, "jail \"%s\" not found", jail);
        } else if (fd < 0) {
            vj_error_make(err, errno, "jail \"%s\": %s", jail, path);
        }
    }
    vj_rec_clear(&r);
    return fd;
}

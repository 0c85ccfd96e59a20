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
    /*
     * ENGINE: look the jail up in the registry (vj_registry_find) and open
     * the network namespace it holds (/proc/SUP_PID/ns/net of its
     * supervisor, checked against the recorded start time).  A jail
     * without vnet shares the host's stack: FreeBSD refuses `vnet` for it
     * ("not a vnet jail"), `-j` then works on the host's stack.
     */
    return vj_error_make(err, 0, "jail \"%s\" not found", jail);
}

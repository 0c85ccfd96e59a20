/* Test driver for vnet_lib_test.sh: calls the vnet_*.c library functions
 * one at a time, so the shell test can check their effect on namespaces
 * it created.  Built by the test against the build's libvjail.a.
 *
 *   vnet_lib_drv [-H HOSTNS] [-r RUNDIR] COMMAND ARGS
 *     setup STATE JAILNS JID PARAM=VALUE...   (vnet=new is added)
 *     plan STATE JID PARAM=VALUE...           (record only, make nothing)
 *     teardown STATE
 *     movein JAILNS IF...
 *     return JAILNS IF...
 *     pin PID PATH | unpin PATH
 *
 * -H runs everything as if HOSTNS (a namespace file) were the host. */
#include "vjail.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>

static int fail(vj_error_t *err)
{
    vj_error_print(err, "vnet_lib_drv");
    return 1;
}

static int open_ns(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        perror(path);
    return fd;
}

static int plan_or_setup(bool setup, const char *state, const char *nspath, int jid, int argc,
                         char **argv)
{
    cleanup_error vj_error_t err = NULL;
    char **args = xcalloc((size_t)argc + 2, sizeof *args);
    args[0] = "vnet=new";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    struct vj_conf *conf = NULL;
    int r = vj_conf_from_args(argc + 1, args, &conf, &err);
    free(args);
    if (r < 0)
        return fail(&err);
    struct vj_cjail *j = &conf->jails[0];
    struct vj_vnet_state st = {.path = xstrdup(state)};
    if (vj_conf_expand(j, jid, &err) < 0)
        r = -1;
    else if (setup) {
        cleanup_close int ns = open_ns(nspath);
        r = ns < 0 ? -1 : vj_vnet_setup(j, jid, ns, &st, &err);
    } else if ((r = vj_vnet_plan(j, jid, &st, &err)) == 0 && st.bridge) {
        r = vj_vnet_state_save(&st, state, &err);
    }
    vj_vnet_state_clear(&st);
    vj_conf_free(conf);
    return r < 0 ? (err ? fail(&err) : 1) : 0;
}

int main(int argc, char **argv)
{
    vj_progname = "vnet_lib_drv";
    int c;
    while ((c = getopt(argc, argv, "+H:r:")) != -1) {
        if (c == 'H') {
            int fd = open_ns(optarg);
            if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                perror("setns");
                return 1;
            }
            close(fd);
        } else if (c == 'r') {
            vj_vnet_rundir = optarg;
        } else {
            return 2;
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 2)
        return 2;
    const char *cmd = argv[0];
    cleanup_error vj_error_t err = NULL;
    if (!strcmp(cmd, "setup") && argc >= 4)
        return plan_or_setup(true, argv[1], argv[2], atoi(argv[3]), argc - 4, argv + 4);
    if (!strcmp(cmd, "plan") && argc >= 3)
        return plan_or_setup(false, argv[1], NULL, atoi(argv[2]), argc - 3, argv + 3);
    if (!strcmp(cmd, "teardown")) {
        struct vj_vnet_state st = {0};
        int r = vj_vnet_state_load(argv[1], &st, &err);
        if (r == 0)
            r = vj_vnet_teardown(&st, &err);
        vj_vnet_state_clear(&st);
        return r < 0 ? fail(&err) : 0;
    }
    if ((!strcmp(cmd, "movein") || !strcmp(cmd, "return")) && argc >= 2) {
        cleanup_close int ns = open_ns(argv[1]);
        if (ns < 0)
            return 1;
        int r = cmd[0] == 'm' ? vj_vnet_ifaces_move_in(ns, argv + 2, (size_t)argc - 2, &err)
                              : vj_vnet_ifaces_return(ns, argv + 2, (size_t)argc - 2, &err);
        return r < 0 ? fail(&err) : 0;
    }
    if (!strcmp(cmd, "pin") && argc == 3)
        return vj_vnet_ns_pin(atoi(argv[1]), argv[2], &err) < 0 ? fail(&err) : 0;
    if (!strcmp(cmd, "unpin"))
        return vj_vnet_ns_unpin(argv[1], &err) < 0 ? fail(&err) : 0;
    return 2;
}

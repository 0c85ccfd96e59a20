/*
 * Test driver for rctl_test.sh: calls rctl's engine hooks directly (the
 * engine does not call them yet) and does the work a jailed process would.
 *
 *   rctl_hook apply NAME JID       vj_rctl_apply_jail
 *   rctl_hook release NAME JID     vj_rctl_release_jail
 *   rctl_hook enter JID CMD...     vj_rctl_enter, then exec CMD
 *   rctl_hook run JID CMD...       join the jail's v2 cgroup, enter, exec
 *   rctl_hook usage JID [nosample] vj_rctl_usage as resource=value lines
 *   rctl_hook alloc MB             touch MB MiB of memory; "allocated N"
 *   rctl_hook fork N               fork N sleeping children; "forked K errno E"
 *   rctl_hook spin SECONDS         busy loop; prints its %CPU of one core
 *   rctl_hook cg JID               the jail's v2 leaf cgroup path
 */
#include "vjail.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    vj_progname = "rctl_hook";
    cleanup_error vj_error_t err = NULL;
    if (argc < 3)
        return 2;
    const char *verb = argv[1];
    if (!strcmp(verb, "apply") && argc == 4) {
        if (vj_rctl_apply_jail(argv[2], atoi(argv[3]), &err) < 0) {
            vj_error_print(&err, NULL);
            return 1;
        }
        return 0;
    }
    if (!strcmp(verb, "release") && argc == 4) {
        vj_rctl_release_jail(argv[2], atoi(argv[3]));
        return 0;
    }
    if (!strcmp(verb, "enter") && argc >= 4) {
        if (vj_rctl_enter(atoi(argv[2]), &err) < 0) {
            vj_error_print(&err, NULL);
            return 1;
        }
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
    }
    if (!strcmp(verb, "run") && argc >= 4) {
        /* Join the jail's v2 leaf as the engine does, then enter. */
        cleanup_free char *cg = vj_rctl_jail_cgroup(atoi(argv[2]));
        cleanup_free char *procs = xasprintf("%s/cgroup.procs", cg ? cg : "");
        if (write_file(procs, "0", 1, 0, 0, &err) < 0 || vj_rctl_enter(atoi(argv[2]), &err) < 0) {
            vj_error_print(&err, NULL);
            return 1;
        }
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
    }
    if (!strcmp(verb, "usage")) {
        int64_t u[VJ_RR_N];
        if (vj_rctl_usage(atoi(argv[2]), argc > 3 ? VJ_RCTL_NOSAMPLE : 0, u, &err) < 0) {
            vj_error_print(&err, NULL);
            return 1;
        }
        for (int i = 0; i < VJ_RR_N; i++)
            printf("%s=%lld\n", vj_rctl_resource_name(i), (long long)u[i]);
        return 0;
    }
    if (!strcmp(verb, "cg")) {
        cleanup_free char *p = vj_rctl_jail_cgroup(atoi(argv[2]));
        printf("%s\n", p ? p : "");
        return 0;
    }
    if (!strcmp(verb, "alloc")) {
        long mb = atol(argv[2]);
        for (long i = 0; i < mb; i++) {
            char *p = malloc(1 << 20);
            if (!p) {
                printf("allocated %ld\n", i);
                return 1;
            }
            memset(p, 0x5a, 1 << 20);
        }
        printf("allocated %ld\n", mb);
        return 0;
    }
    if (!strcmp(verb, "fork")) {
        int n = atoi(argv[2]), k = 0, e = 0;
        pid_t kids[256];
        for (int i = 0; i < n && i < 256; i++) {
            pid_t p = fork();
            if (p == 0) {
                pause();
                _exit(0);
            }
            if (p < 0) {
                e = errno;
                break;
            }
            kids[k++] = p;
        }
        printf("forked %d errno %d\n", k, e);
        fflush(stdout);
        for (int i = 0; i < k; i++) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
        }
        return 0;
    }
    if (!strcmp(verb, "spin")) {
        double secs = atof(argv[2]), t0 = now();
        volatile unsigned long x = 0;
        while (now() - t0 < secs)
            x++;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        printf("pcpu %d\n", (int)(cpu / (now() - t0) * 100 + 0.5));
        return 0;
    }
    return 2;
}

/* Unit tests: the security policy built from jail parameters (capabilities,
 * namespaces, warnings, errors), the seccomp filter it generates, and the
 * filter applied in a forked child (affects only that child). */
#include "vjail.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cmocka.h>

/* Policy from command-line style parameters; NULL with *msg on error. */
static struct vj_policy *policy_args(char **msg, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "name=t";
    va_list ap;
    va_start(ap, msg);
    for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    struct vj_policy *p = NULL;
    if (vj_conf_from_args(argc, argv, &conf, &err) < 0 ||
        vj_conf_expand(&conf->jails[0], 1, &err) < 0 ||
        vj_policy_from_jail(&conf->jails[0], &p, &err) < 0) {
        if (msg)
            *msg = xstrdup(err ? err->msg : "?");
        else
            fail_msg("%s", err ? err->msg : "?");
        vj_error_release(&err);
    }
    vj_conf_free(conf);
    return p;
}
#define POLICY(...) policy_args(NULL, __VA_ARGS__, (char *)NULL)

static char *policy_error(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "name=t";
    argv[argc++] = (char *)first;
    va_list ap;
    va_start(ap, first);
    for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    vj_error_t err = NULL;
    struct vj_conf *conf = NULL;
    struct vj_policy *p = NULL;
    char *msg = NULL;
    if (vj_conf_from_args(argc, argv, &conf, &err) < 0 ||
        vj_conf_expand(&conf->jails[0], 1, &err) < 0 ||
        vj_policy_from_jail(&conf->jails[0], &p, &err) < 0)
        msg = xstrdup(err->msg);
    vj_error_release(&err);
    vj_policy_free(p);
    vj_conf_free(conf);
    assert_non_null(msg);
    return msg;
}
#define POLICY_ERROR(...) policy_error(__VA_ARGS__, (char *)NULL)

static const uint64_t default_caps =
    VJ_CAP(CAP_CHOWN) | VJ_CAP(CAP_DAC_OVERRIDE) | VJ_CAP(CAP_FOWNER) | VJ_CAP(CAP_FSETID) |
    VJ_CAP(CAP_KILL) | VJ_CAP(CAP_SETGID) | VJ_CAP(CAP_SETUID) | VJ_CAP(CAP_SETPCAP) |
    VJ_CAP(CAP_NET_BIND_SERVICE) | VJ_CAP(CAP_IPC_OWNER) | VJ_CAP(CAP_SYS_CHROOT) |
    VJ_CAP(CAP_LEASE) | VJ_CAP(CAP_AUDIT_WRITE) | VJ_CAP(CAP_SETFCAP);

static void test_defaults(void **state)
{
    struct vj_policy *p = POLICY("persist");
    assert_int_equal(p->keep_caps, default_caps);
    assert_int_equal(p->keep_caps, 0xb00485fbULL);
    /* FreeBSD: System V IPC disabled; Linux: own IPC namespace */
    assert_int_equal(vj_policy_ns_flags(p), CLONE_NEWIPC);
    for (int k = 0; k < VJ_SYSV_N; k++)
        assert_int_equal(p->sysv[k], VJ_JS_DISABLE);
    assert_true(p->set_hostname);
    assert_true(p->suser);
    assert_true(p->proc_debug);
    assert_false(p->raw_sockets || p->socket_af || p->mlock || p->read_msgbuf || p->vnet);
    assert_null(vj_policy_warnings(p)[0]);
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        static const int never[] = {CAP_SYS_MODULE, CAP_SYS_RAWIO,   CAP_SYS_TIME,
                                    CAP_SYS_BOOT,   CAP_MKNOD,       CAP_SYS_ADMIN,
                                    CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_BPF,
                                    CAP_PERFMON,    CAP_MAC_ADMIN,   CAP_AUDIT_CONTROL,
                                    CAP_NET_ADMIN,  CAP_SYS_RESOURCE, CAP_SYSLOG};
        for (size_t i = 0; i < sizeof never / sizeof *never; i++)
            if (never[i] == cap)
                assert_false(vj_policy_keeps_cap(p, cap));
    }
    vj_policy_free(p);
}

static void test_allow_caps(void **state)
{
    struct {
        const char *param;
        int cap;
        bool added;
    } cases[] = {
        {"allow.raw_sockets", CAP_NET_RAW, true},
        {"allow.mlock", CAP_IPC_LOCK, true},
        {"allow.read_msgbuf", CAP_SYSLOG, true},
        {"allow.chflags", CAP_LINUX_IMMUTABLE, true},
        {"vnet", CAP_NET_ADMIN, true},
        {"allow.noreserved_ports", CAP_NET_BIND_SERVICE, false},
        {"allow.reserved_ports=false", CAP_NET_BIND_SERVICE, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct vj_policy *p = POLICY((char *)cases[i].param);
        uint64_t want = cases[i].added ? default_caps | VJ_CAP(cases[i].cap)
                                       : default_caps & ~VJ_CAP(cases[i].cap);
        if (cases[i].cap == CAP_NET_ADMIN)
            want |= VJ_CAP(CAP_NET_BROADCAST);
        if (p->keep_caps != want)
            fail_msg("%s: caps %#llx, want %#llx", cases[i].param,
                     (unsigned long long)p->keep_caps, (unsigned long long)want);
        vj_policy_free(p);
    }
    /* securelevel >= 1 takes chflags' capability away again, with a warning */
    struct vj_policy *p = POLICY("allow.chflags", "securelevel=1");
    assert_false(vj_policy_keeps_cap(p, CAP_LINUX_IMMUTABLE));
    assert_non_null(strstr(vj_policy_warnings(p)[0], "allow.chflags: has no effect at securelevel"));
    vj_policy_free(p);
    /* allow.nosuser: nothing at all */
    p = POLICY("allow.nosuser", "allow.raw_sockets");
    assert_int_equal(p->keep_caps, 0);
    vj_policy_free(p);
}

static void test_sysv(void **state)
{
    struct vj_policy *p = POLICY("allow.sysvipc");
    assert_int_equal(vj_policy_ns_flags(p), 0);
    for (int k = 0; k < VJ_SYSV_N; k++)
        assert_int_equal(p->sysv[k], VJ_JS_INHERIT);
    vj_policy_free(p);

    p = POLICY("sysvshm=new", "sysvsem=new");
    assert_int_equal(vj_policy_ns_flags(p), CLONE_NEWIPC);
    assert_int_equal(p->sysv[VJ_SYSV_SHM], VJ_JS_NEW);
    assert_int_equal(p->sysv[VJ_SYSV_SEM], VJ_JS_NEW);
    assert_int_equal(p->sysv[VJ_SYSV_MSG], VJ_JS_DISABLE);
    vj_policy_free(p);

    /* inherit and disable mix fine: no IPC namespace, filter for the rest */
    p = POLICY("sysvshm=inherit");
    assert_int_equal(vj_policy_ns_flags(p), 0);
    assert_int_equal(p->sysv[VJ_SYSV_MSG], VJ_JS_DISABLE);
    vj_policy_free(p);

    /* an explicit value wins over allow.sysvipc; the boolean form */
    p = POLICY("allow.sysvipc", "sysvmsg=disable");
    assert_int_equal(p->sysv[VJ_SYSV_MSG], VJ_JS_DISABLE);
    assert_int_equal(p->sysv[VJ_SYSV_SHM], VJ_JS_INHERIT);
    vj_policy_free(p);
    p = POLICY("sysvmsg");
    assert_int_equal(p->sysv[VJ_SYSV_MSG], VJ_JS_NEW);
    vj_policy_free(p);

    char *msg = POLICY_ERROR("sysvmsg=inherit", "sysvshm=new");
    assert_string_equal(msg, "t: sysvshm: cannot be \"new\" while sysvmsg is \"inherit\": on "
                             "Linux all System V IPC kinds share one IPC namespace");
    free(msg);
}

static void test_errors(void **state)
{
    char *msg = POLICY_ERROR("mount.devfs", "devfs_ruleset=6");
    assert_non_null(strstr(msg, "t: devfs_ruleset: ruleset 6 is not supported"));
    free(msg);
    msg = POLICY_ERROR("enforce_statfs=3");
    assert_string_equal(msg, "t: enforce_statfs: must be 0, 1 or 2");
    free(msg);
}

static void test_mount(void **state)
{
    /* FreeBSD: allow.mount with enforce_statfs < 2, one parameter per type */
    struct vj_policy *p = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.tmpfs",
                                 "allow.mount.nullfs");
    assert_true(p->mount);
    assert_int_equal(p->mount_fs, VJ_MNT_TMPFS | VJ_MNT_NULLFS);
    assert_null(vj_policy_warnings(p)[0]);
    /* never CAP_SYS_ADMIN: the jail's root mounts as owner of its own
     * user namespace, not with a capability of the host's */
    assert_int_equal(p->keep_caps, default_caps);
    vj_policy_free(p);
    p = POLICY("allow.mount", "enforce_statfs=0");
    assert_true(p->mount);
    assert_int_equal(p->mount_fs, 0);
    vj_policy_free(p);

    /* honoured as on FreeBSD: no mounting, but said so */
    const char *off[][3] = {
        {"allow.mount", "allow.mount.tmpfs", "t: allow.mount: has no effect while enforce_statfs is 2"},
        {"allow.mount", "allow.nosuser", "t: allow.mount: has no effect with allow.nosuser"},
    };
    for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
        p = policy_args(NULL, off[i][0], off[i][1], i ? "enforce_statfs=1" : "persist",
                        (char *)NULL);
        assert_false(p->mount);
        const char *const *w = vj_policy_warnings(p);
        assert_non_null(w[0]);
        if (strncmp(w[0], off[i][2], strlen(off[i][2])))
            fail_msg("\"%s\", want \"%s...\"", w[0], off[i][2]);
        vj_policy_free(p);
    }

    /* types without a Linux counterpart */
    p = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.fdescfs", "allow.mount.zfs",
               "allow.mount.procfs");
    assert_int_equal(p->mount_fs, VJ_MNT_PROCFS);
    const char *const *w = vj_policy_warnings(p);
    assert_non_null(strstr(w[0], "t: allow.mount.fdescfs: cannot be honoured on Linux"));
    assert_non_null(strstr(w[1], "t: allow.mount.zfs: has no meaning on Linux"));
    assert_null(w[2]);
    vj_policy_free(p);
    assert_string_equal(vj_mount_fs_name(VJ_MNT_LINSYSFS), "linsysfs");
    assert_null(vj_mount_fs_name(3));
}

static void test_errors_from_file(void **state)
{
    static const char conf[] = "t {\n  persist;\n  sysvmsg = inherit;\n  sysvsem = new;\n}\n";
    vj_error_t err = NULL;
    struct vj_conf *c = NULL;
    if (vj_conf_load_buf("jail.conf", conf, sizeof conf - 1, &c, &err) < 0 ||
        vj_conf_expand(&c->jails[0], 1, &err) < 0)
        fail_msg("%s", err->msg);
    struct vj_policy *p = NULL;
    assert_int_equal(vj_policy_from_jail(&c->jails[0], &p, &err), -1);
    assert_null(p);
    /* names the jail, the parameter and where it was set */
    assert_non_null(strstr(err->msg, "t: sysvsem: cannot be \"new\""));
    assert_non_null(strstr(err->msg, "(jail.conf line 4)"));
    vj_error_release(&err);
    vj_conf_free(c);
}

static void test_warnings(void **state)
{
    struct vj_policy *p = POLICY("allow.nfsd", "allow.vmm", "allow.routing", "allow.quotas",
                                 "allow.mount.tmpfs", "children.max=2", "enforce_statfs=0");
    const char *const *w = vj_policy_warnings(p);
    const char *want[] = {
        "t: enforce_statfs: 0 cannot be honoured",
        "t: allow.routing: cannot be honoured on Linux without vnet",
        "t: allow.nfsd: has no meaning on Linux",
        "t: allow.vmm: has no meaning on Linux",
        "t: allow.quotas: cannot be honoured on Linux",
        "t: allow.mount.tmpfs: has no effect without allow.mount",
    };
    size_t n = 0;
    while (w[n])
        n++;
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++)
        if (strncmp(w[i], want[i], strlen(want[i])))
            fail_msg("warning %zu: \"%s\", want \"%s...\"", i, w[i], want[i]);
    vj_policy_free(p);
    /* with vnet, allow.routing is simply true */
    p = POLICY("vnet", "allow.routing");
    assert_null(vj_policy_warnings(p)[0]);
    vj_policy_free(p);
}

static void test_child(void **state)
{
    struct vj_policy *parent = POLICY("persist");
    struct vj_policy *child = POLICY("allow.raw_sockets");
    vj_error_t err = NULL;
    assert_int_equal(vj_policy_check_child(parent, child, &err), -1);
    assert_int_equal(err->status, EPERM);
    assert_string_equal(err->msg, "t: allow.raw_sockets is not allowed in its parent jail t: "
                                  "Operation not permitted");
    vj_error_release(&err);
    /* a VNET child of a non-VNET parent: its network powers are its own */
    struct vj_policy *vchild = POLICY("vnet");
    assert_int_equal(vj_policy_check_child(parent, vchild, &err), 0);
    vj_policy_free(vchild);
    assert_int_equal(vj_policy_check_child(child, parent, &err), 0);
    vj_policy_free(child);
    /* allow.mount and each of its types */
    struct vj_policy *mparent = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.nullfs");
    struct vj_policy *mchild = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.tmpfs");
    struct vj_policy *sparent = POLICY("enforce_statfs=1");
    assert_int_equal(vj_policy_check_child(sparent, mchild, &err), -1);
    assert_non_null(strstr(err->msg, "t: allow.mount is not allowed in its parent jail"));
    vj_error_release(&err);
    vj_policy_free(sparent);
    assert_int_equal(vj_policy_check_child(mparent, mchild, &err), -1);
    assert_non_null(strstr(err->msg, "t: allow.mount.tmpfs is not allowed in its parent jail"));
    vj_error_release(&err);
    assert_int_equal(vj_policy_check_child(mparent, mparent, &err), 0);
    vj_policy_free(mparent);
    vj_policy_free(mchild);
    child = POLICY("securelevel=-1");
    vj_policy_free(parent);
    parent = POLICY("securelevel=2");
    assert_int_equal(vj_policy_check_child(parent, child, &err), -1);
    assert_non_null(strstr(err->msg, "securelevel"));
    vj_error_release(&err);
    vj_policy_free(child);
    vj_policy_free(parent);
}

static void test_devfs_rulesets(void **state)
{
    for (int r = 0; r <= 5; r++)
        assert_true(vj_devfs_ruleset_known(r));
    assert_false(vj_devfs_ruleset_known(-1));
    assert_false(vj_devfs_ruleset_known(6));
    assert_false(vj_devfs_ruleset_known(65535));
    /* refused before anything is touched */
    vj_error_t err = NULL;
    assert_int_equal(vj_devfs_mount("/nonexistent/dev", 9, 0, &err), -1);
    assert_string_equal(err->msg, "mount.devfs: /nonexistent/dev: devfs_ruleset 9 is not "
                                  "supported (vjail provides the standard rulesets 0 to 5 only)");
    vj_error_release(&err);
    /* without mount.devfs the ruleset is only recorded */
    struct vj_policy *p = POLICY("devfs_ruleset=9");
    assert_int_equal(p->devfs_ruleset, 9);
    vj_policy_free(p);
}

static char *filter_text(struct vj_policy *p)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    vj_error_t err = NULL;
    if (vj_policy_export_filter(p, fileno(f), &err) < 0)
        fail_msg("%s", err->msg);
    rewind(f);
    struct vj_buf b = {0};
    char line[512];
    while (fgets(line, sizeof line, f))
        buf_adds(&b, line);
    fclose(f);
    return buf_steal(&b);
}

static void test_filter(void **state)
{
    struct vj_policy *p = POLICY("persist");
    char *t = filter_text(p);
    static const char *const denied[] = {"\"init_module\"", "\"kexec_load\"", "\"keyctl\"",
                                         "\"bpf\"", "\"perf_event_open\"", "\"mount\"",
                                         "\"open_by_handle_at\"", "\"setns\"", "\"msgget\"",
                                         "\"shmget\"", "\"syslog\"", "\"mlock\"",
                                         "\"clock_settime\"", "\"io_uring_setup\""};
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
        if (!strstr(t, denied[i]))
            fail_msg("no rule for %s", denied[i]);
    assert_non_null(strstr(t, "action ERRNO(38)")); /* clone3, sysv: ENOSYS */
    assert_non_null(strstr(t, "# invalid architecture action\naction KILL_PROCESS"));
    assert_null(strstr(t, "\"sethostname\"")); /* allowed by default */
    /* no ip4/ip6 parameters: both families disabled, as on FreeBSD */
    assert_non_null(strstr(t, "action ERRNO(97)")); /* EAFNOSUPPORT */
    free(t);
    vj_policy_free(p);

    p = POLICY("allow.sysvipc", "allow.mlock", "allow.socket_af", "allow.noset_hostname",
               "ip4=inherit", "ip6=inherit");
    t = filter_text(p);
    assert_null(strstr(t, "\"msgget\""));
    assert_null(strstr(t, "\"mlock\""));
    assert_null(strstr(t, "\"socket\""));
    assert_non_null(strstr(t, "\"sethostname\""));
    free(t);
    vj_policy_free(p);

    /* allow.mount: new file systems go to vjail-mountd, the new mount
     * API's fsopen fails with ENOSYS, no pivot_root, binds need nullfs */
    p = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.tmpfs");
    t = filter_text(p);
    assert_non_null(strstr(t, "action 0x7fc00000")); /* SECCOMP_RET_USER_NOTIF */
    assert_non_null(strstr(t, "\"fsopen\""));
    assert_non_null(strstr(t, "\"pivot_root\""));
    assert_non_null(strstr(t, "\"open_tree\""));
    assert_null(strstr(t, "\"umount2\""));
    assert_null(strstr(t, "\"move_mount\""));
    free(t);
    vj_policy_free(p);
    p = POLICY("allow.mount", "enforce_statfs=1", "allow.mount.nullfs");
    t = filter_text(p);
    assert_null(strstr(t, "\"open_tree\""));
    free(t);
    vj_policy_free(p);
}

/* Apply in a child and check a few denials; the child reports a bit mask
 * of failed checks in its exit status. */
static void test_apply(void **state)
{
    struct vj_policy *p = POLICY("persist");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vj_error_t err = NULL;
        if (vj_policy_apply(p, &err) < 0) {
            fprintf(stderr, "%s\n", err->msg);
            _exit(100);
        }
        int bad = 0;
        errno = 0;
        if (socket(AF_VSOCK, SOCK_STREAM, 0) >= 0 || errno != EPERM)
            bad |= 1;
        if (syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -4, 0) >= 0 || errno != EPERM)
            bad |= 2;
        if (msgget(IPC_PRIVATE, 0600) >= 0 || errno != ENOSYS)
            bad |= 4;
        if (unshare(CLONE_NEWUSER) >= 0 || errno != EPERM)
            bad |= 8;
        if (syscall(SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
            bad |= 16;
        if (geteuid() == 0 ? prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0
                           : prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
            bad |= 32;
        if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
            bad |= 64;
        _exit(bad);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    vj_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_allow_caps),
        cmocka_unit_test(test_sysv),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mount),
        cmocka_unit_test(test_errors_from_file), cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_child),     cmocka_unit_test(test_devfs_rulesets),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the parameter table, lookup with "no", booleans, validation. */
#include "vjail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

static void assert_validate_err(const char *name, const char *value, const char *msg)
{
    const struct vj_param_def *d = param_lookup(name, NULL);
    assert_non_null(d);
    vj_error_t err = NULL;
    assert_int_equal(param_validate(d, value, &err), -1);
    assert_non_null(err);
    assert_string_equal(err->msg, msg);
    vj_error_release(&err);
}

static void assert_validate_ok(const char *name, const char *value)
{
    const struct vj_param_def *d = param_lookup(name, NULL);
    assert_non_null(d);
    vj_error_t err = NULL;
    if (param_validate(d, value, &err) < 0)
        fail_msg("%s=%s: %s", name, value, err->msg);
}

static void test_table_sane(void **state)
{
    assert_true(vj_nparams > 90);
    for (size_t i = 0; i < vj_nparams; i++) {
        assert_non_null(vj_params[i].name);
        assert_non_null(vj_params[i].descr);
        for (size_t k = i + 1; k < vj_nparams; k++)
            assert_string_not_equal(vj_params[i].name, vj_params[k].name);
        /* read-only parameters are kernel ones */
        if (vj_params[i].flags & PF_RDONLY)
            assert_true(vj_params[i].flags & PF_KERNEL);
    }
}

static void test_table_complete(void **state)
{
    static const char *names[] = {
        "jid", "name", "path", "host", "host.hostname", "host.domainname", "host.hostuuid",
        "host.hostid", "osrelease", "osreldate", "meta", "env", "vnet", "vnet.interface",
        "ip4", "ip4.addr", "ip4.saddrsel", "ip6", "ip6.addr", "ip6.saddrsel", "interface",
        "ip_hostname", "securelevel", "devfs_ruleset", "enforce_statfs", "children.max",
        "children.cur", "persist", "cpuset.id", "parent", "dying", "allow.dying", "sysvmsg",
        "sysvsem", "sysvshm", "linux", "linux.osname", "linux.osrelease",
        "linux.oss_version", "zfs.mount_snapshot", "zfs.dataset", "allow.set_hostname",
        "allow.sysvipc", "allow.raw_sockets", "allow.chflags", "allow.mount",
        "allow.mount.devfs", "allow.mount.fdescfs", "allow.mount.fusefs",
        "allow.mount.nullfs", "allow.mount.procfs", "allow.mount.linprocfs",
        "allow.mount.linsysfs", "allow.mount.tmpfs", "allow.mount.zfs", "allow.quotas",
        "allow.read_msgbuf", "allow.socket_af", "allow.mlock", "allow.nfsd",
        "allow.reserved_ports", "allow.unprivileged_proc_debug", "allow.suser",
        "allow.routing", "allow.vmm", "allow.setaudit",
        "allow.unprivileged_parent_tampering", "exec.prepare", "exec.prestart",
        "exec.created", "exec.start", "command", "exec.poststart", "exec.prestop",
        "exec.stop", "exec.poststop", "exec.release", "exec.clean", "exec.jail_user",
        "exec.system_jail_user", "exec.system_user", "exec.timeout", "exec.consolelog",
        "exec.fib", "stop.timeout", "mount", "mount.fstab", "mount.devfs", "mount.fdescfs",
        "mount.procfs", "depend",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct vj_param_def *d = param_lookup(names[i], NULL);
        if (!d)
            fail_msg("parameter %s missing", names[i]);
        assert_string_equal(d->name, names[i]);
    }
    /* spot checks of types and flags */
    assert_int_equal(param_lookup("persist", NULL)->type, PT_BOOL);
    assert_int_equal(param_lookup("vnet", NULL)->type, PT_JAILSYS);
    assert_true(param_lookup("vnet", NULL)->flags & PF_CREATE);
    assert_true(param_lookup("path", NULL)->flags & PF_CREATE);
    assert_true(param_lookup("exec.start", NULL)->flags & PF_PSEUDO);
    assert_int_equal(param_lookup("exec.start", NULL)->type, PT_CMD);
    assert_int_equal(param_lookup("ip4.addr", NULL)->type, PT_IP4);
    assert_int_equal(param_lookup("ip6.addr", NULL)->type, PT_IP6);
    assert_int_equal(param_lookup("host.hostid", NULL)->type, PT_UINT);
    assert_string_equal(param_lookup("stop.timeout", NULL)->defval, "10");
    assert_true(param_lookup("allow.dying", NULL)->flags & PF_DEPRECATED);
}

static void test_lookup_no_prefix(void **state)
{
    bool neg = true;
    const struct vj_param_def *d = param_lookup("persist", &neg);
    assert_non_null(d);
    assert_false(neg);
    d = param_lookup("nopersist", &neg);
    assert_non_null(d);
    assert_string_equal(d->name, "persist");
    assert_true(neg);
    d = param_lookup("allow.nomount", &neg);
    assert_string_equal(d->name, "allow.mount");
    assert_true(neg);
    d = param_lookup("allow.mount.notmpfs", &neg);
    assert_string_equal(d->name, "allow.mount.tmpfs");
    assert_true(neg);
    d = param_lookup("novnet", &neg); /* jailsys takes the boolean form */
    assert_string_equal(d->name, "vnet");
    assert_true(neg);
    /* "no" only on the last component, only for booleans */
    assert_null(param_lookup("noallow.mount", NULL));
    assert_null(param_lookup("nopath", NULL));
    assert_null(param_lookup("no", NULL));
    assert_null(param_lookup("persits", NULL));
    assert_null(param_lookup("", NULL));
    assert_null(param_lookup("allow.", NULL));
}

static void test_lookup_prefix(void **state)
{
    const struct vj_param_def *d = param_lookup("meta.owner", NULL);
    assert_non_null(d);
    assert_true(d->flags & PF_PREFIX);
    assert_string_equal(param_lookup("meta", NULL)->name, "meta");
    assert_non_null(param_lookup("env.LANG", NULL));
    assert_null(param_lookup("meta.", NULL));
}

static void test_parse_bool(void **state)
{
    assert_int_equal(param_parse_bool(""), 1);
    assert_int_equal(param_parse_bool(NULL), 1);
    assert_int_equal(param_parse_bool("true"), 1);
    assert_int_equal(param_parse_bool("TRUE"), 1);
    assert_int_equal(param_parse_bool("False"), 0);
    assert_int_equal(param_parse_bool("0"), 0);
    assert_int_equal(param_parse_bool("1"), 1);
    assert_int_equal(param_parse_bool("-3"), 1);
    assert_int_equal(param_parse_bool("maybe"), -1);
    assert_int_equal(param_parse_bool("1x"), -1);
    assert_int_equal(param_parse_bool("yes"), -1);
}

static void test_validate(void **state)
{
    assert_validate_err("persist", "maybe", "persist: unknown boolean value \"maybe\"");
    assert_validate_err("stop.timeout", "x", "stop.timeout: non-integer value \"x\"");
    assert_validate_err("stop.timeout", "", "stop.timeout: non-integer value \"\"");
    assert_validate_err("securelevel", "99999999999", "securelevel: non-integer value \"99999999999\"");
    assert_validate_err("host.hostid", "-1",
                        "host.hostid: non-integer value \"-1\" (expected unsigned)");
    assert_validate_err("vnet", "maybe",
                        "vnet: unknown value \"maybe\" (expected inherit, new or disable)");
    assert_validate_err("ip4.addr", "1.2.3", "ip4.addr: invalid IPv4 address \"1.2.3\"");
    assert_validate_err("ip4.addr", "em0|1.2.3.4/33", "ip4.addr: invalid netmask \"em0|1.2.3.4/33\"");
    assert_validate_err("ip6.addr", "1.2.3.4", "ip6.addr: invalid IPv6 address \"1.2.3.4\"");
    assert_validate_ok("persist", "");
    assert_validate_ok("persist", "false");
    assert_validate_ok("stop.timeout", "-5");
    assert_validate_ok("vnet", "new");
    assert_validate_ok("vnet", "inherit");
    assert_validate_ok("ip4", "disable");
    assert_validate_ok("vnet", "1");
    assert_validate_ok("ip4.addr", "192.0.2.1");
    assert_validate_ok("ip4.addr", "em0|192.0.2.1/24");
    assert_validate_ok("ip4.addr", "em0|192.0.2.1/255.255.255.0");
    assert_validate_ok("ip4.addr", "em0|192.0.2.1/24 vhid 1 pass x");
    assert_validate_ok("ip6.addr", "2001:db8::1/64");
    assert_validate_ok("ip6.addr", "lo0|::1");
    assert_validate_ok("path", "anything at all");
    assert_validate_ok("host.hostid", "4294967295");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sane),     cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_lookup_no_prefix), cmocka_unit_test(test_lookup_prefix),
        cmocka_unit_test(test_parse_bool),     cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* users: passwd/group parsing without NSS, the clean environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vjail.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[] = "/tmp/vj-test-user-XXXXXX";
static char passwd[256], group[256];

static const char passwd_text[] =
    "# comment line\n"
    "root:x:0:0:root:/root:/bin/bash\n"
    "\n"
    "+nis-compat\n"
    "broken:x:abc:1:bad uid:/:/bin/sh\n"
    "short:x:5:5\n"
    "www:x:80:80:web server:/var/www:\n"
    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n"
    "alice:x:1001:1001:second entry is ignored:/nowhere:/bin/false\n"
    "big:x:4294967295:1:-1 is not an id:/:/bin/sh\n"
    "last:x:2000:2000::/home/last:/bin/sh"; /* no newline at the end */

static const char group_text[] =
    "root:x:0:\n"
    "wheel:x:10:root,alice\n"
    "staff:x:50:bob,alice,carol\n"
    "alice:x:1000:\n"
    "bad:x:zz:alice\n"
    "audio:x:29:alicex,xalice\n";

static int setup(void **state)
{
    if (!mkdtemp(dir))
        return -1;
    snprintf(passwd, sizeof passwd, "%s/passwd", dir);
    snprintf(group, sizeof group, "%s/group", dir);
    if (write_file(passwd, passwd_text, strlen(passwd_text), O_CREAT | O_TRUNC, 0644, NULL) <
        0)
        return -1;
    if (write_file(group, group_text, strlen(group_text), O_CREAT | O_TRUNC, 0644, NULL) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    unlink(passwd);
    unlink(group);
    rmdir(dir);
    return 0;
}

static bool has_group(const struct vj_user *u, gid_t g)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] == g)
            return true;
    return false;
}

static void test_lookup_by_name(void **state)
{
    struct vj_user u;
    vj_error_t err = NULL;
    assert_int_equal(vj_user_lookup_files(passwd, group, "alice", 0, &u, &err), 0);
    assert_string_equal(u.name, "alice");
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 1000);
    assert_string_equal(u.home, "/home/alice");
    assert_string_equal(u.shell, "/bin/zsh");
    /* primary first, then the groups listing alice exactly */
    assert_int_equal(u.ngroups, 3);
    assert_int_equal(u.groups[0], 1000);
    assert_true(has_group(&u, 10));
    assert_true(has_group(&u, 50));
    assert_false(has_group(&u, 29));
    vj_user_clear(&u);
    assert_null(u.name);
}

static void test_empty_shell_and_last_line(void **state)
{
    struct vj_user u;
    assert_int_equal(vj_user_lookup_files(passwd, group, "www", 0, &u, NULL), 0);
    assert_string_equal(u.shell, "/bin/sh");
    assert_int_equal(u.ngroups, 1);
    vj_user_clear(&u);
    assert_int_equal(vj_user_lookup_files(passwd, group, "last", 0, &u, NULL), 0);
    assert_int_equal(u.uid, 2000);
    assert_string_equal(u.home, "/home/last");
    vj_user_clear(&u);
}

static void test_malformed_entries_skipped(void **state)
{
    struct vj_user u;
    vj_error_t err = NULL;
    const char *names[] = {"broken", "short", "big", "+nis-compat", "nis-compat", "#"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(vj_user_lookup_files(passwd, group, names[i], 0, &u, &err), -1);
        char want[64];
        snprintf(want, sizeof want, "%s: no such user", names[i]);
        assert_string_equal(err->msg, want);
        vj_error_release(&err);
    }
}

static void test_lookup_by_uid(void **state)
{
    struct vj_user u;
    vj_error_t err = NULL;
    assert_int_equal(vj_user_lookup_files(passwd, group, NULL, 0, &u, &err), 0);
    assert_string_equal(u.name, "root");
    assert_true(has_group(&u, 10));
    vj_user_clear(&u);
    assert_int_equal(vj_user_lookup_files(passwd, group, NULL, 4242, &u, &err), -1);
    assert_string_equal(err->msg, "unknown uid: 4242");
    vj_error_release(&err);
}

static void test_missing_files(void **state)
{
    struct vj_user u;
    vj_error_t err = NULL;
    /* no /etc/group: just the primary group */
    assert_int_equal(vj_user_lookup_files(passwd, "/nonexistent/group", "alice", 0, &u, &err),
                     0);
    assert_int_equal(u.ngroups, 1);
    vj_user_clear(&u);
    /* no passwd: an error naming the user and the file */
    assert_int_equal(vj_user_lookup_files("/nonexistent/passwd", group, "alice", 0, &u, &err),
                     -1);
    assert_string_equal(err->msg,
                        "getpwnam: alice: /nonexistent/passwd: No such file or directory");
    vj_error_release(&err);
}

/* vj_user_clean_env empties the environment; cmocka reads its own
 * settings (CMOCKA_MESSAGE_OUTPUT) from there, so put it back. */
extern char **environ;
static char **saved_env;

static int save_env(void **state)
{
    size_t n = 0;
    while (environ[n])
        n++;
    saved_env = xcalloc(n + 1, sizeof *saved_env);
    for (size_t i = 0; i < n; i++)
        saved_env[i] = xstrdup(environ[i]);
    return 0;
}

static int restore_env(void **state)
{
    clearenv();
    for (size_t i = 0; saved_env[i]; i++)
        putenv(saved_env[i]); /* the strings now belong to environ */
    free(saved_env);
    saved_env = NULL;
    return 0;
}

static void test_clean_env(void **state)
{
    setenv("TERM", "vt100", 1);
    setenv("SECRET", "x", 1);
    struct vj_user u = {.uid = 1, .gid = 1};
    u.name = "bob";
    u.home = "/home/bob";
    u.shell = "/bin/ksh";
    vj_user_clean_env(&u);
    assert_null(getenv("SECRET"));
    assert_string_equal(getenv("TERM"), "vt100");
    assert_string_equal(getenv("PATH"), VJ_CLEAN_PATH);
    assert_string_equal(getenv("USER"), "bob");
    assert_string_equal(getenv("LOGNAME"), "bob");
    assert_string_equal(getenv("HOME"), "/home/bob");
    assert_string_equal(getenv("SHELL"), "/bin/ksh");

    unsetenv("TERM");
    setenv("SECRET", "x", 1);
    vj_user_clean_env(&u);
    assert_null(getenv("TERM"));
    assert_null(getenv("SECRET"));
}

/* Needs root: a child takes another user's credentials for good. */
static void test_become(void **state)
{
    if (geteuid() != 0)
        skip();
    gid_t groups[] = {65534, 10};
    struct vj_user u = {.uid = 65534, .gid = 65534, .groups = groups, .ngroups = 2};
    u.name = "nobody";
    u.home = "/nonexistent";
    u.shell = "";
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vj_error_t err = NULL;
        if (vj_user_become(&u, &err) < 0)
            _exit(10);
        gid_t got[8];
        int n = getgroups(8, got);
        if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534 || n != 2)
            _exit(11);
        if (setuid(0) == 0)
            _exit(12);
        if (strcmp(getenv("USER"), "nobody") || strcmp(getenv("SHELL"), "/bin/sh") ||
            strcmp(getenv("HOME"), "/nonexistent"))
            _exit(13);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_by_name),
        cmocka_unit_test(test_empty_shell_and_last_line),
        cmocka_unit_test(test_malformed_entries_skipped),
        cmocka_unit_test(test_lookup_by_uid),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test_setup_teardown(test_clean_env, save_env, restore_env),
        cmocka_unit_test(test_become),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Users for jexec -u/-U/-l and the exec.*_user parameters.
 *
 * /etc/passwd and /etc/group are parsed directly instead of going through
 * getpwnam(3)/initgroups(3): once a process has entered a jail's root,
 * glibc's NSS would dlopen libnss_*.so from the jail's /lib, i.e. run code
 * the jail controls with the host's privileges.  The price: only the
 * "files" databases are consulted (no LDAP/NIS users), see jexec(8).
 */
#include "vjail.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <string.h>

#define PASSWD_FILE "/etc/passwd"
#define GROUP_FILE "/etc/group"
#define DEFAULT_SHELL "/bin/sh"

void vj_user_clear(struct vj_user *u)
{
    if (!u)
        return;
    free(u->name);
    free(u->home);
    free(u->shell);
    free(u->groups);
    memset(u, 0, sizeof *u);
}

/* Split line into exactly n ':'-separated fields (in place). */
static bool split_fields(char *line, char **f, int n)
{
    for (int i = 0; i < n; i++) {
        f[i] = line;
        char *c = strchr(line, ':');
        if (i == n - 1)
            return c == NULL;
        if (!c)
            return false;
        *c = '\0';
        line = c + 1;
    }
    return true;
}

/* A decimal id as passwd(5) writes it; (uid_t)-1 is not a valid id. */
static bool parse_id(const char *s, unsigned long *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v >= UINT32_MAX)
        return false;
    *out = v;
    return true;
}

/* Iterate over the lines of a file buffer, skipping comments, blank lines
 * and NIS compat entries ("+", "-"). Returns the next line, NUL-terminated,
 * or NULL at the end. */
static char *next_line(char **cursor)
{
    while (*cursor && **cursor) {
        char *line = *cursor;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            *cursor = nl + 1;
        } else {
            *cursor = line + strlen(line);
        }
        if (*line == '\0' || *line == '#' || *line == '+' || *line == '-')
            continue;
        return line;
    }
    return NULL;
}

static void add_group(struct vj_user *u, gid_t g)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] == g)
            return;
    long max = sysconf(_SC_NGROUPS_MAX);
    if (max > 0 && u->ngroups >= (size_t)max)
        return;
    u->groups = xrealloc(u->groups, (u->ngroups + 1) * sizeof *u->groups);
    u->groups[u->ngroups++] = g;
}

/* Supplementary groups: every group that lists the user as a member. */
static int collect_groups(const char *group_path, struct vj_user *u, vj_error_t *err)
{
    add_group(u, u->gid);
    cleanup_free char *text = NULL;
    vj_error_t rerr = NULL;
    if (read_file(group_path, &text, NULL, &rerr) < 0) {
        int e = rerr->status;
        vj_error_release(&rerr);
        if (e == ENOENT)
            return 0; /* a root without /etc/group: primary group only */
        return vj_error_make(err, e, "%s", group_path);
    }
    char *cur = text, *line;
    while ((line = next_line(&cur))) {
        char *f[4];
        unsigned long gid;
        if (!split_fields(line, f, 4) || !parse_id(f[2], &gid))
            continue;
        char *save = NULL;
        for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
            if (!strcmp(m, u->name))
                add_group(u, (gid_t)gid);
    }
    return 0;
}

int vj_user_lookup_files(const char *passwd_path, const char *group_path, const char *name,
                         uid_t uid, struct vj_user *out, vj_error_t *err)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *text = NULL;
    if (read_file(passwd_path, &text, NULL, err) < 0) {
        if (name)
            return vj_error_prefix(err, "getpwnam: %s", name);
        return vj_error_prefix(err, "getpwuid: %u", (unsigned)uid);
    }
    char *cur = text, *line;
    while ((line = next_line(&cur))) {
        char *f[7];
        unsigned long pu, pg;
        if (!split_fields(line, f, 7) || !parse_id(f[2], &pu) || !parse_id(f[3], &pg))
            continue;
        if (name ? strcmp(f[0], name) != 0 : (uid_t)pu != uid)
            continue;
        out->name = xstrdup(f[0]);
        out->uid = (uid_t)pu;
        out->gid = (gid_t)pg;
        out->home = xstrdup(f[5]);
        out->shell = xstrdup(*f[6] ? f[6] : DEFAULT_SHELL);
        if (collect_groups(group_path, out, err) < 0) {
            vj_user_clear(out);
            return -1;
        }
        return 0;
    }
    if (name)
        return vj_error_make(err, 0, "%s: no such user", name);
    return vj_error_make(err, 0, "unknown uid: %u", (unsigned)uid);
}

int vj_user_lookup(const char *name, struct vj_user *out, vj_error_t *err)
{
    return vj_user_lookup_files(PASSWD_FILE, GROUP_FILE, name, 0, out, err);
}

int vj_user_lookup_uid(uid_t uid, struct vj_user *out, vj_error_t *err)
{
    return vj_user_lookup_files(PASSWD_FILE, GROUP_FILE, NULL, uid, out, err);
}

static void set_user_env(const struct vj_user *u)
{
    setenv("USER", u->name, 1);
    /* Linux programs read LOGNAME (FreeBSD's setusercontext leaves it). */
    setenv("LOGNAME", u->name, 1);
    setenv("HOME", u->home, 1);
    setenv("SHELL", u->shell && *u->shell ? u->shell : DEFAULT_SHELL, 1);
}

int vj_user_become(const struct vj_user *u, vj_error_t *err)
{
    if (setgroups(u->ngroups, u->groups) < 0)
        return vj_error_make(err, errno, "setgroups: %s", u->name);
    if (setgid(u->gid) < 0)
        return vj_error_make(err, errno, "setgid: %s", u->name);
    if (setuid(u->uid) < 0)
        return vj_error_make(err, errno, "setuid: %s", u->name);
    /* A process that could still get root back did not really change. */
    if (u->uid != 0 && (setuid(0) == 0 || geteuid() == 0))
        return vj_error_make(err, 0, "setuid: %s: privileges not dropped", u->name);
    set_user_env(u);
    return 0;
}

void vj_user_clean_env(const struct vj_user *u)
{
    const char *t = getenv("TERM");
    cleanup_free char *term = t ? xstrdup(t) : NULL;
    clearenv();
    setenv("PATH", VJ_CLEAN_PATH, 1);
    if (term)
        setenv("TERM", term, 1);
    if (u) {
        set_user_env(u);
        return;
    }
    struct vj_user cur;
    if (vj_user_lookup_uid(getuid(), &cur, NULL) == 0) {
        set_user_env(&cur);
        vj_user_clear(&cur);
    }
}

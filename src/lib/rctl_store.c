/*
 * The rctl rule store: /run/vjail/rctl.rules.  FreeBSD keeps jail rules in
 * the kernel, keyed by jail name, until they are removed or the machine
 * reboots; vjail keeps them in this file, under flock of rctl.rules.lock,
 * replaced atomically.  The first line records the boot id: a file from an
 * earlier boot is ignored (/run is not always a tmpfs).
 *
 * Each line: ORIGIN RULE, ORIGIN "a" for rctl -a, "c" for a jail's `rctl`
 * parameter (those go away with the jail, see vj_rctl_release_jail).
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

const char *vj_rctl_rules_path = VJ_RCTL_RULES;

struct entry {
    char origin; /* 'a' or 'c' */
    struct vj_rctl_rule r;
};
struct store {
    struct entry *e;
    size_t n;
};

static void store_clear(struct store *s)
{
    for (size_t i = 0; i < s->n; i++)
        vj_rctl_rule_clear(&s->e[i].r);
    free(s->e);
    s->e = NULL;
    s->n = 0;
}

static char *boot_id(void)
{
    char *s = NULL;
    if (read_file("/proc/sys/kernel/random/boot_id", &s, NULL, NULL) < 0)
        return xstrdup("unknown");
    s[strcspn(s, "\n")] = '\0';
    return s;
}

static int store_lock(vj_error_t *err)
{
    cleanup_free char *dir = xstrdup(vj_rctl_rules_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return vj_error_make(err, errno, "mkdir %s", dir);
    }
    cleanup_free char *lk = xasprintf("%s.lock", vj_rctl_rules_path);
    int fd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vj_error_make(err, errno, "%s", lk);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return vj_error_make(err, e, "flock %s", lk);
        }
    return fd;
}

static void store_add(struct store *s, char origin, struct vj_rctl_rule *r)
{
    s->e = xrealloc(s->e, (s->n + 1) * sizeof *s->e);
    s->e[s->n].origin = origin;
    s->e[s->n].r = *r;
    memset(r, 0, sizeof *r);
    s->n++;
}

/* Caller holds the lock.  Lines that no longer parse are dropped. */
static int store_load(struct store *s, vj_error_t *err)
{
    s->e = NULL;
    s->n = 0;
    cleanup_free char *text = NULL;
    if (read_file(vj_rctl_rules_path, &text, NULL, NULL) < 0) {
        if (errno == ENOENT)
            return 0;
        return vj_error_make(err, errno, "%s", vj_rctl_rules_path);
    }
    cleanup_free char *boot = boot_id();
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    if (!line || strncmp(line, "boot ", 5) != 0 || strcmp(line + 5, boot) != 0)
        return 0; /* another boot's rules: gone, as after a FreeBSD reboot */
    while ((line = strtok_r(NULL, "\n", &save))) {
        if ((line[0] != 'a' && line[0] != 'c') || line[1] != ' ')
            continue;
        struct vj_rctl_rule r;
        if (vj_rctl_rule_parse(line + 2, &r, NULL) < 0 ||
            vj_rctl_rule_check(&r, line + 2, NULL) < 0) {
            vj_rctl_rule_clear(&r);
            continue;
        }
        store_add(s, line[0], &r);
    }
    return 0;
}

static int store_save(const struct store *s, vj_error_t *err)
{
    struct vj_buf b = {0};
    cleanup_free char *boot = boot_id();
    buf_printf(&b, "boot %s\n", boot);
    for (size_t i = 0; i < s->n; i++) {
        cleanup_free char *t = vj_rctl_rule_format(&s->e[i].r, false);
        buf_printf(&b, "%c %s\n", s->e[i].origin, t);
    }
    cleanup_free char *data = buf_steal(&b);
    cleanup_free char *tmp = xasprintf("%s.tmp", vj_rctl_rules_path);
    if (write_file(tmp, data, strlen(data), O_CREAT | O_TRUNC, 0600, err) < 0)
        return -1;
    if (rename(tmp, vj_rctl_rules_path) < 0) {
        int e = errno;
        unlink(tmp);
        return vj_error_make(err, e, "rename %s", tmp);
    }
    return 0;
}

/* Rules of one jail, copied out. */
static void store_jail_rules(const struct store *s, const char *jail, struct vj_rctl_rule **out,
                             size_t *n)
{
    *out = xcalloc(s->n + 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct vj_rctl_rule *r = &s->e[i].r;
        if (r->subject == VJ_RS_JAIL && r->id && strcmp(r->id, jail) == 0) {
            (*out)[*n] = *r;
            (*out)[*n].id = xstrdup(r->id);
            (*n)++;
        }
    }
}

void vj_rctl_rules_free(struct vj_rctl_rule *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        vj_rctl_rule_clear(&l[i]);
    free(l);
}

/* Rules of a jail from the store (for vj_rctl_apply_jail). */
int vj_rctl_jail_rules(const char *jail, struct vj_rctl_rule **out, size_t *n, vj_error_t *err)
{
    cleanup_close int lk = store_lock(err);
    if (lk < 0)
        return -1;
    struct store s;
    if (store_load(&s, err) < 0)
        return -1;
    store_jail_rules(&s, jail, out, n);
    store_clear(&s);
    return 0;
}

int vj_rctl_list(const struct vj_rctl_rule *filter, struct vj_rctl_rule **out, size_t *n,
                 vj_error_t *err)
{
    *out = NULL;
    *n = 0;
    cleanup_close int lk = store_lock(err);
    if (lk < 0)
        return -1;
    struct store s;
    if (store_load(&s, err) < 0)
        return -1;
    *out = xcalloc(s.n + 1, sizeof **out);
    for (size_t i = 0; i < s.n; i++)
        if (!filter || vj_rctl_rule_matches(&s.e[i].r, filter)) {
            (*out)[*n] = s.e[i].r;
            memset(&s.e[i].r, 0, sizeof s.e[i].r);
            (*n)++;
        }
    store_clear(&s);
    return 0;
}

/* The JID of a running jail by name, 0 if it is not running. */
static int running_jid(const char *name)
{
    /* A store elsewhere (unit tests) is not tied to live jails. */
    if (strcmp(vj_rctl_rules_path, VJ_RCTL_RULES) != 0)
        return 0;
    struct vj_jail j;
    if (vj_registry_find(name, false, &j, NULL) < 0)
        return 0;
    int jid = j.jid;
    bool match = j.name && strcmp(j.name, name) == 0; /* not a jid lookup */
    vj_jail_clear(&j);
    return match ? jid : 0;
}

/* FreeBSD: a new deny rule replaces one differing only by amount; any
 * other rule replaces an identical one. */
static void store_dedup(struct store *s, const struct vj_rctl_rule *r)
{
    struct vj_rctl_rule f = *r;
    if (r->action == VJ_RA_DENY)
        f.amount = -1;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (vj_rctl_rule_matches(&s->e[i].r, &f))
            vj_rctl_rule_clear(&s->e[i].r);
        else
            s->e[k++] = s->e[i];
    }
    s->n = k;
}

static int parse_for_add(const char *text, struct vj_rctl_rule *r, vj_error_t *err)
{
    if (vj_rctl_rule_parse(text, r, err) < 0 || vj_rctl_rule_check(r, text, err) < 0 ||
        vj_rctl_rule_supported(r, text, err) < 0)
        return -1;
    return 0;
}

int vj_rctl_add(const char *text, vj_error_t *err)
{
    struct vj_rctl_rule r;
    if (parse_for_add(text, &r, err) < 0) {
        vj_rctl_rule_clear(&r);
        return -1;
    }
    cleanup_free char *jail = xstrdup(r.id);
    struct store s;
    {
        cleanup_close int lk = store_lock(err);
        if (lk < 0 || store_load(&s, err) < 0) {
            vj_rctl_rule_clear(&r);
            return -1;
        }
        store_dedup(&s, &r);
        store_add(&s, 'a', &r);
        int rc = store_save(&s, err);
        store_clear(&s);
        if (rc < 0)
            return vj_error_prefix(err, "failed to add rule '%s'", text);
    }
    int jid = running_jid(jail);
    if (jid > 0 && vj_rctl_apply_jail(jail, jid, err) < 0) {
        /* Not enforceable on this jail: take it back, as FreeBSD's add
         * either fully succeeds or fails. */
        vj_error_prefix(err, "failed to add rule '%s'", text);
        struct vj_rctl_rule f;
        if (vj_rctl_rule_parse(text, &f, NULL) == 0 && vj_rctl_rule_check(&f, text, NULL) == 0) {
            cleanup_close int lk = store_lock(NULL);
            if (lk >= 0 && store_load(&s, NULL) == 0) {
                f.per = 0;
                store_dedup(&s, &f);
                store_save(&s, NULL);
                store_clear(&s);
            }
        }
        vj_rctl_rule_clear(&f);
        vj_rctl_apply_jail(jail, jid, NULL);
        return -1;
    }
    return 0;
}

int vj_rctl_remove(const char *text, vj_error_t *err)
{
    struct vj_rctl_rule f;
    if (vj_rctl_rule_parse(text, &f, err) < 0) {
        vj_rctl_rule_clear(&f);
        return -1;
    }
    char **jails = NULL;
    size_t njails = 0;
    {
        cleanup_close int lk = store_lock(err);
        struct store s;
        if (lk < 0 || store_load(&s, err) < 0) {
            vj_rctl_rule_clear(&f);
            return -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (vj_rctl_rule_matches(&s.e[i].r, &f)) {
                jails = xrealloc(jails, (njails + 1) * sizeof *jails);
                jails[njails++] = vj_steal(s.e[i].r.id);
                vj_rctl_rule_clear(&s.e[i].r);
            } else
                s.e[k++] = s.e[i];
        }
        s.n = k;
        int rc = njails ? store_save(&s, err) : 0;
        store_clear(&s);
        vj_rctl_rule_clear(&f);
        if (rc < 0)
            return vj_error_prefix(err, "failed to remove rule '%s'", text);
    }
    if (!njails)
        return vj_error_make(err, ESRCH, "failed to remove rule '%s'", text);
    int rc = 0;
    for (size_t i = 0; i < njails; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || strcmp(jails[k], jails[i]) == 0;
        int jid = seen ? 0 : running_jid(jails[i]);
        if (jid > 0 && vj_rctl_apply_jail(jails[i], jid, rc < 0 ? NULL : err) < 0)
            rc = -1;
    }
    for (size_t i = 0; i < njails; i++)
        free(jails[i]);
    free(jails);
    if (rc < 0)
        vj_error_prefix(err, "failed to remove rule '%s'", text);
    return rc;
}

static int conf_rules(const char *jail, char *const *values, size_t n, struct store *out,
                      vj_error_t *err)
{
    out->e = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *text = xasprintf("jail:%s:%s", jail, values[i]);
        struct vj_rctl_rule r;
        if (parse_for_add(text, &r, err) < 0) {
            vj_rctl_rule_clear(&r);
            store_clear(out);
            return vj_error_prefix(err, "%s: rctl", jail);
        }
        store_add(out, 'c', &r);
    }
    return 0;
}

int vj_rctl_conf_check(const char *jail, char *const *values, size_t n, vj_error_t *err)
{
    struct store s;
    if (conf_rules(jail, values, n, &s, err) < 0)
        return -1;
    store_clear(&s);
    return 0;
}

/* Drop one jail's `rctl` parameter rules from s. */
static size_t drop_conf(struct store *s, const char *jail)
{
    size_t k = 0, dropped = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].origin == 'c' && s->e[i].r.id && strcmp(s->e[i].r.id, jail) == 0) {
            vj_rctl_rule_clear(&s->e[i].r);
            dropped++;
        } else
            s->e[k++] = s->e[i];
    }
    s->n = k;
    return dropped;
}

int vj_rctl_conf_set(const char *jail, char *const *values, size_t n, vj_error_t *err)
{
    struct store add;
    if (conf_rules(jail, values, n, &add, err) < 0)
        return -1;
    cleanup_close int lk = store_lock(err);
    struct store s;
    if (lk < 0 || store_load(&s, err) < 0) {
        store_clear(&add);
        return -1;
    }
    size_t dropped = drop_conf(&s, jail);
    for (size_t i = 0; i < add.n; i++) {
        store_dedup(&s, &add.e[i].r);
        store_add(&s, 'c', &add.e[i].r);
    }
    store_clear(&add);
    int rc = (n || dropped) ? store_save(&s, err) : 0;
    store_clear(&s);
    return rc;
}

/* Called by vj_rctl_release_jail. */
void vj_rctl_conf_forget(const char *jail)
{
    cleanup_close int lk = store_lock(NULL);
    struct store s;
    if (lk < 0 || store_load(&s, NULL) < 0)
        return;
    if (drop_conf(&s, jail))
        store_save(&s, NULL);
    store_clear(&s);
}

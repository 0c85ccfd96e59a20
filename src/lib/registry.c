/*
 * The registry of live jails: one small text file per jail under
 * /run/vjail/jails/JID, written atomically (temp file + rename) while
 * holding an exclusive flock on /run/vjail/lock.  /run is not always a
 * tmpfs, so every entry carries the boot id; entries of an earlier boot
 * are dead.  A process is identified by pid + start time so that a reused
 * pid is never taken for a jail's supervisor or owner.
 */
#include "vjail.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>

#define JAILS_DIR VJ_RUNDIR "/jails"
/* World-readable copies without jail(8)'s own parameters (exec.*, mount.*
 * ...: commands may hold secrets, and FreeBSD's jls cannot show them
 * either), for users other than root (jls). */
#define PUBLIC_DIR VJ_RUNDIR "/public"
/* /run/vjail/children/<jid> exists once jail <jid> has had a child: a
 * jail without one (nearly all) needs no scan of the registry when it
 * ends. */
#define CHILDREN_DIR VJ_RUNDIR "/children"
#define JID_MAX 999999

static const char *state_names[] = {"creating", "running", "dying"};

unsigned long long vj_proc_start(pid_t pid)
{
    char path[64], buf[1024];
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* comm may contain anything; fields resume after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    if (p[1] && p[2] == 'Z') /* a zombie holds nothing */
        return 0;
    unsigned long long start = 0;
    int field = 2;
    for (char *s = p + 1; *s; s++) {
        if (*s == ' ') {
            field++;
            if (field == 22) {
                start = strtoull(s + 1, NULL, 10);
                break;
            }
        }
    }
    return start;
}

static const char *boot_id(void)
{
    static char id[64];
    if (!id[0]) {
        cleanup_free char *s = NULL;
        if (read_file("/proc/sys/kernel/random/boot_id", &s, NULL, NULL) == 0) {
            s[strcspn(s, "\n")] = 0;
            snprintf(id, sizeof id, "%s", s);
        } else {
            snprintf(id, sizeof id, "unknown");
        }
    }
    return id;
}

void vj_cjail_free(struct vj_cjail *j)
{
    if (!j)
        return;
    vj_cjail_clear(j);
    free(j);
}

void vj_jail_clear(struct vj_jail *j)
{
    free(j->name);
    free(j->path);
    free(j->hostname);
    vj_cjail_free(j->params);
    memset(j, 0, sizeof *j);
}

void vj_jail_list_free(struct vj_jail *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vj_jail_clear(&list[i]);
    free(list);
}

void vj_rec_clear(struct vj_rec *r)
{
    vj_jail_clear(&r->j);
    free(r->boot_id);
    free(r->cgroup);
    for (size_t i = 0; i < r->nmounts; i++)
        free(r->mounts[i]);
    free(r->mounts);
    vj_alias_list_free(r->aliases, r->naliases);
    free(r->symlinks);
    free(r->netns_pin);
    free(r->vnet_state);
    memset(r, 0, sizeof *r);
}

/* ---- serialisation: one record per line, fields separated by tabs ---- */

static void put_esc(struct vj_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '\t': buf_adds(b, "\\t"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\\': buf_adds(b, "\\\\"); break;
        default: buf_addc(b, *s);
        }
    }
}

static char *unesc(const char *s, size_t n)
{
    struct vj_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            buf_addc(&b, s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i]);
        } else {
            buf_addc(&b, s[i]);
        }
    }
    return buf_steal(&b);
}

static void put_kv(struct vj_buf *b, const char *k, const char *v)
{
    buf_adds(b, k);
    buf_addc(b, '\t');
    put_esc(b, v);
    buf_addc(b, '\n');
}

static char *rec_serialize(const struct vj_rec *r)
{
    struct vj_buf b = {0};
    char num[64];
    snprintf(num, sizeof num, "%d", r->j.jid);
    put_kv(&b, "jid", num);
    put_kv(&b, "name", r->j.name);
    if (r->j.path)
        put_kv(&b, "path", r->j.path);
    if (r->j.hostname)
        put_kv(&b, "hostname", r->j.hostname);
    buf_printf(&b, "parent\t%d\n", r->j.parent);
    put_kv(&b, "state", state_names[r->state]);
    put_kv(&b, "boot", r->boot_id ? r->boot_id : boot_id());
    buf_printf(&b, "owner\t%d\t%llu\n", (int)r->owner, r->owner_start);
    buf_printf(&b, "sup\t%d\t%llu\n", (int)r->j.sup_pid, r->j.sup_start);
    if (r->cgroup)
        put_kv(&b, "cgroup", r->cgroup);
    buf_printf(&b, "persist\t%d\ntemp_persist\t%d\n", r->persist, r->temp_persist);
    buf_printf(&b, "nsfds\t%d\n", r->mntns_fd);
    for (size_t i = 0; i < r->nmounts; i++)
        put_kv(&b, "mount", r->mounts[i]);
    for (size_t i = 0; i < r->naliases; i++)
        put_kv(&b, "alias", r->aliases[i]);
    if (r->symlinks)
        put_kv(&b, "symlink", r->symlinks);
    if (r->netns_pin)
        put_kv(&b, "netns", r->netns_pin);
    if (r->vnet_state)
        put_kv(&b, "vnetstate", r->vnet_state);
    const struct vj_cjail *cj = r->j.params;
    for (size_t i = 0; cj && i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var)
            continue;
        buf_printf(&b, "param\t%d\t", p->negated);
        put_esc(&b, p->name);
        for (size_t k = 0; k < p->nvalues; k++) {
            buf_addc(&b, '\t');
            put_esc(&b, p->values[k]);
        }
        buf_addc(&b, '\n');
    }
    return buf_steal(&b);
}

/* Split a line on tabs, unescaping each field. */
static size_t split_fields(const char *line, char **f, size_t max)
{
    size_t n = 0;
    const char *s = line;
    while (n < max) {
        const char *e = strchr(s, '\t');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        f[n++] = unesc(s, len);
        if (!e)
            break;
        s = e + 1;
    }
    return n;
}

static void cjail_add(struct vj_cjail *cj, char **f, size_t nf)
{
    cj->params = xrealloc(cj->params, (cj->nparams + 1) * sizeof *cj->params);
    struct vj_cparam *p = &cj->params[cj->nparams++];
    memset(p, 0, sizeof *p);
    p->negated = atoi(f[1]) != 0;
    p->name = xstrdup(f[2]);
    bool neg;
    p->def = param_lookup(p->name, &neg);
    p->nvalues = nf - 3;
    p->values = xcalloc(p->nvalues + 1, sizeof *p->values);
    for (size_t k = 0; k < p->nvalues; k++)
        p->values[k] = xstrdup(f[3 + k]);
    p->loc.file = "registry";
}

/* light: the header only, up to the first "param" line (parameters are
 * written last): scans of the whole registry need no parameters. */
static int rec_parse(const char *text, struct vj_rec *r, bool light)
{
    memset(r, 0, sizeof *r);
    r->mntns_fd = -1;
    struct vj_cjail *cj = xcalloc(1, sizeof *cj);
    cj->expanded = true;
    r->j.params = cj;
    bool have_jid = false;
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (light && !strncmp(s, "param\t", 6))
            break;
        cleanup_free char *line = xstrndup(s, len);
        s = e ? e + 1 : s + len;
        char *f[256];
        size_t nf = split_fields(line, f, 256);
        const char *k = f[0];
        if (nf >= 2) {
            if (!strcmp(k, "jid")) {
                r->j.jid = atoi(f[1]);
                have_jid = true;
            } else if (!strcmp(k, "name")) {
                free(r->j.name);
                r->j.name = xstrdup(f[1]);
            } else if (!strcmp(k, "path")) {
                r->j.path = xstrdup(f[1]);
            } else if (!strcmp(k, "hostname")) {
                r->j.hostname = xstrdup(f[1]);
            } else if (!strcmp(k, "parent")) {
                r->j.parent = atoi(f[1]);
            } else if (!strcmp(k, "state")) {
                for (int i = 0; i < 3; i++)
                    if (!strcmp(f[1], state_names[i]))
                        r->state = i;
            } else if (!strcmp(k, "boot")) {
                r->boot_id = xstrdup(f[1]);
            } else if (!strcmp(k, "owner") && nf >= 3) {
                r->owner = atoi(f[1]);
                r->owner_start = strtoull(f[2], NULL, 10);
            } else if (!strcmp(k, "sup") && nf >= 3) {
                r->j.sup_pid = atoi(f[1]);
                r->j.sup_start = strtoull(f[2], NULL, 10);
            } else if (!strcmp(k, "cgroup")) {
                r->cgroup = xstrdup(f[1]);
            } else if (!strcmp(k, "persist")) {
                r->persist = atoi(f[1]);
            } else if (!strcmp(k, "temp_persist")) {
                r->temp_persist = atoi(f[1]);
            } else if (!strcmp(k, "nsfds")) {
                r->mntns_fd = atoi(f[1]);
            } else if (!strcmp(k, "mount")) {
                vj_strv_push(&r->mounts, &r->nmounts, xstrdup(f[1]));
            } else if (!strcmp(k, "alias")) {
                vj_strv_push(&r->aliases, &r->naliases, xstrdup(f[1]));
            } else if (!strcmp(k, "symlink")) {
                r->symlinks = xstrdup(f[1]);
            } else if (!strcmp(k, "netns")) {
                r->netns_pin = xstrdup(f[1]);
            } else if (!strcmp(k, "vnetstate")) {
                r->vnet_state = xstrdup(f[1]);
            } else if (!strcmp(k, "param") && nf >= 3) {
                cjail_add(cj, f, nf);
            }
        }
        for (size_t i = 0; i < nf; i++)
            free(f[i]);
    }
    if (!have_jid)
        return -1;
    if (!r->j.name)
        r->j.name = xasprintf("%d", r->j.jid);
    cj->name = xstrdup(r->j.name);
    r->j.dying = r->state == JS_DYING;
    return 0;
}

/* ---- locking and files ---- */

/* The registry is private to root; its public copy (PUBLIC_DIR) lets jls
 * work for any user, as FreeBSD's does. */
static int ensure_dirs(vj_error_t *err)
{
    /* Once per process (and its children): jail(8) takes the lock a few
     * times per jail. */
    static bool done;
    if (done)
        return 0;
    if (mkdir(VJ_RUNDIR, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", VJ_RUNDIR);
    if (mkdir(JAILS_DIR, 0700) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", JAILS_DIR);
    if (mkdir(PUBLIC_DIR, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", PUBLIC_DIR);
    if (chmod(VJ_RUNDIR, 0755) < 0 || chmod(JAILS_DIR, 0700) < 0 || chmod(PUBLIC_DIR, 0755) < 0)
        return vj_error_make(err, errno, "chmod %s", VJ_RUNDIR);
    done = true;
    return 0;
}

/* ext4 (/run is not a tmpfs everywhere) never shrinks a directory: after
 * a thousand jails, every create, rename and unlink in the registry reads
 * eight blocks, about 0.1 ms per jail(8) here.  An empty registry
 * directory that has grown is replaced by a fresh one; rename(2) replaces
 * only an empty directory, so nothing can be lost.  Under the lock. */
static void compact_dir(const char *dir, mode_t mode)
{
    struct stat st;
    if (stat(dir, &st) < 0 || st.st_size <= 4096)
        return;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.new", dir);
    rmdir(tmp); /* (left by a crash) */
    if (mkdir(tmp, mode) < 0)
        return;
    if (chmod(tmp, mode) < 0 || rename(tmp, dir) < 0)
        rmdir(tmp);
}

/* Callers that cannot take the lock (not root) read the registry without
 * it: entries are replaced by rename, so each read sees a whole entry.
 * They change nothing, not even the cleanup of dead jails. */
static bool reg_readonly(void)
{
    return geteuid() != 0;
}

/* Live entries only, read without the lock and without releasing dead
 * ones (reg_readonly). */
static int load_live_readonly(struct vj_rec **l, size_t *n, vj_error_t *err)
{
    if (vj_reg_load_all(l, n, err) < 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (vj_rec_alive(&(*l)[i]))
            (*l)[k++] = (*l)[i];
        else
            vj_rec_clear(&(*l)[i]);
    }
    *n = k;
    return 0;
}

int vj_reg_lock(vj_error_t *err)
{
    /* Inside a jail the registry is hidden (see engine_supervisor.c). */
    int self_jid = 0;
    if (vj_self_jail(&self_jid, NULL, NULL) == 0 && self_jid > 0)
        return vj_error_make(err, EPERM, "jail_set");
    if (ensure_dirs(err) < 0)
        return -1;
    int fd = open(VJ_RUNDIR "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vj_error_make(err, errno, "open %s/lock", VJ_RUNDIR);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return vj_error_make(err, e, "flock %s/lock", VJ_RUNDIR);
        }
    }
    return fd;
}

/* Replace path by the complete file tmp, atomically for readers.  An
 * existing path is swapped with tmp (RENAME_EXCHANGE) and the old copy
 * then unlinked: rename(2) over an existing file makes ext4 (auto_da_alloc,
 * /run is not always a tmpfs) write the new file out at once, which cost
 * up to 0.3 ms per registry update; nothing needs the data on disk.  A
 * leftover .tmp (crash between the two steps) is never read and is
 * overwritten next time. */
static int replace_file(const char *tmp, const char *path)
{
    if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        unlink(tmp);
        return 0;
    }
    return rename(tmp, path);
}

static int save_text(const char *dir, int jid, const char *text, mode_t mode, vj_error_t *err)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/%d", dir, jid);
    snprintf(tmp, sizeof tmp, "%s/.%d.tmp", dir, jid);
    if (write_file(tmp, text, strlen(text), O_WRONLY | O_CREAT | O_TRUNC, mode, err) < 0)
        return -1;
    /* The mode exactly, whatever the caller's umask (read once). */
    static mode_t mask = (mode_t)-1;
    if (mask == (mode_t)-1) {
        mask = umask(0);
        umask(mask);
    }
    if (((mask & mode) && chmod(tmp, mode) < 0) || replace_file(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return vj_error_make(err, e, "rename %s", path);
    }
    return 0;
}

int vj_reg_save(const struct vj_rec *r, vj_error_t *err)
{
    cleanup_free char *text = rec_serialize(r);
    if (save_text(JAILS_DIR, r->j.jid, text, 0600, err) < 0)
        return -1;
    /* A jail being created does not exist for jls yet (FreeBSD: not
     * before jail_set(JAIL_CREATE) returns): no public copy until then. */
    if (r->state == JS_CREATING)
        return 0;
    /* the public copy: the kernel parameters only */
    struct vj_rec pub = *r;
    struct vj_cjail cj = {0};
    if (r->j.params) {
        cj = *r->j.params;
        cj.params = xcalloc(r->j.params->nparams + 1, sizeof *cj.params);
        cj.nparams = 0;
        for (size_t i = 0; i < r->j.params->nparams; i++) {
            const struct vj_cparam *p = &r->j.params->params[i];
            if (p->def && !(p->def->flags & PF_PSEUDO))
                cj.params[cj.nparams++] = *p;
        }
        pub.j.params = &cj;
    }
    cleanup_free char *ptext = rec_serialize(&pub);
    free(cj.params);
    if (save_text(PUBLIC_DIR, r->j.jid, ptext, 0644, err) < 0)
        return -1;
    return 0;
}

static int load_from(const char *dir, int jid, struct vj_rec *r, bool light, vj_error_t *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%d", dir, jid);
    cleanup_free char *text = NULL;
    if (read_file(path, &text, NULL, NULL) < 0)
        return vj_error_make(err, 0, "\"%d\" not found", jid);
    if (rec_parse(text, r, light) < 0) {
        vj_rec_clear(r);
        return vj_error_make(err, 0, "%s: corrupt registry entry", path);
    }
    return 0;
}

int vj_reg_load(int jid, struct vj_rec *r, vj_error_t *err)
{
    return load_from(JAILS_DIR, jid, r, false, err);
}

void vj_reg_delete(int jid)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%d", CHILDREN_DIR, jid);
    unlink(path);
    snprintf(path, sizeof path, "%s/%d", PUBLIC_DIR, jid);
    unlink(path);
    snprintf(path, sizeof path, "%s/%d", JAILS_DIR, jid);
    unlink(path);
}

static bool proc_matches(pid_t pid, unsigned long long start)
{
    return pid > 0 && start && vj_proc_start(pid) == start;
}

bool vj_rec_alive(const struct vj_rec *r)
{
    if (!r->boot_id || strcmp(r->boot_id, boot_id()) != 0)
        return false;
    switch (r->state) {
    case JS_CREATING:
    case JS_DYING:
        return proc_matches(r->owner, r->owner_start);
    case JS_RUNNING:
        return proc_matches(r->j.sup_pid, r->j.sup_start);
    }
    return false;
}

static int cmp_rec(const void *a, const void *b)
{
    return ((const struct vj_rec *)a)->j.jid - ((const struct vj_rec *)b)->j.jid;
}

static int load_all(struct vj_rec **out, size_t *n, bool light, vj_error_t *err)
{
    *out = NULL;
    *n = 0;
    const char *dir = reg_readonly() ? PUBLIC_DIR : JAILS_DIR;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return vj_error_make(err, errno, "opendir %s", dir);
    }
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        if (load_from(dir, atoi(de->d_name), &(*out)[*n], light, NULL) == 0)
            (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_rec);
    return 0;
}

int vj_reg_load_all(struct vj_rec **out, size_t *n, vj_error_t *err)
{
    return load_all(out, n, false, err);
}

static void rec_list_free(struct vj_rec *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vj_rec_clear(&l[i]);
    free(l);
}

/* The PIDs of every live supervisor: they all live in <root>/vjail/sup
 * (engine_cgroup.c), so one read answers for the whole registry instead
 * of one /proc read per jail.  (The allow.mount helper of a supervisor,
 * vjail-mountd, lives there too: only if a dead supervisor's PID went to
 * one of those would its jail be taken for alive, until that jail ends.)
 * Unsorted; NULL if unreadable. */
static pid_t *live_supervisors(size_t *n)
{
    *n = 0;
    cleanup_free char *dir = vj_cgroup_sup_dir();
    cleanup_free char *path = dir ? xasprintf("%s/cgroup.procs", dir) : NULL;
    cleanup_free char *text = NULL;
    if (!path || read_file(path, &text, NULL, NULL) < 0)
        return NULL;
    pid_t *v = NULL;
    size_t cap = 0;
    for (char *t = text; *t;) {
        char *end;
        long p = strtol(t, &end, 10);
        if (end == t)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[(*n)++] = (pid_t)p;
        t = end;
        while (*t == '\n')
            t++;
    }
    return v;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Release every dead entry; keep the live ones in *l (loaded light or
 * not: a dead one is loaded whole before its release). */
static void reap_dead(struct vj_rec *l, size_t *n)
{
    size_t nlive = 0;
    cleanup_free pid_t *live = live_supervisors(&nlive);
    if (live)
        qsort(live, nlive, sizeof *live, cmp_pid);
    cleanup_free pid_t *sups = xcalloc(*n + 1, sizeof *sups);
    for (size_t i = 0; i < *n; i++)
        sups[i] = l[i].j.sup_pid;
    qsort(sups, *n, sizeof *sups, cmp_pid);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        struct vj_rec *r = &l[i];
        /* Among the live supervisors: alive, unless its PID was reused by
         * another jail's supervisor (two entries with one PID: those are
         * checked by start time).  Not among them: the slow check, which
         * also knows supervisors of an older layout outside vjail/sup. */
        bool fast = live && r->state == JS_RUNNING && r->boot_id &&
                    !strcmp(r->boot_id, boot_id()) &&
                    bsearch(&r->j.sup_pid, live, nlive, sizeof *live, cmp_pid);
        const pid_t *at = fast ? bsearch(&r->j.sup_pid, sups, *n, sizeof *sups, cmp_pid) : NULL;
        if (at && ((at > sups && at[-1] == *at) || (at + 1 < sups + *n && at[1] == *at)))
            fast = false;
        bool alive = fast || vj_rec_alive(r);
        if (alive) {
            l[k++] = *r;
            continue;
        }
        struct vj_rec whole;
        if (load_from(JAILS_DIR, r->j.jid, &whole, false, NULL) == 0) {
            vj_rec_reap(&whole);
            vj_rec_clear(&whole);
        } else {
            vj_rec_reap(r);
        }
        vj_rec_clear(r);
    }
    *n = k;
}

int vj_reg_reserve(struct vj_rec *r, int want_jid, const char *name, int parent,
                   vj_error_t *err)
{
    struct vj_rec *l;
    size_t n;
    if (load_all(&l, &n, true, err) < 0)
        return -1;
    reap_dead(l, &n);
    if (n == 0) {
        /* (no jail: none of these is in use either) */
        compact_dir(JAILS_DIR, 0700);
        compact_dir(PUBLIC_DIR, 0755);
        compact_dir(VJ_VNET_PIN_DIR, 0700);
        compact_dir(VJ_VNET_STATE_DIR, 0700);
    }
    int jid = want_jid;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (want_jid > 0 && l[i].j.jid == want_jid)
            rc = vj_error_make(err, 0, "\"%d\" already exists", want_jid);
        else if (name && !l[i].j.dying && !strcmp(l[i].j.name, name))
            rc = vj_error_make(err, 0, "\"%s\" already exists", name);
    }
    if (rc == 0 && jid <= 0) {
        cleanup_free char *s = NULL;
        int last = 0;
        if (read_file(VJ_RUNDIR "/lastjid", &s, NULL, NULL) == 0)
            last = atoi(s);
        if (last < 0 || last > JID_MAX)
            last = 0;
        /* FreeBSD: next after the last one assigned, skip used, wrap. */
        for (int tries = 0; tries < JID_MAX && jid <= 0; tries++) {
            int cand = last % JID_MAX + 1;
            last = cand;
            bool used = false;
            for (size_t i = 0; i < n && !used; i++)
                used = l[i].j.jid == cand;
            /* A numeric name of another jail would clash with this jid. */
            char num[16];
            snprintf(num, sizeof num, "%d", cand);
            for (size_t i = 0; i < n && !used; i++)
                used = !strcmp(l[i].j.name, num);
            if (name && !strcmp(name, num) && used)
                continue;
            if (!used)
                jid = cand;
        }
        if (jid <= 0)
            rc = vj_error_make(err, EAGAIN, "no available jail IDs");
    }
    if (rc == 0 && name && isdigit((unsigned char)name[0])) {
        char num[16];
        snprintf(num, sizeof num, "%d", jid);
        if (strcmp(name, num) != 0)
            rc = vj_error_make(err, 0, "name cannot be numeric (unless it is the jid)");
    }
    rec_list_free(l, n);
    if (rc < 0)
        return -1;
    char num[16];
    snprintf(num, sizeof num, "%d", jid);
    if (want_jid <= 0) {
        char buf[16];
        int len = snprintf(buf, sizeof buf, "%d\n", jid);
        /* a hint only (the lock is held): replaced like an entry, not
         * truncated in place, which ext4 would flush at once as well */
        if (write_file(VJ_RUNDIR "/.lastjid.tmp", buf, len, O_WRONLY | O_CREAT | O_TRUNC, 0600,
                       NULL) == 0 &&
            replace_file(VJ_RUNDIR "/.lastjid.tmp", VJ_RUNDIR "/lastjid") < 0)
            unlink(VJ_RUNDIR "/.lastjid.tmp");
    }
    memset(r, 0, sizeof *r);
    r->mntns_fd = -1;
    r->j.jid = jid;
    r->j.name = xstrdup(name ? name : num);
    r->j.parent = parent;
    r->state = JS_CREATING;
    r->boot_id = xstrdup(boot_id());
    r->owner = getpid();
    r->owner_start = vj_proc_start(getpid());
    if (parent > 0) {
        char mark[64];
        snprintf(mark, sizeof mark, "%s/%d", CHILDREN_DIR, parent);
        if (mkdir(CHILDREN_DIR, 0700) < 0 && errno != EEXIST)
            return vj_error_make(err, errno, "mkdir %s", CHILDREN_DIR);
        if (write_file(mark, "", 0, O_WRONLY | O_CREAT, 0600, err) < 0) {
            vj_rec_clear(r);
            return -1;
        }
    }
    if (vj_reg_save(r, err) < 0) {
        vj_rec_clear(r);
        return -1;
    }
    return 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

int vj_reg_lookup(const char *name_or_jid, bool with_dying, struct vj_rec *out,
                  vj_error_t *err)
{
    struct vj_rec *l;
    size_t n;
    if (reg_readonly()) {
        if (load_live_readonly(&l, &n, err) < 0)
            return -1;
    } else {
        if (load_all(&l, &n, true, err) < 0)
            return -1;
        reap_dead(l, &n);
    }
    int found = -1;
    bool numeric = all_digits(name_or_jid);
    /* A live jail wins over a dying one of the same name. */
    for (int pass = 0; pass < 2 && found < 0; pass++) {
        for (size_t i = 0; i < n && found < 0; i++) {
            if (l[i].j.dying != (pass == 1))
                continue;
            if (l[i].j.dying && !with_dying)
                continue;
            if ((numeric && l[i].j.jid == atoi(name_or_jid)) ||
                !strcmp(l[i].j.name, name_or_jid))
                found = (int)i;
        }
    }
    int rc = 0;
    if (found < 0) {
        rc = vj_error_make(err, 0, "\"%s\" not found", name_or_jid);
    } else if (reg_readonly()) {
        *out = l[found];
        memset(&l[found], 0, sizeof l[found]);
    } else if (load_from(JAILS_DIR, l[found].j.jid, out, false, NULL) < 0) {
        rc = vj_error_make(err, 0, "\"%s\" not found", name_or_jid); /* gone meanwhile */
    }
    rec_list_free(l, n);
    return rc;
}

/* ---- public API for jls/jexec ---- */

static void jail_from_rec(struct vj_jail *dst, struct vj_rec *r)
{
    *dst = r->j;
    memset(&r->j, 0, sizeof r->j);
}

static int list_from_parent(struct vj_jail **out, size_t *n, bool with_dying);

int vj_registry_list(struct vj_jail **out, size_t *n, bool with_dying, vj_error_t *err)
{
    *out = NULL;
    *n = 0;
    int self_jid = 0;
    if (vj_self_jail(&self_jid, NULL, NULL) == 0 && self_jid > 0)
        return list_from_parent(out, n, with_dying); /* a jail sees its children only */
    struct vj_rec *l;
    size_t nl;
    if (reg_readonly()) {
        if (load_live_readonly(&l, &nl, err) < 0)
            return -1;
    } else {
        cleanup_close int lk = vj_reg_lock(err);
        if (lk < 0)
            return -1;
        if (vj_reg_load_all(&l, &nl, err) < 0)
            return -1;
        reap_dead(l, &nl);
    }
    *out = xcalloc(nl + 1, sizeof **out);
    for (size_t i = 0; i < nl; i++) {
        /* A jail whose supervisor is not up yet does not exist for jls
         * and jexec (FreeBSD: not before jail_set(JAIL_CREATE) returns). */
        if (l[i].j.sup_pid <= 0)
            continue;
        if (with_dying || !l[i].j.dying)
            jail_from_rec(&(*out)[(*n)++], &l[i]);
    }
    rec_list_free(l, nl);
    return 0;
}

int vj_registry_find(const char *name_or_jid, bool with_dying, struct vj_jail *out,
                     vj_error_t *err)
{
    int self_jid = 0;
    if (vj_self_jail(&self_jid, NULL, NULL) == 0 && self_jid > 0) {
        /* inside a jail: among its children */
        struct vj_jail *l = NULL;
        size_t nl = 0;
        list_from_parent(&l, &nl, with_dying);
        int found = -1;
        for (size_t i = 0; i < nl && found < 0; i++)
            if (!strcmp(l[i].name, name_or_jid) ||
                (all_digits(name_or_jid) && l[i].jid == atoi(name_or_jid)))
                found = (int)i;
        if (found >= 0) {
            *out = l[found];
            memset(&l[found], 0, sizeof l[found]);
        }
        vj_jail_list_free(l, nl);
        if (found < 0)
            return vj_error_make(err, 0, "jail \"%s\" not found", name_or_jid);
        return 0;
    }
    cleanup_close int lk = reg_readonly() ? -1 : vj_reg_lock(err);
    if (lk < 0 && !reg_readonly())
        return -1;
    struct vj_rec r;
    if (vj_reg_lookup(name_or_jid, with_dying, &r, err) < 0) {
        if (err && *err && strstr((*err)->msg, "not found")) {
            vj_error_release(err);
            vj_error_make(err, 0, "jail \"%s\" not found", name_or_jid);
        }
        return -1;
    }
    jail_from_rec(out, &r);
    vj_rec_clear(&r);
    return 0;
}

/* Inside a jail /run/vjail is a read-only tmpfs whose file "self" says
 * which jail this is (see engine_supervisor.c). */
int vj_self_jail(int *jid, int *children_max, char **name)
{
    cleanup_free char *s = NULL;
    if (jid)
        *jid = 0;
    if (read_file(VJ_RUNDIR "/self", &s, NULL, NULL) < 0)
        return -1;
    int j = 0, cm = 0;
    char nm[256] = "";
    if (sscanf(s, "jid=%d children.max=%d name=%255s", &j, &cm, nm) < 2)
        return -1;
    if (jid)
        *jid = j;
    if (children_max)
        *children_max = cm;
    if (name)
        *name = xstrdup(nm);
    return 0;
}

/* ---- nested jails ---- */

static bool may_have_children(int jid)
{
    char path[64];
    snprintf(path, sizeof path, "%s/%d", CHILDREN_DIR, jid);
    return access(path, F_OK) == 0;
}

int vj_reg_count_children(int parent_jid)
{
    struct vj_rec *l;
    size_t n;
    if (!may_have_children(parent_jid) || load_all(&l, &n, true, NULL) < 0)
        return 0;
    int count = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i].j.parent == parent_jid && !l[i].j.dying && vj_rec_alive(&l[i]))
            count++;
    rec_list_free(l, n);
    return count;
}

void vj_reg_reap_children(int parent_jid)
{
    struct vj_rec *l;
    size_t n;
    if (parent_jid <= 0 || !may_have_children(parent_jid) ||
        vj_reg_load_all(&l, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (l[i].j.parent == parent_jid)
            vj_rec_reap(&l[i]); /* recursive: reaps its children first */
    rec_list_free(l, n);
}

/* Is r a descendant of jid (in list l)? */
static bool descends(const struct vj_rec *l, size_t n, const struct vj_rec *r, int jid)
{
    for (int depth = 0; r && depth < 64; depth++) {
        if (r->j.parent == jid)
            return true;
        const struct vj_rec *up = NULL;
        for (size_t i = 0; i < n && !up; i++)
            if (l[i].j.jid == r->j.parent)
                up = &l[i];
        r = up;
    }
    return false;
}

/* "/a/b" relative to root "/a": "/b"; root "/": unchanged. */
static char *path_below(const char *path, const char *root)
{
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (!strcmp(root, "/") || !path)
        return xstrdup(path ? path : "/");
    if (!strncmp(path, root, rl) && (path[rl] == '/' || !path[rl]))
        return xstrdup(path[rl] ? path + rl : "/");
    return xstrdup("/");
}

char *vj_registry_export_children(int parent_jid, size_t *len)
{
    struct vj_buf b = {0};
    struct vj_rec *l;
    size_t n;
    *len = 0;
    {
        vj_error_t err = NULL;
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0) {
            vj_error_release(&err);
            return buf_steal(&b);
        }
        if (vj_reg_load_all(&l, &n, NULL) < 0)
            return buf_steal(&b);
        reap_dead(l, &n);
    }
    const struct vj_rec *parent = NULL;
    for (size_t i = 0; i < n; i++)
        if (l[i].j.jid == parent_jid)
            parent = &l[i];
    if (parent) {
        size_t pl = strlen(parent->j.name);
        for (size_t i = 0; i < n; i++) {
            struct vj_rec *r = &l[i];
            if (!descends(l, n, r, parent_jid) || strncmp(r->j.name, parent->j.name, pl) ||
                r->j.name[pl] != '.')
                continue;
            /* as the parent sees it: names and paths relative to it */
            char *rel = xstrdup(r->j.name + pl + 1);
            free(r->j.name);
            r->j.name = rel;
            char *p = path_below(r->j.path, parent->j.path ? parent->j.path : "/");
            free(r->j.path);
            r->j.path = p;
            int up = r->j.parent;
            if (up == parent_jid)
                r->j.parent = 0;
            if (r->j.params) {
                vj_cjail_set(r->j.params, "name", r->j.name);
                vj_cjail_set(r->j.params, "path", r->j.path);
                free(r->j.params->name);
                r->j.params->name = xstrdup(r->j.name);
            }
            cleanup_free char *text = rec_serialize(r);
            buf_add(&b, text, strlen(text) + 1);
            r->j.parent = up; /* descends() walks it for its own children */
        }
    }
    rec_list_free(l, n);
    *len = b.len;
    return buf_steal(&b);
}

/* Inside a jail: its children, from its supervisor (vj_registry_list). */
static int list_from_parent(struct vj_jail **out, size_t *n, bool with_dying)
{
    char *reply = NULL;
    size_t len = 0;
    vj_error_t err = NULL;
    if (access(VJ_NESTED_CTL, F_OK) < 0 || vj_nested_call("LIST", "", 0, &reply, &len, &err) < 0) {
        vj_error_release(&err);
        free(reply);
        return 0;
    }
    for (size_t off = 0; off < len; off += strlen(reply + off) + 1) {
        struct vj_rec r;
        if (rec_parse(reply + off, &r, false) < 0) {
            vj_rec_clear(&r);
            continue;
        }
        if (with_dying || !r.j.dying) {
            *out = xrealloc(*out, (*n + 2) * sizeof **out);
            memset(&(*out)[*n], 0, 2 * sizeof **out);
            jail_from_rec(&(*out)[(*n)++], &r);
        }
        vj_rec_clear(&r);
    }
    free(reply);
    return 0;
}

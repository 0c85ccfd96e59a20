/*
 * The jail(8) state machine: create, modify, remove (and the -rc, -cm,
 * -mr, -C combinations) of the selected jails, in dependency order, with
 * FreeBSD's step order (spec 4.1, 4.2), messages and rollback.
 *
 * Jails are worked on in dependency order (creation: dependencies first;
 * removal: dependents first).  With several jails, as on FreeBSD, every
 * jail whose dependencies are done progresses at once, each in a forked
 * worker whose exit status tells its result; -p N bounds the number of
 * commands (exec.*, command) running at the same time across all of them.
 */
#include "vjail.h"

#include <ctype.h>
#include <sched.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

enum { WS_PENDING, WS_RUNNING, WS_OK, WS_FAILED };

struct work {
    struct vj_cjail *cj;    /* configuration (NULL: a running jail not in conf) */
    char *target;           /* name or jid for jails not in conf */
    const char *name;       /* display name */
    bool cfgname;           /* messages carry "NAME: " */
    int status;
    pid_t worker;
    size_t *deps;           /* indices of works this one waits for */
    size_t ndeps;
};

struct run {
    const struct vj_opts *o;
    struct work *w;
    size_t nw;
    bool note_remove;
    bool cleanup_rec_fds;
};

/* Nested jails (engine_nested.c).  In a worker of a parent jail's
 * supervisor (vj_run_child): the parent's JID, "PARENT." (the caller in
 * the parent names its jails without it), and how the caller's jail(8)
 * classified the jail for its messages (-1: as computed here). */
static int child_parent;
static char *child_prefix;
static int child_names = -1, child_announce = -1;
static const char *child_display; /* the caller's name for the jail */

/* Our PID as the registry records PIDs: the host's.  A parent jail's
 * worker lives in the parent's PID name space, where getpid() answers
 * another number; /proc there is the host's (engine_nested.c). */
static pid_t registry_pid(void)
{
    char buf[32] = "";
    ssize_t n = child_parent ? readlink("/proc/self", buf, sizeof buf - 1) : -1;
    if (n <= 0)
        return getpid();
    buf[n] = 0;
    return (pid_t)atoi(buf);
}

/* A jail's name as the caller sees it. */
static const char *shown(const char *name)
{
    size_t l = child_prefix ? strlen(child_prefix) : 0;
    if (l && name && !strncmp(name, child_prefix, l) && name[l])
        return name + l;
    return name;
}

static int verbosity(const struct vj_opts *o)
{
    return o->quiet || o->print_jid ? -1 : o->verbose ? 1 : 0;
}

static void warnj(const struct work *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnj(const struct work *w, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "jail: ");
    if (w->cfgname)
        fprintf(stderr, "%s: ", w->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* Print an error whose message may already name the jail. */
static void warn_err(const struct work *w, vj_error_t *err)
{
    const char *m = (*err)->msg;
    size_t nl = strlen(w->name);
    if (w->cfgname && !strncmp(m, w->name, nl) && !strncmp(m + nl, ": ", 2))
        m += nl + 2;
    else if (!w->cfgname && !strncmp(m, w->name, nl) && !strncmp(m + nl, ": ", 2))
        m += nl + 2;
    else if (!w->cfgname && w->cj && !w->cj->name && !vj_cjail_str(w->cj, "name") &&
             !strncmp(m, "jail: ", 6))
        m += 6; /* (the policy's name for a jail that has none yet) */
    warnj(w, "%s", m);
    vj_error_release(err);
}

static void notej(const struct run *r, const struct work *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void notej(const struct run *r, const struct work *w, const char *fmt, ...)
{
    (void)r;
    va_list ap;
    if (w->cfgname)
        printf("%s: ", w->name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

/* ---------------------------------------------------------------- */
/* small helpers                                                    */

static bool all_digits(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* A deep copy of the expanded parameters, for the registry. */
static struct vj_cjail *cjail_record(const struct vj_cjail *cj, const char *name)
{
    struct vj_cjail *c = xcalloc(1, sizeof *c);
    c->name = xstrdup(name);
    c->expanded = true;
    c->params = xcalloc(cj->nparams + 1, sizeof *c->params);
    for (size_t i = 0; i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var)
            continue;
        struct vj_cparam *q = &c->params[c->nparams++];
        q->name = xstrdup(p->name);
        q->def = p->def;
        q->negated = p->negated;
        q->nvalues = p->nvalues;
        q->values = xcalloc(p->nvalues + 1, sizeof *q->values);
        for (size_t k = 0; k < p->nvalues; k++)
            q->values[k] = xstrdup(p->values[k]);
        q->loc = p->loc;
    }
    return c;
}

static void vnote_jail_set(const struct work *w, const char *op, const struct vj_cjail *cj,
                           int jid)
{
    struct vj_buf b = {0};
    buf_printf(&b, "jail_set(%s) jid=%d", op, jid);
    for (size_t i = 0; i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var || !p->def || !(p->def->flags & PF_KERNEL) || !strcmp(p->name, "jid"))
            continue;
        cleanup_free char *dn = vj_cparam_display_name(p);
        buf_printf(&b, " %s", dn);
        for (size_t k = 0; k < p->nvalues; k++) {
            cleanup_free char *q = vj_quote_value(p->values[k]);
            buf_printf(&b, "%c%s", k ? ',' : '=', q);
        }
    }
    cleanup_free char *s = buf_steal(&b);
    if (w->cfgname)
        printf("%s: ", w->name);
    printf("%s\n", s);
    fflush(stdout);
}

static int rec_save_locked(const struct vj_rec *rec, vj_error_t *err)
{
    cleanup_close int lk = vj_reg_lock(err);
    if (lk < 0)
        return -1;
    return vj_reg_save(rec, err);
}

static void cmdctx_init(struct vj_cmdctx *c, const struct work *w, const struct vj_cjail *cj,
                        const struct vj_rec *rec, const struct run *r)
{
    memset(c, 0, sizeof *c);
    c->cj = cj;
    c->rec = rec;
    c->name = w->cfgname ? w->name : rec ? shown(rec->j.name) : w->name;
    c->cfgname = w->cfgname;
    c->verbose = verbosity(r->o) > 0;
    c->jid = rec ? rec->j.jid : 0;
    c->path = cj ? vj_cjail_str(cj, "path") : NULL;
    if (!c->path && rec)
        c->path = rec->j.path;
}

/* -p LIMIT: FreeBSD counts the commands it runs and waits for, across
 * all jails of the invocation.  The workers share a pipe holding LIMIT
 * one-byte tokens; a worker takes one for its first command and, as
 * FreeBSD's state machine lets the jail whose command just ended go on
 * first, keeps it for the jail's next ones: it gives it back when the jail
 * is done or waits for stop.timeout (no command then).  So -p1 starts the
 * jails one after another, as rc.d expects of it.  (Mounts, for which
 * FreeBSD runs mount(8), are system calls here: not counted.) */
static int cmd_slots[2] = {-1, -1};
static bool slot_held;

static void slots_open(int limit)
{
    if (limit <= 0 || pipe2(cmd_slots, O_CLOEXEC) < 0)
        return;
    for (int i = 0; i < limit; i++)
        if (write(cmd_slots[1], "", 1) != 1)
            break; /* a full pipe: more tokens than anyone can use */
}

static void slots_close(void)
{
    for (int i = 0; i < 2; i++)
        if (cmd_slots[i] >= 0) {
            close(cmd_slots[i]);
            cmd_slots[i] = -1;
        }
}

static void slot_take(void)
{
    char c;
    if (cmd_slots[0] < 0 || slot_held)
        return;
    while (read(cmd_slots[0], &c, 1) < 0 && errno == EINTR)
        ;
    slot_held = true;
}

static void slot_give(void)
{
    if (!slot_held)
        return;
    while (write(cmd_slots[1], "", 1) < 0 && errno == EINTR)
        ;
    slot_held = false;
}

static int exec_counted(const struct vj_cmdctx *c, const char *param, const char *cmd,
                        char *const *argv, bool injail)
{
    slot_take();
    return vj_exec_run(c, param, cmd, argv, injail);
}

/* Run every value of an exec.* parameter in order; stop at the first
 * failure. */
static int run_hooks(const struct run *r, const struct work *w, const struct vj_cjail *cj,
                     const struct vj_rec *rec, const char *param, bool injail)
{
    if (!cj)
        return 0;
    struct vj_cparam *p = vj_cjail_get(cj, param);
    if (!p || !p->nvalues)
        return 0;
    struct vj_cmdctx c;
    cmdctx_init(&c, w, cj, rec, r);
    if (!strcmp(param, "command") && cj->cmdline)
        return exec_counted(&c, param, NULL, p->values, injail);
    for (size_t i = 0; i < p->nvalues; i++) {
        if (!p->values[i][0])
            continue;
        if (exec_counted(&c, param, p->values[i], NULL, injail) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* removal                                                          */

/* -v: an interface alias ("IFACE ADDR/LEN") as FreeBSD's jail(8) shows
 * the ifconfig command it runs. */
static void note_alias(const struct work *w, const char *alias, const char *verb)
{
    const char *sp = strchr(alias, ' ');
    if (!sp)
        return;
    notej(NULL, w, "ifconfig %.*s %s %s %s\n", (int)(sp - alias), alias,
          strchr(sp, ':') ? "inet6" : "inet", sp + 1, verb);
}

/* Unmount, in reverse order, every recorded mount, then remove the
 * interface aliases (FreeBSD's steps 6 and 7).  Used on rollback and
 * after exec.poststop. */
static void release_mounts(struct vj_rec *rec, const struct work *w, bool verbose)
{
    for (size_t i = rec->nmounts; i-- > 0;) {
        vj_error_t err = NULL;
        if (verbose && vj_is_mountpoint(rec->mounts[i]))
            printf("%s%sumount %s\n", w->cfgname ? w->name : "", w->cfgname ? ": " : "",
                   rec->mounts[i]);
        if (vj_umount_target(rec->mounts[i], &err) < 0)
            warn_err(w, &err);
    }
    for (size_t i = rec->naliases; i-- > 0;) {
        if (verbose)
            note_alias(w, rec->aliases[i], "-alias");
        vj_alias_del(rec->aliases[i]);
    }
}

static void finish_entry(struct vj_rec *rec)
{
    vj_error_t err = NULL;
    cleanup_close int lk = vj_reg_lock(&err);
    if (lk < 0) /* still release: the entry is ours */
        vj_error_release(&err);
    /* child jails go with their parent (FreeBSD) */
    vj_reg_reap_children(rec->j.jid);
    vj_rec_release_net(rec);
    vj_cgroup_remove(rec->cgroup);
    vj_rctl_release_jail(rec->j.name, rec->j.jid);
    vj_reg_delete(rec->j.jid);
}

/* stop.timeout: SIGTERM the jail's own processes and wait for them. */
static void term_procs(const struct run *r, const struct work *w, const struct vj_rec *rec,
                       long long timeout)
{
    if (timeout <= 0 || !rec->cgroup)
        return;
    struct vj_buf pids = {0};
    int n = vj_cgroup_signal(rec->cgroup, SIGTERM, &pids);
    cleanup_free char *list = buf_steal(&pids);
    if (!n)
        return;
    slot_give(); /* waiting is no command (-p) */
    if (verbosity(r->o) > 0)
        notej(r, w, "sent SIGTERM to:%s\n", list);
    cleanup_free char *leaf = xasprintf("%s/jail", rec->cgroup);
    struct timespec end, now;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout;
    for (;;) {
        if (vj_cgroup_populated(leaf) != 1)
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            break;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    if (verbosity(r->o) > 0)
        notej(r, w, "timed out\n");
}

/* The kernel part of jail_remove: the jail is dying from here on.
 * Returns -1 if another jail(8) got there first (it releases the jail). */
static int kill_jail(struct vj_rec *rec)
{
    vj_error_t err = NULL;
    {
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0)
            vj_error_release(&err);
        struct vj_rec cur;
        if (lk >= 0 && rec->state != JS_CREATING) {
            if (vj_reg_load(rec->j.jid, &cur, NULL) < 0)
                return -1;
            bool taken = cur.state == JS_DYING && vj_rec_alive(&cur);
            /* the mounts recorded since we read the entry count too */
            vj_rec_clear(&cur);
            if (taken)
                return -1;
        }
        rec->state = JS_DYING;
        rec->j.dying = true;
        rec->owner = registry_pid();
        rec->owner_start = vj_proc_start(rec->owner);
        vj_reg_save(rec, NULL);
    }
    vj_supervisor_kill(rec);
    vj_cgroup_kill(rec->cgroup);
    /* FreeBSD: vnet.interface comes back when the jail is removed. */
    vj_rec_release_net(rec);
    return 0;
}

/* FreeBSD's stop list.  cj: configuration used for the hooks (NULL: -R or
 * a jail not in the configuration).  Returns 0 or -1. */
static int remove_jail(const struct run *r, const struct work *w, struct vj_cjail *cj,
                       struct vj_rec *rec, bool announce)
{
    if (run_hooks(r, w, cj, rec, "exec.prestop", false) < 0)
        return -1;
    if (run_hooks(r, w, cj, rec, "exec.stop", true) < 0)
        return -1;
    term_procs(r, w, rec, cj ? vj_cjail_int(cj, "stop.timeout", 10) : 10);
    if (kill_jail(rec) < 0)
        return 0; /* removed concurrently by another jail(8) */
    int v = verbosity(r->o);
    if (v > 0 || (v == 0 && announce))
        notej(r, w, "removed\n");
    int rc = 0;
    if (run_hooks(r, w, cj, rec, "exec.poststop", false) < 0)
        rc = -1;
    release_mounts(rec, w, v > 0);
    if (run_hooks(r, w, cj, rec, "exec.release", false) < 0)
        rc = -1;
    finish_entry(rec);
    return rc;
}

/* -C for a jail that is not running: the post-removal steps only. */
static int clean_jail(const struct run *r, struct work *w)
{
    struct vj_cjail *cj = w->cj;
    vj_error_t err = NULL;
    if (!cj->expanded && vj_conf_expand(cj, 0, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    struct vj_rec fake = {0};
    fake.j.name = xstrdup(w->name);
    fake.j.path = vj_cjail_str(cj, "path") ? xstrdup(vj_cjail_str(cj, "path")) : NULL;
    int rc = 0;
    if (run_hooks(r, w, cj, &fake, "exec.poststop", false) < 0)
        rc = -1;
    struct vj_mnt *m = NULL;
    size_t nm = 0;
    if (vj_mounts_plan(cj, &m, &nm, &err) == 0) {
        for (size_t i = nm; i-- > 0;)
            if (vj_umount_target(m[i].target, &err) < 0)
                warn_err(w, &err);
        vj_mounts_free(m, nm);
    } else {
        warn_err(w, &err);
    }
    if (run_hooks(r, w, cj, &fake, "exec.release", false) < 0)
        rc = -1;
    vj_rec_clear(&fake);
    return rc;
}

/* ---------------------------------------------------------------- */
/* creation                                                         */

static bool jail_needs_temp_persist(const struct vj_cjail *cj)
{
    const char *p[] = {"exec.start", "command", "exec.poststart"};
    for (size_t i = 0; i < 3; i++) {
        struct vj_cparam *c = vj_cjail_get(cj, p[i]);
        if (c && c->nvalues)
            return true;
    }
    return false;
}

static int check_path(const struct work *w, const char *path, vj_error_t *err)
{
    if (!path)
        return 0;
    if (path[0] != '/' && w->cfgname)
        return vj_error_make(err, 0, "path %s: not an absolute pathname", path);
    struct stat st;
    if (stat(path, &st) < 0)
        return vj_error_make(err, errno, "path %s", path);
    if (!S_ISDIR(st.st_mode))
        return vj_error_make(err, ENOTDIR, "path %s", path);
    if (path[0] != '/')
        return vj_error_make(err, 0, "path %s: not an absolute pathname", path);
    return 0;
}

/* Roll a failed creation back, without any exec.* hook (FreeBSD). */
static void rollback(const struct run *r, const struct work *w, struct vj_rec *rec, bool created)
{
    if (created) {
        kill_jail(rec);
        int v = verbosity(r->o);
        if (v > 0 || (v == 0 && w->cfgname))
            notej(r, w, "removed\n");
    }
    release_mounts(rec, w, false);
    finish_entry(rec);
}

/* Warnings for parameters Linux cannot honour, once per jail creation or
 * modification (not on jexec): the security policy's (allow.*, ...) and
 * then PF_NOLINUX parameters it does not already speak about.  A policy
 * error (allow.mount ...) fails the operation before anything is made. */
static int warn_unhonoured(const struct work *w, const struct vj_cjail *cj)
{
    vj_error_t err = NULL;
    struct vj_policy *pol = NULL;
    if (vj_policy_from_jail(cj, &pol, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    vj_policy_print_warnings(pol, stderr);
    const char *jn = cj->name && cj->name[0] ? cj->name : NULL;
    for (size_t i = 0; i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var || !p->def || !(p->def->flags & PF_NOLINUX) || p->negated)
            continue;
        const char *v = p->nvalues ? p->values[p->nvalues - 1] : "";
        if (p->def->type == PT_BOOL ? param_parse_bool(v) != 1
                                    : (p->def->defval && !strcmp(v, p->def->defval)))
            continue;
        cleanup_free char *key = xasprintf("%s%s%s: ", jn ? jn : "", jn ? ": " : "", p->name);
        bool said = false;
        for (const char *const *m = vj_policy_warnings(pol); *m && !said; m++)
            said = !strncmp(*m, key, strlen(key));
        if (said)
            continue;
        fflush(stdout);
        if (p->loc.file && p->loc.line > 0)
            fprintf(stderr, "jail: %shas no meaning on Linux; ignored (%s line %d)\n", key,
                    p->loc.file, p->loc.line);
        else
            fprintf(stderr, "jail: %shas no meaning on Linux; ignored\n", key);
    }
    vj_policy_free(pol);
    return 0;
}

/* One name=value argument per value (list parameters accumulate); a
 * bare name for a parameter without one. */
static void args_add_param(struct vj_buf *b, const struct vj_cparam *p)
{
    cleanup_free char *dn = vj_cparam_display_name(p);
    if (!p->nvalues) {
        buf_add(b, dn, strlen(dn) + 1);
        return;
    }
    bool list = p->def->type == PT_LIST || p->def->type == PT_CMD;
    for (size_t k = list ? 0 : p->nvalues - 1; k < p->nvalues; k++) {
        cleanup_free char *arg = xasprintf("%s=%s", dn, p->values[k]);
        buf_add(b, arg, strlen(arg) + 1);
    }
}

/* From the host, to parent via: name and path as the parent sees them
 * (the path was checked to be the parent's root: child_path_from_host). */
static void host_child_arg(struct vj_buf *b, const struct vj_cparam *p,
                           const struct vj_jail *via)
{
    const char *v = p->values[p->nvalues - 1];
    size_t pl = strlen(via->name);
    if (!strcmp(p->name, "path"))
        v = "/";
    else if (!strncmp(v, via->name, pl) && v[pl] == '.')
        v += pl + 1;
    cleanup_free char *arg = xasprintf("%s=%s", p->name, v);
    buf_add(b, arg, strlen(arg) + 1);
}

/* The request for run_in_parent: rel names the running child, else the
 * parameters do; via: the parent (NULL: our own jail). */
static int parent_call(const struct run *r, struct work *w, const struct vj_jail *via,
                       const char *rel, const char *key)
{
    const struct vj_opts *o = r->o;
    unsigned ops = o->ops;
    struct vj_cjail *cj = w->cj;
    vj_error_t err = NULL;
    struct vj_buf b = {0};
    if (rel) {
        cleanup_free char *arg = xasprintf("name=%s", rel);
        buf_add(&b, arg, strlen(arg) + 1);
    }
    const struct vj_cparam *command = NULL;
    for (size_t i = 0; cj && i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        /* depend is ours to follow; a running child is named above */
        if (p->is_var || !p->def || !strcmp(p->name, "depend") ||
            (rel && (!strcmp(p->name, "name") || !strcmp(p->name, "jid"))))
            continue;
        if (!strcmp(p->name, "command"))
            command = p; /* last: the rest of the arguments are its own */
        else if (via && p->nvalues && (!strcmp(p->name, "name") || !strcmp(p->name, "path")))
            host_child_arg(&b, p, via);
        else
            args_add_param(&b, p);
    }
    /* "command=V0" "V1" ...: the arguments after it are its values */
    for (size_t k = 0; command && k < command->nvalues; k++) {
        cleanup_free char *arg = xasprintf("%s%s", k ? "" : "command=", command->values[k]);
        buf_add(&b, arg, strlen(arg) + 1);
    }
    size_t len = b.len;
    cleanup_free char *payload = buf_steal(&b);
    char op[32] = "RUN ";
    size_t f = 4;
    if (ops & JOP_CREATE)
        op[f++] = 'c';
    if (ops & JOP_MODIFY)
        op[f++] = 'm';
    if (ops & JOP_REMOVE)
        op[f++] = 'r';
    const struct {
        bool on;
        char c;
    } fl[] = {{o->quiet, 'q'},       {o->print_jid, 'i'},     {o->verbose, 'v'},
              {o->cleanup, 'C'},     {o->nocfg_remove, 'R'},  {o->wild, 'w'},
              {cj && !cj->cmdline, 'f'}, {w->cfgname, 'N'},   {r->note_remove, 'A'}};
    for (size_t i = 0; i < sizeof fl / sizeof *fl; i++)
        if (fl[i].on)
            op[f++] = fl[i].c;
    /* messages name the jail as we do (a target: as the user gave it) */
    cleanup_free char *opn = xasprintf("%.*s:%s", (int)f, op, w->name);
    char *reply = NULL;
    size_t rlen = 0;
    if (vj_nested_call_via(via, opn, payload, len, &reply, &rlen, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    int rc = rlen == 1 && reply[0] == 0 ? 0 : -1;
    free(reply);
    if (rc == 0 && o->jid_file && cj && (ops & JOP_CREATE)) {
        /* -J: the JID of the child as it now runs */
        struct vj_jail made = {0};
        if (key && vj_registry_find(key, false, &made, NULL) == 0) {
            fprintf(o->jid_file, "jid=%d\t", made.jid);
            vj_conf_print_jail(o->jid_file, cj, "\t");
            fflush(o->jid_file);
            vj_jail_clear(&made);
        }
    }
    return rc;
}

/* A child jail's path given on the host must be its parent's root, which
 * the child gets (it is sent as "/", the only path the parent's
 * supervisor takes). */
static int child_path_from_host(const struct work *w, const struct vj_cjail *cj,
                                const struct vj_jail *parent)
{
    const char *path = vj_cjail_str(cj, "path");
    if (!path)
        return 0;
    const char *proot = parent->path && *parent->path ? parent->path : "/";
    /* FreeBSD takes a command-line path relative to the cwd */
    cleanup_free char *rp = realpath(path, NULL);
    cleanup_free char *rroot = realpath(proot, NULL);
    if (!rp || !rroot) {
        warnj(w, "path %s: %s", rp ? proot : path, strerror(errno));
        return -1;
    }
    size_t l = strcmp(rroot, "/") ? strlen(rroot) : 0;
    if (strcmp(rp, rroot) != 0 && (strncmp(rp, rroot, l) != 0 || rp[l] != '/')) {
        warnj(w, "path %s: not inside its parent jail's root %s", path, proot);
        return -1;
    }
    if (strcmp(rp, rroot) != 0) {
        warnj(w, "path %s: only its parent jail's root (%s) is supported for a child jail",
              path, proot);
        return -1;
    }
    return 0;
}

/* jail(8) inside a jail: its children are created, changed and removed by
 * the jail's supervisor (engine_nested.c), which does what jail(8) does on
 * the host and prints the messages on our stdout and stderr.  Parameters
 * go as name=value arguments; the child is named relative to us.  From
 * the host (via: the parent jail), the same through that parent's
 * supervisor. */
static int run_in_parent(const struct run *r, struct work *w, const struct vj_jail *via,
                         int cmax)
{
    const struct vj_opts *o = r->o;
    unsigned ops = o->ops;
    bool plain_remove = (ops & JOP_REMOVE) && !(ops & (JOP_CREATE | JOP_MODIFY));
    struct vj_cjail *cj = w->cj;
    vj_error_t err = NULL;
    if (cj && !cj->expanded && vj_conf_expand(cj, -1, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    const char *key = w->target;
    if (!key && cj) {
        const char *n = vj_cjail_str(cj, "name"), *j = vj_cjail_str(cj, "jid");
        key = n ? n : j ? j : cj->name;
    }
    struct vj_jail child = {0};
    bool running = key && vj_registry_find(key, false, &child, NULL) == 0;
    int rc = -1;
    if (geteuid() != 0 && (running || (ops & JOP_CREATE))) {
        warnj(w, "%s: Operation not permitted", plain_remove ? "jail_remove" : "jail_set");
        goto out;
    }
    if (!running) {
        if (plain_remove && o->cleanup && cj) {
            rc = 0; /* nothing of a child's is ours to clean up */
            goto out;
        }
        if (!(ops & JOP_CREATE)) {
            fflush(stdout); /* FreeBSD: never with the "NAME: " prefix */
            if (key)
                fprintf(stderr, "jail: \"%s\" not found\n", key);
            else
                fprintf(stderr, "jail: no jail specified\n");
            goto out;
        }
        if (cmax <= 0) {
            /* FreeBSD: no jail_set at all without children.max */
            fflush(stdout);
            fprintf(stderr, "jail: jail_set: Operation not permitted\n");
            goto out;
        }
    } else if ((ops & JOP_CREATE) && !(ops & (JOP_REMOVE | JOP_MODIFY))) {
        if (o->wild)
            rc = 0; /* all jails: running ones are done */
        else
            warnj(w, "\"%s\" already exists", key);
        goto out;
    }
    const char *rel = running ? child.name : NULL;
    if (via) {
        /* the host names it in full: relative to the parent */
        size_t pl = strlen(via->name);
        if (rel && (strncmp(rel, via->name, pl) != 0 || rel[pl] != '.')) {
            warnj(w, "\"%s\" not found", key);
            goto out;
        }
        if (rel)
            rel += pl + 1;
        if (cj && child_path_from_host(w, cj, via) < 0)
            goto out;
    }
    rc = parent_call(r, w, via, rel, key);
out:
    vj_jail_clear(&child);
    return rc;
}

/* From the host, a child jail ("PARENT.NAME", or a running jail that has
 * a parent) is created and changed as from inside its parent: by the
 * parent's supervisor, so that it is made inside the parent's name
 * spaces.  Removal needs no parent: the host does it (do_jail).  cur: the
 * jail as found running, if it is.  Returns 1 when w is not for a
 * parent. */
static int run_child_from_host(const struct run *r, struct work *w, const struct vj_rec *cur)
{
    unsigned ops = r->o->ops;
    if (child_parent || geteuid() != 0 || !(ops & (JOP_CREATE | JOP_MODIFY)))
        return 1;
    cleanup_free char *pname = NULL;
    if (cur && !cur->j.dying) {
        if (cur->j.parent > 0)
            pname = xasprintf("%d", cur->j.parent);
    } else if (ops & JOP_CREATE) {
        /* not running: its name says its parent */
        const char *key = w->target, *n = w->cj ? vj_cjail_str(w->cj, "name") : NULL;
        if (!key)
            key = n && !strchr(n, '$') ? n : w->cj ? w->cj->name : NULL;
        const char *dot = key && !all_digits(key) ? strrchr(key, '.') : NULL;
        if (dot)
            pname = xstrndup(key, (size_t)(dot - key));
    }
    if (!pname)
        return 1;
    struct vj_jail parent = {0};
    if (vj_registry_find(pname, true, &parent, NULL) < 0) {
        /* FreeBSD's kernel, for a parent that does not exist */
        warnj(w, "jail \"%s\" not found", pname);
        return -1;
    }
    int rc = -1;
    if (parent.dying)
        warnj(w, "jail \"%s\" is dying", pname);
    else
        rc = run_in_parent(r, w, &parent,
                           parent.params ? (int)vj_cjail_int(parent.params, "children.max", 0) : 0);
    vj_jail_clear(&parent);
    return rc;
}

static int create_jail(const struct run *r, struct work *w)
{
    struct vj_cjail *cj = w->cj;
    vj_error_t err = NULL;
    const struct vj_opts *o = r->o;

    /* Identity: explicit jid (or numeric block name), name. */
    const char *jidp = NULL;
    struct vj_cparam *pj = vj_cjail_get(cj, "jid");
    if (pj && pj->nvalues)
        jidp = pj->values[pj->nvalues - 1];
    struct vj_cparam *pn = vj_cjail_get(cj, "name");
    const char *name = pn && pn->nvalues ? pn->values[pn->nvalues - 1] : NULL;
    if (name && strchr(name, '$'))
        name = NULL; /* expanded below; checked again then */
    if (!name && !cj->cmdline && cj->name && !all_digits(cj->name))
        name = cj->name;
    int want = 0;
    if (jidp && all_digits(jidp))
        want = atoi(jidp);
    else if (!jidp && !cj->cmdline && all_digits(cj->name))
        want = atoi(cj->name);

    struct vj_rec rec;
    {
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0) {
            warn_err(w, &err);
            return -1;
        }
        if (vj_reg_reserve(&rec, want, name, child_parent, &err) < 0) {
            warn_err(w, &err);
            return -1;
        }
        if (child_parent) {
            /* vj_reg_reserve recorded getpid(): ours in the parent's
             * PID name space; fixed before anyone else takes the lock */
            rec.owner = registry_pid();
            rec.owner_start = vj_proc_start(rec.owner);
            if (vj_reg_save(&rec, &err) < 0) {
                warn_err(w, &err);
                vj_reg_delete(rec.j.jid);
                vj_rec_clear(&rec);
                return -1;
            }
        }
    }
    /* ${jid} expands to the reserved JID. */
    if (!cj->expanded && vj_conf_expand(cj, rec.j.jid, &err) < 0) {
        warn_err(w, &err);
        finish_entry(&rec);
        vj_rec_clear(&rec);
        return -1;
    }
    if (!w->cfgname && !cj->cmdline)
        w->name = shown(cj->name);
    const char *ename = vj_cjail_str(cj, "name");
    if (ename && strcmp(ename, rec.j.name) != 0) {
        /* name came out of a variable: re-check uniqueness */
        cleanup_close int lk = vj_reg_lock(&err);
        struct vj_rec other;
        if (lk >= 0 && vj_reg_lookup(ename, false, &other, NULL) == 0) {
            vj_rec_clear(&other);
            warnj(w, "\"%s\" already exists", ename);
            vj_reg_delete(rec.j.jid);
            vj_rec_clear(&rec);
            return -1;
        }
        free(rec.j.name);
        rec.j.name = xstrdup(ename);
    }
    if (!w->cfgname)
        w->name = shown(rec.j.name);
    if (strchr(rec.j.name, '.') && !child_parent) {
        /* "a.b" is child b of jail a, made by a's supervisor
         * (run_child_from_host), which needs the name before expansion */
        warnj(w, "jail_set: %s: a child jail's name cannot come from a variable", rec.j.name);
        finish_entry(&rec);
        vj_rec_clear(&rec);
        return -1;
    }

    int rc = -1;
    bool created = false;
    struct vj_mnt *mnts = NULL;
    size_t nmnts = 0;
    char **aliases = NULL;
    size_t naliases = 0;
    const char *path = vj_cjail_str(cj, "path");
    cleanup_free char *abspath = NULL;
    if (path && path[0] != '/' && cj->cmdline) {
        /* FreeBSD's kernel takes a command-line path relative to the cwd */
        abspath = realpath(path, NULL);
        if (abspath) {
            vj_cjail_set(cj, "path", abspath);
            path = vj_cjail_str(cj, "path");
        }
    }
    bool persist = vj_cjail_bool(cj, "persist", false);
    struct vj_cparam *vi = vj_cjail_get(cj, "vnet.interface");

    /* step 0: parameter checks (ip_hostname first: its addresses are
     * checked with the others) */
    if (vj_ip_hostname(cj, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    if (vi && vi->nvalues && !vj_jail_is_vnet(cj)) {
        warnj(w, "vnet.interface: the jail has no vnet");
        goto fail;
    }
    struct vj_cparam *rctl = vj_cjail_get(cj, "rctl");
    if (rctl && rctl->nvalues &&
        vj_rctl_conf_check(rec.j.name, rctl->values, rctl->nvalues, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    if (!persist && !jail_needs_temp_persist(cj)) {
        warnj(w, "new jail must persist or attach");
        goto fail;
    }
    if (warn_unhonoured(w, cj) < 0)
        goto fail;
    if (vj_mounts_plan(cj, &mnts, &nmnts, &err) < 0 ||
        vj_alias_plan(cj, &aliases, &naliases, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    rec.j.path = xstrdup(path ? path : "/");
    rec.j.hostname = xstrdup(vj_cjail_str(cj, "host.hostname") ? vj_cjail_str(cj, "host.hostname") : "");
    rec.persist = persist;
    rec.temp_persist = !persist;
    rec.j.params = cjail_record(cj, rec.j.name);
    /* The cgroup it will have (made at step 9), in the same save. */
    rec.cgroup = vj_cgroup_path(rec.j.jid);
    if (rec_save_locked(&rec, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }

    /* 1: exec.prepare */
    if (run_hooks(r, w, cj, &rec, "exec.prepare", false) < 0)
        goto fail;
    /* 2: interface aliases (IPv4, then IPv6), each recorded before it is
     * added; one that cannot be added is not ours to remove */
    for (size_t i = 0; i < naliases; i++) {
        vj_strv_push(&rec.aliases, &rec.naliases, xstrdup(aliases[i]));
        if (rec_save_locked(&rec, &err) < 0) {
            warn_err(w, &err);
            goto fail;
        }
        if (verbosity(o) > 0)
            note_alias(w, aliases[i], "alias");
        if (vj_alias_add(aliases[i], &err) < 0) {
            free(rec.aliases[--rec.naliases]);
            rec.aliases[rec.naliases] = NULL;
            vj_error_t serr = NULL;
            if (rec_save_locked(&rec, &serr) < 0)
                vj_error_release(&serr);
            warn_err(w, &err);
            goto fail;
        }
    }
    /* 3-7: mounts, each recorded before it is made */
    for (size_t i = 0; i < nmnts; i++) {
        vj_strv_push(&rec.mounts, &rec.nmounts, xstrdup(mnts[i].target));
        if (rec_save_locked(&rec, &err) < 0) {
            warn_err(w, &err);
            goto fail;
        }
        if (verbosity(o) > 0)
            notej(r, w, "mount -t %s %s %s\n", mnts[i].type, mnts[i].src, mnts[i].target);
        if (vj_mount_one(cj, &mnts[i], &err) < 0) {
            warn_err(w, &err);
            goto fail;
        }
    }
    /* 8: exec.prestart */
    if (run_hooks(r, w, cj, &rec, "exec.prestart", false) < 0)
        goto fail;
    /* 9: create */
    if (check_path(w, path, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    if (verbosity(o) > 0)
        vnote_jail_set(w, "JAIL_CREATE", cj, rec.j.jid);
    if (vj_cgroup_create(&rec, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    created = true;
    /* resource limits: stored and applied before the first process */
    if (vj_rctl_conf_set(rec.j.name, rctl ? rctl->values : NULL, rctl ? rctl->nvalues : 0,
                         &err) < 0 ||
        vj_rctl_apply_jail(rec.j.name, rec.j.jid, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    /* (also sets up vnet.bridge networking: vj_net_create) */
    if (vj_supervisor_start(&rec, cj, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    {
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0) {
            warn_err(w, &err);
            goto fail;
        }
        rec.state = JS_RUNNING;
        rec.owner = 0;
        rec.owner_start = 0;
        if (vj_reg_save(&rec, &err) < 0) {
            warn_err(w, &err);
            goto fail;
        }
    }
    if (o->print_jid) {
        printf("%d\n", rec.j.jid);
        fflush(stdout);
    }
    if (verbosity(o) > 0 || (verbosity(o) == 0 && w->cfgname))
        notej(r, w, "created\n");
    /* 10: exec.created; 12: vnet.interface; 13-15 */
    if (run_hooks(r, w, cj, &rec, "exec.created", false) < 0)
        goto fail;
    if (vj_net_move_in(&rec, cj, &err) < 0) {
        warn_err(w, &err);
        goto fail;
    }
    if (run_hooks(r, w, cj, &rec, "exec.start", true) < 0 ||
        run_hooks(r, w, cj, &rec, "command", true) < 0 ||
        run_hooks(r, w, cj, &rec, "exec.poststart", false) < 0)
        goto fail;
    /* 16: clear the temporary persist; the supervisor takes over. */
    if (rec.temp_persist) {
        if (verbosity(o) > 0) {
            if (w->cfgname)
                printf("%s: ", w->name);
            printf("jail_set(JAIL_UPDATE) jid=%d nopersist\n", rec.j.jid);
        }
        bool handed = false;
        {
            cleanup_close int lk = vj_reg_lock(&err);
            struct vj_rec cur;
            if (lk >= 0 && vj_reg_load(rec.j.jid, &cur, NULL) == 0) {
                cur.temp_persist = false;
                handed = vj_rec_end_if_empty(&cur);
                vj_reg_save(&cur, NULL);
                vj_rec_clear(&cur);
            }
            vj_error_release(&err);
        }
        /* Without the lock: the supervisor takes it to release the jail.
         * A jail that ended here has nothing to hand back: its supervisor
         * releases it without us waiting. */
        if (handed)
            vj_supervisor_signal(&rec);
        else
            vj_supervisor_poke(&rec);
    }
    if (o->jid_file && o->oldform) {
        /* jid, path, hostname, addresses, command words */
        struct vj_buf b = {0};
        buf_printf(&b, "%d\t%s\t%s\t", rec.j.jid, path ? path : "",
                   vj_cjail_str(cj, "host.hostname") ? vj_cjail_str(cj, "host.hostname") : "");
        const char *fam[] = {"ip4.addr", "ip6.addr"};
        bool first = true;
        for (size_t f = 0; f < 2; f++) {
            struct vj_cparam *ap = vj_cjail_get(cj, fam[f]);
            for (size_t k = 0; ap && k < ap->nvalues; k++) {
                buf_printf(&b, "%s%s", first ? "" : ",", ap->values[k]);
                first = false;
            }
        }
        buf_addc(&b, '\t');
        struct vj_cparam *cp = vj_cjail_get(cj, "command");
        for (size_t k = 0; cp && k < cp->nvalues; k++)
            buf_printf(&b, "%s%s", k ? " " : "", cp->values[k]);
        cleanup_free char *line = buf_steal(&b);
        fprintf(o->jid_file, "%s\n", line);
        fflush(o->jid_file);
    } else if (o->jid_file) {
        fprintf(o->jid_file, "jid=%d\t", rec.j.jid);
        vj_conf_print_jail(o->jid_file, cj, "\t");
        fflush(o->jid_file);
    }
    rc = 0;
    goto out;
fail:
    rollback(r, w, &rec, created);
out:
    vj_mounts_free(mnts, nmnts);
    vj_alias_list_free(aliases, naliases);
    vj_rec_clear(&rec);
    return rc;
}

/* ---------------------------------------------------------------- */
/* modification                                                     */

static bool values_equal(const struct vj_cparam *a, const struct vj_cparam *b)
{
    if (!a || !b)
        return false;
    if (a->nvalues != b->nvalues || a->negated != b->negated)
        return false;
    for (size_t i = 0; i < a->nvalues; i++)
        if (strcmp(a->values[i], b->values[i]) != 0)
            return false;
    return true;
}

/* First create-only parameter whose requested value differs. */
static const char *changed_create_only(const struct vj_cjail *cj, const struct vj_rec *rec)
{
    for (size_t i = 0; i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var || !p->def || !(p->def->flags & PF_CREATE) || !strcmp(p->name, "jid"))
            continue;
        const struct vj_cparam *q = rec->j.params ? vj_cjail_get(rec->j.params, p->name) : NULL;
        if (!q) {
            /* not recorded: the running value is the default */
            const char *dv = p->def->defval;
            if (p->nvalues == 1 && dv && !strcmp(p->values[0], dv))
                continue;
            if (!strcmp(p->name, "path") && p->nvalues == 1 && rec->j.path &&
                !strcmp(p->values[0], rec->j.path))
                continue;
            return p->name;
        }
        if (!values_equal(p, q))
            return p->name;
    }
    return NULL;
}

static int set_uts(const struct vj_rec *rec, const char *hn, const char *dn, vj_error_t *err)
{
    /* The supervisor's UTS name space through /proc, which numbers it as
     * the registry does (a parent jail's worker has another PID name
     * space); checked after the open, so a reused PID cannot stand in. */
    cleanup_free char *nsp = xasprintf("/proc/%d/ns/uts", (int)rec->j.sup_pid);
    cleanup_close int fd = open(nsp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || vj_proc_start(rec->j.sup_pid) != rec->j.sup_start)
        return vj_error_make(err, ESRCH, "jail_set: cannot update host info");
    pid_t pid = fork();
    if (pid < 0)
        return vj_error_make(err, errno, "fork");
    if (pid == 0) {
        if (setns(fd, CLONE_NEWUTS) < 0)
            _exit(1);
        if (hn && sethostname(hn, strlen(hn)) < 0)
            _exit(2);
        if (dn && setdomainname(dn, strlen(dn)) < 0)
            _exit(3);
        _exit(0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return vj_error_make(err, 0, "jail_set: cannot update host info");
    return 0;
}

/* Merge the new kernel parameters into the recorded ones. */
static void merge_params(struct vj_rec *rec, const struct vj_cjail *cj)
{
    struct vj_cjail *c = rec->j.params;
    for (size_t i = 0; i < cj->nparams; i++) {
        const struct vj_cparam *p = &cj->params[i];
        if (p->is_var || !p->def || !(p->def->flags & PF_KERNEL))
            continue;
        struct vj_cparam *q = vj_cjail_get(c, p->name);
        if (!q) {
            c->params = xrealloc(c->params, (c->nparams + 1) * sizeof *c->params);
            q = &c->params[c->nparams++];
            memset(q, 0, sizeof *q);
            q->name = xstrdup(p->name);
            q->def = p->def;
        } else {
            for (size_t k = 0; k < q->nvalues; k++)
                free(q->values[k]);
            free(q->values);
        }
        q->negated = p->negated;
        q->nvalues = p->nvalues;
        q->values = xcalloc(p->nvalues + 1, sizeof *q->values);
        for (size_t k = 0; k < p->nvalues; k++)
            q->values[k] = xstrdup(p->values[k]);
    }
}

/* Returns 0, -1 (failed), or 1 (create-only change with -mr: restart). */
static int modify_jail(const struct run *r, struct work *w, struct vj_rec *rec)
{
    struct vj_cjail *cj = w->cj;
    vj_error_t err = NULL;
    if (!cj->expanded && vj_conf_expand(cj, rec->j.jid, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    const char *bad = changed_create_only(cj, rec);
    if (bad) {
        if (r->o->ops & JOP_REMOVE)
            return 1;
        warnj(w, "%s cannot be changed after creation", bad);
        return -1;
    }
    if (warn_unhonoured(w, cj) < 0)
        return -1;
    if (verbosity(r->o) > 0)
        vnote_jail_set(w, "JAIL_UPDATE", cj, rec->j.jid);
    struct vj_cparam *hp = vj_cjail_get(cj, "host.hostname");
    struct vj_cparam *dp = vj_cjail_get(cj, "host.domainname");
    const char *hn = hp ? (hp->nvalues ? hp->values[hp->nvalues - 1] : "") : NULL;
    const char *dn = dp ? (dp->nvalues ? dp->values[dp->nvalues - 1] : "") : NULL;
    if ((hn || dn) && set_uts(rec, hn, dn, &err) < 0) {
        warn_err(w, &err);
        return -1;
    }
    {
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0) {
            warn_err(w, &err);
            return -1;
        }
        struct vj_rec cur;
        if (vj_reg_load(rec->j.jid, &cur, &err) < 0) {
            warn_err(w, &err);
            return -1;
        }
        merge_params(&cur, cj);
        if (hn) {
            free(cur.j.hostname);
            cur.j.hostname = xstrdup(hn);
        }
        if (vj_cjail_get(cj, "persist"))
            cur.persist = vj_cjail_bool(cj, "persist", false);
        vj_reg_save(&cur, NULL);
        vj_rec_clear(&cur);
    }
    vj_supervisor_poke(rec);
    int v = verbosity(r->o);
    if (v > 0 || (v == 0 && w->cfgname))
        notej(r, w, "updated\n");
    return 0;
}

/* ---------------------------------------------------------------- */
/* one jail: dispatch on the operation                              */

static int find_running(const struct work *w, struct vj_rec *rec, bool with_dying)
{
    vj_error_t err = NULL;
    /* not root: the registry is read without its lock (registry.c) */
    cleanup_close int lk = geteuid() == 0 ? vj_reg_lock(&err) : -1;
    if (lk < 0 && geteuid() == 0) {
        vj_error_release(&err);
        return -1;
    }
    const char *key = w->target;
    char *freeme = NULL;
    if (!key && w->cj) {
        const char *n = vj_cjail_str(w->cj, "name");
        const char *j = vj_cjail_str(w->cj, "jid");
        if (n && !strchr(n, '$'))
            key = n;
        else if (j && all_digits(j))
            key = j;
        else
            key = w->cj->name;
    }
    int rc = key ? vj_reg_lookup(key, with_dying, rec, NULL) : -1;
    free(freeme);
    return rc;
}

static int do_jail(const struct run *r, struct work *w)
{
    const struct vj_opts *o = r->o;
    /* Inside a jail: its children are managed by its supervisor; the
     * registry is not reachable from here. */
    int self = 0, cmax = 0;
    if (vj_self_jail(&self, &cmax, NULL) == 0 && self > 0)
        return run_in_parent(r, w, NULL, cmax);
    struct vj_rec rec;
    memset(&rec, 0, sizeof rec);
    bool running = find_running(w, &rec, (o->ops & JOP_REMOVE) != 0) == 0;
    int crc = run_child_from_host(r, w, running ? &rec : NULL);
    if (crc != 1) {
        vj_rec_clear(&rec);
        return crc;
    }
    int rc = 0;
    unsigned ops = o->ops;
    bool plain_remove = (ops & JOP_REMOVE) && !(ops & (JOP_CREATE | JOP_MODIFY));

    /* FreeBSD's kernel lets only root create, change or remove jails;
     * nothing is run or changed before that answer. */
    if (geteuid() != 0 && (running || (ops & JOP_CREATE))) {
        vj_rec_clear(&rec);
        warnj(w, "%s: Operation not permitted", plain_remove ? "jail_remove" : "jail_set");
        return -1;
    }

    if (ops & JOP_REMOVE && !(ops & (JOP_CREATE | JOP_MODIFY))) {
        /* plain removal */
        if (!running) {
            if (o->cleanup && w->cj)
                return clean_jail(r, w);
            fflush(stdout); /* FreeBSD: never with the "NAME: " prefix */
            fprintf(stderr, "jail: \"%s\" not found\n", w->target ? w->target : w->name);
            return -1;
        }
        if (!w->cfgname)
            w->name = shown(rec.j.name);
        struct vj_cjail *cj = o->nocfg_remove ? NULL : w->cj;
        vj_error_t err = NULL;
        if (cj && !cj->expanded && vj_conf_expand(cj, rec.j.jid, &err) < 0) {
            warn_err(w, &err);
            vj_rec_clear(&rec);
            return -1;
        }
        if (rec.j.dying) {
            /* Already being released by someone else. */
            vj_rec_clear(&rec);
            return 0;
        }
        rc = remove_jail(r, w, cj, &rec, r->note_remove);
        vj_rec_clear(&rec);
        return rc;
    }
    if (running && rec.j.dying) {
        vj_rec_clear(&rec);
        running = false;
    }
    if (ops & JOP_MODIFY) {
        if (!running && !(ops & JOP_CREATE)) {
            const char *key = w->cfgname ? w->name : vj_cjail_str(w->cj, "jid");
            if (!w->cfgname && !key)
                key = vj_cjail_str(w->cj, "name");
            fflush(stdout);
            if (key)
                fprintf(stderr, "jail: \"%s\" not found\n", shown(key));
            else
                fprintf(stderr, "jail: no jail specified\n");
            return -1;
        }
        if (running) {
            rc = modify_jail(r, w, &rec);
            if (rc == 1) {
                /* -mr: restart */
                struct vj_cjail *cj = w->cj;
                rc = remove_jail(r, w, cj, &rec, false);
                vj_rec_clear(&rec);
                if (rc == 0)
                    rc = create_jail(r, w); /* expanded once, as FreeBSD */
                return rc;
            }
            vj_rec_clear(&rec);
            return rc;
        }
    }
    if (ops & JOP_CREATE) {
        if (running && (ops & JOP_REMOVE)) {
            /* -rc restart: removal is not announced */
            struct vj_cjail *cj = w->cj;
            vj_error_t err = NULL;
            if (cj && !cj->expanded && vj_conf_expand(cj, rec.j.jid, &err) < 0) {
                warn_err(w, &err);
                vj_rec_clear(&rec);
                return -1;
            }
            rc = remove_jail(r, w, cj, &rec, false);
            vj_rec_clear(&rec);
            if (rc < 0)
                return rc;
            return create_jail(r, w);
        }
        if (running) {
            vj_rec_clear(&rec);
            if (o->wild)
                return 0; /* all jails: running ones are done */
            const char *n = vj_cjail_str(w->cj, "name");
            warnj(w, "\"%s\" already exists", shown(n ? n : w->cj->name));
            return -1;
        }
        if (o->cleanup && w->cj && clean_jail(r, w) < 0)
            return -1;
        return create_jail(r, w);
    }
    vj_rec_clear(&rec);
    return rc;
}

/* ---------------------------------------------------------------- */
/* scheduling                                                       */

static const char *jail_key(const struct vj_cjail *cj)
{
    return cj->name;
}

/* FreeBSD: a configured jail "a.b" depends on "a" if that is configured
 * too, lightly: a running parent does not hold a creation back. */
static void add_parent_dep(struct run *r, size_t i)
{
    struct work *w = &r->w[i];
    const char *key = jail_key(w->cj);
    const char *dot = w->cj->cmdline || !key ? NULL : strrchr(key, '.');
    if (!dot)
        return;
    size_t pl = (size_t)(dot - key);
    for (size_t m = 0; m < r->nw; m++) {
        const char *pk = r->w[m].cj ? jail_key(r->w[m].cj) : NULL;
        if (m == i || !pk || strlen(pk) != pl || strncmp(pk, key, pl) != 0)
            continue;
        if ((r->o->ops & JOP_CREATE) && !(r->o->ops & JOP_REMOVE)) {
            struct vj_rec rr;
            if (find_running(&r->w[m], &rr, false) == 0) {
                vj_rec_clear(&rr);
                continue;
            }
        }
        w->deps = xrealloc(w->deps, (w->ndeps + 1) * sizeof *w->deps);
        w->deps[w->ndeps++] = m;
    }
}

static int build_deps(struct run *r)
{
    for (size_t i = 0; i < r->nw; i++) {
        struct work *w = &r->w[i];
        if (!w->cj)
            continue;
        char **dep = w->cj->depend;
        struct vj_cparam *dp = NULL;
        size_t nd = 0;
        if (!dep) {
            dp = vj_cjail_get(w->cj, "depend");
            nd = dp ? dp->nvalues : 0;
        } else {
            while (dep[nd])
                nd++;
        }
        for (size_t k = 0; k < nd; k++) {
            const char *dn = dep ? dep[k] : dp->values[k];
            if (w->cj->cmdline) {
                /* Without a configuration, depend names running jails. */
                struct work tmp = {.target = (char *)dn};
                struct vj_rec rr;
                if (find_running(&tmp, &rr, false) == 0) {
                    vj_rec_clear(&rr);
                } else {
                    fprintf(stderr, "jail: depends on nonexistent jail \"%s\"\n", dn);
                    w->status = WS_FAILED;
                }
                continue;
            }
            size_t found = r->nw;
            for (size_t m = 0; m < r->nw; m++)
                if (r->w[m].cj && !strcmp(jail_key(r->w[m].cj), dn))
                    found = m;
            if (found == r->nw) {
                if (r->o->ops & JOP_CREATE) {
                    warnj(w, "depends on undefined jail \"%s\"", dn);
                    w->status = WS_FAILED;
                }
                continue;
            }
            w->deps = xrealloc(w->deps, (w->ndeps + 1) * sizeof *w->deps);
            w->deps[w->ndeps++] = found;
        }
        add_parent_dep(r, i);
    }
    /* Dependency loops: a jail that can reach itself. */
    for (size_t i = 0; i < r->nw; i++) {
        bool *seen = xcalloc(r->nw, sizeof *seen);
        size_t *stack = xcalloc(r->nw * r->nw + 1, sizeof *stack);
        size_t sp = 0;
        for (size_t k = 0; k < r->w[i].ndeps; k++)
            stack[sp++] = r->w[i].deps[k];
        bool loop = false;
        while (sp && !loop) {
            size_t x = stack[--sp];
            if (x == i) {
                loop = true;
                break;
            }
            if (seen[x])
                continue;
            seen[x] = true;
            for (size_t k = 0; k < r->w[x].ndeps && sp < r->nw * r->nw; k++)
                stack[sp++] = r->w[x].deps[k];
        }
        if (loop && r->w[i].status == WS_PENDING) {
            warnj(&r->w[i], "dependency loop");
            r->w[i].status = WS_FAILED;
        }
        free(seen);
        free(stack);
    }
    return 0;
}

/* Can w start?  1 yes, 0 not yet, -1 never (a dependency failed).
 * Creation waits for dependencies; removal waits for dependents. */
static int ready(const struct run *r, size_t i)
{
    bool removing = (r->o->ops & JOP_REMOVE) && !(r->o->ops & JOP_CREATE);
    int res = 1;
    if (!removing) {
        for (size_t k = 0; k < r->w[i].ndeps; k++) {
            int s = r->w[r->w[i].deps[k]].status;
            if (s == WS_FAILED)
                return -1;
            if (s != WS_OK)
                res = 0;
        }
    } else {
        for (size_t m = 0; m < r->nw; m++)
            for (size_t k = 0; k < r->w[m].ndeps; k++)
                if (r->w[m].deps[k] == i && (r->w[m].status == WS_PENDING ||
                                             r->w[m].status == WS_RUNNING))
                    res = 0;
    }
    return res;
}

static int reap_worker(struct run *r, bool block)
{
    int st;
    pid_t pid = waitpid(-1, &st, block ? 0 : WNOHANG);
    if (pid <= 0)
        return 0;
    for (size_t i = 0; i < r->nw; i++) {
        if (r->w[i].status == WS_RUNNING && r->w[i].worker == pid) {
            r->w[i].status = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? WS_OK : WS_FAILED;
            /* -p: a worker that crashed may have died with a token */
            if (WIFSIGNALED(st) && cmd_slots[1] >= 0 && write(cmd_slots[1], "", 1) < 0) {
                /* nothing better to do */
            }
            return 1;
        }
    }
    return 0; /* not a worker: a jail's supervisor, our child until we exit */
}

int vj_run(struct vj_conf *conf, struct vj_cjail **sel, size_t nsel, char **targets,
           size_t ntargets, const struct vj_opts *opts)
{
    /* -R '*' (or a wildcard without a configuration): every running jail
     * whose name matches. */
    char **expanded = NULL;
    size_t nexp = 0;
    for (size_t i = 0; i < ntargets; i++) {
        if (!vj_wild_name(targets[i])) {
            expanded = xrealloc(expanded, (nexp + 1) * sizeof *expanded);
            expanded[nexp++] = xstrdup(targets[i]);
            continue;
        }
        struct vj_jail *list = NULL;
        size_t nl = 0;
        vj_error_t err = NULL;
        if (vj_registry_list(&list, &nl, false, &err) < 0)
            vj_error_release(&err);
        for (size_t k = 0; k < nl; k++) {
            if (!strcmp(targets[i], "*") || vj_wild_match(targets[i], list[k].name)) {
                expanded = xrealloc(expanded, (nexp + 1) * sizeof *expanded);
                expanded[nexp++] = xstrdup(list[k].name);
            }
        }
        vj_jail_list_free(list, nl);
    }
    targets = expanded;
    ntargets = nexp;
    struct run r = {.o = opts};
    r.nw = nsel + ntargets;
    r.w = xcalloc(r.nw + 1, sizeof *r.w);
    for (size_t i = 0; i < nsel; i++) {
        struct work *w = &r.w[i];
        w->cj = sel[i];
        w->cfgname = child_names >= 0 ? child_names : !sel[i]->cmdline;
        const char *n = vj_cjail_str(sel[i], "name");
        w->name = shown(sel[i]->name ? sel[i]->name : n ? n : "");
        if (child_display && *child_display)
            w->name = child_display;
    }
    for (size_t i = 0; i < ntargets; i++) {
        struct work *w = &r.w[nsel + i];
        w->target = targets[i];
        w->name = targets[i];
        w->cfgname = true; /* FreeBSD names a running target as given */
        /* A running jail given by jid whose name is configured gets the
         * configuration's hooks (FreeBSD matches the running name). */
        struct vj_rec rec;
        if (conf && !opts->nocfg_remove && find_running(w, &rec, true) == 0) {
            for (size_t k = 0; k < conf->njails; k++) {
                if (conf->jails[k].name && !strcmp(conf->jails[k].name, rec.j.name)) {
                    w->cj = &conf->jails[k];
                    w->cfgname = true;
                    w->name = conf->jails[k].name;
                }
            }
            vj_rec_clear(&rec);
        }
    }
    r.note_remove = opts->from_file || r.nw > 1 || opts->wild;
    if (opts->oldform)
        r.note_remove = false;
    if (child_announce >= 0)
        r.note_remove = child_announce;
    build_deps(&r);

    bool parallel = r.nw > 1;
    if (parallel)
        slots_open(opts->limit);
    size_t running = 0;
    for (;;) {
        bool progress = false, pending = false;
        for (size_t i = 0; i < r.nw; i++) {
            struct work *w = &r.w[i];
            if (w->status != WS_PENDING)
                continue;
            int rd = ready(&r, i);
            if (rd < 0) {
                warnj(w, "skipped");
                w->status = WS_FAILED;
                progress = true;
                continue;
            }
            pending = true;
            if (rd == 0)
                continue;
            if (!parallel) {
                w->status = do_jail(&r, w) == 0 ? WS_OK : WS_FAILED;
                progress = true;
                continue;
            }
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                int rc = do_jail(&r, w);
                slot_give();
                fflush(NULL);
                _exit(rc == 0 ? 0 : 1);
            }
            if (pid < 0) {
                warnj(w, "fork: %s", strerror(errno));
                w->status = WS_FAILED;
            } else {
                w->worker = pid;
                w->status = WS_RUNNING;
                running++;
            }
            progress = true;
        }
        if (running && reap_worker(&r, !progress)) {
            running--;
            continue;
        }
        if (!pending && !running)
            break;
        if (!progress && !running) {
            /* nothing can run: unresolvable waits */
            for (size_t i = 0; i < r.nw; i++)
                if (r.w[i].status == WS_PENDING) {
                    warnj(&r.w[i], "skipped");
                    r.w[i].status = WS_FAILED;
                }
            break;
        }
    }
    slots_close();
    int status = 0;
    for (size_t i = 0; i < r.nw; i++) {
        if (r.w[i].status != WS_OK)
            status = 1;
        free(r.w[i].deps);
    }
    free(r.w);
    for (size_t i = 0; i < nexp; i++)
        free(expanded[i]);
    free(expanded);
    return status;
}

/* ---------------------------------------------------------------- */
/* child jails created inside a jail (engine_nested.c worker)       */

/* What a jail created from inside its parent may set: everything that
 * acts inside the child only.  Host-side commands and mounts, addresses,
 * interfaces and fixed JIDs would act on the host, with the host's
 * privileges, on behalf of jailed root. */
static bool child_param_ok(const char *name)
{
    static const char *const ok[] = {
        "name", "persist", "host.hostname", "host.domainname", "path", "children.max",
        "sysvmsg", "sysvsem", "sysvshm", "securelevel", "enforce_statfs", "exec.start",
        "command", "exec.stop", "exec.jail_user", "exec.system_jail_user", "exec.clean",
        "exec.timeout", "stop.timeout", "ip4", "ip6",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(name, ok[i]))
            return true;
    return !strncmp(name, "allow.", 6);
}

static int child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int child_fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("jail: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    return 1;
}

/* A name the caller in a jail may give for a descendant: dot-separated
 * plain components ("child", "child.grandchild"), never a number. */
static bool child_name_ok(const char *name)
{
    if (!name || !*name || strpbrk(name, "$/ \t\n*") || all_digits(name))
        return false;
    return name[0] != '.' && name[strlen(name) - 1] != '.' && !strstr(name, "..");
}

int vj_child_lookup(int parent_jid, const char *name, struct vj_rec *out, vj_error_t *err)
{
    vj_error_t lerr = NULL;
    cleanup_close int lk = vj_reg_lock(&lerr);
    struct vj_rec parent;
    if (lk < 0 || !child_name_ok(name) || vj_reg_load(parent_jid, &parent, NULL) < 0) {
        vj_error_release(&lerr);
        return vj_error_make(err, 0, "jail \"%s\" not found", name ? name : "");
    }
    cleanup_free char *full = xasprintf("%s.%s", parent.j.name, name);
    vj_rec_clear(&parent);
    if (vj_reg_lookup(full, false, out, NULL) < 0)
        return vj_error_make(err, 0, "jail \"%s\" not found", name);
    /* its ancestors must lead to the parent (names alone could lie) */
    int up = out->j.parent;
    for (int depth = 0; up > 0 && depth < 64; depth++) {
        if (up == parent_jid)
            return 0;
        struct vj_rec a;
        if (vj_reg_load(up, &a, NULL) < 0)
            break;
        up = a.j.parent;
        vj_rec_clear(&a);
    }
    vj_rec_clear(out);
    return vj_error_make(err, 0, "jail \"%s\" not found", name);
}

/* FreeBSD's monotonicity: what a jail would be (its parameters `params`)
 * may not exceed its parent's.  Prints the error; returns 0 or 1. */
static int child_check_limits(const struct vj_rec *parent, const struct vj_cjail *params,
                              const char *name)
{
    vj_error_t err = NULL;
    struct vj_policy *ppol = NULL, *cpol = NULL;
    long long pmax = parent->j.params ? vj_cjail_int(parent->j.params, "children.max", 0) : 0;
    int rc = 0;
    static struct vj_cjail unrecorded;
    if (vj_cjail_int(params, "children.max", 0) >= pmax) {
        child_fail("%s: children.max: jail_set: Operation not permitted", name);
        rc = 1;
    } else if (vj_policy_from_jail(parent->j.params ? parent->j.params : &unrecorded, &ppol,
                                   &err) < 0 ||
               vj_policy_from_jail(params, &cpol, &err) < 0 ||
               vj_policy_check_child(ppol, cpol, &err) < 0) {
        child_fail("%s", err->msg);
        vj_error_release(&err);
        rc = 1;
    }
    vj_policy_free(ppol);
    vj_policy_free(cpol);
    return rc;
}

int vj_run_child(int parent_jid, const char *flags, char **args, size_t nargs)
{
    /* The worker inherited these from the jail(8) that made the parent:
     * numbers of descriptors that are not ours. */
    cmd_slots[0] = cmd_slots[1] = -1;
    slot_held = false;
    struct vj_opts o = {0};
    bool from_cfg = false;
    int names = -1, announce = -1;
    const char *f;
    for (f = flags; *f && *f != ':'; f++) {
        switch (*f) {
        case 'c': o.ops |= JOP_CREATE; break;
        case 'm': o.ops |= JOP_MODIFY; break;
        case 'r': o.ops |= JOP_REMOVE; break;
        case 'q': o.quiet = true; break;
        case 'i': o.print_jid = true; break;
        case 'v': o.verbose = true; break;
        case 'C': o.cleanup = true; break;
        case 'R': o.nocfg_remove = true; break;
        case 'w': o.wild = true; break;
        case 'f': from_cfg = true; break;
        case 'N': names = 1; break;
        case 'A': announce = 1; break;
        default: return child_fail("jail_set: Invalid argument");
        }
    }
    if (!o.ops)
        return child_fail("jail_set: Invalid argument");
    const char *display = *f == ':' ? f + 1 : NULL;
    if (names < 0)
        names = 0;
    if (announce < 0)
        announce = 0;
    vj_error_t err = NULL;
    /* One request at a time, so that children.max holds. */
    cleanup_close int nlk = open(VJ_RUNDIR "/nested.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (nlk < 0 || flock(nlk, LOCK_EX) < 0)
        return child_fail("jail_set: %s", strerror(errno));
    struct vj_rec parent;
    {
        cleanup_close int lk = vj_reg_lock(&err);
        if (lk < 0 || vj_reg_load(parent_jid, &parent, &err) < 0) {
            vj_error_release(&err);
            return child_fail("jail_set: Operation not permitted");
        }
    }
    int rc = 1;
    struct vj_conf *conf = NULL;
    struct vj_rec cur, up;
    memset(&cur, 0, sizeof cur);
    memset(&up, 0, sizeof up);
    struct vj_cjail *merged = NULL;
    char *full = NULL; /* (no cleanup attribute: the gotos below jump past) */
    long long pmax = parent.j.params ? vj_cjail_int(parent.j.params, "children.max", 0) : 0;
    if (!vj_rec_alive(&parent) || parent.j.dying || pmax <= 0) {
        child_fail("jail_set: Operation not permitted");
        goto out;
    }
    if (vj_conf_from_args((int)nargs, args, &conf, &err) < 0) {
        child_fail("%s", err->msg);
        vj_error_release(&err);
        goto out;
    }
    struct vj_cjail *cj = &conf->jails[0];
    cj->cmdline = !from_cfg;
    for (size_t i = 0; i < cj->nparams; i++) {
        if (cj->params[i].is_var || child_param_ok(cj->params[i].name))
            continue;
        child_fail("%s: cannot be set for a child jail", cj->params[i].name);
        goto out;
    }
    const char *name = vj_cjail_str(cj, "name");
    if (!child_name_ok(name)) {
        if (o.ops & JOP_CREATE)
            child_fail("jail_set: a jail created inside a jail needs a plain name (no \".\")");
        else
            child_fail("\"%s\" not found", name ? name : "");
        goto out;
    }
    const char *path = vj_cjail_str(cj, "path");
    if (path && strspn(path, "/") != strlen(path)) {
        child_fail("%s: path: only the parent's root (/) is supported inside a jail", name);
        goto out;
    }
    bool running = vj_child_lookup(parent_jid, name, &cur, NULL) == 0;
    if (!running && !(o.ops & JOP_CREATE)) {
        /* not ours (or gone): as jail(8) says of an unknown jail */
        if ((o.ops & JOP_REMOVE) && !(o.ops & JOP_MODIFY) && o.cleanup) {
            rc = 0;
            goto out;
        }
        fflush(stdout);
        fprintf(stderr, "jail: \"%s\" not found\n", name);
        goto out;
    }
    /* Would this make a jail (-c, or a restart with -rc / -mr)? */
    bool creates = (o.ops & JOP_CREATE) ? !running || (o.ops & JOP_REMOVE)
                                        : running && (o.ops & JOP_MODIFY) && (o.ops & JOP_REMOVE);
    if (creates) {
        if (strchr(name, '.')) {
            child_fail("jail_set: a jail created inside a jail needs a plain name (no \".\")");
            goto out;
        }
        if (vj_reg_count_children(parent_jid) - (running ? 1 : 0) >= pmax) {
            child_fail("prison limit exceeded");
            goto out;
        }
        if (child_check_limits(&parent, cj, display && *display ? display : name))
            goto out;
    }
    if (running && (o.ops & JOP_MODIFY)) {
        /* the running jail with the changes, against its own parent */
        if (vj_reg_load(cur.j.parent, &up, NULL) < 0) {
            child_fail("jail_set: Operation not permitted");
            goto out;
        }
        static struct vj_cjail unrecorded;
        merged = cjail_record(cur.j.params ? cur.j.params : &unrecorded, cur.j.name);
        struct vj_rec tmp = {.j = {.params = merged}};
        merge_params(&tmp, cj);
        if (child_check_limits(&up, merged, display && *display ? display : name))
            goto out;
    }
    /* A child shares its parent's network stack (no vnet for children).
     * As FreeBSD: a family the child does not mention is disabled, and
     * "inherit" gives it the parent's restriction (its addresses), which
     * the child gets as its own: its processes are not in the parent's
     * cgroup, where the parent's is enforced. */
    static const char *const fam[2][2] = {{"ip4", "ip4.addr"}, {"ip6", "ip6.addr"}};
    static struct vj_cjail unset;
    const struct vj_cjail *pparams = parent.j.params ? parent.j.params : &unset;
    for (int fi = 0; fi < 2; fi++) {
        int mode;
        if (!vj_cjail_get(cj, fam[fi][0]))
            continue;
        if (vj_jailsys_value(cj, fam[fi][0], VJ_JS_DISABLE, &mode, &err) < 0) {
            child_fail("%s", err->msg);
            vj_error_release(&err);
            goto out;
        }
        if (mode == VJ_JS_NEW) {
            child_fail("%s: a child jail can only inherit or disable it", fam[fi][0]);
            goto out;
        }
        if (mode == VJ_JS_DISABLE)
            continue;
        /* inherit: the parent's mode, as its own restriction decides it */
        struct vj_netaddr *pn = NULL;
        if (vj_netaddr_parse(pparams, vj_jail_is_vnet(pparams), "", &pn, &err) < 0)
            vj_error_release(&err);
        int pmode = !pn ? VJ_JS_INHERIT : fi ? pn->mode6 : pn->mode4;
        free(pn);
        if (pmode == VJ_JS_NEW) {
            const struct vj_cparam *pa = vj_cjail_get(pparams, fam[fi][1]);
            struct vj_buf b = {0};
            for (size_t k = 0; pa && k < pa->nvalues; k++)
                buf_printf(&b, "%s%s", k ? "," : "", pa->values[k]);
            cleanup_free char *joined = buf_steal(&b);
            vj_cjail_set(cj, fam[fi][1], joined);
        }
        vj_cjail_set(cj, fam[fi][0], pmode == VJ_JS_NEW       ? "new"
                                     : pmode == VJ_JS_INHERIT ? "inherit"
                                                              : "disable");
    }
    full = xasprintf("%s.%s", parent.j.name, name);
    vj_cjail_set(cj, "name", full);
    if (path || creates)
        vj_cjail_set(cj, "path", parent.j.path ? parent.j.path : "/");
    free(cj->name);
    cj->name = xstrdup(full);
    child_parent = parent_jid;
    child_prefix = xasprintf("%s.", parent.j.name);
    child_names = names;
    child_announce = announce;
    child_display = display;
    struct vj_cjail *sel = cj;
    rc = vj_run(conf, &sel, 1, NULL, 0, &o);
    child_parent = 0;
    free(child_prefix);
    child_prefix = NULL;
    child_names = child_announce = -1;
    child_display = NULL;
out:
    free(full);
    if (merged)
        vj_cjail_free(merged);
    if (conf)
        vj_conf_free(conf);
    vj_rec_clear(&cur);
    vj_rec_clear(&up);
    vj_rec_clear(&parent);
    return rc;
}

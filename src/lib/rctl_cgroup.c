/*
 * rctl on Linux: which rules vjail can enforce and how (cgroup files and
 * rlimits), where each cgroup controller lives on this host (v2, v1, or
 * a hybrid of both), the per-jail v1 cgroups, and usage.
 *
 * Limits go on the jail's v2 leaf <v2>/vjail/JID/jail (engine_cgroup.c),
 * which holds every jailed process but not the supervisor: an OOM kill
 * or a pids limit never hits pid 1's supervisor.  A controller that is
 * only on v1 gets <v1 mount><caller's cgroup>/vjail/JID, recorded in
 * /run/vjail/rctl/JID before it is made; the jail's processes are moved
 * there (live) or join it when they start (vj_rctl_enter).
 */
#include "vjail.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

/* ---- what can be enforced ---------------------------------------------- */

/* Resources enforced per process through an rlimit. */
static int res_rlimit(int res)
{
    switch (res) {
    case VJ_RR_DATASIZE: return RLIMIT_DATA;
    case VJ_RR_STACKSIZE: return RLIMIT_STACK;
    case VJ_RR_COREDUMPSIZE: return RLIMIT_CORE;
    case VJ_RR_MEMORYLOCKED: return RLIMIT_MEMLOCK;
    case VJ_RR_OPENFILES: return RLIMIT_NOFILE;
    case VJ_RR_VMEMORYUSE: return RLIMIT_AS;
    default: return -1;
    }
}

/* The controller a resource needs, or -1. */
static int res_ctrl(int res)
{
    switch (res) {
    case VJ_RR_MEMORYUSE:
    case VJ_RR_SWAPUSE: return VJ_CG_MEMORY;
    case VJ_RR_MAXPROC:
    case VJ_RR_NTHR: return VJ_CG_PIDS;
    case VJ_RR_PCPU: return VJ_CG_CPU;
    case VJ_RR_READBPS:
    case VJ_RR_WRITEBPS:
    case VJ_RR_READIOPS:
    case VJ_RR_WRITEIOPS: return VJ_CG_IO;
    default: return -1;
    }
}

static const char *const ctrl_v2[VJ_CG_N] = {"memory", "pids", "cpu", "io", "cpu"};
static const char *const ctrl_v1[VJ_CG_N] = {"memory", "pids", "cpu", "blkio", "cpuacct"};

int vj_rctl_rule_supported(const struct vj_rctl_rule *r, const char *text, vj_error_t *err)
{
    const char *res = vj_rctl_resource_name(r->resource);
    if (r->subject != VJ_RS_JAIL)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': subject '%s' is not supported on Linux "
                             "(vjail limits jails only)",
                             text, vj_rctl_subject_name(r->subject));
    if (r->per != VJ_RS_JAIL && r->per != VJ_RS_PROCESS)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': per '%s' is not supported on Linux "
                             "(only jail and process)",
                             text, vj_rctl_subject_name(r->per));
    switch (r->resource) {
    case VJ_RR_PSEUDOTERMINALS:
    case VJ_RR_MSGQQUEUED:
    case VJ_RR_MSGQSIZE:
    case VJ_RR_NMSGQ:
    case VJ_RR_NSEM:
    case VJ_RR_NSEMOP:
    case VJ_RR_NSHM:
    case VJ_RR_SHMSIZE:
        return vj_error_make(err, 0,
                             "failed to add rule '%s': resource '%s' is not supported on Linux "
                             "(no per-jail counter to enforce it)",
                             text, res);
    case VJ_RR_WALLCLOCK:
        return vj_error_make(err, 0,
                             "failed to add rule '%s': resource 'wallclock' is not supported on "
                             "Linux (it would need a watcher daemon, vjail has none)",
                             text);
    case VJ_RR_CPUTIME: {
        /* RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one. */
        int sig = vj_rctl_rule_signal(r);
        if (r->per == VJ_RS_PROCESS && (sig == SIGXCPU || sig == SIGKILL))
            return 0;
        return vj_error_make(err, 0,
                             "failed to add rule '%s': on Linux resource 'cputime' supports "
                             "only sigxcpu and sigkill, per process (RLIMIT_CPU)",
                             text);
    }
    default:
        break;
    }
    if (r->action == VJ_RA_LOG || r->action == VJ_RA_DEVCTL || r->action == VJ_RA_SIG)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': action '%s' is not supported on Linux "
                             "for resource '%s' (it would need a watcher daemon, vjail has none)",
                             text, vj_rctl_action_name(r), res);
    if (res_ctrl(r->resource) >= 0 && r->per == VJ_RS_PROCESS)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': resource '%s' can only be limited per "
                             "jail on Linux (a cgroup)",
                             text, res);
    if (r->resource == VJ_RR_PCPU && r->amount == 0)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': pcpu must be at least 1 on Linux", text);
    return 0;
}

/* ---- where the controllers are ------------------------------------------ */

void vj_cg_layout_clear(struct vj_cg_layout *l)
{
    free(l->v2);
    for (int i = 0; i < VJ_CG_N; i++)
        free(l->v1[i]);
    memset(l, 0, sizeof *l);
}

static bool word_in(const char *list, const char *w, const char *seps)
{
    size_t n = strlen(w);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, seps);
        if (k == n && strncmp(p, w, n) == 0)
            return true;
        p += k;
        p += strspn(p, seps);
    }
    return false;
}

void vj_cg_layout_parse(const char *mountinfo, const char *v2_controllers,
                        struct vj_cg_layout *out)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *copy = xstrdup(mountinfo ? mountinfo : "");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS */
        char *f[6] = {0};
        char *p = line, *sp;
        for (int i = 0; i < 5; i++)
            f[i] = strtok_r(i ? NULL : p, " ", &sp);
        if (!f[4])
            continue;
        char *tok, *type = NULL, *super = NULL;
        while ((tok = strtok_r(NULL, " ", &sp)))
            if (strcmp(tok, "-") == 0) {
                type = strtok_r(NULL, " ", &sp);
                strtok_r(NULL, " ", &sp); /* source */
                super = strtok_r(NULL, " ", &sp);
                break;
            }
        if (!type)
            continue;
        if (strcmp(type, "cgroup2") == 0) {
            if (!out->v2 || strcmp(f[4], "/sys/fs/cgroup") == 0) {
                free(out->v2);
                out->v2 = xstrdup(f[4]);
            }
        } else if (strcmp(type, "cgroup") == 0 && super) {
            for (int c = 0; c < VJ_CG_N; c++)
                if (!out->v1[c] && word_in(super, ctrl_v1[c], ","))
                    out->v1[c] = xstrdup(f[4]);
        }
    }
    if (out->v2) {
        for (int c = 0; c < VJ_CG_N; c++)
            out->on_v2[c] = v2_controllers && word_in(v2_controllers, ctrl_v2[c], " \n");
        /* cpu.stat's usage_usec exists on every v2 cgroup. */
        out->on_v2[VJ_CG_CPUACCT] = true;
    }
    /* A controller is used where it is: v2 if enabled there, else v1. */
    for (int c = 0; c < VJ_CG_N; c++)
        if (out->on_v2[c]) {
            free(out->v1[c]);
            out->v1[c] = NULL;
        }
}

const struct vj_cg_layout *vj_cg_layout(void)
{
    static struct vj_cg_layout l;
    static bool done;
    if (!done) {
        cleanup_free char *mi = NULL;
        read_file("/proc/self/mountinfo", &mi, NULL, NULL);
        vj_cg_layout_parse(mi, NULL, &l);
        if (l.v2) {
            cleanup_free char *p = xasprintf("%s/cgroup.controllers", l.v2);
            cleanup_free char *ctl = NULL;
            read_file(p, &ctl, NULL, NULL);
            vj_cg_layout_clear(&l);
            vj_cg_layout_parse(mi, ctl ? ctl : "", &l);
        }
        done = true;
    }
    return &l;
}

char *vj_rctl_jail_cgroup(int jid)
{
    const struct vj_cg_layout *l = vj_cg_layout();
    return l->v2 ? xasprintf("%s/vjail/%d/jail", l->v2, jid) : NULL;
}

/* ---- what a jail's rules ask for ----------------------------------------- */

#define UNSET INT64_C(-1)
struct limits {
    int64_t mem, swap, pids, pcpu;
    int64_t io[4]; /* rbps wbps riops wiops */
    int64_t rl[RLIM_NLIMITS];
    int64_t cpu_soft, cpu_hard;
};

static void lim_min(int64_t *v, int64_t x)
{
    if (*v == UNSET || x < *v)
        *v = x;
}

static void limits_from(const struct vj_rctl_rule *r, size_t n, struct limits *L)
{
    L->mem = L->swap = L->pids = L->pcpu = L->cpu_soft = L->cpu_hard = UNSET;
    for (int i = 0; i < 4; i++)
        L->io[i] = UNSET;
    for (int i = 0; i < RLIM_NLIMITS; i++)
        L->rl[i] = UNSET;
    for (size_t i = 0; i < n; i++) {
        int64_t a = r[i].amount;
        int rl = res_rlimit(r[i].resource);
        if (r[i].action == VJ_RA_DENY && rl >= 0)
            lim_min(&L->rl[rl], a);
        else if (r[i].action == VJ_RA_DENY) {
            switch (r[i].resource) {
            case VJ_RR_MEMORYUSE: lim_min(&L->mem, a); break;
            case VJ_RR_SWAPUSE: lim_min(&L->swap, a); break;
            case VJ_RR_MAXPROC:
            case VJ_RR_NTHR: lim_min(&L->pids, a); break;
            case VJ_RR_PCPU: lim_min(&L->pcpu, a); break;
            default: break;
            }
        } else if (r[i].action == VJ_RA_THROTTLE && r[i].resource >= VJ_RR_READBPS)
            lim_min(&L->io[r[i].resource - VJ_RR_READBPS], a);
        else if (r[i].resource == VJ_RR_CPUTIME) {
            if (vj_rctl_rule_signal(&r[i]) == SIGKILL)
                lim_min(&L->cpu_hard, a);
            else
                lim_min(&L->cpu_soft, a);
        }
    }
}

static bool ctrl_wanted(const struct limits *L, int c)
{
    switch (c) {
    case VJ_CG_MEMORY: return L->mem != UNSET || L->swap != UNSET;
    case VJ_CG_PIDS: return L->pids != UNSET;
    case VJ_CG_CPU: return L->pcpu != UNSET;
    case VJ_CG_IO:
        for (int i = 0; i < 4; i++)
            if (L->io[i] != UNSET)
                return true;
        return false;
    default: return false;
    }
}

/* ---- run-time state: /run/vjail/rctl/JID ---------------------------------- */

/* "cg CTRL PATH" for each v1 cgroup made, "rl RESOURCE SOFT HARD" for
 * each rlimit vj_rctl_enter sets. */
struct state {
    char *cg[VJ_CG_N];
    int64_t rl_soft[RLIM_NLIMITS], rl_hard[RLIM_NLIMITS];
};

static char *state_path(int jid) { return xasprintf("%s/%d", VJ_RCTL_STATEDIR, jid); }

static void state_clear(struct state *s)
{
    for (int i = 0; i < VJ_CG_N; i++)
        free(s->cg[i]);
    memset(s, 0, sizeof *s);
}

static void state_load(int jid, struct state *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < RLIM_NLIMITS; i++)
        s->rl_soft[i] = s->rl_hard[i] = UNSET;
    cleanup_free char *p = state_path(jid);
    cleanup_free char *text = NULL;
    if (read_file(p, &text, NULL, NULL) < 0)
        return;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        int c, n = 0;
        long long a, b;
        if (sscanf(l, "cg %d %n", &c, &n) == 1 && n && c >= 0 && c < VJ_CG_N && l[n] == '/') {
            free(s->cg[c]);
            s->cg[c] = xstrdup(l + n);
        } else if (sscanf(l, "rl %d %lld %lld", &c, &a, &b) == 3 && c >= 0 &&
                   c < RLIM_NLIMITS) {
            s->rl_soft[c] = a;
            s->rl_hard[c] = b;
        }
    }
}

static int state_save(int jid, const struct state *s, vj_error_t *err)
{
    if (mkdir(VJ_RUNDIR, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", VJ_RUNDIR);
    if (mkdir(VJ_RCTL_STATEDIR, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "mkdir %s", VJ_RCTL_STATEDIR);
    struct vj_buf b = {0};
    for (int c = 0; c < VJ_CG_N; c++)
        if (s->cg[c])
            buf_printf(&b, "cg %d %s\n", c, s->cg[c]);
    for (int i = 0; i < RLIM_NLIMITS; i++)
        if (s->rl_soft[i] != UNSET || s->rl_hard[i] != UNSET)
            buf_printf(&b, "rl %d %" PRId64 " %" PRId64 "\n", i, s->rl_soft[i], s->rl_hard[i]);
    cleanup_free char *data = buf_steal(&b);
    cleanup_free char *p = state_path(jid);
    cleanup_free char *tmp = xasprintf("%s.tmp", p);
    if (write_file(tmp, data, strlen(data), O_CREAT | O_TRUNC, 0644, err) < 0)
        return -1;
    if (rename(tmp, p) < 0)
        return vj_error_make(err, errno, "rename %s", tmp);
    return 0;
}

/* ---- cgroup file helpers -------------------------------------------------- */

static int cg_write(const char *jail, const char *dir, const char *file, const char *val,
                    vj_error_t *err)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    if (write_file(p, val, strlen(val), 0, 0, NULL) < 0)
        return vj_error_make(err, errno, "%s: rctl: cannot write \"%s\" to %s", jail, val, p);
    return 0;
}

static int64_t cg_read_num(const char *dir, const char *file)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) < 0)
        return -1;
    if (strncmp(s, "max", 3) == 0)
        return -1;
    return strtoll(s, NULL, 10);
}

/* "key value" from a flat-keyed file (cpu.stat, memory.stat). */
static int64_t cg_read_key(const char *dir, const char *file, const char *key)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) < 0)
        return -1;
    size_t n = strlen(key);
    for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, n) == 0 && l[n] == ' ')
            return strtoll(l + n + 1, NULL, 10);
    return -1;
}

/* Every pid in dir and its descendants. */
static void cg_pids(const char *dir, pid_t **pids, size_t *n)
{
    cleanup_free char *p = xasprintf("%s/cgroup.procs", dir);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) == 0)
        for (char *t = s; *t;) {
            long v = strtol(t, &t, 10);
            if (v > 0) {
                *pids = xrealloc(*pids, (*n + 1) * sizeof **pids);
                (*pids)[(*n)++] = (pid_t)v;
            }
            while (*t && !isdigit((unsigned char)*t))
                t++;
        }
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
            cg_pids(sub, pids, n);
        }
    closedir(d);
}

/* Enable a controller from the v2 root down to the jail's leaf. */
static int v2_enable(const char *jail, const char *v2, int jid, int c, vj_error_t *err)
{
    cleanup_free char *add = xasprintf("+%s", ctrl_v2[c]);
    cleanup_free char *d1 = xasprintf("%s/vjail", v2);
    cleanup_free char *d2 = xasprintf("%s/vjail/%d", v2, jid);
    const char *dirs[] = {v2, d1, d2};
    for (int i = 0; i < 3; i++) {
        cleanup_free char *p = xasprintf("%s/cgroup.subtree_control", dirs[i]);
        cleanup_free char *cur = NULL;
        if (read_file(p, &cur, NULL, NULL) == 0 && word_in(cur, ctrl_v2[c], " \n"))
            continue;
        if (cg_write(jail, dirs[i], "cgroup.subtree_control", add, err) < 0)
            return -1;
    }
    return 0;
}

/* The caller's own cgroup in the v1 hierarchy of controller c ("/" at
 * the top), from /proc/self/cgroup. */
static char *v1_self_path(int c)
{
    cleanup_free char *s = NULL;
    if (read_file("/proc/self/cgroup", &s, NULL, NULL) < 0)
        return xstrdup("");
    char *save = NULL;
    for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *a = strchr(l, ':');
        char *b = a ? strchr(a + 1, ':') : NULL;
        if (!b)
            continue;
        *b = '\0';
        if (word_in(a + 1, ctrl_v1[c], ","))
            return xstrdup(strcmp(b + 1, "/") == 0 ? "" : b + 1);
    }
    return xstrdup("");
}

/* Block devices io limits apply to: whole disks in /sys/block, except
 * loop, ram and zram devices (their I/O is accounted on what backs them
 * or is memory). */
static char **io_devices(void)
{
    char **out = xcalloc(1, sizeof *out);
    size_t n = 0;
    DIR *d = opendir("/sys/block");
    if (!d)
        return out;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (nm[0] == '.' || !strncmp(nm, "loop", 4) || !strncmp(nm, "ram", 3) ||
            !strncmp(nm, "zram", 4))
            continue;
        cleanup_free char *p = xasprintf("/sys/block/%s/dev", nm);
        cleanup_free char *dev = NULL;
        if (read_file(p, &dev, NULL, NULL) < 0)
            continue;
        dev[strcspn(dev, "\n")] = '\0';
        out = xrealloc(out, (n + 2) * sizeof *out);
        out[n++] = vj_steal(dev);
        out[n] = NULL;
    }
    closedir(d);
    return out;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void fmt_lim(char *buf, size_t len, int64_t v, bool v2)
{
    if (v == UNSET)
        snprintf(buf, len, "%s", v2 ? "max" : "-1");
    else
        snprintf(buf, len, "%" PRId64, v);
}

/* Write controller c's limits into dir (v2 or v1 files). */
static int ctrl_write(const char *jail, const char *dir, int c, bool v2, const struct limits *L,
                      vj_error_t *err)
{
    char a[64], b[64];
    switch (c) {
    case VJ_CG_MEMORY:
        fmt_lim(a, sizeof a, L->mem, v2);
        if (v2) {
            if (cg_write(jail, dir, "memory.max", a, err) < 0)
                return -1;
            fmt_lim(b, sizeof b, L->swap, true);
            cleanup_free char *sw = xasprintf("%s/memory.swap.max", dir);
            if (L->swap != UNSET || access(sw, F_OK) == 0)
                return cg_write(jail, dir, "memory.swap.max", b, err);
            return 0;
        }
        /* v1 limits memory+swap together (memsw): memoryuse + swapuse. */
        {
            cleanup_free char *sw = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
            bool has_memsw = access(sw, F_OK) == 0;
            if (L->swap != UNSET && !has_memsw)
                return vj_error_make(err, 0,
                                     "%s: rctl: swapuse: this kernel has no swap accounting "
                                     "(memory.memsw.*)",
                                     jail);
            if (has_memsw && cg_write(jail, dir, "memory.memsw.limit_in_bytes", "-1", err) < 0)
                return -1;
            if (cg_write(jail, dir, "memory.limit_in_bytes", a, err) < 0)
                return -1;
            if (L->swap != UNSET) {
                int64_t t = L->mem == UNSET              ? L->swap
                            : L->mem > INT64_MAX - L->swap ? INT64_MAX
                                                           : L->mem + L->swap;
                snprintf(b, sizeof b, "%" PRId64, t);
                return cg_write(jail, dir, "memory.memsw.limit_in_bytes", b, err);
            }
        }
        return 0;
    case VJ_CG_PIDS:
        fmt_lim(a, sizeof a, L->pids, true);
        return cg_write(jail, dir, "pids.max", a, err);
    case VJ_CG_CPU:
        if (v2) {
            if (L->pcpu == UNSET)
                snprintf(a, sizeof a, "max 100000");
            else
                snprintf(a, sizeof a, "%" PRId64 " 100000", L->pcpu * 1000);
            return cg_write(jail, dir, "cpu.max", a, err);
        }
        if (cg_write(jail, dir, "cpu.cfs_period_us", "100000", err) < 0)
            return -1;
        fmt_lim(a, sizeof a, L->pcpu == UNSET ? UNSET : L->pcpu * 1000, false);
        return cg_write(jail, dir, "cpu.cfs_quota_us", a, err);
    case VJ_CG_IO: {
        char **devs = io_devices();
        int rc = 0;
        static const char *const k2[4] = {"rbps", "wbps", "riops", "wiops"};
        static const char *const k1[4] = {
            "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
            "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
        for (size_t i = 0; devs[i] && rc == 0; i++) {
            if (v2) {
                struct vj_buf v = {0};
                buf_adds(&v, devs[i]);
                for (int k = 0; k < 4; k++) {
                    fmt_lim(a, sizeof a, L->io[k], true);
                    buf_printf(&v, " %s=%s", k2[k], a);
                }
                cleanup_free char *s = buf_steal(&v);
                rc = cg_write(jail, dir, "io.max", s, err);
            } else
                for (int k = 0; k < 4 && rc == 0; k++) {
                    cleanup_free char *s = xasprintf(
                        "%s %" PRId64, devs[i], L->io[k] == UNSET ? 0 : L->io[k]);
                    rc = cg_write(jail, dir, k1[k], s, err);
                }
        }
        strv_free(devs);
        return rc;
    }
    default:
        return 0;
    }
}

static void rlimits_wanted(const struct limits *L, struct state *st)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        st->rl_soft[i] = st->rl_hard[i] = L->rl[i];
    if (L->cpu_soft != UNSET || L->cpu_hard != UNSET) {
        st->rl_hard[RLIMIT_CPU] = L->cpu_hard;
        st->rl_soft[RLIMIT_CPU] =
            L->cpu_soft != UNSET && (L->cpu_hard == UNSET || L->cpu_soft < L->cpu_hard)
                ? L->cpu_soft
                : L->cpu_hard;
    }
}

/* Lower (never raise) pid's rlimits to the rule amounts. */
static int rlimits_set(pid_t pid, const struct state *st)
{
    int rc = 0;
    for (int i = 0; i < RLIM_NLIMITS; i++) {
        if (st->rl_soft[i] == UNSET && st->rl_hard[i] == UNSET)
            continue;
        struct rlimit cur;
        if (prlimit(pid, (enum __rlimit_resource)i, NULL, &cur) < 0)
            return -1;
        struct rlimit nl = cur;
        if (st->rl_hard[i] != UNSET && (nl.rlim_max == RLIM_INFINITY ||
                                        nl.rlim_max > (rlim_t)st->rl_hard[i]))
            nl.rlim_max = (rlim_t)st->rl_hard[i];
        if (st->rl_soft[i] != UNSET && (nl.rlim_cur == RLIM_INFINITY ||
                                        nl.rlim_cur > (rlim_t)st->rl_soft[i]))
            nl.rlim_cur = (rlim_t)st->rl_soft[i];
        if (nl.rlim_cur > nl.rlim_max)
            nl.rlim_cur = nl.rlim_max;
        if (prlimit(pid, (enum __rlimit_resource)i, &nl, NULL) < 0)
            rc = -1;
    }
    return rc;
}

/* ---- the hooks ------------------------------------------------------------ */

static int apply_rules(const char *jail, int jid, const struct vj_rctl_rule *rules, size_t n,
                       vj_error_t *err)
{
    /* No rule, and none applied before (no state): nothing to set or
     * undo; most jails, on every start. */
    cleanup_free char *sp = state_path(jid);
    if (n == 0 && access(sp, F_OK) < 0 && errno == ENOENT)
        return 0;
    const struct vj_cg_layout *l = vj_cg_layout();
    struct limits L;
    limits_from(rules, n, &L);
    struct state st;
    state_load(jid, &st);
    int rc = -1;
    cleanup_free char *leaf = vj_rctl_jail_cgroup(jid);
    pid_t *pids = NULL;
    size_t npids = 0;
    if (leaf)
        cg_pids(leaf, &pids, &npids);

    for (int c = 0; c < VJ_CG_N; c++) {
        if (c == VJ_CG_CPUACCT)
            continue;
        bool want = ctrl_wanted(&L, c);
        if (l->on_v2[c]) {
            struct stat sb;
            if (!want && (!leaf || stat(leaf, &sb) < 0))
                continue;
            if (!leaf || stat(leaf, &sb) < 0) {
                vj_error_make(err, 0, "%s: rctl: the jail's cgroup %s does not exist", jail,
                              leaf ? leaf : "(no cgroup v2)");
                goto out;
            }
            cleanup_free char *p = xasprintf("%s/%s.max", leaf, c == VJ_CG_MEMORY ? "memory"
                                                                : c == VJ_CG_IO    ? "io"
                                                                : c == VJ_CG_CPU   ? "cpu"
                                                                                   : "pids");
            if (!want && access(p, F_OK) < 0)
                continue; /* never enabled: nothing to undo */
            if (want && v2_enable(jail, l->v2, jid, c, err) < 0)
                goto out;
            if (ctrl_write(jail, leaf, c, true, &L, err) < 0)
                goto out;
        } else if (l->v1[c]) {
            if (!want && !st.cg[c])
                continue;
            if (!st.cg[c]) {
                cleanup_free char *self = v1_self_path(c);
                st.cg[c] = xasprintf("%s%s/vjail/%d", l->v1[c], self, jid);
                /* Recorded before it is made, so release finds it. */
                if (state_save(jid, &st, err) < 0)
                    goto out;
                cleanup_free char *base = xasprintf("%s%s/vjail", l->v1[c], self);
                if (mkdir(base, 0755) < 0 && errno != EEXIST) {
                    vj_error_make(err, errno, "%s: rctl: mkdir %s", jail, base);
                    goto out;
                }
                if (mkdir(st.cg[c], 0755) < 0 && errno != EEXIST) {
                    vj_error_make(err, errno, "%s: rctl: mkdir %s", jail, st.cg[c]);
                    goto out;
                }
            }
            if (ctrl_write(jail, st.cg[c], c, false, &L, err) < 0)
                goto out;
            /* Live processes join; new ones do in vj_rctl_enter. */
            for (size_t i = 0; i < npids; i++) {
                char pid[24];
                snprintf(pid, sizeof pid, "%d", (int)pids[i]);
                if (cg_write(jail, st.cg[c], "cgroup.procs", pid, NULL) < 0 && errno != ESRCH) {
                    vj_error_make(err, errno, "%s: rctl: cannot move pid %s to %s", jail, pid,
                                  st.cg[c]);
                    goto out;
                }
            }
        } else if (want) {
            vj_error_make(err, 0,
                          "%s: rctl: no %s cgroup controller on this host (neither cgroup v2 "
                          "nor v1)",
                          jail, ctrl_v2[c]);
            goto out;
        }
    }
    rlimits_wanted(&L, &st);
    if (state_save(jid, &st, err) < 0)
        goto out;
    for (size_t i = 0; i < npids; i++)
        rlimits_set(pids[i], &st); /* a process may have exited meanwhile */
    rc = 0;
out:
    free(pids);
    state_clear(&st);
    return rc;
}

int vj_rctl_apply_jail(const char *name, int jid, vj_error_t *err)
{
    struct vj_rctl_rule *rules;
    size_t n;
    if (vj_rctl_jail_rules(name, &rules, &n, err) < 0)
        return -1;
    int rc = apply_rules(name, jid, rules, n, err);
    vj_rctl_rules_free(rules, n);
    return rc;
}

/* Is the caller a jail's supervisor (in the v2 "vjail/sup" cgroup)? */
static bool self_is_supervisor(void)
{
    cleanup_free char *s = NULL;
    if (read_file("/proc/self/cgroup", &s, NULL, NULL) < 0)
        return false;
    return strstr(s, "/vjail/sup\n") != NULL;
}

int vj_rctl_enter(int jid, vj_error_t *err)
{
    /* The supervisor stays outside the limits, as on v2 where they are
     * set on the "jail" leaf only: it is never the one OOM-killed, and
     * maxproc counts the jail's processes only. */
    if (self_is_supervisor())
        return 0;
    struct state st;
    state_load(jid, &st);
    int rc = 0;
    for (int c = 0; c < VJ_CG_N && rc == 0; c++)
        if (st.cg[c] && cg_write("jail", st.cg[c], "cgroup.procs", "0", err) < 0)
            rc = -1;
    if (rc == 0 && rlimits_set(0, &st) < 0)
        rc = vj_error_make(err, errno, "rctl: setrlimit");
    state_clear(&st);
    return rc;
}

/* vj_rctl_enter in two halves, for a child that is born in the jail's
 * mount namespace, where /run/vjail and the v1 hierarchies are not to be
 * seen: the host side opens what the child will write to and reads the
 * rlimits; the child, after the fork, writes and sets them. */
struct vj_rctl_entry {
    struct state st;
    int fd[VJ_CG_N];
};

struct vj_rctl_entry *vj_rctl_enter_prepare(int jid, vj_error_t *err)
{
    struct vj_rctl_entry *e = xcalloc(1, sizeof *e);
    state_load(jid, &e->st);
    for (int c = 0; c < VJ_CG_N; c++) {
        e->fd[c] = -1;
        if (!e->st.cg[c])
            continue;
        cleanup_free char *p = xasprintf("%s/cgroup.procs", e->st.cg[c]);
        e->fd[c] = open(p, O_WRONLY | O_CLOEXEC);
        if (e->fd[c] < 0) {
            vj_error_make(err, errno, "jail: rctl: cannot open %s", p);
            vj_rctl_entry_free(e);
            return NULL;
        }
    }
    return e;
}

int vj_rctl_enter_apply(const struct vj_rctl_entry *e, vj_error_t *err)
{
    for (int c = 0; c < VJ_CG_N; c++)
        if (e->fd[c] >= 0 && write(e->fd[c], "0", 1) != 1)
            return vj_error_make(err, errno, "jail: rctl: cannot join %s", e->st.cg[c]);
    if (rlimits_set(0, &e->st) < 0)
        return vj_error_make(err, errno, "rctl: setrlimit");
    return 0;
}

void vj_rctl_entry_free(struct vj_rctl_entry *e)
{
    if (!e)
        return;
    for (int c = 0; c < VJ_CG_N; c++)
        if (e->fd[c] >= 0)
            close(e->fd[c]);
    state_clear(&e->st);
    free(e);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void vj_rctl_release_jail(const char *name, int jid)
{
    struct state st;
    state_load(jid, &st);
    for (int c = 0; c < VJ_CG_N; c++) {
        if (!st.cg[c])
            continue;
        /* Refuse anything that is not ours. */
        cleanup_free char *tail = xasprintf("/vjail/%d", jid);
        size_t lc = strlen(st.cg[c]), lt = strlen(tail);
        if (lc <= lt || strcmp(st.cg[c] + lc - lt, tail) != 0)
            continue;
        cleanup_free char *base = xstrndup(st.cg[c], lc - lt);
        /* Whatever is left goes back to where the jail's cgroup hangs. */
        pid_t *pids = NULL;
        size_t np = 0;
        cg_pids(st.cg[c], &pids, &np);
        for (size_t i = 0; i < np; i++) {
            char pid[24];
            snprintf(pid, sizeof pid, "%d", (int)pids[i]);
            cg_write(name, base, "cgroup.procs", pid, NULL);
        }
        free(pids);
        int rc;
        for (int i = 0; (rc = rmdir(st.cg[c])) < 0 && errno == EBUSY && i < 100; i++)
            sleep_ms(10);
        if (rc < 0 && errno != ENOENT)
            continue; /* stays recorded: a later release retries */
        cleanup_free char *vj = xasprintf("%s/vjail", base);
        rmdir(vj); /* only when no other jail uses it */
        free(st.cg[c]);
        st.cg[c] = NULL;
    }
    bool left = false;
    for (int c = 0; c < VJ_CG_N; c++)
        left = left || st.cg[c];
    cleanup_free char *p = state_path(jid);
    if (left) {
        for (int i = 0; i < RLIM_NLIMITS; i++)
            st.rl_soft[i] = st.rl_hard[i] = UNSET;
        state_save(jid, &st, NULL);
    } else
        unlink(p);
    state_clear(&st);
    if (name)
        vj_rctl_conf_forget(name);
}

/* ---- usage ---------------------------------------------------------------- */

static int64_t status_kb(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    return p ? strtoll(p + strlen(key), NULL, 10) * 1024 : 0;
}

static void io_totals(const char *dir, bool v2, int64_t io[4])
{
    for (int k = 0; k < 4; k++)
        io[k] = 0;
    if (!dir)
        return;
    cleanup_free char *p =
        xasprintf("%s/%s", dir, v2 ? "io.stat" : "blkio.throttle.io_service_bytes");
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) < 0)
        return;
    if (v2) {
        static const char *const key[4] = {"rbytes=", "wbytes=", "rios=", "wios="};
        for (int k = 0; k < 4; k++)
            for (char *q = strstr(s, key[k]); q; q = strstr(q + 1, key[k]))
                io[k] += strtoll(q + strlen(key[k]), NULL, 10);
        return;
    }
    for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char dev[32], op[16];
        long long v;
        if (sscanf(l, "%31s %15s %lld", dev, op, &v) == 3) {
            if (!strcmp(op, "Read"))
                io[0] += v;
            else if (!strcmp(op, "Write"))
                io[1] += v;
        }
    }
    cleanup_free char *p2 = xasprintf("%s/blkio.throttle.io_serviced", dir);
    cleanup_free char *s2 = NULL;
    if (read_file(p2, &s2, NULL, NULL) < 0)
        return;
    for (char *l = s2; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char dev[32], op[16];
        long long v;
        if (sscanf(l, "%31s %15s %lld", dev, op, &v) == 3) {
            if (!strcmp(op, "Read"))
                io[2] += v;
            else if (!strcmp(op, "Write"))
                io[3] += v;
        }
    }
}

/* Does a v1 cgroup hold all np processes of the jail?  Processes that
 * joined the jail without vj_rctl_enter are not in it: then its counter
 * does not tell the jail's usage. */
static bool v1_holds_all(const char *dir, size_t np)
{
    pid_t *pids = NULL;
    size_t n = 0;
    cg_pids(dir, &pids, &n);
    free(pids);
    return n == np;
}

static int64_t now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int vj_rctl_usage(int jid, unsigned flags, int64_t u[VJ_RR_N], vj_error_t *err)
{
    for (int i = 0; i < VJ_RR_N; i++)
        u[i] = 0;
    const struct vj_cg_layout *l = vj_cg_layout();
    cleanup_free char *leaf = vj_rctl_jail_cgroup(jid);
    struct stat sb;
    if (!leaf || stat(leaf, &sb) < 0)
        return vj_error_make(err, ESRCH, "jail %d has no cgroup", jid);
    struct state st;
    state_load(jid, &st);
    const char *iodir = l->on_v2[VJ_CG_IO] ? leaf : st.cg[VJ_CG_IO];
    int64_t io0[4], io1[4];
    int64_t t0 = now_usec(), c0 = cg_read_key(leaf, "cpu.stat", "usage_usec");
    bool sample = !(flags & VJ_RCTL_NOSAMPLE);
    io_totals(iodir, l->on_v2[VJ_CG_IO], io0);
    if (sample)
        sleep_ms(100);
    int64_t t1 = now_usec(), c1 = cg_read_key(leaf, "cpu.stat", "usage_usec");
    io_totals(iodir, l->on_v2[VJ_CG_IO], io1);
    double dt = (double)(t1 - t0) / 1e6;
    if (c1 >= 0) {
        u[VJ_RR_CPUTIME] = c1 / 1000000;
        if (sample)
            u[VJ_RR_PCPU] = (int64_t)((double)(c1 - c0) / 1e6 / dt * 100.0 + 0.5);
    }
    for (int k = 0; k < 4 && sample; k++)
        u[VJ_RR_READBPS + k] = (int64_t)((double)(io1[k] - io0[k]) / dt);

    pid_t *pids = NULL;
    size_t np = 0;
    cg_pids(leaf, &pids, &np);
    u[VJ_RR_MAXPROC] = (int64_t)np;
    int64_t rss = 0, swap = 0;
    for (size_t i = 0; i < np; i++) {
        cleanup_free char *p = xasprintf("/proc/%d/status", (int)pids[i]);
        cleanup_free char *s = NULL;
        if (read_file(p, &s, NULL, NULL) < 0)
            continue;
        u[VJ_RR_VMEMORYUSE] += status_kb(s, "\nVmSize:");
        u[VJ_RR_DATASIZE] += status_kb(s, "\nVmData:");
        u[VJ_RR_STACKSIZE] += status_kb(s, "\nVmStk:");
        u[VJ_RR_MEMORYLOCKED] += status_kb(s, "\nVmLck:");
        rss += status_kb(s, "\nVmRSS:");
        swap += status_kb(s, "\nVmSwap:");
        const char *th = strstr(s, "\nThreads:");
        u[VJ_RR_NTHR] += th ? strtoll(th + 9, NULL, 10) : 1;
        cleanup_free char *fdd = xasprintf("/proc/%d/fd", (int)pids[i]);
        DIR *d = opendir(fdd);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                    u[VJ_RR_OPENFILES]++;
            closedir(d);
        }
    }
    free(pids);
    /* Memory: the cgroup's own counter where there is one (it includes
     * page cache and kernel memory charged to the jail). */
    if (l->on_v2[VJ_CG_MEMORY]) {
        int64_t m = cg_read_num(leaf, "memory.current");
        int64_t s = cg_read_num(leaf, "memory.swap.current");
        u[VJ_RR_MEMORYUSE] = m >= 0 ? m : rss;
        u[VJ_RR_SWAPUSE] = s >= 0 ? s : swap;
    } else if (st.cg[VJ_CG_MEMORY] && v1_holds_all(st.cg[VJ_CG_MEMORY], np)) {
        int64_t m = cg_read_num(st.cg[VJ_CG_MEMORY], "memory.usage_in_bytes");
        int64_t ms = cg_read_num(st.cg[VJ_CG_MEMORY], "memory.memsw.usage_in_bytes");
        /* v1 leaves the charges of a moved process where they were
         * made: the counter misses them until the pages are touched. */
        u[VJ_RR_MEMORYUSE] = m > rss ? m : rss;
        u[VJ_RR_SWAPUSE] = m >= 0 && ms >= m && ms - m > swap ? ms - m : swap;
    } else {
        u[VJ_RR_MEMORYUSE] = rss;
        u[VJ_RR_SWAPUSE] = swap;
    }
    /* wallclock: since the jail's cgroup was made. */
    cleanup_free char *top = xasprintf("%s/vjail/%d", l->v2, jid);
    if (stat(top, &sb) == 0) {
        time_t now = time(NULL);
        u[VJ_RR_WALLCLOCK] = now > sb.st_ctime ? (int64_t)(now - sb.st_ctime) : 0;
        if (!sample && c1 >= 0 && u[VJ_RR_WALLCLOCK] > 0)
            u[VJ_RR_PCPU] = c1 / 10000 / u[VJ_RR_WALLCLOCK];
    }
    state_clear(&st);
    return 0;
}

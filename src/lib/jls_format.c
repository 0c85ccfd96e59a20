/*
 * jls(8) output: the default table, -v, and parameter columns in plain,
 * -n (name=value), -s (jail(8) input) and -h (header) forms, in text,
 * JSON or XML (jls_emit.c).  Layout and keys follow FreeBSD's jls.c.
 *
 * Values come from the registry record of a jail (struct vj_jail and its
 * recorded parameters); a few are derived (the "specials" table), which is
 * where later additions (VNET addresses, rctl usage) plug in.
 */
#include "vjail.h"

#include <string.h>
#include <sys/utsname.h>

/* How a column's value is shaped. */
enum col_kind {
    CK_STRING, /* one string; "" if empty */
    CK_BOOL,   /* true/false; -n prints name / noname */
    CK_LIST,   /* list joined with ','; empty list prints "-" */
    CK_IP4,    /* address lists: also arrays in JSON/XML */
    CK_IP6,
};

struct jls_col {
    char *name;                        /* as asked ("nopersist", "meta.k") */
    const struct vj_param_def *def;    /* NULL for a special without entry */
    enum col_kind kind;
    bool negated;                      /* "noX" spelling of a boolean */
    bool rdonly;                       /* -s skips it */
    char *parent;                      /* jailsys parent for -s, or NULL */
};

struct vj_jls {
    unsigned pflags;
    struct jls_col *cols;
    size_t ncols;
};

/* ---------------------------------------------------------------------- */
/* values                                                                  */
/* ---------------------------------------------------------------------- */

static char *jailsys_text(const char *v, bool negated);

struct jls_special {
    const char *name;
    enum col_kind kind;
    bool rdonly;
    char *(*get)(const struct vj_jail *j, const struct vj_jail *all, size_t nall);
};

static char *get_jid(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xasprintf("%d", j->jid);
}

static char *get_name(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return j->name ? xstrdup(j->name) : xasprintf("%d", j->jid);
}

static char *get_path(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xstrdup(j->path ? j->path : "");
}

static char *get_hostname(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xstrdup(j->hostname ? j->hostname : "");
}

static char *get_parent(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xasprintf("%d", j->parent);
}

static char *get_dying(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xstrdup(j->dying ? "true" : "false");
}

static char *get_children_cur(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    int n = 0;
    for (size_t i = 0; i < nall; i++)
        if (all[i].parent == j->jid && !all[i].dying)
            n++;
    return xasprintf("%d", n);
}

/* Linux has no cpusets: vjail reports 0 (jls(8) documents it). */
static char *get_cpuset_id(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return xstrdup("0");
}

/* ip4 / ip6 not given at creation: a jail with addresses of the family
 * is restricted to them ("new"); without vnet it otherwise shares the
 * host's stack ("inherit").  Recorded values win. */
static char *family_mode(const struct vj_jail *j, const char *mode, const char *addrs)
{
    const struct vj_cparam *cp = j->params ? vj_cjail_get(j->params, mode) : NULL;
    if (cp && cp->nvalues)
        return jailsys_text(cp->values[cp->nvalues - 1], cp->negated);
    if (cp)
        return xstrdup(cp->negated ? "disable" : "new");
    const struct vj_cparam *a = j->params ? vj_cjail_get(j->params, addrs) : NULL;
    return xstrdup(a && a->nvalues ? "new" : "inherit");
}

static char *get_ip4(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return family_mode(j, "ip4", "ip4.addr");
}

static char *get_ip6(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    return family_mode(j, "ip6", "ip6.addr");
}

/* The release uname(2) reports in the jail: the host kernel's, unless a
 * value was recorded. */
static char *get_osrelease(const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    const char *v = j->params ? vj_cjail_str(j->params, "osrelease") : NULL;
    if (v)
        return xstrdup(v);
    struct utsname u;
    return xstrdup(uname(&u) == 0 ? u.release : "");
}

static const struct jls_special specials[] = {
    {"jid", CK_STRING, false, get_jid},
    {"name", CK_STRING, false, get_name},
    {"path", CK_STRING, false, get_path},
    {"host.hostname", CK_STRING, false, get_hostname},
    {"parent", CK_STRING, true, get_parent},
    {"dying", CK_BOOL, true, get_dying},
    {"children.cur", CK_STRING, true, get_children_cur},
    {"cpuset.id", CK_STRING, true, get_cpuset_id},
    {"ip4", CK_STRING, false, get_ip4},
    {"ip6", CK_STRING, false, get_ip6},
    {"osrelease", CK_STRING, false, get_osrelease},
};

static const struct jls_special *special_find(const char *name)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (!strcmp(specials[i].name, name))
            return &specials[i];
    return NULL;
}

static enum col_kind kind_of(const struct vj_param_def *def)
{
    switch (def->type) {
    case PT_BOOL: return CK_BOOL;
    case PT_IP4: return CK_IP4;
    case PT_IP6: return CK_IP6;
    case PT_LIST:
    case PT_CMD: return CK_LIST;
    default: return CK_STRING;
    }
}

/* A recorded boolean: bare "X" is true, "noX" false, else its value. */
static bool cparam_bool(const struct vj_cparam *cp)
{
    int b = cp->nvalues ? param_parse_bool(cp->values[cp->nvalues - 1]) : 1;
    if (b < 0)
        b = 0;
    return cp->negated ? !b : b;
}

/* jailsys values are shown by name; the boolean form means new/disable. */
static char *jailsys_text(const char *v, bool negated)
{
    if (!strcmp(v, "new") || !strcmp(v, "inherit") || !strcmp(v, "disable"))
        return xstrdup(v);
    int b = param_parse_bool(v);
    if (b < 0)
        return xstrdup(v);
    return xstrdup((b != 0) != negated ? "new" : "disable");
}

/* An address as the kernel would have it: no "iface|", "/mask" or extra
 * ifconfig words (jail(8) strips those before jail_set). */
static char *bare_address(const char *v)
{
    const char *bar = strchr(v, '|');
    if (bar)
        v = bar + 1;
    return xstrndup(v, strcspn(v, "/ \t"));
}

/* meta.KEY / env.KEY: the key's value in the "key=value" lines of the base
 * parameter (or a parameter recorded under the full name). */
static char *prefix_value(const struct vj_cjail *p, const char *name)
{
    const struct vj_cparam *cp = vj_cjail_get(p, name);
    if (cp)
        return xstrdup(cp->nvalues ? cp->values[cp->nvalues - 1] : "");
    const char *dot = strchr(name, '.');
    cleanup_free char *base = xstrndup(name, (size_t)(dot - name));
    const char *key = dot + 1;
    size_t klen = strlen(key);
    const char *text = vj_cjail_str(p, base);
    for (const char *l = text; l && *l;) {
        size_t n = strcspn(l, "\n");
        if (n > klen && !strncmp(l, key, klen) && l[klen] == '=')
            return xstrndup(l + klen + 1, n - klen - 1);
        l += n;
        if (*l)
            l++;
    }
    return xstrdup("");
}

/* The value of a column's parameter in text form, or NULL if the jail
 * cannot have it. */
static char *col_value(const char *name, const struct vj_param_def *def, bool negated,
                       const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    const struct jls_special *sp = special_find(name);
    if (!sp && def && negated)
        sp = special_find(def->name); /* "nodying" */
    if (sp) {
        char *v = sp->get(j, all, nall);
        if (!negated || sp->kind != CK_BOOL)
            return v;
        bool b = !strcmp(v, "true");
        free(v);
        return xstrdup(b ? "false" : "true");
    }
    if (!def)
        return NULL;
    static const struct vj_cjail none;
    const struct vj_cjail *p = j->params ? j->params : &none;
    if (def->flags & PF_PREFIX)
        return prefix_value(p, name);
    const struct vj_cparam *cp = vj_cjail_get(p, def->name);
    bool have = cp != NULL;
    switch (def->type) {
    case PT_BOOL: {
        bool b = have ? cparam_bool(cp) : def->defval && param_parse_bool(def->defval) > 0;
        return xstrdup(b != negated ? "true" : "false");
    }
    case PT_JAILSYS:
        if (have)
            return jailsys_text(cp->nvalues ? cp->values[cp->nvalues - 1] : "true",
                                cp->negated);
        return xstrdup(def->defval ? def->defval : "");
    case PT_IP4:
    case PT_IP6:
    case PT_LIST:
    case PT_CMD: {
        struct vj_buf b = {0};
        for (size_t i = 0; have && i < cp->nvalues; i++) {
            if (b.len)
                buf_addc(&b, ',');
            if (def->type == PT_IP4 || def->type == PT_IP6) {
                cleanup_free char *a = bare_address(cp->values[i]);
                buf_adds(&b, a);
            } else {
                buf_adds(&b, cp->values[i]);
            }
        }
        if (!have && def->defval)
            buf_adds(&b, def->defval);
        return buf_steal(&b);
    }
    default:
        if (have && cp->nvalues)
            return xstrdup(cp->values[cp->nvalues - 1]);
        if (have)
            return xstrdup("");
        if (def->defval)
            return xstrdup(def->defval);
        return xstrdup(def->type == PT_INT || def->type == PT_UINT ? "0" : "");
    }
}

char *vj_jls_value(const struct vj_jail *j, const char *name, const struct vj_jail *all,
                   size_t nall)
{
    bool negated = false;
    const struct vj_param_def *def = special_find(name) ? NULL : param_lookup(name, &negated);
    return col_value(name, def, negated, j, all, nall);
}

/* Split a comma-joined list (no empty elements). */
static char **split_list(const char *s, size_t *n)
{
    char **v = NULL;
    *n = 0;
    while (s && *s) {
        size_t len = strcspn(s, ",");
        if (len) {
            v = xrealloc(v, (*n + 2) * sizeof *v);
            v[(*n)++] = xstrndup(s, len);
            v[*n] = NULL;
        }
        s += len;
        if (*s)
            s++;
    }
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---------------------------------------------------------------------- */
/* columns                                                                 */
/* ---------------------------------------------------------------------- */

static void col_clear(struct jls_col *c)
{
    free(c->name);
    free(c->parent);
}

void vj_jls_free(struct vj_jls *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->ncols; i++)
        col_clear(&q->cols[i]);
    free(q->cols);
    free(q);
}

unsigned vj_jls_flags(const struct vj_jls *q) { return q->pflags; }

/* Parameters jls can show: the kernel ones (FreeBSD's jls sees only
 * those), not jail(8)'s pseudo-parameters. */
static bool shown_by_jls(const struct vj_param_def *def)
{
    return (def->flags & PF_KERNEL) && !(def->flags & PF_PSEUDO);
}

static int add_col(struct vj_jls *q, const char *name, vj_error_t *err)
{
    for (size_t i = 0; i < q->ncols; i++)
        if (!strcmp(q->cols[i].name, name))
            return 0; /* repeated: printed once, like FreeBSD */
    struct jls_col c = {0};
    const struct jls_special *sp = special_find(name);
    bool negated = false;
    const struct vj_param_def *def = param_lookup(name, &negated);
    if (def && !shown_by_jls(def))
        def = NULL;
    if (def && (def->flags & PF_PREFIX) && !strchr(name, '.'))
        def = NULL;
    if (!def && !sp)
        return vj_error_make(err, 0, "unknown parameter: %s", name);
    c.name = xstrdup(name);
    c.def = def;
    c.negated = negated;
    c.kind = sp ? sp->kind : kind_of(def);
    c.rdonly = sp ? sp->rdonly : (def->flags & PF_RDONLY) != 0;
    const char *dot = strchr(name, '.');
    if (dot) {
        cleanup_free char *pname = xstrndup(name, (size_t)(dot - name));
        bool pneg;
        const struct vj_param_def *pdef = param_lookup(pname, &pneg);
        if (pdef && pdef->type == PT_JAILSYS && !pneg)
            c.parent = vj_steal(pname);
    }
    q->cols = xrealloc(q->cols, (q->ncols + 1) * sizeof *q->cols);
    q->cols[q->ncols++] = c;
    return 0;
}

/* FreeBSD's order for "all": top-level names first, then dotted ones,
 * each alphabetical. */
static int all_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    bool dx = strchr(x, '.') != NULL, dy = strchr(y, '.') != NULL;
    if (dx != dy)
        return dx ? 1 : -1;
    return strcmp(x, y);
}

static int add_all(struct vj_jls *q, vj_error_t *err)
{
    cleanup_free const char **names = xcalloc(vj_nparams + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < vj_nparams; i++) {
        const struct vj_param_def *d = &vj_params[i];
        /* FreeBSD's "all" is what the running kernel supports; here
         * that leaves out what Linux cannot do (the linux and zfs
         * modules, vmm ...), what is not implemented yet and deprecated
         * aliases, so that -s output reads back into jail(8) quietly.
         * They can still be asked for by name. */
        if (shown_by_jls(d) &&
            !(d->flags & (PF_PREFIX | PF_NOLINUX | PF_NOTYET | PF_DEPRECATED)))
            names[n++] = d->name;
    }
    qsort(names, n, sizeof *names, all_cmp);
    for (size_t i = 0; i < n; i++)
        if (add_col(q, names[i], err) < 0)
            return -1;
    return 0;
}

int vj_jls_new(unsigned pflags, char *const *names, size_t nnames, struct vj_jls **out,
               vj_error_t *err)
{
    struct vj_jls *q = xcalloc(1, sizeof *q);
    int r = 0;
    if (nnames == 0) {
        if (pflags & (VJ_JLS_HEADER | VJ_JLS_NAMEVAL))
            r = add_all(q, err);
        else if (!(pflags & VJ_JLS_VERBOSE))
            pflags |= VJ_JLS_DEFAULT;
        /* -v and the default table use fixed fields, no columns. */
    } else {
        pflags &= ~(unsigned)VJ_JLS_VERBOSE;
        for (size_t i = 0; i < nnames && r == 0; i++)
            r = !strcmp(names[i], "all") ? add_all(q, err) : add_col(q, names[i], err);
    }
    if (r < 0) {
        vj_jls_free(q);
        return -1;
    }
    q->pflags = pflags;
    *out = q;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* printing                                                                */
/* ---------------------------------------------------------------------- */

void vj_jls_header(const struct vj_jls *q, struct vj_xo *xo)
{
    if (q->pflags & VJ_JLS_VERBOSE) {
        vj_xo_text(xo, "   JID  Hostname                      Path\n");
        vj_xo_text(xo, "        Name                          State\n");
        vj_xo_text(xo, "        CPUSetID\n");
        vj_xo_text(xo, "        IP Address(es)\n");
    } else if (q->pflags & VJ_JLS_DEFAULT) {
        if (q->pflags & VJ_JLS_JAIL_NAME)
            vj_xo_text(xo, " %-15s %-15s %-29s %s\n", "JID", "IP Address", "Hostname", "Path");
        else
            vj_xo_text(xo, "%6s  %-15s %-29s %s\n", "JID", "IP Address", "Hostname", "Path");
    } else if (q->pflags & VJ_JLS_HEADER) {
        for (size_t i = 0; i < q->ncols; i++)
            vj_xo_text(xo, "%s%s", i ? " " : "", q->cols[i].name);
        vj_xo_text(xo, "\n");
    }
}

static char *first_of(const char *list)
{
    return xstrndup(list, strcspn(list, ","));
}

static void print_default(const struct vj_jls *q, struct vj_xo *xo, const struct vj_jail *j,
                          const struct vj_jail *all, size_t nall)
{
    cleanup_free char *ip4s = vj_jls_value(j, "ip4.addr", all, nall);
    cleanup_free char *ip4 = first_of(ip4s ? ip4s : "");
    cleanup_free char *name = get_name(j, all, nall);
    const char *host = j->hostname ? j->hostname : "";
    const char *path = j->path ? j->path : "";
    if (q->pflags & VJ_JLS_JAIL_NAME) {
        vj_xo_text(xo, " %-15s ", name);
        vj_xo_str(xo, "name", name);
    } else {
        vj_xo_text(xo, "%6d  ", j->jid);
        vj_xo_num(xo, "jid", j->jid);
    }
    vj_xo_text(xo, "%-15.15s %-29.29s %.74s\n", ip4, host, path);
    vj_xo_str(xo, "ipv4", ip4);
    vj_xo_str(xo, "hostname", host);
    vj_xo_str(xo, "path", path);
}

static void print_addresses(struct vj_xo *xo, const char *key, const char *list)
{
    size_t n;
    char **v = split_list(list, &n);
    for (size_t i = 0; i < n; i++)
        vj_xo_text(xo, "        %s\n", v[i]);
    vj_xo_leaf_list(xo, key, v, n);
    free_list(v, n);
}

static void print_verbose(struct vj_xo *xo, const struct vj_jail *j, const struct vj_jail *all,
                          size_t nall)
{
    cleanup_free char *name = get_name(j, all, nall);
    cleanup_free char *cpuset = vj_jls_value(j, "cpuset.id", all, nall);
    cleanup_free char *ip4 = vj_jls_value(j, "ip4.addr", all, nall);
    cleanup_free char *ip6 = vj_jls_value(j, "ip6.addr", all, nall);
    const char *host = j->hostname ? j->hostname : "";
    const char *path = j->path ? j->path : "";
    const char *state = j->dying ? "DYING" : "ACTIVE";
    vj_xo_text(xo, "%6d  %-29.29s %.74s\n", j->jid, host, path);
    vj_xo_num(xo, "jid", j->jid);
    vj_xo_str(xo, "hostname", host);
    vj_xo_str(xo, "path", path);
    vj_xo_text(xo, "        %-29.29s %.74s\n", name, state);
    vj_xo_str(xo, "name", name);
    vj_xo_str(xo, "state", state);
    long long cs = strtoll(cpuset ? cpuset : "0", NULL, 10);
    vj_xo_text(xo, "        %lld\n", cs);
    vj_xo_num(xo, "cpusetid", cs);
    print_addresses(xo, "ipv4_addrs", ip4 ? ip4 : "");
    print_addresses(xo, "ipv6_addrs", ip6 ? ip6 : "");
}

/* "a.b.c" -> "a.b.noc" */
static char *noname(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return xasprintf("no%s", name);
    return xasprintf("%.*s.no%s", (int)(dot - name), name, dot + 1);
}

static bool skipped(const struct vj_jls *q, const struct jls_col *c, const struct vj_jail *j,
                    const struct vj_jail *all, size_t nall)
{
    if (!(q->pflags & VJ_JLS_SKIP))
        return false;
    if (c->rdonly)
        return true;
    if (c->parent) {
        cleanup_free char *pv = vj_jls_value(j, c->parent, all, nall);
        return !pv || strcmp(pv, "new") != 0;
    }
    return false;
}

static void print_params(const struct vj_jls *q, struct vj_xo *xo, const struct vj_jail *j,
                         const struct vj_jail *all, size_t nall)
{
    bool structured = vj_xo_get_style(xo) != VJ_XO_TEXT;
    bool spc = false;
    for (size_t i = 0; i < q->ncols; i++) {
        const struct jls_col *c = &q->cols[i];
        if (skipped(q, c, j, all, nall))
            continue;
        cleanup_free char *v = col_value(c->name, c->def, c->negated, j, all, nall);
        if (!v)
            v = xstrdup("");
        if (spc)
            vj_xo_text(xo, " ");
        spc = true;
        if ((q->pflags & VJ_JLS_NAMEVAL) && c->kind == CK_BOOL) {
            bool b = !strcmp(v, "true");
            /* Always the positive name's sense: "persist" / "nopersist". */
            const char *base = c->def ? c->def->name : c->name;
            bool pos = c->negated ? !b : b;
            cleanup_free char *nn = noname(base);
            vj_xo_text(xo, "%s", pos ? base : nn);
            vj_xo_bool(xo, c->name, b);
            continue;
        }
        if (q->pflags & VJ_JLS_NAMEVAL)
            vj_xo_text(xo, "%s=", c->name);
        bool is_list = c->kind == CK_LIST || c->kind == CK_IP4 || c->kind == CK_IP6;
        if (structured && (c->kind == CK_IP4 || c->kind == CK_IP6)) {
            size_t n;
            char **lv = split_list(v, &n);
            vj_xo_leaf_list(xo, c->name, lv, n);
            free_list(lv, n);
            continue;
        }
        if (is_list && !*v) {
            /* An empty list has no value at all. */
            if (q->pflags & VJ_JLS_QUOTED)
                vj_xo_text(xo, "\"\"");
            else if (!(q->pflags & VJ_JLS_NAMEVAL))
                vj_xo_text(xo, "-");
            vj_xo_str(xo, c->name, "");
            continue;
        }
        if (!*v) {
            /* An empty string is always shown quoted. */
            vj_xo_text(xo, "\"\"");
            vj_xo_str(xo, c->name, "");
            continue;
        }
        if (q->pflags & VJ_JLS_QUOTED) {
            /* FreeBSD's choice of quotes; backslashes are escaped as well
             * so that -s output reads back into jail(8) unchanged. */
            cleanup_free char *qv = vj_quote_value(v);
            vj_xo_text(xo, "%s", qv);
        } else {
            vj_xo_text(xo, "%s", v);
        }
        vj_xo_str(xo, c->name, v);
    }
    vj_xo_text(xo, "\n");
}

void vj_jls_print(const struct vj_jls *q, struct vj_xo *xo, const struct vj_jail *j,
                  const struct vj_jail *all, size_t nall)
{
    vj_xo_open_instance(xo, "jail");
    if (q->pflags & VJ_JLS_VERBOSE)
        print_verbose(xo, j, all, nall);
    else if (q->pflags & VJ_JLS_DEFAULT)
        print_default(q, xo, j, all, nall);
    else
        print_params(q, xo, j, all, nall);
    vj_xo_close(xo);
}

/*
 * jls(8) output: the default table, -v, and parameter columns in plain,
 * -n (name=value), -s (jail(8) input) and -h (header) forms, in text,
 * JSON or XML (jls_emit.c).  Layout and keys follow FreeBSD's jls.c.
 *
 * Values come from the registry record of a jail (struct vj_jail and its
 * recorded parameters); a few are derived (the "specials" table).  Live
 * figures, a VNET jail's interfaces and the rctl usage, come from a
 * struct vj_jls_source (jls_live.c, or fakes in unit tests), at most once
 * per jail (struct jls_ctx).
 */
#include "vjail.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>
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
    struct vj_jls_source src;
};

/* What printing one jail needs: the jail, the list it is in (derived
 * values), and its live figures, fetched at most once (state 0: not yet,
 * 1: have them, -1: none). */
struct jls_ctx {
    const struct vj_jls_source *src;
    const struct vj_jail *j;
    const struct vj_jail *all;
    size_t nall;
    int usage_state;
    int64_t usage[VJ_RR_N];
    int links_state;
    struct vj_nl_link *links;
    size_t nlinks;
};

static void ctx_init(struct jls_ctx *c, const struct vj_jls_source *src,
                     const struct vj_jail *j, const struct vj_jail *all, size_t nall)
{
    memset(c, 0, sizeof *c);
    c->src = src;
    c->j = j;
    c->all = all;
    c->nall = nall;
}

static void ctx_clear(struct jls_ctx *c)
{
    vj_nl_links_free(c->links, c->nlinks);
    c->links = NULL;
    c->nlinks = 0;
}

/* A live figure could not be read for a reason worth telling: jls still
 * lists the jail, without it. */
static void live_warning(const struct vj_jail *j, vj_error_t *err)
{
    if (*err && j->name)
        vj_error_prefix(err, "%s", j->name);
    if (*err)
        vj_error_print(err, vj_progname ? vj_progname : "jls");
}

static const int64_t *ctx_usage(struct jls_ctx *c)
{
    if (c->usage_state == 0) {
        vj_error_t err = NULL;
        int r = c->src->usage ? c->src->usage(c->j, c->usage, c->src->arg, &err) : 0;
        if (r < 0)
            live_warning(c->j, &err);
        vj_error_release(&err);
        c->usage_state = r > 0 ? 1 : -1;
    }
    return c->usage_state > 0 ? c->usage : NULL;
}

static bool ctx_links(struct jls_ctx *c)
{
    if (c->links_state == 0) {
        vj_error_t err = NULL;
        int r = c->src->links ? c->src->links(c->j, &c->links, &c->nlinks, c->src->arg, &err)
                              : 0;
        if (r < 0)
            live_warning(c->j, &err);
        vj_error_release(&err);
        if (r <= 0) {
            vj_nl_links_free(c->links, c->nlinks);
            c->links = NULL;
            c->nlinks = 0;
        }
        c->links_state = r > 0 ? 1 : -1;
    }
    return c->links_state > 0;
}

/* ---------------------------------------------------------------------- */
/* values                                                                  */
/* ---------------------------------------------------------------------- */

static char *jailsys_text(const char *v, bool negated);

struct jls_special {
    const char *name;
    enum col_kind kind;
    bool rdonly;
    char *(*get)(struct jls_ctx *c);
};

static char *get_jid(struct jls_ctx *c)
{
    return xasprintf("%d", c->j->jid);
}

static char *get_name(struct jls_ctx *c)
{
    const struct vj_jail *j = c->j;
    return j->name ? xstrdup(j->name) : xasprintf("%d", j->jid);
}

static char *get_path(struct jls_ctx *c)
{
    return xstrdup(c->j->path ? c->j->path : "");
}

static char *get_hostname(struct jls_ctx *c)
{
    return xstrdup(c->j->hostname ? c->j->hostname : "");
}

static char *get_parent(struct jls_ctx *c)
{
    return xasprintf("%d", c->j->parent);
}

static char *get_dying(struct jls_ctx *c)
{
    return xstrdup(c->j->dying ? "true" : "false");
}

static char *get_children_cur(struct jls_ctx *c)
{
    int n = 0;
    for (size_t i = 0; i < c->nall; i++)
        if (c->all[i].parent == c->j->jid && !c->all[i].dying)
            n++;
    return xasprintf("%d", n);
}

/* Linux has no cpusets: vjail reports 0 (jls(8) documents it). */
static char *get_cpuset_id(struct jls_ctx *c)
{
    return xstrdup("0");
}

/* ip4 / ip6 as FreeBSD's jls shows them: the mode the jail runs with
 * (security_netaddr.c decides it the same way from the recorded
 * parameters): "new" with addresses, "disable" for a family a jail
 * without vnet was given nothing of, "inherit" otherwise. */
static char *family_mode(const struct vj_jail *j, int family)
{
    static struct vj_cjail none;
    const struct vj_cjail *p = j->params ? j->params : &none;
    struct vj_netaddr *na = NULL;
    vj_error_t err = NULL;
    if (vj_netaddr_parse(p, vj_jail_is_vnet(p), "", &na, &err) < 0)
        vj_error_release(&err);
    int m = !na ? VJ_JS_INHERIT : family == AF_INET ? na->mode4 : na->mode6;
    free(na);
    return xstrdup(m == VJ_JS_NEW ? "new" : m == VJ_JS_DISABLE ? "disable" : "inherit");
}

static char *get_ip4(struct jls_ctx *c)
{
    return family_mode(c->j, AF_INET);
}

static char *get_ip6(struct jls_ctx *c)
{
    return family_mode(c->j, AF_INET6);
}

/* The release uname(2) reports in the jail: the host kernel's, unless a
 * value was recorded. */
static char *get_osrelease(struct jls_ctx *c)
{
    const struct vj_jail *j = c->j;
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

/* usage.RESOURCE columns: the figure rctl -u shows for RESOURCE (a vjail
 * extension, read-only).  Returns the resource, or -1. */
#define USAGE_PREFIX "usage."
static int usage_column(const char *name)
{
    if (strncmp(name, USAGE_PREFIX, strlen(USAGE_PREFIX)) != 0)
        return -1;
    return vj_rctl_resource_lookup(name + strlen(USAGE_PREFIX));
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
                       struct jls_ctx *c)
{
    const struct vj_jail *j = c->j;
    int res = usage_column(name);
    if (res >= 0) {
        /* No cgroup: zeros, as rctl -u shows for a jail without
         * processes. */
        const int64_t *u = ctx_usage(c);
        return xasprintf("%lld", u ? (long long)u[res] : 0LL);
    }
    const struct jls_special *sp = special_find(name);
    if (!sp && def && negated)
        sp = special_find(def->name); /* "nodying" */
    if (sp) {
        char *v = sp->get(c);
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

/* A value by name, for the fixed displays (and vj_jls_value). */
static char *ctx_value(struct jls_ctx *c, const char *name)
{
    bool negated = false;
    const struct vj_param_def *def =
        special_find(name) || usage_column(name) >= 0 ? NULL : param_lookup(name, &negated);
    return col_value(name, def, negated, c);
}

char *vj_jls_value(const struct vj_jail *j, const char *name, const struct vj_jail *all,
                   size_t nall)
{
    struct jls_ctx c;
    ctx_init(&c, &vj_jls_live_source, j, all, nall);
    char *v = ctx_value(&c, name);
    ctx_clear(&c);
    return v;
}

/* Split a comma-joined list (no empty elements). */
static char **split_list(const char *s, size_t *n)
{
    char **v = NULL;
    *n = 0;
    while (s && *s) {
        size_t len = strcspn(s, ",");
        if (len) {
            vj_strv_push(&v, n, xstrndup(s, len));
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

void vj_jls_set_source(struct vj_jls *q, const struct vj_jls_source *src)
{
    q->src = *src;
}

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
    if (usage_column(name) >= 0) {
        c.name = xstrdup(name);
        c.kind = CK_STRING;
        c.rdonly = true;
        q->cols = xrealloc(q->cols, (q->ncols + 1) * sizeof *q->cols);
        q->cols[q->ncols++] = c;
        return 0;
    }
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
    q->src = vj_jls_live_source;
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

/* Add a to the comma-joined list b unless it is there already. */
static void list_add_unique(struct vj_buf *b, const char *a)
{
    size_t n = strlen(a);
    for (const char *p = b->s; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, a, n))
            return;
        p += len;
        if (*p)
            p++;
    }
    if (b->len)
        buf_addc(b, ',');
    buf_adds(b, a);
}

/* The addresses of a VNET jail that others can reach, in interface
 * order: every interface but loopback, without host- and link-scope
 * addresses (::1, fe80::...). */
static void vnet_addrs(struct jls_ctx *c, int family, struct vj_buf *b)
{
    if (!ctx_links(c))
        return;
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct vj_nl_link *l = &c->links[i];
        if (l->flags & IFF_LOOPBACK)
            continue;
        for (size_t k = 0; k < l->naddrs; k++) {
            const struct vj_nl_addr *a = &l->addrs[k];
            if (a->p.family != family || a->scope >= RT_SCOPE_LINK)
                continue;
            char txt[46];
            list_add_unique(b, vj_nl_ntop(family, a->p.addr, txt));
        }
    }
}

/* A jail's addresses of one family: the recorded ip4.addr / ip6.addr,
 * then (VNET) those of its interfaces. */
static char *jail_addrs(struct jls_ctx *c, int family)
{
    cleanup_free char *rec = ctx_value(c, family == AF_INET ? "ip4.addr" : "ip6.addr");
    struct vj_buf b = {0};
    buf_adds(&b, "");
    size_t n;
    char **v = split_list(rec ? rec : "", &n);
    for (size_t i = 0; i < n; i++)
        list_add_unique(&b, v[i]);
    free_list(v, n);
    vnet_addrs(c, family, &b);
    return buf_steal(&b);
}

/* "02:00:5e:00:00:01"; NULL for links without an Ethernet address (lo). */
static char *link_mac(const struct vj_nl_link *l)
{
    if (l->type != ARPHRD_ETHER || l->maclen != 6)
        return NULL;
    const unsigned char *m = l->mac;
    return xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A VNET jail's interfaces.  Text (-v): one line each, like ifconfig's
 * summary: "NAME: ether MAC inet A/LEN inet6 B/LEN".  JSON/XML: an
 * "interfaces" list of "interface" instances. */
static void print_interfaces(struct vj_xo *xo, struct jls_ctx *c)
{
    if (!ctx_links(c))
        return;
    vj_xo_open_list(xo, "interfaces");
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct vj_nl_link *l = &c->links[i];
        cleanup_free char *mac = link_mac(l);
        /* FreeBSD's name of the loopback, as vjail's ifconfig shows it. */
        const char *name = !strcmp(l->name, "lo") && !strcmp(l->kind, "") ? "lo0" : l->name;
        vj_xo_open_instance(xo, "interface");
        vj_xo_text(xo, "        %s:", name);
        vj_xo_str(xo, "name", name);
        if (mac) {
            vj_xo_text(xo, " ether %s", mac);
            vj_xo_str(xo, "mac", mac);
        }
        vj_xo_num(xo, "mtu", l->mtu);
        vj_xo_bool(xo, "up", (l->flags & IFF_UP) != 0);
        static const struct {
            int family;
            const char *word;
        } fams[] = {{AF_INET, "inet"}, {AF_INET6, "inet6"}};
        for (size_t f = 0; f < 2; f++) {
            char **v = xcalloc(l->naddrs + 1, sizeof *v);
            size_t n = 0;
            for (size_t k = 0; k < l->naddrs; k++) {
                const struct vj_nl_addr *a = &l->addrs[k];
                if (a->p.family != fams[f].family)
                    continue;
                char txt[46];
                v[n] = xasprintf("%s/%u", vj_nl_ntop(a->p.family, a->p.addr, txt),
                                 (unsigned)a->p.len);
                vj_xo_text(xo, " %s %s", fams[f].word, v[n]);
                n++;
            }
            vj_xo_leaf_list(xo, fams[f].word, v, n);
            free_list(v, n);
        }
        vj_xo_text(xo, "\n");
        vj_xo_close(xo);
    }
    vj_xo_close(xo);
}

/* rctl usage.  Text (-v): "rctl usage:" and rctl -u's name=value pairs,
 * wrapped at 80 columns.  JSON/XML: a "usage" container of numbers. */
#define USAGE_LEAD "        rctl usage:"
static void print_usage(struct vj_xo *xo, struct jls_ctx *c)
{
    const int64_t *u = ctx_usage(c);
    if (!u)
        return;
    vj_xo_open_container(xo, "usage");
    const size_t indent = strlen(USAGE_LEAD) + 1;
    size_t col = strlen(USAGE_LEAD);
    vj_xo_text(xo, "%s", USAGE_LEAD);
    for (int i = 0; i < VJ_RR_N; i++) {
        const char *name = vj_rctl_resource_name(i);
        char item[96];
        int n = snprintf(item, sizeof item, "%s=%lld", name, (long long)u[i]);
        if (col > indent && col + 1 + (size_t)n > 79) {
            vj_xo_text(xo, "\n%*s", (int)indent, "");
            col = indent;
        } else {
            vj_xo_text(xo, " ");
            col++;
        }
        vj_xo_text(xo, "%s", item);
        col += (size_t)n;
        vj_xo_num(xo, name, u[i]);
    }
    vj_xo_text(xo, "\n");
    vj_xo_close(xo);
}

static void print_default(const struct vj_jls *q, struct vj_xo *xo, struct jls_ctx *c)
{
    const struct vj_jail *j = c->j;
    cleanup_free char *ip4s = jail_addrs(c, AF_INET);
    cleanup_free char *ip4 = first_of(ip4s);
    cleanup_free char *ip6s = NULL, *ip6 = NULL;
    const char *shown = ip4;
    if (!*ip4 && ctx_links(c)) {
        /* A VNET jail with IPv6 only shows that. */
        ip6s = jail_addrs(c, AF_INET6);
        shown = ip6 = first_of(ip6s);
    }
    cleanup_free char *name = get_name(c);
    const char *host = j->hostname ? j->hostname : "";
    const char *path = j->path ? j->path : "";
    if (q->pflags & VJ_JLS_JAIL_NAME) {
        vj_xo_text(xo, " %-15s ", name);
        vj_xo_str(xo, "name", name);
    } else {
        vj_xo_text(xo, "%6d  ", j->jid);
        vj_xo_num(xo, "jid", j->jid);
    }
    vj_xo_text(xo, "%-15.15s %-29.29s %.74s\n", shown, host, path);
    vj_xo_str(xo, "ipv4", ip4);
    vj_xo_str(xo, "hostname", host);
    vj_xo_str(xo, "path", path);
    /* Beyond FreeBSD, encoded output only: the table stays as it is. */
    if (vj_xo_get_style(xo) != VJ_XO_TEXT) {
        print_interfaces(xo, c);
        print_usage(xo, c);
    }
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

static void print_verbose(struct vj_xo *xo, struct jls_ctx *c)
{
    const struct vj_jail *j = c->j;
    cleanup_free char *name = get_name(c);
    cleanup_free char *cpuset = ctx_value(c, "cpuset.id");
    cleanup_free char *ip4 = jail_addrs(c, AF_INET);
    cleanup_free char *ip6 = jail_addrs(c, AF_INET6);
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
    print_addresses(xo, "ipv4_addrs", ip4);
    print_addresses(xo, "ipv6_addrs", ip6);
    /* FreeBSD's lines end here; vjail's additions follow, each marked so
     * that it cannot pass for an address line. */
    print_interfaces(xo, c);
    print_usage(xo, c);
}

/* "a.b.c" -> "a.b.noc" */
static char *noname(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return xasprintf("no%s", name);
    return xasprintf("%.*s.no%s", (int)(dot - name), name, dot + 1);
}

static bool skipped(const struct vj_jls *q, const struct jls_col *col, struct jls_ctx *c)
{
    if (!(q->pflags & VJ_JLS_SKIP))
        return false;
    if (col->rdonly)
        return true;
    if (col->parent) {
        cleanup_free char *pv = ctx_value(c, col->parent);
        return !pv || strcmp(pv, "new") != 0;
    }
    return false;
}

static void print_params(const struct vj_jls *q, struct vj_xo *xo, struct jls_ctx *ctx)
{
    bool structured = vj_xo_get_style(xo) != VJ_XO_TEXT;
    bool spc = false;
    for (size_t i = 0; i < q->ncols; i++) {
        const struct jls_col *c = &q->cols[i];
        if (skipped(q, c, ctx))
            continue;
        cleanup_free char *v = col_value(c->name, c->def, c->negated, ctx);
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
    struct jls_ctx c;
    ctx_init(&c, &q->src, j, all, nall);
    vj_xo_open_instance(xo, "jail");
    if (q->pflags & VJ_JLS_VERBOSE)
        print_verbose(xo, &c);
    else if (q->pflags & VJ_JLS_DEFAULT)
        print_default(q, xo, &c);
    else
        print_params(q, xo, &c);
    vj_xo_close(xo);
    ctx_clear(&c);
}

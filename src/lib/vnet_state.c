/* Declarative networking, the plan: a jail's vnet.* parameters turned into
 * the recorded state that vj_vnet_setup() makes and vj_vnet_teardown()
 * removes (names, MAC, addresses, gateways, NAT, forwards), and that
 * state's file format. */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#define STATE_MAGIC "vjail-vnet 1"

void vj_vnet_state_clear(struct vj_vnet_state *st)
{
    free(st->name);
    free(st->bridge);
    free(st->bridge_addrs);
    free(st->addrs);
    free(st->fwds);
    for (size_t i = 0; i < st->nmoved; i++)
        free(st->moved[i].home);
    free(st->moved);
    free(st->path);
    memset(st, 0, sizeof *st);
}

/* FNV-1a, 64 bits: a stable hash (never changes between versions). */
static uint64_t fnv1a(const char *a, const char *b)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL; /* separator */
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

void vj_vnet_mac(const char *kind, const char *name, unsigned char mac[6])
{
    uint64_t h = fnv1a(kind, name);
    for (int i = 0; i < 6; i++)
        mac[i] = (unsigned char)(h >> (8 * i));
    /* Locally administered, unicast. */
    mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
}

void vj_vnet_altname(const char *jail, char out[VJ_VNET_ALTNAME_MAX])
{
    /* Linux refuses '/', ':' and white space in interface names; ':' is
     * why the prefix is "jail." and not "jail:". */
    size_t o = (size_t)snprintf(out, VJ_VNET_ALTNAME_MAX, "jail.");
    for (const char *s = jail; *s && o < VJ_VNET_ALTNAME_MAX - 1; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = (c == '/' || c == ':' || c <= ' ' || c == 0x7f) ? '_' : (char)c;
    }
    out[o] = '\0';
}

/* " (FILE line N)" for a parameter set in a file, "" otherwise. */
static char *where(const struct vj_cjail *j, const char *name)
{
    const struct vj_cparam *p = vj_cjail_get(j, name);
    if (p && p->loc.file && p->loc.line > 0)
        return xasprintf(" (%s line %d)", p->loc.file, p->loc.line);
    return xstrdup("");
}

static const char *jname(const struct vj_cjail *j)
{
    return j->name && j->name[0] ? j->name : "jail";
}

__attribute__((format(printf, 4, 5))) static int perr(vj_error_t *err, const struct vj_cjail *j,
                                                      const char *param, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    cleanup_free char *w = where(j, param);
    return vj_error_make(err, 0, "%s: %s: %s%s", jname(j), param, msg ? msg : "?", w);
}

int vj_vnet_forward_parse(const char *s, struct vj_vnet_fwd *f, vj_error_t *err)
{
    memset(f, 0, sizeof *f);
    f->proto = VJ_VNET_TCP;
    const char *p = s;
    const char *slash = strchr(s, '/');
    if (slash) {
        size_t n = (size_t)(slash - s);
        if (n == 3 && strncasecmp(s, "tcp", 3) == 0)
            f->proto = VJ_VNET_TCP;
        else if (n == 3 && strncasecmp(s, "udp", 3) == 0)
            f->proto = VJ_VNET_UDP;
        else
            return vj_error_make(err, 0, "\"%s\": protocol must be tcp or udp", s);
        p = slash + 1;
    }
    unsigned long port[2];
    for (int i = 0; i < 2; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            goto bad;
        errno = 0;
        port[i] = strtoul(p, &end, 10);
        if (errno || port[i] < 1 || port[i] > 65535)
            goto bad;
        p = end;
        if (i == 0) {
            if (*p == '\0') {
                port[1] = port[0];
                break;
            }
            if (*p++ != ':')
                goto bad;
        } else if (*p) {
            goto bad;
        }
    }
    f->hport = (unsigned short)port[0];
    f->jport = (unsigned short)port[1];
    return 0;
bad:
    return vj_error_make(err, 0, "\"%s\": expected [tcp/|udp/]HOSTPORT[:JAILPORT]", s);
}

/* Is a in the network of prefix p (same family)? */
static bool in_prefix(const struct vj_nl_prefix *p, const struct vj_nl_prefix *a)
{
    if (p->family != a->family)
        return false;
    unsigned bits = p->len;
    for (unsigned i = 0; bits; i++) {
        unsigned take = bits >= 8 ? 8 : bits;
        unsigned char m = (unsigned char)(0xff << (8 - take));
        if ((p->addr[i] & m) != (a->addr[i] & m))
            return false;
        bits -= take;
    }
    return true;
}

static int parse_prefixes(const struct vj_cjail *j, const char *param, bool want_len,
                          struct vj_nl_prefix **out, size_t *n, vj_error_t *err)
{
    const struct vj_cparam *p = vj_cjail_get(j, param);
    if (!p)
        return 0;
    for (size_t i = 0; i < p->nvalues; i++) {
        const char *v = p->values[i];
        if (!*v)
            continue;
        struct vj_nl_prefix pf;
        vj_error_t e = NULL;
        if (vj_nl_prefix_parse(v, AF_UNSPEC, &pf, &e) < 0) {
            int r = perr(err, j, param, "%s", e->msg);
            vj_error_release(&e);
            return r;
        }
        if (want_len && !strchr(v, '/'))
            return perr(err, j, param, "\"%s\": prefix length missing (ADDR/LEN)", v);
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = pf;
    }
    return 0;
}

/* vnet=new in any of its forms (jailsys: "new", 1, bare, true; the "no"
 * form flips), as the security policy reads it. */
static bool vnet_is_new(const struct vj_cjail *j)
{
    const struct vj_cparam *p = vj_cjail_get(j, "vnet");
    if (!p)
        return false;
    bool is_new = true;
    if (p->nvalues) {
        const char *v = p->values[p->nvalues - 1];
        is_new = !strcasecmp(v, "new") || !strcmp(v, "1") ||
                 (strcasecmp(v, "inherit") && strcmp(v, "2") && strcasecmp(v, "disable") &&
                  param_parse_bool(v) == 1);
    }
    return p->negated ? !is_new : is_new;
}

int vj_vnet_plan(const struct vj_cjail *j, int jid, struct vj_vnet_state *st, vj_error_t *err)
{
    char *path = st->path;
    st->path = NULL;
    vj_vnet_state_clear(st);
    st->path = path;
    st->jid = jid;
    const char *bridge = vj_cjail_str(j, "vnet.bridge");
    static const char *const others[] = {"vnet.bridge.addr", "vnet.addr", "vnet.gateway",
                                         "vnet.mac", "vnet.nat", "vnet.forward"};
    if (!bridge || !*bridge) {
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
            if (vj_cjail_get(j, others[i]))
                return perr(err, j, others[i], "requires vnet.bridge");
        return 0;
    }
    if (!vnet_is_new(j))
        return perr(err, j, "vnet.bridge", "requires vnet (vnet=new)");
    if (strlen(bridge) >= 16 || strpbrk(bridge, "/: \t\n") || !strcmp(bridge, ".") ||
        !strcmp(bridge, ".."))
        return perr(err, j, "vnet.bridge", "\"%s\": not a valid interface name (at most 15 "
                    "characters)", bridge);
    if (jid <= 0)
        return perr(err, j, "vnet.bridge", "no jid reserved");
    /* An unnamed jail is named after its jid, as on FreeBSD. */
    st->name = j->name && j->name[0] ? xstrdup(j->name) : xasprintf("%d", jid);
    if (strchr(st->name, '\n'))
        return perr(err, j, "vnet.bridge", "jail name contains a newline");
    st->bridge = xstrdup(bridge);
    snprintf(st->host_if, sizeof st->host_if, "vj%da", jid);
    snprintf(st->jail_if, sizeof st->jail_if, "%s", VJ_VNET_JAIL_IF);

    const char *mac = vj_cjail_str(j, "vnet.mac");
    if (mac && *mac) {
        if (vj_nl_mac_parse(mac, st->mac) < 0)
            return perr(err, j, "vnet.mac", "\"%s\": not a MAC address", mac);
        if (st->mac[0] & 1)
            return perr(err, j, "vnet.mac", "\"%s\": a multicast address", mac);
    } else {
        vj_vnet_mac("jail", st->name, st->mac);
    }

    if (parse_prefixes(j, "vnet.bridge.addr", true, &st->bridge_addrs, &st->nbridge_addrs,
                       err) < 0 ||
        parse_prefixes(j, "vnet.addr", true, &st->addrs, &st->naddrs, err) < 0)
        return -1;
    cleanup_free struct vj_nl_prefix *gws = NULL;
    size_t ngws = 0;
    if (parse_prefixes(j, "vnet.gateway", false, &gws, &ngws, err) < 0)
        return -1;
    for (size_t i = 0; i < ngws; i++) {
        struct vj_nl_prefix *g = gws[i].family == AF_INET ? &st->gw4 : &st->gw6;
        if (g->family)
            return perr(err, j, "vnet.gateway", "more than one %s gateway",
                        gws[i].family == AF_INET ? "IPv4" : "IPv6");
        *g = gws[i];
        g->len = gws[i].family == AF_INET ? 32 : 128;
    }
    /* No vnet.gateway for a family: the bridge address in the jail's network. */
    for (size_t i = 0; i < st->naddrs; i++) {
        struct vj_nl_prefix *g = st->addrs[i].family == AF_INET ? &st->gw4 : &st->gw6;
        if (g->family)
            continue;
        for (size_t k = 0; k < st->nbridge_addrs; k++)
            if (in_prefix(&st->addrs[i], &st->bridge_addrs[k]) &&
                memcmp(st->addrs[i].addr, st->bridge_addrs[k].addr, 16) != 0) {
                *g = st->bridge_addrs[k];
                g->len = g->family == AF_INET ? 32 : 128;
                break;
            }
    }

    st->nat = vj_cjail_bool(j, "vnet.nat", false);
    const struct vj_cparam *fp = vj_cjail_get(j, "vnet.forward");
    for (size_t i = 0; fp && i < fp->nvalues; i++) {
        if (!*fp->values[i])
            continue;
        struct vj_vnet_fwd f;
        vj_error_t e = NULL;
        if (vj_vnet_forward_parse(fp->values[i], &f, &e) < 0) {
            int r = perr(err, j, "vnet.forward", "%s", e->msg);
            vj_error_release(&e);
            return r;
        }
        for (size_t k = 0; k < st->nfwds; k++)
            if (st->fwds[k].proto == f.proto && st->fwds[k].hport == f.hport)
                return perr(err, j, "vnet.forward", "\"%s\": host port given twice",
                            fp->values[i]);
        st->fwds = xrealloc(st->fwds, (st->nfwds + 1) * sizeof *st->fwds);
        st->fwds[st->nfwds++] = f;
    }
    if ((st->nat || st->nfwds) && !st->naddrs)
        return perr(err, j, st->nat ? "vnet.nat" : "vnet.forward", "requires vnet.addr");
    return 0;
}

/* ---- state file ----------------------------------------------------- */

static void add_prefix(struct vj_buf *b, const char *key, const struct vj_nl_prefix *p,
                       bool with_len)
{
    char a[46];
    buf_printf(b, "%s %s", key, vj_nl_ntop(p->family, p->addr, a));
    if (with_len)
        buf_printf(b, "/%u", p->len);
    buf_addc(b, '\n');
}

char *vj_vnet_state_format(const struct vj_vnet_state *st)
{
    struct vj_buf b = {0};
    buf_printf(&b, "%s\njid %d\n", STATE_MAGIC, st->jid);
    if (st->name)
        buf_printf(&b, "name %s\n", st->name);
    if (st->bridge) {
        buf_printf(&b, "bridge %s\n", st->bridge);
        if (st->bridge_created)
            buf_adds(&b, "bridge.created 1\n");
        if (st->bridge_retired[0])
            buf_printf(&b, "bridge.retired %s\n", st->bridge_retired);
        for (size_t i = 0; i < st->nbridge_addrs; i++)
            add_prefix(&b, "bridge.addr", &st->bridge_addrs[i], true);
        buf_printf(&b, "host %s\njail %s\n", st->host_if, st->jail_if);
        buf_printf(&b, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", st->mac[0], st->mac[1],
                   st->mac[2], st->mac[3], st->mac[4], st->mac[5]);
        for (size_t i = 0; i < st->naddrs; i++)
            add_prefix(&b, "addr", &st->addrs[i], true);
        if (st->gw4.family)
            add_prefix(&b, "gateway", &st->gw4, false);
        if (st->gw6.family)
            add_prefix(&b, "gateway", &st->gw6, false);
        if (st->nat)
            buf_adds(&b, "nat 1\n");
        for (size_t i = 0; i < st->nfwds; i++)
            buf_printf(&b, "forward %s/%u:%u\n", st->fwds[i].proto == VJ_VNET_UDP ? "udp" : "tcp",
                       st->fwds[i].hport, st->fwds[i].jport);
    }
    if (st->sup_pid > 0)
        buf_printf(&b, "sup %d %llu\n", (int)st->sup_pid, st->sup_start);
    for (size_t i = 0; i < st->nmoved; i++)
        buf_printf(&b, "moved %s %d %s\n", st->moved[i].name, st->moved[i].ifindex,
                   st->moved[i].home ? st->moved[i].home : "host");
    return buf_steal(&b);
}

static int prefix_line(const char *v, bool host, struct vj_nl_prefix **arr, size_t *n,
                       struct vj_nl_prefix *one, vj_error_t *err)
{
    struct vj_nl_prefix p;
    if (vj_nl_prefix_parse(v, AF_UNSPEC, &p, err) < 0)
        return -1;
    if (host)
        p.len = p.family == AF_INET ? 32 : 128;
    if (one) {
        *one = p;
        return 0;
    }
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = p;
    return 0;
}

/* "NAME IFINDEX HOME": HOME is "host" or a namespace file (the rest of
 * the line). */
static int moved_line(const char *v, struct vj_vnet_state *st, vj_error_t *err)
{
    const char *sp = strchr(v, ' ');
    char *end;
    if (!sp || sp == v || (size_t)(sp - v) >= sizeof st->moved[0].name)
        return vj_error_make(err, 0, "bad interface name");
    errno = 0;
    long idx = strtol(sp + 1, &end, 10);
    if (errno || end == sp + 1 || *end != ' ' || idx < 0 || idx > INT_MAX || !end[1] ||
        (strcmp(end + 1, "host") != 0 && end[1] != '/'))
        return vj_error_make(err, 0, "expected NAME IFINDEX host|/PATH");
    st->moved = xrealloc(st->moved, (st->nmoved + 1) * sizeof *st->moved);
    struct vj_vnet_moved *m = &st->moved[st->nmoved++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%.*s", (int)(sp - v), v);
    m->ifindex = (int)idx;
    m->home = strcmp(end + 1, "host") ? xstrdup(end + 1) : NULL;
    return 0;
}

int vj_vnet_state_parse(const char *text, struct vj_vnet_state *st, vj_error_t *err)
{
    char *path = st->path;
    st->path = NULL;
    vj_vnet_state_clear(st);
    st->path = path;
    size_t ml = strlen(STATE_MAGIC);
    if (strncmp(text, STATE_MAGIC, ml) != 0 || (text[ml] != '\n' && text[ml]))
        return vj_error_make(err, 0, "not a vjail vnet state (\"%s\" expected)", STATE_MAGIC);
    int lineno = 1;
    for (const char *l = text + ml + (text[ml] ? 1 : 0); *l; lineno++) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        cleanup_free char *line = xstrndup(l, len);
        l += len + (nl ? 1 : 0);
        if (!*line)
            continue;
        char *v = strchr(line, ' ');
        if (!v)
            return vj_error_make(err, 0, "line %d: value missing", lineno);
        *v++ = '\0';
        int r = 0;
        vj_error_t e = NULL;
        if (!strcmp(line, "jid")) {
            char *end;
            long x = strtol(v, &end, 10);
            if (*end || x <= 0 || x > INT_MAX)
                r = vj_error_make(&e, 0, "bad jid");
            st->jid = (int)x;
        } else if (!strcmp(line, "name")) {
            free(st->name);
            st->name = xstrdup(v);
        } else if (!strcmp(line, "bridge")) {
            free(st->bridge);
            st->bridge = xstrdup(v);
        } else if (!strcmp(line, "bridge.created")) {
            st->bridge_created = strcmp(v, "1") == 0;
        } else if (!strcmp(line, "bridge.retired")) {
            if (!*v || strlen(v) >= sizeof st->bridge_retired)
                r = vj_error_make(&e, 0, "bad interface name");
            else
                snprintf(st->bridge_retired, sizeof st->bridge_retired, "%s", v);
        } else if (!strcmp(line, "bridge.addr")) {
            r = prefix_line(v, false, &st->bridge_addrs, &st->nbridge_addrs, NULL, &e);
        } else if (!strcmp(line, "host") || !strcmp(line, "jail")) {
            char *dst = line[0] == 'h' ? st->host_if : st->jail_if;
            if (!*v || strlen(v) >= 16)
                r = vj_error_make(&e, 0, "bad interface name");
            else
                snprintf(dst, 16, "%s", v);
        } else if (!strcmp(line, "mac")) {
            if (vj_nl_mac_parse(v, st->mac) < 0)
                r = vj_error_make(&e, 0, "bad MAC address");
        } else if (!strcmp(line, "addr")) {
            r = prefix_line(v, false, &st->addrs, &st->naddrs, NULL, &e);
        } else if (!strcmp(line, "gateway")) {
            struct vj_nl_prefix g;
            r = prefix_line(v, true, NULL, NULL, &g, &e);
            if (r == 0)
                *(g.family == AF_INET ? &st->gw4 : &st->gw6) = g;
        } else if (!strcmp(line, "nat")) {
            st->nat = strcmp(v, "1") == 0;
        } else if (!strcmp(line, "forward")) {
            struct vj_vnet_fwd f;
            r = vj_vnet_forward_parse(v, &f, &e);
            if (r == 0) {
                st->fwds = xrealloc(st->fwds, (st->nfwds + 1) * sizeof *st->fwds);
                st->fwds[st->nfwds++] = f;
            }
        } else if (!strcmp(line, "sup")) {
            int pid;
            unsigned long long start;
            int used = 0;
            if (sscanf(v, "%d %llu%n", &pid, &start, &used) != 2 || v[used] || pid <= 0)
                r = vj_error_make(&e, 0, "bad supervisor");
            st->sup_pid = pid;
            st->sup_start = start;
        } else if (!strcmp(line, "moved")) {
            r = moved_line(v, st, &e);
        } /* unknown keys: written by a newer vjail, ignored */
        if (r < 0) {
            vj_error_make(err, 0, "line %d: %s: %s", lineno, line, e ? e->msg : "?");
            vj_error_release(&e);
            return -1;
        }
    }
    if (st->jid <= 0)
        return vj_error_make(err, 0, "jid missing");
    if (st->bridge && (!st->host_if[0] || !st->jail_if[0]))
        return vj_error_make(err, 0, "interface names missing");
    return 0;
}

int vj_vnet_state_save(const struct vj_vnet_state *st, const char *path, vj_error_t *err)
{
    cleanup_free char *text = vj_vnet_state_format(st);
    cleanup_free char *tmp = xasprintf("%s.tmp", path);
    if (write_file(tmp, text, strlen(text), O_WRONLY | O_CREAT | O_TRUNC, 0600, err) < 0)
        return -1;
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return vj_error_make(err, e, "%s", path);
    }
    return 0;
}

int vj_vnet_state_load(const char *path, struct vj_vnet_state *st, vj_error_t *err)
{
    cleanup_free char *text = NULL;
    size_t len;
    if (read_file(path, &text, &len, err) < 0)
        return -1;
    if (strlen(text) != len)
        return vj_error_make(err, 0, "%s: not a vjail vnet state", path);
    if (vj_vnet_state_parse(text, st, err) < 0)
        return vj_error_prefix(err, "%s", path);
    if (!st->path)
        st->path = xstrdup(path);
    return 0;
}

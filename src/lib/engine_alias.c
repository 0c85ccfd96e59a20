/*
 * Interface aliases of ip4.addr and ip6.addr, as FreeBSD's jail(8) adds
 * them: an address written "iface|addr[/mask]", or any address when the
 * `interface` parameter names the interface, is added to that host
 * interface before the jail is created (after exec.prepare) and removed
 * after it is removed (after the unmounts).  Each alias is recorded in the
 * registry before it is added, so every way a jail ends removes it (the
 * supervisor's release, the clean-up of a crash), including a jail whose
 * last process exits, where FreeBSD leaves the alias behind.
 * Record form: "IFACE ADDR/LEN".
 */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

/* One list value: its alias (allocated "IFACE ADDR/LEN"), NULL if it has
 * no interface, or -1 with err. */
static int alias_of(const struct vj_cjail *j, const char *param, const char *v, int family,
                    char **out, vj_error_t *err)
{
    *out = NULL;
    const char *bar = strchr(v, '|');
    const char *iface = vj_cjail_str(j, "interface");
    cleanup_free char *ifname = bar ? xstrndup(v, (size_t)(bar - v)) : NULL;
    if (ifname)
        iface = ifname;
    if (!iface || !*iface)
        return 0;
    const char *a = bar ? bar + 1 : v;
    if (strpbrk(a, " \t"))
        return vj_error_make(err, 0, "%s: %s: %s: ifconfig arguments after the address are "
                                     "not supported",
                             j->name ? j->name : "jail", param, v);
    const char *who = j->name ? j->name : "jail";
    /* FreeBSD also takes a dotted IPv4 mask: made a prefix length */
    cleanup_free char *cidr = NULL;
    const char *slash = strchr(a, '/');
    if (slash && family == AF_INET && strchr(slash + 1, '.')) {
        int len = vj_nl_netmask_len(slash + 1);
        if (len < 0)
            return vj_error_make(err, 0, "%s: %s: %s: bad mask", who, param, v);
        cidr = xasprintf("%.*s/%d", (int)(slash - a), a, len);
    }
    struct vj_nl_prefix pf;
    vj_error_t e = NULL;
    if (vj_nl_prefix_parse(cidr ? cidr : a, family, &pf, &e) < 0) {
        vj_error_make(err, 0, "%s: %s: %s", who, param, e->msg);
        vj_error_release(&e);
        return -1;
    }
    char txt[INET6_ADDRSTRLEN];
    inet_ntop(family, pf.addr, txt, sizeof txt);
    *out = xasprintf("%s %s/%d", iface, txt, pf.len);
    return 0;
}

int vj_alias_plan(const struct vj_cjail *j, char ***out, size_t *n, vj_error_t *err)
{
    *out = NULL;
    *n = 0;
    /* FreeBSD: the IPv4 aliases, then the IPv6 ones */
    const char *const params[] = {"ip4.addr", "ip6.addr"};
    const int fams[] = {AF_INET, AF_INET6};
    for (int f = 0; f < 2; f++) {
        const struct vj_cparam *p = vj_cjail_get(j, params[f]);
        for (size_t i = 0; p && i < p->nvalues; i++) {
            cleanup_free char *copy = xstrdup(p->values[i]);
            for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                t += strspn(t, " \t");
                char *alias = NULL;
                if (*t && alias_of(j, params[f], t, fams[f], &alias, err) < 0) {
                    vj_alias_list_free(*out, *n);
                    *out = NULL;
                    *n = 0;
                    return -1;
                }
                if (!alias)
                    continue;
                vj_strv_push(out, n, alias);
            }
        }
    }
    return 0;
}

void vj_alias_list_free(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* "IFACE ADDR/LEN" -> interface name and prefix. */
static int alias_split(const char *alias, char *ifname, size_t sz, struct vj_nl_prefix *p,
                       vj_error_t *err)
{
    const char *sp = strchr(alias, ' ');
    if (!sp || (size_t)(sp - alias) >= sz)
        return vj_error_make(err, EINVAL, "alias %s", alias);
    memcpy(ifname, alias, (size_t)(sp - alias));
    ifname[sp - alias] = 0;
    return vj_nl_prefix_parse(sp + 1, strchr(sp + 1, ':') ? AF_INET6 : AF_INET, p, err);
}

int vj_alias_add(const char *alias, vj_error_t *err)
{
    char ifname[64];
    struct vj_nl_prefix p;
    if (alias_split(alias, ifname, sizeof ifname, &p, err) < 0)
        return -1;
    struct vj_nl *nl = NULL;
    if (vj_nl_open(-1, &nl, err) < 0)
        return -1;
    int rc = vj_nl_addr_add(nl, ifname, &p, err);
    vj_nl_close(nl);
    return rc;
}

void vj_alias_del(const char *alias)
{
    char ifname[64];
    struct vj_nl_prefix p;
    vj_error_t err = NULL;
    struct vj_nl *nl = NULL;
    if (alias_split(alias, ifname, sizeof ifname, &p, &err) == 0 && vj_nl_open(-1, &nl, &err) == 0)
        vj_nl_addr_del(nl, ifname, &p, &err); /* (already gone: fine) */
    if (nl)
        vj_nl_close(nl);
    vj_error_release(&err);
}

int vj_ip_hostname(struct vj_cjail *j, vj_error_t *err)
{
    if (!vj_cjail_bool(j, "ip_hostname", false))
        return 0;
    const char *host = vj_cjail_str(j, "host.hostname");
    const char *who = j->name ? j->name : "jail";
    if (!host || !*host)
        return vj_error_make(err, 0, "%s: ip_hostname: host.hostname is not set", who);
    /* As FreeBSD: stream sockets, both families. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int r = getaddrinfo(host, NULL, &hints, &res);
    if (r != 0)
        return vj_error_make(err, 0, "%s: ip_hostname: %s: %s", who, host, gai_strerror(r));
    for (int pass = 0; pass < 2; pass++) /* IPv4 first, as jail(8) lists them */
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            char buf[INET6_ADDRSTRLEN];
            int fam = pass ? AF_INET6 : AF_INET;
            if (ai->ai_family != fam)
                continue;
            const void *a = fam == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                           : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
            if (!inet_ntop(fam, a, buf, sizeof buf))
                continue;
            const char *param = fam == AF_INET ? "ip4.addr" : "ip6.addr";
            bool dup = false;
            const struct vj_cparam *p = vj_cjail_get(j, param);
            for (size_t i = 0; p && i < p->nvalues && !dup; i++)
                dup = !strcmp(p->values[i], buf);
            if (!dup)
                vj_cjail_add(j, param, buf);
        }
    freeaddrinfo(res);
    return 0;
}

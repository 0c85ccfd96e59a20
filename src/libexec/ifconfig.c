/*
 * ifconfig: FreeBSD's interface verbs for vjail's jails (installed under
 * $PREFIX/libexec/vjail/, first on the PATH of exec.* commands).
 *
 * epair(4) is a veth pair epairNa/epairNb, if_bridge(4) a Linux bridge,
 * lo0 the loopback "lo".  Everything goes through the netlink layer of
 * libvjail; `-j JAIL` works on the jail's stack from the host without
 * entering the jail.  Linux differences are in vjail-ifconfig(8).
 */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/random.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>

#define PROG "ifconfig"

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr,
            "usage: ifconfig [-j jail] [-a] [-l] [-d] [-u] [interface [parameters ...]]\n"
            "       ifconfig [-j jail] interface create [parameters ...]\n"
            "       ifconfig [-j jail] interface destroy\n");
    exit(1);
}

/* An interface this invocation created, destroyed again if a later verb
 * fails, so a failed command leaves nothing half-made. */
static struct {
    struct vj_nl *nl;
    char name[32];
} rollback;

static void undo_create(void)
{
    if (!rollback.nl)
        return;
    vj_nl_discard(rollback.nl);
    vj_nl_link_delete(rollback.nl, rollback.name, NULL);
    rollback.nl = NULL;
}

static void die(vj_error_t *err) __attribute__((noreturn));
static void die(vj_error_t *err)
{
    vj_error_print(err, PROG);
    undo_create();
    exit(1);
}

static void diex(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void diex(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    undo_create();
    exit(1);
}

/* ---- the state of one invocation -------------------------------------- */

struct ifc {
    const char *jail;           /* -j JAIL, or NULL */
    struct vj_nl *nl;           /* the stack worked on (-j: the jail's) */
    int nsfd;                   /* its namespace fd, -1 = ours */
    struct vj_nl_link *links;   /* snapshot, refreshed after changes */
    size_t nlinks;
};

/* A link really named lo0 (made with ip(8)) keeps that name to itself. */
static bool real_lo0;

static void refresh(struct ifc *c)
{
    vj_error_t err = NULL;
    vj_nl_links_free(c->links, c->nlinks);
    c->links = NULL;
    c->nlinks = 0;
    if (vj_nl_links(c->nl, &c->links, &c->nlinks, &err) < 0)
        die(&err);
    real_lo0 = false;
    for (size_t i = 0; i < c->nlinks; i++)
        real_lo0 |= strcmp(c->links[i].name, "lo0") == 0;
}

static const struct vj_nl_link *find(struct ifc *c, const char *name)
{
    return vj_nl_link_find(c->links, c->nlinks, name);
}

/* The name shown: FreeBSD's lo0 for Linux's loopback lo. */
static const char *shown(const struct vj_nl_link *l)
{
    if (!real_lo0 && (l->flags & IFF_LOOPBACK) && strcmp(l->name, "lo") == 0)
        return "lo0";
    return l->name;
}

static const struct vj_nl_link *find_index(struct ifc *c, int idx)
{
    for (size_t i = 0; i < c->nlinks; i++)
        if (c->links[i].ifindex == idx)
            return &c->links[i];
    return NULL;
}

/* FreeBSD's loopback is lo0; Linux's is lo. */
static const char *map_name(struct ifc *c, const char *name)
{
    if (strcmp(name, "lo0") == 0 && !find(c, "lo0"))
        return "lo";
    return name;
}

static const struct vj_nl_link *need(struct ifc *c, const char *name)
{
    const struct vj_nl_link *l = find(c, name);
    if (!l)
        diex("interface %s does not exist", name);
    return l;
}

/* ---- listing ------------------------------------------------------------ */

/* FreeBSD's IFF_* bits and names (net/if.h, ifconfig's IFFBITS). */
enum {
    F_UP = 0x1, F_BROADCAST = 0x2, F_DEBUG = 0x4, F_LOOPBACK = 0x8, F_POINTOPOINT = 0x10,
    F_RUNNING = 0x40, F_NOARP = 0x80, F_PROMISC = 0x100, F_ALLMULTI = 0x200,
    F_SIMPLEX = 0x800, F_MULTICAST = 0x8000, F_LOWER_UP = 0x1000000,
};
static const struct {
    unsigned bit;
    const char *name;
} fbsd_flags[] = {
    {F_UP, "UP"},           {F_BROADCAST, "BROADCAST"}, {F_DEBUG, "DEBUG"},
    {F_LOOPBACK, "LOOPBACK"}, {F_POINTOPOINT, "POINTOPOINT"}, {F_RUNNING, "RUNNING"},
    {F_NOARP, "NOARP"},     {F_PROMISC, "PROMISC"},     {F_ALLMULTI, "ALLMULTI"},
    {F_SIMPLEX, "SIMPLEX"}, {F_MULTICAST, "MULTICAST"}, {F_LOWER_UP, "LOWER_UP"},
};

static unsigned fbsd_ifflags(const struct vj_nl_link *l)
{
    unsigned f = 0;
    if (l->flags & IFF_UP)
        f |= F_UP | F_RUNNING; /* FreeBSD's driver runs while the interface is up */
    if (l->flags & IFF_BROADCAST)
        f |= F_BROADCAST;
    if (l->flags & IFF_DEBUG)
        f |= F_DEBUG;
    if (l->flags & IFF_LOOPBACK)
        f |= F_LOOPBACK;
    if (l->flags & IFF_POINTOPOINT)
        f |= F_POINTOPOINT;
    if (l->flags & IFF_NOARP)
        f |= F_NOARP;
    if (l->flags & IFF_PROMISC)
        f |= F_PROMISC;
    if (l->flags & IFF_ALLMULTI)
        f |= F_ALLMULTI;
    if (l->type == ARPHRD_ETHER)
        f |= F_SIMPLEX;
    if (l->flags & IFF_MULTICAST)
        f |= F_MULTICAST;
    if (l->flags & IFF_LOWER_UP)
        f |= F_LOWER_UP;
    return f;
}

/* FreeBSD's interface group of a Linux link kind. */
static const char *group_of(const struct vj_nl_link *l)
{
    if (strcmp(l->kind, "veth") == 0)
        return "epair";
    if (l->kind[0])
        return l->kind;
    if (l->flags & IFF_LOOPBACK)
        return "lo";
    return NULL;
}

/* FreeBSD's bridge member flags (if_bridgevar.h IFBIF_*), in the order
 * its IFBIFBITS prints them. */
enum {
    M_LEARNING = 0x1, M_DISCOVER = 0x2, M_STP = 0x4, M_SPAN = 0x8, M_STICKY = 0x10,
    M_EDGE = 0x20, M_AUTOEDGE = 0x40, M_PTP = 0x80, M_AUTOPTP = 0x100, M_PRIVATE = 0x800,
};
static const struct {
    unsigned bit;
    const char *name;
} member_flags[] = {
    {M_LEARNING, "LEARNING"}, {M_DISCOVER, "DISCOVER"}, {M_STP, "STP"},   {M_SPAN, "SPAN"},
    {M_STICKY, "STICKY"},     {M_PRIVATE, "PRIVATE"},   {M_EDGE, "EDGE"}, {M_AUTOEDGE, "AUTOEDGE"},
    {M_PTP, "PTP"},           {M_AUTOPTP, "AUTOPTP"},
};

static void print_bits(unsigned v, bool member)
{
    printf("flags=%x<", v);
    bool first = true;
    size_t n = member ? sizeof member_flags / sizeof member_flags[0]
                      : sizeof fbsd_flags / sizeof fbsd_flags[0];
    for (size_t i = 0; i < n; i++) {
        unsigned bit = member ? member_flags[i].bit : fbsd_flags[i].bit;
        if (v & bit) {
            printf("%s%s", first ? "" : ",", member ? member_flags[i].name : fbsd_flags[i].name);
            first = false;
        }
    }
    printf(">");
}

/* "02:00:5e:00:00:01" (FreeBSD's ether_ntoa pads with zeros). */
static const char *mac_str(const unsigned char *m, char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

/* FreeBSD's stpstates, indexed like Linux's BR_STATE_* (the same order). */
static const char *const stp_states[] = {"disabled", "listening", "learning", "forwarding",
                                         "blocking", "discarding"};

/* The STP role of a port, from what Linux tells (it has no role field). */
static const char *port_role(const struct vj_nl_link *br, const struct vj_nl_link *m)
{
    if (m->port_state == 0)
        return "disabled";
    if (br->br.root_port && m->port_no == br->br.root_port)
        return "root";
    if (memcmp(m->port_dbridge, br->br.id, sizeof br->br.id) == 0)
        return m->port_dport == m->port_id ? "designated" : "backup";
    return "alternate";
}

/* FreeBSD's bridge_status(): the bridge's spanning tree parameters, then
 * one entry per member, from Linux's IFLA_BR_* and IFLA_BRPORT_*. */
static void print_bridge(struct ifc *c, const struct vj_nl_link *l)
{
    char a[18];
    const unsigned char *root = l->br.root;
    /* Linux's kernel STP is 802.1D (proto stp); it has no transmit hold
     * count, but sends at most one BPDU per hold time: holdcnt 1. */
    if (l->br.valid) {
        printf("\tid %s priority %u hellotime %u fwddelay %u\n", mac_str(l->br.id + 2, a),
               l->br.prio, l->br.hello, l->br.fwddelay);
        printf("\tmaxage %u holdcnt %u proto %s maxaddr %u timeout %u\n", l->br.maxage, 1u, "stp",
               l->br.max_learned, l->br.ageing);
        printf("\troot id %s priority %u ifcost %u port %u\n", mac_str(root + 2, a),
               (unsigned)root[0] << 8 | root[1], l->br.root_cost, l->br.root_port);
    }
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct vj_nl_link *m = &c->links[i];
        if (m->master != l->ifindex)
            continue;
        /* Linux's STP decides edge and point-to-point by itself, like
         * FreeBSD's defaults AUTOEDGE and AUTOPTP; an epair is full
         * duplex, so point-to-point. */
        unsigned mf = M_AUTOEDGE | M_AUTOPTP;
        if (m->port_learning)
            mf |= M_LEARNING;
        if (m->port_flood)
            mf |= M_DISCOVER;
        if (l->br.stp)
            mf |= M_STP;
        if (m->port_isolated)
            mf |= M_PRIVATE;
        if (strcmp(m->kind, "veth") == 0)
            mf |= M_PTP;
        printf("\tmember: %s ", shown(m));
        print_bits(mf, true);
        /* Linux's port priority (0-63, default 32) shifted into FreeBSD's
         * 8-bit scale (default 128): the same spanning tree port id. */
        printf("\n\t        ifmaxaddr 0 port %u priority %u path cost %u", m->port_no,
               m->port_prio * 4, m->port_cost);
        if (mf & M_STP)
            printf(" proto stp\n\t        role %s state %s", port_role(l, m),
                   m->port_state < sizeof stp_states / sizeof stp_states[0]
                       ? stp_states[m->port_state]
                       : "?");
        printf("\n");
    }
}

static void print_addr(const struct vj_nl_link *l, const struct vj_nl_addr *a)
{
    char s[46], b[46];
    if (a->p.family == AF_INET) {
        uint32_t mask = a->p.len ? UINT32_MAX << (32 - a->p.len) : 0;
        printf("\tinet %s", vj_nl_ntop(AF_INET, a->p.addr, s));
        if (a->has_peer)
            printf(" --> %s", vj_nl_ntop(AF_INET, a->peer, b));
        printf(" netmask 0x%08x", mask);
        if (a->has_brd && (l->flags & IFF_BROADCAST))
            printf(" broadcast %s", vj_nl_ntop(AF_INET, a->brd, b));
        printf("\n");
        return;
    }
    vj_nl_ntop(AF_INET6, a->p.addr, s);
    bool ll = a->p.addr[0] == 0xfe && (a->p.addr[1] & 0xc0) == 0x80;
    if (ll)
        printf("\tinet6 %s%%%s prefixlen %u", s, shown(l), a->p.len);
    else
        printf("\tinet6 %s prefixlen %u", s, a->p.len);
    if (a->flags & IFA_F_TENTATIVE)
        printf(" tentative");
    if (a->flags & IFA_F_DEPRECATED)
        printf(" deprecated");
    if (a->flags & IFA_F_DADFAILED)
        printf(" duplicated");
    if (ll)
        printf(" scopeid 0x%x", (unsigned)l->ifindex);
    printf("\n");
}

/* Address family shown by the listing (0: all), from `ifconfig IF inet`. */
static int show_family;

static void print_link(struct ifc *c, const struct vj_nl_link *l)
{
    printf("%s: ", shown(l));
    print_bits(fbsd_ifflags(l), false);
    printf(" metric 0 mtu %u\n", l->mtu);
    if (l->alias)
        printf("\tdescription: %s\n", l->alias);
    if (l->type == ARPHRD_ETHER && l->maclen == 6)
        printf("\tether %02x:%02x:%02x:%02x:%02x:%02x\n", l->mac[0], l->mac[1], l->mac[2],
               l->mac[3], l->mac[4], l->mac[5]);
    for (char **a = l->altnames; a && *a; a++)
        printf("\taltname %s\n", *a);
    for (int fam = 0; fam < 2; fam++)
        for (size_t i = 0; i < l->naddrs; i++)
            if (l->addrs[i].p.family == (fam ? AF_INET6 : AF_INET) &&
                (!show_family || show_family == l->addrs[i].p.family))
                print_addr(l, &l->addrs[i]);
    if (strcmp(l->kind, "veth") == 0 && l->link) {
        const struct vj_nl_link *p = l->link_other_ns ? NULL : find_index(c, l->link);
        if (p)
            printf("\tpeer: %s\n", shown(p));
        else
            printf("\tpeer: (in another network stack)\n");
    }
    if (strcmp(l->kind, "bridge") == 0)
        print_bridge(c, l);
    const char *g = group_of(l);
    if (g)
        printf("\tgroups: %s\n", g);
    if (strcmp(l->kind, "veth") == 0)
        printf("\tmedia: Ethernet 10Gbase-T (10Gbase-T <full-duplex>)\n");
    if (l->type == ARPHRD_ETHER && (!l->kind[0] || strcmp(l->kind, "veth") == 0 ||
                                    strcmp(l->kind, "macvlan") == 0))
        printf("\tstatus: %s\n", (l->flags & IFF_LOWER_UP) ? "active" : "no carrier");
}

/* ---- verbs ------------------------------------------------------------- */

/* Send what is queued, check every ack, and keep batching. */
static void commit(struct ifc *c)
{
    vj_error_t err = NULL;
    if (vj_nl_commit(c->nl, &err) < 0)
        die(&err);
    vj_nl_batch_begin(c->nl);
}

/* A pending address change, done after the other verbs like FreeBSD. */
struct addrop {
    int family;                 /* 0: none */
    const char *addr;
    int len;                    /* -1: not given */
    int alias;                  /* 1 alias, -1 -alias, 0 replace */
    const char *brd;
};

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* FreeBSD's default mask for an address given without one. */
static int classful_len(const unsigned char *a)
{
    if (a[0] < 128)
        return 8;
    if (a[0] < 192)
        return 16;
    if (a[0] < 224)
        return 24;
    return 32;
}

static void do_addr(struct ifc *c, const char *ifname, struct addrop *op)
{
    vj_error_t err = NULL;
    struct vj_nl_prefix p;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", op->addr);
    char *slash = strchr(tmp, '/');
    bool has_len = slash != NULL;
    if (vj_nl_prefix_parse(tmp, op->family, &p, &err) < 0)
        die(&err);
    if (!has_len) {
        if (op->len >= 0)
            p.len = (unsigned char)op->len;
        else if (op->alias >= 0)
            p.len = (unsigned char)(p.family == AF_INET ? classful_len(p.addr) : 64);
    }
    if (op->brd && p.family == AF_INET) {
        struct in_addr b;
        uint32_t a, mask = p.len ? htonl(UINT32_MAX << (32 - p.len)) : 0;
        memcpy(&a, p.addr, 4);
        if (inet_pton(AF_INET, op->brd, &b) != 1)
            diex("%s: bad value", op->brd);
        if (b.s_addr != (a | ~mask))
            diex("broadcast %s: only the subnet's broadcast address is supported", op->brd);
    }
    const struct vj_nl_link *l = need(c, ifname);
    if (op->alias < 0) {
        /* Linux wants the prefix length of an IPv6 address to remove it. */
        for (size_t i = 0; i < l->naddrs; i++)
            if (l->addrs[i].p.family == p.family &&
                memcmp(l->addrs[i].p.addr, p.addr, p.family == AF_INET ? 4 : 16) == 0)
                p.len = l->addrs[i].p.len;
        if (vj_nl_addr_del(c->nl, ifname, &p, &err) < 0) {
            if (err->status == EADDRNOTAVAIL)
                diex("ioctl (SIOCDIFADDR): Can't assign requested address");
            die(&err);
        }
        return;
    }
    /* Removal of the old address, the new one and up: one batch. */
    vj_nl_batch_begin(c->nl);
    if (op->alias == 0 && p.family == AF_INET) {
        /* Without "alias" the first address is replaced (FreeBSD). */
        for (size_t i = 0; i < l->naddrs; i++)
            if (l->addrs[i].p.family == AF_INET) {
                if (vj_nl_addr_del(c->nl, ifname, &l->addrs[i].p, &err) < 0)
                    die(&err);
                break;
            }
    }
    /* The first address brings the interface up (FreeBSD). */
    if (vj_nl_addr_add(c->nl, ifname, &p, &err) < 0 ||
        vj_nl_link_up(c->nl, ifname, true, &err) < 0 || vj_nl_commit(c->nl, &err) < 0) {
        if (err->status == EEXIST)
            diex("ioctl (SIOCAIFADDR): File exists");
        die(&err);
    }
}

static bool is_member_of(struct ifc *c, const char *member, const struct vj_nl_link *br)
{
    const struct vj_nl_link *m = find(c, member);
    return m && m->master == br->ifindex;
}

static void random_mac(unsigned char mac[6])
{
    if (getrandom(mac, 6, 0) != 6)
        diex("getrandom: %s", strerror(errno));
    mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
}

/* Apply verbs argv[0..argc) to ifname; ifname becomes the interface's
 * final name.  Returns whether `name` renamed it (FreeBSD then prints the
 * new name). */
static bool apply(struct ifc *c, char *ifname, int argc, char **argv)
{
    bool renamed = false;
    vj_error_t err = NULL;
    struct addrop op = {.len = -1};
    char name[32];
    snprintf(name, sizeof name, "%s", ifname);
    /* Simple changes go to the kernel in one batch; verbs that need an
     * answer (rename, addm, vnet) send what is queued first. */
    vj_nl_batch_begin(c->nl);
#define NEXT(v)                                                                               \
    do {                                                                                      \
        if (i + 1 >= argc)                                                                    \
            diex("'%s' requires argument", v);                                                \
        arg = argv[++i];                                                                      \
    } while (0)
    for (int i = 0; i < argc; i++) {
        const char *v = argv[i], *arg;
        unsigned u;
        if (strcmp(v, "up") == 0 || strcmp(v, "down") == 0) {
            need(c, name);
            if (vj_nl_link_up(c->nl, name, v[0] == 'u', &err) < 0)
                die(&err);
        } else if (strcmp(v, "inet") == 0 || strcmp(v, "inet6") == 0) {
            op.family = v[4] ? AF_INET6 : AF_INET;
            struct vj_nl_prefix tp;
            if (i + 1 < argc && vj_nl_prefix_parse(argv[i + 1], op.family, &tp, NULL) == 0)
                op.addr = argv[++i];
        } else if (strcmp(v, "netmask") == 0) {
            NEXT(v);
            int len = vj_nl_netmask_len(arg);
            if (len < 0)
                diex("%s: bad value", arg);
            op.len = len;
        } else if (strcmp(v, "prefixlen") == 0) {
            NEXT(v);
            if (parse_uint(arg, 128, &u) < 0)
                diex("%s: bad value", arg);
            op.len = (int)u;
        } else if (strcmp(v, "broadcast") == 0) {
            NEXT(v);
            op.brd = arg;
        } else if (strcmp(v, "alias") == 0 || strcmp(v, "add") == 0) {
            op.alias = 1;
        } else if (strcmp(v, "-alias") == 0 || strcmp(v, "delete") == 0 ||
                   strcmp(v, "remove") == 0) {
            op.alias = -1;
        } else if (strcmp(v, "descr") == 0 || strcmp(v, "description") == 0) {
            NEXT(v);
            need(c, name);
            if (vj_nl_link_alias(c->nl, name, arg, &err) < 0)
                die(&err);
        } else if (strcmp(v, "-descr") == 0 || strcmp(v, "-description") == 0) {
            need(c, name);
            if (vj_nl_link_alias(c->nl, name, NULL, &err) < 0)
                die(&err);
        } else if (strcmp(v, "name") == 0) {
            NEXT(v);
            need(c, name);
            commit(c);
            if (vj_nl_link_rename(c->nl, name, arg, &err) < 0)
                die(&err);
            snprintf(name, sizeof name, "%s", arg);
            renamed = true;
            if (rollback.nl)
                snprintf(rollback.name, sizeof rollback.name, "%s", arg);
            refresh(c);
        } else if (strcmp(v, "mtu") == 0) {
            NEXT(v);
            if (parse_uint(arg, 65535, &u) < 0 || u == 0)
                diex("%s: bad value", arg);
            need(c, name);
            if (vj_nl_link_mtu(c->nl, name, u, &err) < 0)
                die(&err);
        } else if (strcmp(v, "ether") == 0 || strcmp(v, "lladdr") == 0 ||
                   strcmp(v, "link") == 0) {
            NEXT(v);
            unsigned char mac[6];
            if (strcmp(arg, "random") == 0)
                random_mac(mac);
            else if (vj_nl_mac_parse(arg, mac) < 0)
                diex("malformed link-level address");
            need(c, name);
            if (vj_nl_link_mac(c->nl, name, mac, &err) < 0)
                die(&err);
        } else if (strcmp(v, "addm") == 0 || strcmp(v, "deletem") == 0) {
            NEXT(v);
            bool add = v[0] == 'a';
            const char *ioc = add ? "BRDGADD" : "BRDGDEL";
            const struct vj_nl_link *br = need(c, name);
            if (strcmp(br->kind, "bridge") != 0)
                diex("%s %s: Invalid argument", ioc, arg);
            const char *mem = map_name(c, arg);
            const struct vj_nl_link *m = find(c, mem);
            if (!m)
                diex("%s %s: No such file or directory", ioc, arg);
            if (add && m->master == br->ifindex)
                diex("%s %s: File exists", ioc, arg);
            if (add && m->master)
                diex("%s %s: Device busy", ioc, arg);
            if (!add && !is_member_of(c, mem, br))
                diex("%s %s: No such file or directory", ioc, arg);
            commit(c);
            /* sent at once: a refusal is this verb's, in FreeBSD's words */
            if (vj_nl_link_master(c->nl, mem, add ? name : NULL, &err) < 0 ||
                vj_nl_commit(c->nl, &err) < 0) {
                fprintf(stderr, "%s: %s %s: %s\n", PROG, ioc, arg,
                        strerror(err->status ? err->status : EINVAL));
                vj_error_release(&err);
                exit(1);
            }
            vj_nl_batch_begin(c->nl);
            refresh(c);
        } else if (strcmp(v, "vnet") == 0 || strcmp(v, "-vnet") == 0) {
            NEXT(v);
            commit(c);
            /* `vnet J` moves it from the stack worked on into J, `-vnet J`
             * from J back into it; a move into a jail is recorded there,
             * so that it comes home when the jail ends (FreeBSD). */
            bool in = v[0] == 'v';
            if (in)
                need(c, name);
            if (vj_vnet_iface_move(name, in ? c->jail : arg, in ? arg : c->jail, &err) < 0)
                die(&err);
            if (in)
                rollback.nl = NULL; /* out of reach now */
            refresh(c);
        } else if (strcmp(v, "altname") == 0 || strcmp(v, "-altname") == 0) {
            NEXT(v);
            need(c, name);
            if (vj_nl_link_altname(c->nl, name, arg, v[0] != '-', &err) < 0)
                die(&err);
        } else if (strcmp(v, "destroy") == 0 || strcmp(v, "create") == 0) {
            diex("%s: must be the first parameter", v);
        } else if (strchr("0123456789", v[0]) || (strchr(v, ':') && !op.addr)) {
            /* A bare address: inet unless it looks like IPv6. */
            if (!op.family)
                op.family = strchr(v, ':') ? AF_INET6 : AF_INET;
            op.addr = v;
        } else {
            diex("%s: bad value", v);
        }
        if (op.family && !op.addr && i + 1 >= argc)
            diex("'%s' requires argument", op.family == AF_INET ? "inet" : "inet6");
    }
#undef NEXT
    if (vj_nl_commit(c->nl, &err) < 0) /* ends the batch */
        die(&err);
    if (op.addr) {
        refresh(c);
        do_addr(c, name, &op);
    } else if (op.family) {
        diex("'%s' requires argument", op.family == AF_INET ? "inet" : "inet6");
    }
    snprintf(ifname, 32, "%s", name);
    return renamed;
}

/* ---- create / destroy --------------------------------------------------- */

/* "epair12" -> 12; -1 when name is not prefix followed by digits only. */
/* Units are bounded by the interface name length, not by FreeBSD's
 * IF_MAXUNIT: names built from ${jid} (seed jail.conf files) must fit. */
static long unit_of(const char *name, const char *prefix, const char *suffixes)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n])
        return -1;
    const char *p = name + n;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return -1;
    char *end;
    errno = 0;
    long u = strtol(p, &end, 10);
    if (end == p || errno || u < 0 || u > 99999999)
        return -1;
    if (*end && !(suffixes && end[1] == '\0' && strchr(suffixes, *end)))
        return -1;
    return u;
}

static bool unit_used(struct ifc *c, const char *prefix, const char *suffixes, long u)
{
    for (size_t i = 0; i < c->nlinks; i++)
        if (unit_of(c->links[i].name, prefix, suffixes) == u)
            return true;
    return false;
}

static long lowest_free(struct ifc *c, const char *prefix, const char *suffixes, long from)
{
    long u = from;
    while (unit_used(c, prefix, suffixes, u))
        u++;
    return u;
}

/* Parameters that belong to the creation of a cloned interface. */
struct createopts {
    const char *vlandev, *vxlandev, *macvlandev, *macvlanmode;
    const char *vnet, *peervnet;   /* epair: create the a / b end in a jail */
    long vlan, vxlanid;
    struct vj_nl_prefix vxlocal, vxremote;
    unsigned vxport;
    bool epair;
};

/* Take the create-time parameters out of argv (the rest are verbs). */
static int take_createopts(int argc, char **argv, struct createopts *o)
{
    vj_error_t err = NULL;
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char *v = argv[i];
        bool has = i + 1 < argc;
        unsigned u;
        if (strcmp(v, "vlandev") == 0 && has)
            o->vlandev = argv[++i];
        else if (strcmp(v, "vlan") == 0 && has) {
            if (parse_uint(argv[++i], 4094, &u) < 0 || u == 0)
                diex("invalid value for vlan");
            o->vlan = u;
        } else if (strcmp(v, "vxlanid") == 0 && has) {
            if (parse_uint(argv[++i], 16777215, &u) < 0)
                diex("invalid vxlan network identifier: %s", argv[i]);
            o->vxlanid = u;
        } else if ((strcmp(v, "vxlanlocal") == 0 || strcmp(v, "vxlanremote") == 0 ||
                    strcmp(v, "vxlangroup") == 0) &&
                   has) {
            struct vj_nl_prefix *p = v[5] == 'l' ? &o->vxlocal : &o->vxremote;
            if (vj_nl_prefix_parse(argv[++i], AF_UNSPEC, p, &err) < 0)
                die(&err);
        } else if (strcmp(v, "vxlanport") == 0 && has) {
            if (parse_uint(argv[++i], 65535, &u) < 0 || u == 0)
                diex("invalid port: %s", argv[i]);
            o->vxport = u;
        } else if (strcmp(v, "vxlandev") == 0 && has)
            o->vxlandev = argv[++i];
        else if (strcmp(v, "macvlandev") == 0 && has)
            o->macvlandev = argv[++i];
        else if (strcmp(v, "macvlanmode") == 0 && has)
            o->macvlanmode = argv[++i];
        else if (o->epair && strcmp(v, "vnet") == 0 && has)
            o->vnet = argv[++i];
        else if (o->epair && strcmp(v, "peervnet") == 0 && has)
            o->peervnet = argv[++i];
        else
            argv[out++] = argv[i];
    }
    return out;
}

/* Create the interface `req` (epair, epairN, bridge, bridgeN, vxlanN,
 * vlan, IF.TAG, macvlanN, loN); the name made goes to `made`.  Returns
 * whether FreeBSD would print it (the name differs from the request). */
static bool create(struct ifc *c, const char *req, struct createopts *o, char made[32])
{
    vj_error_t err = NULL;
    long u;
    if (strcmp(req, "epair") == 0 || (u = unit_of(req, "epair", NULL)) >= 0) {
        bool pick = strcmp(req, "epair") == 0;
        u = pick ? lowest_free(c, "epair", "ab", 0) : unit_of(req, "epair", NULL);
        if (!pick && unit_used(c, "epair", "ab", u))
            diex("SIOCIFCREATE2 (%s): File exists", req);
        /* `vnet J` / `peervnet J`: an end made directly in a jail's stack,
         * never visible here (Linux extension, no moving afterwards). */
        cleanup_close int afd = o->vnet ? vj_jail_netns_open(o->vnet, &err) : -1;
        if (o->vnet && afd < 0)
            die(&err);
        cleanup_close int bfd = o->peervnet ? vj_jail_netns_open(o->peervnet, &err) : -1;
        if (o->peervnet && bfd < 0)
            die(&err);
        /* Another creator may take the unit first: try the next one. */
        for (int tries = 0;; tries++) {
            char a[32], b[32];
            snprintf(a, sizeof a, "epair%lda", u);
            snprintf(b, sizeof b, "epair%ldb", u);
            /* The kernel registers the peer first: making "b" the near
             * end gives epairNa the lower index, so it is listed first. */
            struct vj_nl_veth v = {.name = b, .peer = a, .netns_fd = bfd, .peer_netns_fd = afd};
            if (vj_nl_veth_create(c->nl, &v, &err) == 0) {
                snprintf(made, 32, "%s", a);
                return true;
            }
            if (!pick || err->status != EEXIST || tries > 100)
                die(&err);
            vj_error_release(&err);
            refresh(c);
            u = lowest_free(c, "epair", "ab", u + 1);
        }
    }
    if (strcmp(req, "bridge") == 0 || unit_of(req, "bridge", NULL) >= 0) {
        bool pick = strcmp(req, "bridge") == 0;
        u = pick ? lowest_free(c, "bridge", NULL, 0) : unit_of(req, "bridge", NULL);
        for (int tries = 0;; tries++) {
            snprintf(made, 32, "bridge%ld", u);
            if (vj_nl_bridge_create(c->nl, made, NULL, &err) == 0)
                return pick;
            if (!pick || err->status != EEXIST || tries > 100)
                die(&err);
            vj_error_release(&err);
            refresh(c);
            u = lowest_free(c, "bridge", NULL, u + 1);
        }
    }
    if (strcmp(req, "vxlan") == 0 || unit_of(req, "vxlan", NULL) >= 0) {
        bool pick = strcmp(req, "vxlan") == 0;
        u = pick ? lowest_free(c, "vxlan", NULL, 0) : unit_of(req, "vxlan", NULL);
        snprintf(made, 32, "vxlan%ld", u);
        if (o->vxlanid < 0)
            diex("vxlan: vxlanid is required");
        struct vj_nl_vxlan v = {.name = made, .vni = (uint32_t)o->vxlanid, .dev = o->vxlandev,
                                .local = o->vxlocal, .remote = o->vxremote,
                                .port = (uint16_t)o->vxport};
        if (vj_nl_vxlan_create(c->nl, &v, &err) < 0)
            die(&err);
        return pick;
    }
    if (strcmp(req, "macvlan") == 0 || unit_of(req, "macvlan", NULL) >= 0) {
        bool pick = strcmp(req, "macvlan") == 0;
        u = pick ? lowest_free(c, "macvlan", NULL, 0) : unit_of(req, "macvlan", NULL);
        snprintf(made, 32, "macvlan%ld", u);
        if (!o->macvlandev)
            diex("macvlan: macvlandev is required");
        if (vj_nl_macvlan_create(c->nl, made, map_name(c, o->macvlandev), o->macvlanmode,
                                 &err) < 0)
            die(&err);
        return pick;
    }
    if (strcmp(req, "lo") == 0 || unit_of(req, "lo", NULL) >= 0) {
        /* A second loopback does not exist on Linux: a dummy link is the
         * cheap movable interface FreeBSD's tests use loN for. */
        bool pick = strcmp(req, "lo") == 0;
        snprintf(made, 32, "lo%ld", pick ? lowest_free(c, "lo", NULL, 1) : unit_of(req, "lo", NULL));
        if (vj_nl_dummy_create(c->nl, made, &err) < 0)
            die(&err);
        return pick;
    }
    const char *dot = strrchr(req, '.');
    if (strcmp(req, "vlan") == 0 || unit_of(req, "vlan", NULL) >= 0 || dot) {
        /* vlanN create vlandev IF vlan TAG, or IF.TAG create */
        const char *dev = o->vlandev;
        char parent[IFNAMSIZ];
        long tag = o->vlan;
        bool pick = strcmp(req, "vlan") == 0;
        if (dot && !dev) {
            snprintf(parent, sizeof parent, "%.*s", (int)(dot - req), req);
            unsigned t;
            if (parse_uint(dot + 1, 4094, &t) < 0 || t == 0)
                diex("SIOCIFCREATE2 (%s): Invalid argument", req);
            dev = parent;
            tag = t;
        }
        if (pick)
            snprintf(made, 32, "vlan%ld", lowest_free(c, "vlan", NULL, 0));
        else
            snprintf(made, 32, "%s", req);
        if (!dev || tag <= 0)
            diex("vlan: vlandev and vlan are required");
        if (vj_nl_vlan_create(c->nl, made, map_name(c, dev), (unsigned)tag, &err) < 0)
            die(&err);
        return pick;
    }
    diex("SIOCIFCREATE2 (%s): Invalid argument", req);
}

static void destroy(struct ifc *c, const char *name)
{
    vj_error_t err = NULL;
    const struct vj_nl_link *l = need(c, name);
    /* Only cloned interfaces can be destroyed (FreeBSD's SIOCIFDESTROY). */
    if (!l->kind[0] || (l->flags & IFF_LOOPBACK))
        diex("SIOCIFDESTROY: Invalid argument");
    /* Either end of a veth pair takes the other with it. */
    if (vj_nl_link_delete(c->nl, l->name, &err) < 0)
        die(&err);
}

int main(int argc, char **argv)
{
    vj_progname = PROG;
    const char *jail = NULL;
    bool all = false, names = false, only_up = false, only_down = false;
    int ch;
    opterr = 0;
    while ((ch = getopt(argc, argv, "+:j:alud")) != -1) {
        switch (ch) {
        case ':':
            fprintf(stderr, "%s: option requires an argument -- %c\n", PROG, optopt);
            usage();
        case '?':
            fprintf(stderr, "%s: illegal option -- %c\n", PROG, optopt);
            usage();
        case 'j':
            jail = optarg;
            break;
        case 'a':
            all = true;
            break;
        case 'l':
            names = true;
            break;
        case 'u':
            only_up = true;
            break;
        case 'd':
            only_down = true;
            break;
        default:
            usage();
        }
    }
    argc -= optind;
    argv += optind;
    vj_error_t err = NULL;
    struct ifc c = {.nsfd = -1, .jail = jail};
    if (jail && (c.nsfd = vj_jail_netns_open(jail, &err)) < 0)
        die(&err);
    if (vj_nl_open(c.nsfd, &c.nl, &err) < 0)
        die(&err);
    refresh(&c);
    int rc = 0;
    if (names || argc == 0 || (all && argc == 0)) {
        if (argc > 0)
            usage();
        bool first = true;
        for (size_t i = 0; i < c.nlinks; i++) {
            const struct vj_nl_link *l = &c.links[i];
            if ((only_up && !(l->flags & IFF_UP)) || (only_down && (l->flags & IFF_UP)))
                continue;
            if (names) {
                printf("%s%s", first ? "" : " ", shown(l));
                first = false;
            } else
                print_link(&c, l);
        }
        if (names)
            printf("\n");
        goto out;
    }
    char ifname[32];
    const char *req = map_name(&c, argv[0]);
    if (strlen(req) >= IFNAMSIZ && !find(&c, req))
        diex("interface name too long: %s", req);
    snprintf(ifname, sizeof ifname, "%s", req);
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        struct createopts o = {.vlan = -1, .vxlanid = -1,
                               .epair = strncmp(req, "epair", 5) == 0};
        int rest = take_createopts(argc - 2, argv + 2, &o);
        char made[32];
        static const char *const cloners[] = {"epair", "bridge", "vxlan", "macvlan", "vlan",
                                               "lo", NULL};
        bool bare = false;
        for (const char *const *cl = cloners; *cl; cl++)
            bare |= strcmp(argv[0], *cl) == 0;
        if (strcmp(argv[0], "lo0") == 0 || (!bare && find(&c, argv[0])))
            diex("SIOCIFCREATE2 (%s): File exists", argv[0]);
        /* The a end made in a jail cannot be configured from here. */
        if (o.vnet && rest > 0)
            diex("%s: cannot configure an interface created in another jail", argv[2]);
        bool show = create(&c, req, &o, made);
        snprintf(ifname, sizeof ifname, "%s", made);
        if (!o.vnet) {
            rollback.nl = c.nl;
            snprintf(rollback.name, sizeof rollback.name, "%s", made);
        }
        refresh(&c);
        bool renamed = apply(&c, ifname, rest, argv + 2);
        rollback.nl = NULL;
        if (show || renamed)
            printf("%s\n", ifname);
    } else if (argc >= 2 && strcmp(argv[1], "destroy") == 0) {
        if (argc > 2)
            usage();
        destroy(&c, ifname);
    } else if (argc == 1 ||
               (argc == 2 && (strcmp(argv[1], "inet") == 0 || strcmp(argv[1], "inet6") == 0))) {
        /* `ifconfig IF inet`: only that family's addresses (FreeBSD) */
        if (argc == 2)
            show_family = argv[1][4] ? AF_INET6 : AF_INET;
        print_link(&c, need(&c, ifname));
    } else {
        /* Each verb checks the interface: for -vnet it is in the jail. */
        if (apply(&c, ifname, argc - 1, argv + 1))
            printf("%s\n", ifname);
    }
out:
    if (fflush(stdout) != 0)
        rc = 1;
    vj_nl_links_free(c.links, c.nlinks);
    vj_nl_close(c.nl);
    if (c.nsfd >= 0)
        close(c.nsfd);
    return rc;
}

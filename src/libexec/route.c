/*
 * route: FreeBSD's route(8) add/delete/get for vjail's jails (installed
 * under $PREFIX/libexec/vjail/).  Works on the main table of the stack of
 * the caller, or of a jail with -j, through libvjail's netlink layer.
 */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#define PROG "route"

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr, "usage: route [-j jail] [-nqv] command [[modifiers] args]\n"
                    "commands: add, delete, get\n");
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
    exit(1);
}

static void die(vj_error_t *err) __attribute__((noreturn));
static void die(vj_error_t *err)
{
    vj_error_print(err, PROG);
    exit(1);
}

/* Implied length of a network given without one: its trailing zero
 * octets (10.1.0.0 -> 16). */
static unsigned implied_len(const struct vj_nl_prefix *p)
{
    if (p->family == AF_INET6)
        return 64;
    unsigned len = 32;
    for (int i = 3; i > 0 && p->addr[i] == 0; i--)
        len -= 8;
    return len;
}

/* Parse a destination; sets *host when it is a host route. */
static void parse_dest(const char *s, int family, bool force_net, bool force_host,
                       int masklen, struct vj_nl_prefix *p, bool *host)
{
    vj_error_t err = NULL;
    if (strcmp(s, "default") == 0) {
        memset(p, 0, sizeof *p);
        p->family = family ? family : AF_INET;
        *host = false;
        return;
    }
    if (vj_nl_prefix_parse(s, family, p, &err) < 0) {
        vj_error_release(&err);
        diex("bad address: %s", s);
    }
    bool has_len = strchr(s, '/') != NULL;
    unsigned max = p->family == AF_INET ? 32 : 128;
    if (force_host) {
        if ((has_len && p->len != max) || masklen >= 0)
            diex("netmask doesn't make sense with host route");
        *host = true;
        return;
    }
    if (masklen >= 0 && !has_len)
        p->len = (unsigned char)masklen;
    else if (!has_len) {
        bool looks_net = force_net || (p->family == AF_INET && p->addr[3] == 0);
        p->len = (unsigned char)(looks_net ? implied_len(p) : max);
    }
    *host = p->len == max && !force_net;
    /* The kernel refuses host bits in a network. */
    for (unsigned i = p->len; i < max; i++)
        p->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
}

static const char *addr_str(int family, const void *a, char buf[46])
{
    return vj_nl_ntop(family, a, buf);
}

static const char *mask_str(int family, unsigned len, char buf[46])
{
    unsigned char m[16] = {0};
    for (unsigned i = 0; i < len; i++)
        m[i / 8] |= (unsigned char)(0x80 >> (i % 8));
    return vj_nl_ntop(family, m, buf);
}

static int route_get(struct vj_nl *nl, const char *dest, int family)
{
    vj_error_t err = NULL;
    struct vj_nl_prefix to;
    if (strcmp(dest, "default") == 0) {
        memset(&to, 0, sizeof to);
        to.family = family ? family : AF_INET;
    } else if (vj_nl_prefix_parse(dest, family, &to, &err) < 0) {
        vj_error_release(&err);
        diex("bad address: %s", dest);
    }
    struct vj_nl_route r;
    if (vj_nl_route_get(nl, &to, &r, &err) < 0)
        die(&err);
    char a[46];
    int fam = r.dst.family;
    unsigned max = fam == AF_INET ? 32 : 128;
    printf("   route to: %s\n", strcmp(dest, "default") == 0 ? "default" :
                                                              addr_str(fam, to.addr, a));
    if (r.dst.len == 0) {
        printf("destination: default\n");
        printf("       mask: default\n");
    } else {
        printf("destination: %s\n", addr_str(fam, r.dst.addr, a));
        if (r.dst.len != max)
            printf("       mask: %s\n", mask_str(fam, r.dst.len, a));
    }
    if (r.gw.family)
        printf("    gateway: %s\n", addr_str(fam, r.gw.addr, a));
    printf("        fib: 0\n");
    if (r.dev[0]) /* FreeBSD's name of the loopback */
        printf("  interface: %s\n", strcmp(r.dev, "lo") == 0 ? "lo0" : r.dev);
    printf("      flags: <UP");
    if (r.gw.family)
        printf(",GATEWAY");
    if (r.dst.len == max)
        printf(",HOST");
    if (r.type == RTN_BLACKHOLE)
        printf(",BLACKHOLE");
    if (r.type == RTN_UNREACHABLE || r.type == RTN_PROHIBIT)
        printf(",REJECT");
    printf(",DONE");
    if (r.protocol == RTPROT_STATIC || r.protocol == RTPROT_BOOT)
        printf(",STATIC");
    if (r.protocol == RTPROT_KERNEL)
        printf(",PINNED");
    printf(">\n");
    unsigned mtu = r.mtu;
    if (!mtu && r.dev[0]) {
        struct vj_nl_link *links = NULL;
        size_t n = 0;
        if (vj_nl_links(nl, &links, &n, &err) < 0)
            die(&err);
        const struct vj_nl_link *l = vj_nl_link_find(links, n, r.dev);
        if (l)
            mtu = l->mtu;
        vj_nl_links_free(links, n);
    }
    printf("%9s %9s %9s %9s %9s %10s %9s\n", "recvpipe", "sendpipe", "ssthresh", "rtt,msec",
           "mtu   ", "weight", "expire");
    printf("%8u  %8u  %8u  %8u  %8u  %8u  %8u \n", 0u, 0u, 0u, 0u, mtu, 1u, 0u);
    return 0;
}

int main(int argc, char **argv)
{
    vj_progname = PROG;
    const char *jail = NULL;
    bool quiet = false;
    int ch;
    opterr = 0;
    while ((ch = getopt(argc, argv, "+:j:nqvdt")) != -1) {
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
        case 'q':
            quiet = true;
            break;
        case 'n':
        case 'v':
        case 'd':
        case 't':
            break;
        default:
            usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1)
        usage();
    const char *cmd = argv[0];
    bool add = strcmp(cmd, "add") == 0;
    bool del = strcmp(cmd, "delete") == 0 || strcmp(cmd, "del") == 0;
    bool get = strcmp(cmd, "get") == 0 || strcmp(cmd, "show") == 0;
    if (!add && !del && !get)
        usage();
    if (del)
        cmd = "delete";

    /* modifiers and positional arguments, in any order like FreeBSD */
    int family = 0, masklen = -1;
    unsigned mtu = 0;
    bool net = false, host = false, iface = false;
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-net") == 0)
            net = true;
        else if (strcmp(a, "-host") == 0)
            host = true;
        else if (strcmp(a, "-inet") == 0 || strcmp(a, "-4") == 0)
            family = AF_INET;
        else if (strcmp(a, "-inet6") == 0 || strcmp(a, "-6") == 0)
            family = AF_INET6;
        else if (strcmp(a, "-interface") == 0 || strcmp(a, "-iface") == 0)
            iface = true;
        else if (strcmp(a, "-static") == 0)
            ;
        else if (strcmp(a, "-netmask") == 0 && i + 1 < argc) {
            masklen = vj_nl_netmask_len(argv[++i]);
            if (masklen < 0)
                diex("bad netmask: %s", argv[i]);
        } else if (strcmp(a, "-prefixlen") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 0 || v > 128)
                diex("bad prefixlen: %s", argv[i]);
            masklen = (int)v;
        } else if (strcmp(a, "-mtu") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v <= 0 || v > 65535)
                diex("bad mtu: %s", argv[i]);
            mtu = (unsigned)v;
        } else if (a[0] == '-' && a[1])
            diex("%s: unknown modifier", a);
        else if (npos < 2)
            pos[npos++] = a;
        else
            usage();
    }
    if (npos < 1)
        usage();
    if (net && host)
        diex("-net and -host are exclusive");
    vj_error_t err = NULL;
    cleanup_close int nsfd = -1;
    if (jail && (nsfd = vj_jail_netns_open(jail, &err)) < 0)
        die(&err);
    struct vj_nl *nl = NULL;
    if (vj_nl_open(nsfd, &nl, &err) < 0)
        die(&err);
    if (get) {
        int rc = route_get(nl, pos[0], family);
        vj_nl_close(nl);
        return rc;
    }
    if (add && npos < 2)
        usage();

    struct vj_nl_route r;
    memset(&r, 0, sizeof r);
    r.mtu = mtu;
    /* The gateway (or interface) decides the family of "default". */
    if (pos[1] && !iface && !family) {
        struct vj_nl_prefix g;
        if (vj_nl_prefix_parse(pos[1], AF_UNSPEC, &g, NULL) == 0)
            family = g.family;
    }
    bool is_host;
    parse_dest(pos[0], family, net, host, masklen, &r.dst, &is_host);
    if (pos[1]) {
        if (iface) {
            if (strlen(pos[1]) >= sizeof r.dev)
                diex("%s: bad interface name", pos[1]);
            snprintf(r.dev, sizeof r.dev, "%s", strcmp(pos[1], "lo0") == 0 ? "lo" : pos[1]);
        } else {
            if (vj_nl_prefix_parse(pos[1], r.dst.family, &r.gw, &err) < 0) {
                vj_error_release(&err);
                diex("bad address: %s", pos[1]);
            }
            const char *pct = strchr(pos[1], '%');
            if (pct && strlen(pct + 1) < sizeof r.dev)
                snprintf(r.dev, sizeof r.dev, "%s", strcmp(pct + 1, "lo0") == 0 ? "lo" : pct + 1);
        }
    }
    int rc = add ? vj_nl_route_add(nl, &r, &err) : vj_nl_route_del(nl, &r, &err);
    int e = rc < 0 ? (err->status ? err->status : EINVAL) : 0;
    if (rc < 0) {
        /* FreeBSD's warning, then the result line on stdout. */
        if (err->status)
            fprintf(stderr, "%s: writing to routing socket: %s\n", PROG, strerror(e));
        else
            fprintf(stderr, "%s: %s\n", PROG, err->msg);
        vj_error_release(&err);
    }
    if (!quiet) {
        printf("%s %s %s", cmd, is_host ? "host" : "net", pos[0]);
        if (pos[1])
            printf(": gateway %s", pos[1]);
        if (rc == 0)
            printf("\n");
        else {
            const char *why = e == ESRCH    ? "not in table"
                              : e == EBUSY  ? "entry in use"
                              : e == ENOBUFS ? "not enough memory"
                              : e == EEXIST ? "route already in table"
                                            : strerror(e);
            printf(": %s\n", why);
        }
    }
    vj_nl_close(nl);
    return rc < 0 ? 1 : 0;
}

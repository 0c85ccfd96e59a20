/* NAT and port forwarding of VNET jails: rules in vjail's own nftables
 * table (inet vjail), through libnftables, and the host sysctls they need.
 *
 * The table has four base chains shared by every jail; each jail's rules
 * carry the comment "vjail JID NAME", which is how they are found and
 * removed (no handle needs recording, so a crash between adding the rules
 * and saving anything still leaves them removable).  When the last rule
 * goes, the table goes, and the sysctls vjail changed (ip_forward,
 * IPv6 forwarding, route_localnet of bridges) get their old values back.
 * Other tables are never read or written. */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <nftables/libnftables.h>
#include <stdint.h>

const char *vj_vnet_rundir = VJ_RUNDIR "/vnet";

#define TABLE "inet vjail"

int vj_vnet_lock(vj_error_t *err)
{
    if (mkdir(vj_vnet_rundir, 0700) < 0 && errno != EEXIST) {
        /* VJ_RUNDIR itself may not exist yet. */
        cleanup_free char *parent = xstrdup(vj_vnet_rundir);
        char *sl = strrchr(parent, '/');
        if (sl && sl != parent) {
            *sl = '\0';
            mkdir(parent, 0700);
        }
        if (mkdir(vj_vnet_rundir, 0700) < 0 && errno != EEXIST)
            return vj_error_make(err, errno, "%s", vj_vnet_rundir);
    }
    cleanup_free char *path = xasprintf("%s/lock", vj_vnet_rundir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vj_error_make(err, errno, "%s", path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return vj_error_make(err, e, "lock %s", path);
        }
    return fd;
}

/* ---- sysctls ------------------------------------------------------------ */

static char *saved_path(void) { return xasprintf("%s/sysctl.saved", vj_vnet_rundir); }

/* Set a sysctl (under the lock), saving its value the first time vjail
 * changes it. */
static int sysctl_set(const char *path, const char *value, vj_error_t *err)
{
    cleanup_free char *cur = NULL;
    size_t len;
    if (read_file(path, &cur, &len, err) < 0)
        return -1;
    cur[strcspn(cur, "\n")] = '\0';
    if (strcmp(cur, value) == 0)
        return 0;
    cleanup_free char *sp = saved_path();
    cleanup_free char *saved = NULL;
    vj_error_t e = NULL;
    if (read_file(sp, &saved, &len, &e) < 0)
        vj_error_release(&e);
    cleanup_free char *key = xasprintf("%s ", path);
    bool known = false;
    for (const char *l = saved; l && *l;) {
        if (strncmp(l, key, strlen(key)) == 0)
            known = true;
        const char *nl = strchr(l, '\n');
        l = nl ? nl + 1 : l + strlen(l);
    }
    if (!known) {
        cleanup_free char *line = xasprintf("%s%s\n", key, cur);
        if (write_file(sp, line, strlen(line), O_CREAT | O_APPEND, 0600, err) < 0)
            return -1;
    }
    return write_file(path, value, strlen(value), 0, 0, err);
}

/* Put back every saved value (the last NAT/forward rule went). */
static void sysctl_restore_all(void)
{
    cleanup_free char *sp = saved_path();
    cleanup_free char *saved = NULL;
    size_t len;
    vj_error_t e = NULL;
    if (read_file(sp, &saved, &len, &e) < 0) {
        vj_error_release(&e);
        return;
    }
    for (char *l = saved; *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        char *v = strrchr(l, ' ');
        if (v) {
            *v++ = '\0';
            /* A bridge may be gone: its settings went with it. */
            if (write_file(l, v, strlen(v), 0, 0, &e) < 0)
                vj_error_release(&e);
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    unlink(sp);
}

/* ---- libnftables ---------------------------------------------------- */

/* libnftables (with libnftnl, libxtables, libjansson, libgmp behind it)
 * is loaded on first use only: most jails have no NAT or forwards, and a
 * dynamic loader resolving five more libraries is a good part of every
 * jail(8) start. */
static struct nft_api {
    struct nft_ctx *(*ctx_new)(uint32_t);
    void (*ctx_free)(struct nft_ctx *);
    int (*buffer_output)(struct nft_ctx *);
    int (*buffer_error)(struct nft_ctx *);
    void (*output_set_flags)(struct nft_ctx *, unsigned int);
    int (*run_cmd_from_buffer)(struct nft_ctx *, const char *);
    const char *(*get_error_buffer)(struct nft_ctx *);
    const char *(*get_output_buffer)(struct nft_ctx *);
} nft;

static int nft_load(vj_error_t *err)
{
    if (nft.ctx_new)
        return 0;
    void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return vj_error_make(err, 0, "nftables: %s (Debian package libnftables1)", dlerror());
    struct nft_api a;
    void **slots[] = {(void **)&a.ctx_new,          (void **)&a.ctx_free,
                      (void **)&a.buffer_output,    (void **)&a.buffer_error,
                      (void **)&a.output_set_flags, (void **)&a.run_cmd_from_buffer,
                      (void **)&a.get_error_buffer, (void **)&a.get_output_buffer};
    const char *names[] = {"nft_ctx_new",
                           "nft_ctx_free",
                           "nft_ctx_buffer_output",
                           "nft_ctx_buffer_error",
                           "nft_ctx_output_set_flags",
                           "nft_run_cmd_from_buffer",
                           "nft_ctx_get_error_buffer",
                           "nft_ctx_get_output_buffer"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        *slots[i] = dlsym(h, names[i]);
        if (!*slots[i]) {
            dlclose(h);
            return vj_error_make(err, 0, "nftables: libnftables.so.1 lacks %s", names[i]);
        }
    }
    nft = a;
    return 0;
}

/* Run nft commands in the caller's network namespace.  out (may be NULL)
 * receives the output. */
static int nft_run(const char *cmds, bool handles, char **out, vj_error_t *err)
{
    if (nft_load(err) < 0)
        return -1;
    struct nft_ctx *ctx = nft.ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return vj_error_make(err, ENOMEM, "nftables");
    nft.buffer_output(ctx);
    nft.buffer_error(ctx);
    if (handles)
        nft.output_set_flags(ctx, NFT_CTX_OUTPUT_HANDLE);
    int r = nft.run_cmd_from_buffer(ctx, cmds);
    if (r != 0) {
        const char *e = nft.get_error_buffer(ctx);
        cleanup_free char *msg = xstrdup(e && *e ? e : "failed");
        /* First line only; libnftables repeats the command under it. */
        msg[strcspn(msg, "\n")] = '\0';
        nft.ctx_free(ctx);
        return vj_error_make(err, 0, "nftables: %s", msg);
    }
    if (out)
        *out = xstrdup(nft.get_output_buffer(ctx));
    nft.ctx_free(ctx);
    return 0;
}

void vj_vnet_nft_tag(const struct vj_vnet_state *st, char *buf, size_t size)
{
    /* The name only helps a human reading `nft list table`; keep it to
     * characters that need no quoting. */
    int o = snprintf(buf, size, "vjail %d ", st->jid);
    for (const char *s = st->name ? st->name : ""; *s && o > 0 && (size_t)o < size - 1 && o < 100;
         s++) {
        char c = *s;
        buf[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '_' || c == '-'
                       ? c
                       : '_';
    }
    buf[o] = '\0';
}

/* The network of a prefix, as text ("10.0.0.0/24"). */
static void net_str(const struct vj_nl_prefix *p, char out[64])
{
    struct vj_nl_prefix n = *p;
    unsigned bits = p->len;
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits >= 8 ? 8 : bits;
        n.addr[i] &= (unsigned char)(keep ? 0xff << (8 - keep) : 0);
        bits -= keep;
    }
    char a[46];
    snprintf(out, 64, "%s/%u", vj_nl_ntop(n.family, n.addr, a), n.len);
}

char *vj_vnet_nft_rules(const struct vj_vnet_state *st)
{
    struct vj_buf b = {0};
    char tag[128];
    vj_vnet_nft_tag(st, tag, sizeof tag);
    buf_adds(&b, "add table " TABLE "\n"
                 "add chain " TABLE " prerouting { type nat hook prerouting priority dstnat; }\n"
                 "add chain " TABLE " output { type nat hook output priority -100; }\n"
                 "add chain " TABLE " postrouting { type nat hook postrouting priority srcnat; }\n"
                 "add chain " TABLE " localnet { type filter hook prerouting priority -150; }\n");
    for (size_t i = 0; i < st->naddrs; i++) {
        const struct vj_nl_prefix *p = &st->addrs[i];
        bool v4 = p->family == AF_INET;
        const char *ipf = v4 ? "ip" : "ip6";
        char a[46], net[64];
        vj_nl_ntop(p->family, p->addr, a);
        net_str(p, net);
        if (st->nat)
            buf_printf(&b,
                       "add rule " TABLE " postrouting %s saddr %s oifname != \"%s\" masquerade "
                       "comment \"%s\"\n",
                       ipf, a, st->bridge, tag);
        for (size_t k = 0; k < st->nfwds; k++) {
            const char *proto = st->fwds[k].proto == VJ_VNET_UDP ? "udp" : "tcp";
            for (int c = 0; c < 2; c++)
                buf_printf(&b,
                           "add rule " TABLE " %s meta nfproto %s fib daddr type local %s dport %u "
                           "dnat %s to %s%s%s:%u comment \"%s\"\n",
                           c ? "output" : "prerouting", v4 ? "ipv4" : "ipv6", proto,
                           st->fwds[k].hport, ipf, v4 ? "" : "[", a, v4 ? "" : "]",
                           st->fwds[k].jport, tag);
        }
        if (st->nfwds) {
            /* Connections from the host itself (its localhost) and from
             * the jail's own network come back through the host. */
            buf_printf(&b,
                       "add rule " TABLE " postrouting %s daddr %s ct status dnat %s saddr "
                       "{ %s, %s } masquerade comment \"%s\"\n",
                       ipf, a, ipf, v4 ? "127.0.0.0/8" : "::1", net, tag);
            /* route_localnet lets 127.0.0.1 leave through the bridge; only
             * replies of forwarded connections may come in to it. */
            if (v4)
                buf_printf(&b,
                           "add rule " TABLE " localnet iifname \"%s\" ip daddr 127.0.0.0/8 "
                           "ct status ! dnat drop comment \"%s\"\n",
                           st->bridge, tag);
        }
    }
    return buf_steal(&b);
}

static bool has_family(const struct vj_vnet_state *st, int family)
{
    for (size_t i = 0; i < st->naddrs; i++)
        if (st->addrs[i].family == family)
            return true;
    return false;
}

int vj_vnet_nft_add(const struct vj_vnet_state *st, vj_error_t *err)
{
    if (!st->bridge || (!st->nat && !st->nfwds) || !st->naddrs)
        return 0;
    if (has_family(st, AF_INET)) {
        if (sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
            return -1;
        if (st->nfwds) {
            cleanup_free char *p =
                xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", st->bridge);
            if (sysctl_set(p, "1", err) < 0)
                return -1;
        }
    }
    if (has_family(st, AF_INET6) &&
        sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1", err) < 0)
        return -1;
    cleanup_free char *rules = vj_vnet_nft_rules(st);
    return nft_run(rules, false, NULL, err);
}

int vj_vnet_nft_remove(const struct vj_vnet_state *st, vj_error_t *err)
{
    /* The state is recorded before any rule is added: without NAT and
     * forwards this jail never had one. */
    if (!st->bridge || (!st->nat && !st->nfwds))
        return 0;
    cleanup_free char *list = NULL;
    vj_error_t e = NULL;
    /* "list table" fails when there is no table: nothing to remove, but
     * saved sysctls may still wait for their restore (crash). */
    if (nft_run("list table " TABLE, true, &list, &e) < 0) {
        vj_error_release(&e);
        sysctl_restore_all();
        return 0;
    }
    char tag[128];
    vj_vnet_nft_tag(st, tag, sizeof tag);
    cleanup_free char *needle = xasprintf("comment \"%s\"", tag);
    struct vj_buf cmds = {0};
    size_t others = 0;
    char chain[64] = "";
    for (char *l = list; *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        while (*l == '\t' || *l == ' ')
            l++;
        if (strncmp(l, "chain ", 6) == 0) {
            sscanf(l + 6, "%63s", chain);
        } else if (strstr(l, "comment \"vjail ")) {
            const char *h = strstr(l, "# handle ");
            if (strstr(l, needle) && h)
                buf_printf(&cmds, "delete rule " TABLE " %s handle %s\n", chain, h + 9);
            else
                others++;
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    cleanup_free char *del = buf_steal(&cmds);
    if (others == 0) {
        /* The last jail with NAT or forwards: the table goes entirely. */
        if (nft_run("delete table " TABLE, false, NULL, err) < 0)
            return -1;
        sysctl_restore_all();
        return 0;
    }
    return *del ? nft_run(del, false, NULL, err) : 0;
}

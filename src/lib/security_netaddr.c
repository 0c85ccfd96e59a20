/*
 * FreeBSD's IP restriction of a jail without its own network stack
 * (ip4, ip4.addr, ip6, ip6.addr): the jail shares the host's stack but may
 * use only its addresses.  As in FreeBSD's kernel (prison_local_ip4 and
 * friends):
 *   - bind to the wildcard or the loopback address binds the jail's first
 *     address; to another of the jail's addresses, that one; to anything
 *     else: EADDRNOTAVAIL;
 *   - connect and UDP sendto use the jail's first address as the source
 *     (unless the socket is bound), and a loopback destination becomes
 *     the jail's first address (the jail's "localhost");
 *   - a family the jail has no address of is disabled: socket(2) fails
 *     with EAFNOSUPPORT (the seccomp filter, security_apply.c).
 * Linux does this with cgroup BPF programs on the jail's leaf cgroup
 * (BPF_PROG_TYPE_CGROUP_SOCK_ADDR: bind, connect, sendmsg hooks), which
 * see and may rewrite the address of every such call of every process in
 * the jail, including those jexec starts.
 */
#include "vjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- parsing ---- */

/* One ip4.addr / ip6.addr element: "[iface|]addr[/mask][ ifconfig args]". */
static int parse_addr(const char *v, int family, void *out)
{
    const char *bar = strchr(v, '|');
    const char *a = bar ? bar + 1 : v;
    size_t len = strcspn(a, "/ \t");
    char buf[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, a, len);
    buf[len] = 0;
    return inet_pton(family, buf, out) == 1 ? 0 : -1;
}

/* The addresses of one list parameter (its values, each maybe a comma
 * separated list itself) into out[]; their number, or -1 with err. */
static long parse_list(const struct vj_cparam *a, int family, void *out, const char *jail,
                       vj_error_t *err)
{
    long n = 0;
    for (size_t i = 0; a && i < a->nvalues; i++) {
        cleanup_free char *copy = xstrdup(a->values[i]);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            t += strspn(t, " \t");
            if (!*t)
                continue;
            if (n == VJ_NETADDR_MAX)
                return vj_error_make(err, 0, "%s: %s: at most %d addresses", jail, a->name,
                                     VJ_NETADDR_MAX);
            void *slot = family == AF_INET ? (void *)((uint32_t *)out + n)
                                           : (void *)((struct in6_addr *)out + n);
            if (parse_addr(t, family, slot) < 0)
                return vj_error_make(err, 0, "%s: %s: %s: not an %s address", jail, a->name, t,
                                     family == AF_INET ? "IPv4" : "IPv6");
            n++;
        }
    }
    return n;
}

int vj_netaddr_parse(const struct vj_cjail *j, bool vnet, const char *jail,
                     struct vj_netaddr **out, vj_error_t *err)
{
    *out = NULL;
    const struct vj_cparam *a4 = vj_cjail_get(j, "ip4.addr"), *a6 = vj_cjail_get(j, "ip6.addr");
    const struct vj_cparam *m4 = vj_cjail_get(j, "ip4"), *m6 = vj_cjail_get(j, "ip6");
    size_t n4 = a4 ? a4->nvalues : 0, n6 = a6 ? a6->nvalues : 0;
    if (vnet && !n4 && !n6 && !m4 && !m6)
        return 0; /* (its own stack) */
    /* FreeBSD's kernel: a family the jail says nothing of is disabled */
    struct vj_netaddr *na = xcalloc(1, sizeof *na);
    const char *const names[2] = {"ip4", "ip6"};
    size_t counts[2] = {n4, n6};
    int *dst[2] = {&na->mode4, &na->mode6};
    for (int f = 0; f < 2; f++) {
        if (vj_jailsys_value(j, names[f], VJ_JS_DISABLE, dst[f], err) < 0) {
            free(na);
            return -1;
        }
        if (counts[f])
            *dst[f] = VJ_JS_NEW; /* FreeBSD: addresses imply "new" */
        else if (*dst[f] == VJ_JS_NEW)
            *dst[f] = VJ_JS_DISABLE; /* "new" without addresses: none to use */
    }
    if (vnet) {
        /* (FreeBSD's kernel: its own stack needs no restriction; ip4 and
         * ip6 may only say "inherit") */
        const char *what = n4 ? "ip4.addr" : n6 ? "ip6.addr"
                         : m4 && na->mode4 != VJ_JS_INHERIT ? "ip4"
                         : m6 && na->mode6 != VJ_JS_INHERIT ? "ip6" : NULL;
        free(na);
        if (what)
            return vj_error_make(err, 0, "%s: %s: vnet jails cannot have IP address restrictions",
                                 jail, what);
        return 0;
    }
    long c4 = parse_list(a4, AF_INET, na->a4, jail, err);
    long c6 = c4 < 0 ? -1 : parse_list(a6, AF_INET6, na->a6, jail, err);
    if (c4 < 0 || c6 < 0) {
        free(na);
        return -1;
    }
    na->n4 = (size_t)c4;
    na->n6 = (size_t)c6;
    if (na->mode4 == VJ_JS_NEW && !na->n4)
        na->mode4 = VJ_JS_DISABLE;
    if (na->mode6 == VJ_JS_NEW && !na->n6)
        na->mode6 = VJ_JS_DISABLE;
    *out = na;
    return 0;
}

/* ---- the BPF programs ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STX_W(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_W(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i) /* (stack only) */
#define ST_H(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_H, d, 0, o, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
/* 32-bit compares: an address word is not sign-extended as an imm is */
#define JNE_IMM(d, i, o) INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, i)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* A program under construction, with forward jumps to labels. */
#define PROG_MAX 4096
struct prog {
    struct bpf_insn in[PROG_MAX];
    int n;
    int fix[PROG_MAX]; /* label a jump at that index goes to (-1: none) */
    int label[8];      /* label -> instruction index */
};
enum { L_ALLOW, L_DENY, L_FIRST, L_NEXT };

static void emit(struct prog *p, struct bpf_insn i)
{
    if (p->n < PROG_MAX) {
        p->fix[p->n] = -1;
        p->in[p->n++] = i;
    }
}

static void emit_jump(struct prog *p, struct bpf_insn i, int label)
{
    if (p->n < PROG_MAX) {
        p->fix[p->n] = label;
        p->in[p->n++] = i;
    }
}

static void resolve(struct prog *p)
{
    for (int i = 0; i < p->n; i++)
        if (p->fix[i] >= 0)
            p->in[i].off = (short)(p->label[p->fix[i]] - i - 1);
}

/* The 32-bit words of the address the call names, at ctx offset base. */
static int addr_words(int family) { return family == AF_INET ? 1 : 4; }

static uint32_t word_of(const struct vj_netaddr *na, int family, size_t k, int w)
{
    if (family == AF_INET)
        return na->a4[k];
    uint32_t v;
    memcpy(&v, (const char *)&na->a6[k] + 4 * w, 4);
    return v;
}

/* r2.. r2+words-1 <- the address at ctx (r6) offset off (no helper is
 * called while they hold it). */
static void load_addr(struct prog *p, int family, int off)
{
    for (int w = 0; w < addr_words(family); w++)
        emit(p, LDX_W(BPF_REG_2 + w, BPF_REG_6, off + 4 * w));
}

/* Jump to label if the address in r2.. equals c (words of 4 bytes). */
static void jump_if_addr(struct prog *p, int family, const uint32_t *c, int label)
{
    int words = addr_words(family);
    /* each word that differs skips the rest of this comparison */
    for (int w = 0; w < words; w++)
        emit(p, JNE_IMM(BPF_REG_2 + w, (int32_t)c[w], (short)(words - w)));
    emit_jump(p, JA(0), label);
}

/* ctx (r6) at off <- the jail's first address (the verifier takes no
 * immediate store into the context: through r2). */
static void store_first(struct prog *p, const struct vj_netaddr *na, int family, int off)
{
    for (int w = 0; w < addr_words(family); w++) {
        emit(p, MOV64_IMM(BPF_REG_2, (int32_t)word_of(na, family, 0, w)));
        emit(p, STX_W(BPF_REG_6, BPF_REG_2, off + 4 * w));
    }
}

static const uint32_t any_words[4] = {0, 0, 0, 0};

static void loopback_words(int family, uint32_t w[4])
{
    memset(w, 0, 16);
    if (family == AF_INET)
        w[0] = htonl(INADDR_LOOPBACK);
    else
        w[3] = htonl(1);
}

/* bind: wildcard and loopback become the first address, the jail's own
 * stay, the rest fail with EADDRNOTAVAIL. */
static void build_bind(struct prog *p, const struct vj_netaddr *na, int family)
{
    int off = family == AF_INET ? offsetof(struct bpf_sock_addr, user_ip4)
                                : offsetof(struct bpf_sock_addr, user_ip6);
    size_t n = family == AF_INET ? na->n4 : na->n6;
    uint32_t lo[4];
    loopback_words(family, lo);
    emit(p, MOV64_REG(BPF_REG_6, BPF_REG_1));
    load_addr(p, family, off);
    jump_if_addr(p, family, any_words, L_FIRST);
    jump_if_addr(p, family, lo, L_FIRST);
    for (size_t k = 0; k < n; k++) {
        uint32_t c[4];
        for (int w = 0; w < addr_words(family); w++)
            c[w] = word_of(na, family, k, w);
        jump_if_addr(p, family, c, L_ALLOW);
    }
    p->label[L_DENY] = p->n;
    emit(p, MOV64_IMM(BPF_REG_1, -EADDRNOTAVAIL));
    emit(p, CALL(BPF_FUNC_set_retval));
    emit(p, MOV64_IMM(BPF_REG_0, 0));
    emit(p, EXIT());
    p->label[L_FIRST] = p->n;
    store_first(p, na, family, off);
    p->label[L_ALLOW] = p->n;
    emit(p, MOV64_IMM(BPF_REG_0, 1));
    emit(p, EXIT());
}

/* connect and sendmsg: a loopback destination becomes the first
 * address; the source is the first address (connect: bound with
 * bpf_bind, which fails harmlessly on a bound socket; sendmsg: when the
 * call names none). */
static void build_out(struct prog *p, const struct vj_netaddr *na, int family, bool sendmsg)
{
    int off = family == AF_INET ? offsetof(struct bpf_sock_addr, user_ip4)
                                : offsetof(struct bpf_sock_addr, user_ip6);
    int src = family == AF_INET ? offsetof(struct bpf_sock_addr, msg_src_ip4)
                                : offsetof(struct bpf_sock_addr, msg_src_ip6);
    uint32_t lo[4];
    loopback_words(family, lo);
    emit(p, MOV64_REG(BPF_REG_6, BPF_REG_1));
    load_addr(p, family, off);
    jump_if_addr(p, family, lo, L_FIRST);
    emit_jump(p, JA(0), L_NEXT);
    p->label[L_FIRST] = p->n;
    store_first(p, na, family, off);
    p->label[L_NEXT] = p->n;
    if (sendmsg) {
        load_addr(p, family, src);
        /* a source given (or chosen by a bound socket): kept */
        for (int w = 0; w < addr_words(family); w++)
            emit_jump(p, JNE_IMM(BPF_REG_2 + w, 0, 0), L_ALLOW);
        store_first(p, na, family, src);
    } else {
        /* struct sockaddr_in / sockaddr_in6 on the stack, port 0 */
        int size = family == AF_INET ? 16 : 28;
        for (int b = 0; b < size; b += 4)
            emit(p, ST_W(BPF_REG_10, -32 + b, 0));
        emit(p, ST_H(BPF_REG_10, -32, family));
        int aoff = family == AF_INET ? 4 : 8;
        for (int w = 0; w < addr_words(family); w++)
            emit(p, ST_W(BPF_REG_10, -32 + aoff + 4 * w, (int32_t)word_of(na, family, 0, w)));
        emit(p, MOV64_REG(BPF_REG_1, BPF_REG_6));
        emit(p, MOV64_REG(BPF_REG_2, BPF_REG_10));
        emit(p, ADD64_IMM(BPF_REG_2, -32));
        emit(p, MOV64_IMM(BPF_REG_3, size));
        emit(p, CALL(BPF_FUNC_bind));
    }
    p->label[L_ALLOW] = p->n;
    emit(p, MOV64_IMM(BPF_REG_0, 1));
    emit(p, EXIT());
}

static int load_attach(struct prog *p, enum bpf_attach_type type, int cgroup_fd,
                       const char *jail, vj_error_t *err)
{
    resolve(p);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
    a.expected_attach_type = type;
    a.insns = (uint64_t)(uintptr_t)p->in;
    a.insn_cnt = (uint32_t)p->n;
    a.license = (uint64_t)(uintptr_t) "GPL";
    cleanup_close int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (prog < 0) {
        int e = errno;
        char log[4096] = "";
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof log;
        a.log_level = 1;
        cleanup_close int again = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
        if (again >= 0)
            log[0] = 0;
        return vj_error_make(err, e, "%s: ip4.addr/ip6.addr: loading the BPF program%s%s", jail,
                             log[0] ? ": " : "", log);
    }
    union bpf_attr att;
    memset(&att, 0, sizeof att);
    att.target_fd = (uint32_t)cgroup_fd;
    att.attach_bpf_fd = (uint32_t)prog;
    att.attach_type = type;
    att.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &att, sizeof att) < 0)
        return vj_error_make(err, errno, "%s: ip4.addr/ip6.addr: attaching to the cgroup", jail);
    return 0;
}

int vj_netaddr_attach(const struct vj_netaddr *na, int cgroup_fd, const char *jail,
                      vj_error_t *err)
{
    if (!na)
        return 0;
    struct {
        int family;
        int mode;
        enum bpf_attach_type bind, connect, sendmsg;
    } fams[2] = {
        {AF_INET, na->mode4, BPF_CGROUP_INET4_BIND, BPF_CGROUP_INET4_CONNECT,
         BPF_CGROUP_UDP4_SENDMSG},
        {AF_INET6, na->mode6, BPF_CGROUP_INET6_BIND, BPF_CGROUP_INET6_CONNECT,
         BPF_CGROUP_UDP6_SENDMSG},
    };
    /* (a disabled family has no sockets: the seccomp filter) */
    for (int f = 0; f < 2; f++) {
        if (fams[f].mode != VJ_JS_NEW)
            continue;
        struct prog *p = xcalloc(1, sizeof *p);
        int rc = 0;
        build_bind(p, na, fams[f].family);
        rc = load_attach(p, fams[f].bind, cgroup_fd, jail, err);
        for (int k = 0; rc == 0 && k < 2; k++) {
            memset(p, 0, sizeof *p);
            build_out(p, na, fams[f].family, k == 1);
            rc = load_attach(p, k ? fams[f].sendmsg : fams[f].connect, cgroup_fd, jail, err);
        }
        free(p);
        if (rc < 0)
            return -1;
    }
    return 0;
}

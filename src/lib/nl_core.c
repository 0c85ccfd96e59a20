/* The rtnetlink context: one socket per network namespace, request
 * queueing, batched sending and per-request ack checking. */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <time.h>

/* Receive buffer: large enough for any dump datagram the kernel sends. */
#define NL_RBUF_SIZE 32768

struct nl_pending {
    uint32_t seq;
    char *what;   /* "epair3a: create", for the error message */
    char *kind;   /* link kind of a create request, else NULL */
};

struct vj_nl {
    struct mnl_socket *sock;
    uint32_t portid, seq;
    char *buf;               /* queued requests */
    size_t len, cap;
    size_t cur;              /* offset of the request being built, or SIZE_MAX */
    struct nl_pending *pend;
    size_t npend, cappend;
    bool batching;
    vj_error_t deferred;     /* first failure of a batch sent early */
    struct {                 /* name -> ifindex, so that addresses for one
                              * link batch without a lookup each */
        char name[128];
        int idx;
    } names[8];
    size_t nnames;
    char rbuf[NL_RBUF_SIZE];
};

/* A batch is sent when it grows past this, so the acks of one sendmsg
 * always fit the socket's receive buffer. */
#define NL_BATCH_MAX (32 * 1024)
/* Room reserved for the request being built (names are bounded). */
#define NL_REQ_MAX 4096

/* A socket stays bound to the namespace it was created in: step into
 * nsfd, create it, step back (two setns calls; a thread would cost a
 * stack mapping and a clone). */
static struct mnl_socket *nl_socket_in(int nsfd, vj_error_t *err)
{
    if (nsfd < 0) {
        struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!s)
            vj_error_make(err, errno, "netlink socket");
        return s;
    }
    cleanup_close int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own < 0) {
        vj_error_make(err, errno, "netlink: own network namespace");
        return NULL;
    }
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        vj_error_make(err, errno, "netlink socket in namespace");
        return NULL;
    }
    struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    int e = errno;
    if (setns(own, CLONE_NEWNET) < 0) {
        /* Every later socket would be the jail's: never go on so. */
        fprintf(stderr, "%s: netlink: cannot return to the own network namespace: %s\n",
                vj_progname ? vj_progname : "vjail", strerror(errno));
        abort();
    }
    if (!s)
        vj_error_make(err, e, "netlink socket in namespace");
    return s;
}

int vj_nl_open(int netns_fd, struct vj_nl **out, vj_error_t *err)
{
    struct mnl_socket *sock = nl_socket_in(netns_fd, err);
    if (!sock)
        return -1;
    if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(sock);
        return vj_error_make(err, e, "netlink bind");
    }
    int one = 1, fd = mnl_socket_get_fd(sock);
    /* Extended acks carry the kernel's own explanation; capped acks do
     * not echo whole requests back. */
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    int rcv = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    struct vj_nl *nl = xcalloc(1, sizeof *nl);
    nl->sock = sock;
    nl->portid = mnl_socket_get_portid(sock);
    nl->seq = (uint32_t)time(NULL);
    nl->cur = SIZE_MAX;
    *out = nl;
    return 0;
}

int vj_nl_open_path(const char *nspath, struct vj_nl **out, vj_error_t *err)
{
    cleanup_close int fd = open(nspath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vj_error_make(err, errno, "%s", nspath);
    return vj_nl_open(fd, out, err);
}

static void nl_pending_clear(struct vj_nl *nl)
{
    for (size_t i = 0; i < nl->npend; i++) {
        free(nl->pend[i].what);
        free(nl->pend[i].kind);
    }
    nl->npend = 0;
    nl->len = 0;
    nl->cur = SIZE_MAX;
}

void vj_nl_close(struct vj_nl *nl)
{
    if (!nl)
        return;
    nl_pending_clear(nl);
    free(nl->pend);
    free(nl->buf);
    vj_error_release(&nl->deferred);
    mnl_socket_close(nl->sock);
    free(nl);
}

void vj_nl_closep(struct vj_nl **nl)
{
    if (*nl)
        vj_nl_close(*nl);
}

int vj_nl_self_netns(vj_error_t *err)
{
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vj_error_make(err, errno, "/proc/thread-self/ns/net");
    return fd;
}

/* Account for the request being built: its final length is known now. */
static void nl_req_close(struct vj_nl *nl)
{
    if (nl->cur == SIZE_MAX)
        return;
    struct nlmsghdr *nlh = (struct nlmsghdr *)(nl->buf + nl->cur);
    nl->len = nl->cur + NLMSG_ALIGN(nlh->nlmsg_len);
    nl->cur = SIZE_MAX;
}

struct nlmsghdr *nl_req(struct vj_nl *nl, uint16_t type, uint16_t flags, const char *kind,
                        const char *fmt, ...)
{
    nl_req_close(nl);
    if (nl->len + NL_REQ_MAX > nl->cap) {
        nl->cap = nl->len + NL_REQ_MAX + NL_BATCH_MAX;
        nl->buf = xrealloc(nl->buf, nl->cap);
    }
    memset(nl->buf + nl->len, 0, NL_REQ_MAX);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf + nl->len);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    nlh->nlmsg_seq = ++nl->seq;
    nl->cur = nl->len;
    if (nl->npend == nl->cappend) {
        nl->cappend = nl->cappend ? nl->cappend * 2 : 16;
        nl->pend = xrealloc(nl->pend, nl->cappend * sizeof *nl->pend);
    }
    struct nl_pending *p = &nl->pend[nl->npend++];
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&p->what, fmt, ap) < 0)
        p->what = xstrdup("netlink request");
    va_end(ap);
    p->seq = nlh->nlmsg_seq;
    p->kind = kind ? xstrdup(kind) : NULL;
    return nlh;
}

void vj_nl_batch_begin(struct vj_nl *nl) { nl->batching = true; }

int nl_name_cached(const struct vj_nl *nl, const char *name)
{
    if (!nl->batching) /* only within one batch: others may change links */
        return 0;
    for (size_t i = 0; i < nl->nnames; i++)
        if (strcmp(nl->names[i].name, name) == 0)
            return nl->names[i].idx;
    return 0;
}

void nl_name_cache(struct vj_nl *nl, const char *name, int idx)
{
    if (strlen(name) >= sizeof nl->names[0].name)
        return;
    size_t i = nl->nnames < sizeof nl->names / sizeof nl->names[0] ? nl->nnames++
                                                                     : (size_t)idx % nl->nnames;
    snprintf(nl->names[i].name, sizeof nl->names[i].name, "%s", name);
    nl->names[i].idx = idx;
}

void nl_names_changed(struct vj_nl *nl) { nl->nnames = 0; }

void vj_nl_discard(struct vj_nl *nl)
{
    nl_pending_clear(nl);
    nl_names_changed(nl);
    vj_error_release(&nl->deferred);
    nl->batching = false;
}

const void *vj_nl_pending(const struct vj_nl *nl, size_t *len)
{
    size_t l = nl->len;
    if (nl->cur != SIZE_MAX) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)(nl->buf + nl->cur);
        l = nl->cur + NLMSG_ALIGN(nlh->nlmsg_len);
    }
    *len = l;
    return nl->buf;
}

/* What the kernel says when a link kind is missing, in words. */
static const struct {
    const char *kind, *what;
} nl_kinds[] = {
    {"vlan", "802.1Q support (8021q)"},
    {"dummy", "dummy interface support (dummy)"},
    {"vxlan", "VXLAN support (vxlan)"},
    {"macvlan", "macvlan support (macvlan)"},
    {"bridge", "bridge support (bridge)"},
    {"veth", "virtual Ethernet pair support (veth)"},
};

static int nl_req_error(const struct nl_pending *p, int e, const char *extack, vj_error_t *err)
{
    if (p->kind && e == EOPNOTSUPP) {
        for (size_t i = 0; i < sizeof nl_kinds / sizeof nl_kinds[0]; i++)
            if (strcmp(nl_kinds[i].kind, p->kind) == 0)
                return vj_error_make(err, 0, "%s: %s is not available in this kernel",
                                     p->kind, nl_kinds[i].what);
        return vj_error_make(err, 0, "%s: interfaces of this kind are not available in "
                                     "this kernel", p->kind);
    }
    vj_error_make(err, e, "%s", p->what);
    if (err && *err && extack && *extack) {
        char *m = xasprintf("%s (%s)", (*err)->msg, extack);
        free((*err)->msg);
        (*err)->msg = m;
    }
    return -1;
}

/* The kernel's explanation in an error message, if any. */
static const char *nl_extack(const struct nlmsghdr *nlh)
{
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return NULL;
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    size_t off = sizeof *e;
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
        off += e->msg.nlmsg_len - sizeof e->msg;
    if (mnl_nlmsg_get_payload_len(nlh) < off)
        return NULL;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, off)
    {
        if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
            return mnl_attr_get_str(a);
    }
    return NULL;
}

/* Send the queued requests in one sendmsg and check every ack. */
int nl_flush(struct vj_nl *nl, vj_error_t *err)
{
    nl_req_close(nl);
    if (nl->npend == 0)
        return 0;
    int rc = 0;
    if (mnl_socket_sendto(nl->sock, nl->buf, nl->len) < 0) {
        rc = vj_error_make(err, errno, "%s: netlink send", nl->pend[0].what);
        nl_pending_clear(nl);
        return rc;
    }
    uint32_t first = nl->pend[0].seq;
    size_t acked = 0, failed = SIZE_MAX;
    int fail_errno = 0;
    char *fail_extack = NULL;
    char *rbuf = nl->rbuf;
    while (acked < nl->npend) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof nl->rbuf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = vj_error_make(err, errno, "%s: netlink receive", nl->pend[0].what);
            goto out;
        }
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;
        int len = (int)n;
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != nl->portid)
                continue;
            size_t i = nlh->nlmsg_seq - first;
            if (i >= nl->npend)
                continue;
            acked++;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (e->error != 0 && i < failed) {
                failed = i;
                fail_errno = -e->error;
                free(fail_extack);
                const char *x = nl_extack(nlh);
                fail_extack = x ? xstrdup(x) : NULL;
            }
        }
    }
    if (failed != SIZE_MAX) {
        rc = nl_req_error(&nl->pend[failed], fail_errno, fail_extack, err);
        nl_names_changed(nl); /* what failed may have been a rename */
    }
out:
    free(fail_extack);
    nl_pending_clear(nl);
    return rc;
}

int nl_req_done(struct vj_nl *nl, vj_error_t *err)
{
    nl_req_close(nl);
    if (!nl->batching)
        return nl_flush(nl, err);
    if (nl->len >= NL_BATCH_MAX) {
        /* Keep the first failure for vj_nl_commit. */
        vj_error_t e = NULL;
        if (nl_flush(nl, &e) < 0 && !nl->deferred)
            nl->deferred = e;
        else
            vj_error_release(&e);
    }
    return 0;
}

int vj_nl_commit(struct vj_nl *nl, vj_error_t *err)
{
    nl->batching = false;
    nl_names_changed(nl);
    vj_error_t e = NULL;
    int rc = nl_flush(nl, &e);
    if (nl->deferred) {
        vj_error_release(&e);
        e = vj_steal(nl->deferred);
        rc = -1;
    }
    if (rc < 0) {
        if (err) {
            vj_error_release(err);
            *err = e;
        } else
            vj_error_release(&e);
    }
    return rc;
}

/* Is the end of dump seq (NLMSG_DONE or an error) in buf? */
static bool nl_dump_ends(const char *buf, size_t n, unsigned seq)
{
    int len = (int)n;
    for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, len);
         h = mnl_nlmsg_next(h, &len))
        if (h->nlmsg_seq == seq && (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR))
            return true;
    return false;
}

/* Skip the rest of an interrupted dump; buf holds what was read last. */
static void nl_dump_drain(struct vj_nl *nl, char *buf, size_t n, unsigned seq)
{
    while (!nl_dump_ends(buf, n, seq)) {
        ssize_t r = mnl_socket_recvfrom(nl->sock, buf, sizeof nl->rbuf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        n = (size_t)r;
    }
}

/* One request answered by data (a dump or a get): pending requests are
 * sent first, so what is read reflects them.  cb sees every answer. */
int nl_query(struct vj_nl *nl, struct nlmsghdr *req, nl_cb_t cb, void *data,
             const char *what, vj_error_t *err)
{
    if (nl_flush(nl, err) < 0)
        return -1;
    req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    req->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
        return vj_error_make(err, errno, "%s: netlink send", what);
    char *rbuf = nl->rbuf;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof nl->rbuf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vj_error_make(err, errno, "%s: netlink receive", what);
        }
        errno = 0;
        int r = mnl_cb_run(rbuf, (size_t)n, req->nlmsg_seq, nl->portid, cb, data);
        if (r == MNL_CB_STOP)
            return 0;
        if (r < 0 && errno == EINTR && (req->nlmsg_flags & NLM_F_DUMP)) {
            /* Links changed during the dump (NLM_F_DUMP_INTR): read it to
             * its end so the socket stays usable; the caller asks again. */
            nl_dump_drain(nl, rbuf, (size_t)n, req->nlmsg_seq);
            return vj_error_make(err, EINTR, "%s", what);
        }
        if (r < 0)
            return vj_error_make(err, errno ? errno : EPROTO, "%s", what);
    }
}

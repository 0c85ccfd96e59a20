/*
 * Child jails created from inside a jail (children.max > 0).
 *
 * Jailed root cannot create name spaces (that needs CAP_SYS_ADMIN, which
 * would let it escape), so jail(8) in a jail asks the jail's supervisor,
 * which is outside the jail's policy.  The supervisor listens on
 * /run/vjail/ctl inside the jail's mount name space (only the jail sees
 * it; only its root may connect) and forks a worker per request.  The
 * worker goes back to the host's mount name space and runs the engine
 * there (vj_run_child, vj_registry_export_children) with the caller's
 * stdin/stdout/stderr, passed with SCM_RIGHTS, so messages reach the
 * caller as they would from a local jail(8).  The worker stays in the
 * jail's PID, UTS, IPC and network name spaces: a child's name spaces are
 * made inside its parent's.
 *
 * Protocol: one request per connection.  The client sends OP "\n" (with
 * its fds 0, 1, 2 attached), then the payload, then shuts its side down.
 * CREATE: payload = NUL-terminated name=value arguments; reply = one byte,
 * the exit status.  LIST: no payload; reply = the children's registry
 * records (registry.c), each followed by a NUL byte.
 */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>

#define MAX_REQUEST (1 << 20)

int vj_nested_listen(vj_error_t *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", VJ_NESTED_CTL);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return vj_error_make(err, errno, "socket");
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
        listen(fd, 8) < 0) {
        int e = errno;
        close(fd);
        return vj_error_make(err, e, "%s", VJ_NESTED_CTL);
    }
    return fd;
}

/* Read everything until EOF (bounded); the first message carries fds. */
static int read_request(int c, int fds[3], struct vj_buf *b)
{
    char buf[4096];
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } ctl;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                        .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
    if (n <= 0)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(3 * sizeof(int)))
        return -1;
    memcpy(fds, CMSG_DATA(cm), 3 * sizeof(int));
    buf_add(b, buf, n);
    while ((n = read(c, buf, sizeof buf)) > 0) {
        if (b->len + n > MAX_REQUEST)
            return -1;
        buf_add(b, buf, n);
    }
    return n < 0 ? -1 : 0;
}

static void serve_one(int c, int jid, int host_mnt) __attribute__((noreturn));
static void serve_one(int c, int jid, int host_mnt)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int fl = fcntl(c, F_GETFL);
    fcntl(c, F_SETFL, fl & ~O_NONBLOCK);
    struct ucred cr;
    socklen_t crl = sizeof cr;
    /* FreeBSD: only root may create jails. */
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.uid != 0)
        _exit(1);
    /* a client that stalls cannot keep a worker forever */
    struct timeval tv = {10, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int fds[3] = {-1, -1, -1};
    struct vj_buf b = {0};
    if (read_request(c, fds, &b) < 0)
        _exit(1);
    buf_addc(&b, 0); /* ends the last argument (and an empty list) */
    buf_addc(&b, 0);
    cleanup_free char *req = buf_steal(&b);
    char *nl = strchr(req, '\n');
    if (!nl)
        _exit(1);
    *nl = 0;
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)
            _exit(1);
    if (setns(host_mnt, CLONE_NEWNS) < 0 || chdir("/") < 0)
        _exit(1);
    /* nothing of the environment jail(8) had when it made the parent */
    clearenv();
    setenv("PATH", VJ_CLEAN_PATH, 1);
    umask(022);
    if (!strcmp(req, "CREATE")) {
        /* NUL-terminated arguments, then an empty one */
        char **args = NULL;
        size_t nargs = 0;
        for (char *a = nl + 1; *a; a += strlen(a) + 1) {
            args = xrealloc(args, (nargs + 2) * sizeof *args);
            args[nargs++] = a;
            args[nargs] = NULL;
        }
        int st = vj_run_child(jid, args, nargs);
        free(args);
        fflush(NULL);
        unsigned char s = (unsigned char)st;
        if (write(c, &s, 1) < 0)
            _exit(1);
        _exit(0);
    }
    if (!strcmp(req, "LIST")) {
        size_t len = 0;
        cleanup_free char *out = vj_registry_export_children(jid, &len);
        for (size_t off = 0; off < len;) {
            ssize_t w = write(c, out + off, len - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    _exit(1);
}

void vj_nested_serve(int lfd, int jid, int host_mnt)
{
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            serve_one(c, jid, host_mnt);
        }
        /* reaped by the supervisor's waitpid loop */
        close(c);
    }
}

int vj_nested_call(const char *op, const char *payload, size_t len, char **reply,
                   size_t *rlen, vj_error_t *err)
{
    *reply = NULL;
    *rlen = 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", VJ_NESTED_CTL);
    cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
        return vj_error_make(err, errno, "jail_set");
    cleanup_free char *hdr = xasprintf("%s\n", op);
    struct iovec iov = {hdr, strlen(hdr)};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                        .msg_controllen = sizeof ctl};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
    int fds[3] = {0, 1, 2};
    memcpy(CMSG_DATA(cm), fds, sizeof fds);
    fflush(NULL);
    if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
        return vj_error_make(err, errno, "jail_set");
    for (size_t off = 0; off < len;) {
        ssize_t w = send(s, payload + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            return vj_error_make(err, errno, "jail_set");
        off += (size_t)w;
    }
    shutdown(s, SHUT_WR);
    struct vj_buf b = {0};
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            buf_add(&b, buf, n);
    *rlen = b.len;
    *reply = buf_steal(&b);
    return 0;
}

/* Small shared helpers: cleanup functions, the error object, allocation
 * that cannot fail, a growable buffer and whole-file I/O. */
#include "vjail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>

const char *vj_progname = "jail";

void vj_freep(void *p) { free(*(void **)p); }

void vj_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

void vj_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

static void oom(void)
{
    static const char msg[] = "vjail: out of memory\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
    }
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom();
    return p;
}

void vj_strv_push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

int vj_error_make(vj_error_t *err, int errno_, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    vj_error_release(err);
    struct vj_error_s *e = xcalloc(1, sizeof *e);
    e->status = errno_;
    e->msg = errno_ ? xasprintf("%s: %s", msg, strerror(errno_)) : vj_steal(msg);
    *err = e;
    return -1;
}

int vj_error_prefix(vj_error_t *err, const char *fmt, ...)
{
    if (!err || !*err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *pre = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s: %s", pre, (*err)->msg);
    free((*err)->msg);
    (*err)->msg = msg;
    return -1;
}

void vj_error_release(vj_error_t *err)
{
    if (err && *err) {
        free((*err)->msg);
        free(*err);
        *err = NULL;
    }
}

void vj_error_print(vj_error_t *err, const char *prog)
{
    if (!err || !*err)
        return;
    fprintf(stderr, "%s: %s\n", prog ? prog : vj_progname, (*err)->msg);
    vj_error_release(err);
}

void buf_add(struct vj_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_adds(struct vj_buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_addc(struct vj_buf *b, char c) { buf_add(b, &c, 1); }

void buf_printf(struct vj_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_adds(b, s);
}

char *buf_steal(struct vj_buf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

int write_file(const char *path, const char *data, size_t len, int flags, mode_t mode,
               vj_error_t *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | flags, mode);
    if (fd < 0)
        return vj_error_make(err, errno, "open %s", path);
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vj_error_make(err, errno, "write %s", path);
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int read_file(const char *path, char **out, size_t *lenp, vj_error_t *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vj_error_make(err, errno, "%s", path);
    struct vj_buf b = {0};
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(b.s);
            return vj_error_make(err, e, "%s", path);
        }
        if (n == 0)
            break;
        buf_add(&b, chunk, (size_t)n);
    }
    if (lenp)
        *lenp = b.len;
    *out = buf_steal(&b);
    return 0;
}

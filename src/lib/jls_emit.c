/*
 * A small emitter compatible with the output of FreeBSD's libxo, as far as
 * jls(8) uses it: TEXT (display strings only), JSON and XML (encoded
 * fields only), optionally pretty-printed.  Written for vjail so that jls
 * has no libxo dependency; the byte layout follows libxo's non-pretty
 * output (`"a":1,"b":"x"` inside an instance, ", " between instances,
 * `{"__version": "2", ...}` at the top).
 */
#include "vjail.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define XO_MAX_DEPTH 32

enum xo_frame { XF_CONTAINER, XF_LIST, XF_INSTANCE };

struct vj_xo {
    FILE *f;
    enum vj_xo_style style;
    unsigned flags;
    char *version;
    bool top_open;       /* JSON: the outer "{" was written */
    int depth;
    struct {
        enum xo_frame kind;
        char *name;
        bool not_first;  /* something was emitted at this level */
    } st[XO_MAX_DEPTH];
    bool top_not_first;  /* JSON: the outer object has a member */
    bool error;          /* misuse (too deep): reported by vj_xo_finish */
};

static bool pretty(const struct vj_xo *xo) { return xo->flags & VJ_XO_PRETTY; }

static void indent(struct vj_xo *xo, int extra)
{
    if (pretty(xo))
        fprintf(xo->f, "%*s", 2 * (xo->depth + extra), "");
}

/* XML: elements enclose what is inside them; lists have no element. */
static void xml_indent(struct vj_xo *xo)
{
    if (!pretty(xo))
        return;
    int n = 0;
    for (int i = 0; i < xo->depth; i++)
        n += xo->st[i].kind != XF_LIST;
    fprintf(xo->f, "%*s", 2 * n, "");
}

void vj_xo_escape_json(struct vj_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\r': buf_adds(b, "\\r"); break;
        case '\t': buf_adds(b, "\\t"); break;
        case '\b': buf_adds(b, "\\b"); break;
        case '\f': buf_adds(b, "\\f"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_addc(b, (char)*p);
        }
    }
}

void vj_xo_escape_xml(struct vj_buf *b, const char *s, bool attr)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': buf_adds(b, "&amp;"); break;
        case '<': buf_adds(b, "&lt;"); break;
        case '>': buf_adds(b, "&gt;"); break;
        case '"':
            buf_adds(b, attr ? "&quot;" : "\"");
            break;
        default:
            /* XML 1.0 cannot carry other control characters at all, not
             * even as references: show them as U+FFFD. */
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                buf_adds(b, "\xef\xbf\xbd");
            else
                buf_addc(b, (char)*p);
        }
    }
}

static void put_json_string(struct vj_xo *xo, const char *s)
{
    struct vj_buf b = {0};
    buf_addc(&b, '"');
    vj_xo_escape_json(&b, s);
    buf_addc(&b, '"');
    fputs(b.s, xo->f);
    free(b.s);
}

static void put_xml_text(struct vj_xo *xo, const char *s, bool attr)
{
    struct vj_buf b = {0};
    vj_xo_escape_xml(&b, s, attr);
    if (b.s)
        fputs(b.s, xo->f);
    free(b.s);
}

struct vj_xo *vj_xo_new(FILE *f, enum vj_xo_style style, unsigned flags)
{
    struct vj_xo *xo = xcalloc(1, sizeof *xo);
    xo->f = f;
    xo->style = style;
    xo->flags = flags;
    return xo;
}

void vj_xo_free(struct vj_xo *xo)
{
    if (!xo)
        return;
    for (int i = 0; i < xo->depth; i++)
        free(xo->st[i].name);
    free(xo->version);
    free(xo);
}

enum vj_xo_style vj_xo_get_style(const struct vj_xo *xo) { return xo->style; }

void vj_xo_set_version(struct vj_xo *xo, const char *version)
{
    free(xo->version);
    xo->version = xstrdup(version);
}

/* JSON: start a member of the current object/array: separator, newline
 * and indentation.  libxo puts ", " before containers, lists and
 * instances, and a bare "," between the fields of an instance. */
static void json_member(struct vj_xo *xo, bool is_field)
{
    bool *nf = xo->depth ? &xo->st[xo->depth - 1].not_first : &xo->top_not_first;
    if (*nf)
        fputs(pretty(xo) ? ",\n" : is_field ? "," : ", ", xo->f);
    else if (pretty(xo))
        fputc('\n', xo->f);
    *nf = true;
    indent(xo, 1);
}

/* JSON: the outer object, opened lazily before the first output. */
static void json_top(struct vj_xo *xo)
{
    if (xo->top_open)
        return;
    xo->top_open = true;
    fputc('{', xo->f);
    if (xo->version) {
        json_member(xo, false);
        fputs("\"__version\": ", xo->f);
        put_json_string(xo, xo->version);
    }
}

static bool push(struct vj_xo *xo, enum xo_frame kind, const char *name)
{
    if (xo->depth >= XO_MAX_DEPTH) {
        xo->error = true;
        return false;
    }
    xo->st[xo->depth].kind = kind;
    xo->st[xo->depth].name = xstrdup(name);
    xo->st[xo->depth].not_first = false;
    xo->depth++;
    return true;
}

static void open_frame(struct vj_xo *xo, enum xo_frame kind, const char *name)
{
    switch (xo->style) {
    case VJ_XO_TEXT:
        break;
    case VJ_XO_JSON:
        json_top(xo);
        json_member(xo, false);
        if (kind == XF_INSTANCE) {
            fputc('{', xo->f);
        } else {
            put_json_string(xo, name);
            fputs(kind == XF_LIST ? ": [" : ": {", xo->f);
        }
        break;
    case VJ_XO_XML:
        /* Lists have no element of their own in XML. */
        if (kind != XF_LIST) {
            xml_indent(xo);
            fprintf(xo->f, "<%s", name);
            if (xo->version && xo->depth == 0) {
                fputs(" version=\"", xo->f);
                put_xml_text(xo, xo->version, true);
                fputc('"', xo->f);
                free(xo->version);
                xo->version = NULL;
            }
            fputc('>', xo->f);
            if (pretty(xo))
                fputc('\n', xo->f);
        }
        break;
    }
    push(xo, kind, name);
}

static void close_frame(struct vj_xo *xo)
{
    if (xo->depth == 0) {
        xo->error = true;
        return;
    }
    xo->depth--;
    enum xo_frame kind = xo->st[xo->depth].kind;
    bool had = xo->st[xo->depth].not_first;
    char *name = xo->st[xo->depth].name;
    switch (xo->style) {
    case VJ_XO_TEXT:
        break;
    case VJ_XO_JSON:
        if (pretty(xo) && had) {
            fputc('\n', xo->f);
            indent(xo, 1);
        }
        fputc(kind == XF_LIST ? ']' : '}', xo->f);
        break;
    case VJ_XO_XML:
        if (kind != XF_LIST) {
            xml_indent(xo);
            fprintf(xo->f, "</%s>", name);
            if (pretty(xo))
                fputc('\n', xo->f);
        }
        break;
    }
    free(name);
    xo->st[xo->depth].name = NULL;
}

void vj_xo_open_container(struct vj_xo *xo, const char *name) { open_frame(xo, XF_CONTAINER, name); }
void vj_xo_open_list(struct vj_xo *xo, const char *name) { open_frame(xo, XF_LIST, name); }
void vj_xo_open_instance(struct vj_xo *xo, const char *name) { open_frame(xo, XF_INSTANCE, name); }
void vj_xo_close(struct vj_xo *xo) { close_frame(xo); }

void vj_xo_text(struct vj_xo *xo, const char *fmt, ...)
{
    if (xo->style != VJ_XO_TEXT)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(xo->f, fmt, ap);
    va_end(ap);
}

/* One encoded field: `raw` is written as is (JSON numbers, booleans),
 * otherwise the value is a string. */
static void field(struct vj_xo *xo, const char *name, const char *value, bool raw)
{
    switch (xo->style) {
    case VJ_XO_TEXT:
        return;
    case VJ_XO_JSON:
        json_top(xo);
        json_member(xo, true);
        put_json_string(xo, name);
        fputs(pretty(xo) ? ": " : ":", xo->f);
        if (raw)
            fputs(value, xo->f);
        else
            put_json_string(xo, value);
        return;
    case VJ_XO_XML:
        xml_indent(xo);
        fprintf(xo->f, "<%s>", name);
        put_xml_text(xo, value, false);
        fprintf(xo->f, "</%s>", name);
        if (pretty(xo))
            fputc('\n', xo->f);
        return;
    }
}

void vj_xo_str(struct vj_xo *xo, const char *name, const char *value)
{
    field(xo, name, value ? value : "", false);
}

void vj_xo_num(struct vj_xo *xo, const char *name, long long value)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", value);
    field(xo, name, num, true);
}

void vj_xo_bool(struct vj_xo *xo, const char *name, bool value)
{
    field(xo, name, value ? "true" : "false", true);
}

void vj_xo_leaf_list(struct vj_xo *xo, const char *name, char *const *values, size_t n)
{
    switch (xo->style) {
    case VJ_XO_TEXT:
        return;
    case VJ_XO_JSON:
        json_top(xo);
        json_member(xo, true);
        put_json_string(xo, name);
        fputs(": [", xo->f);
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputs(pretty(xo) ? ", " : ",", xo->f);
            put_json_string(xo, values[i]);
        }
        fputc(']', xo->f);
        return;
    case VJ_XO_XML:
        /* A leaf-list is the element repeated, as libxo writes it. */
        for (size_t i = 0; i < n; i++)
            field(xo, name, values[i], false);
        return;
    }
}

int vj_xo_finish(struct vj_xo *xo, vj_error_t *err)
{
    while (xo->depth > 0)
        close_frame(xo);
    if (xo->style == VJ_XO_JSON) {
        json_top(xo);
        fputs(pretty(xo) ? "\n}\n" : "}\n", xo->f);
    } else if (xo->style == VJ_XO_XML && !pretty(xo)) {
        fputc('\n', xo->f);
    }
    if (fflush(xo->f) != 0 || ferror(xo->f))
        return vj_error_make(err, errno, "write error");
    if (xo->error)
        return vj_error_make(err, 0, "internal error: output nesting");
    return 0;
}

/* One word of a --libxo option list. */
static int xo_option(const char *w, size_t n, enum vj_xo_style *style, unsigned *flags,
                     vj_error_t *err)
{
    if (n == 4 && !strncmp(w, "json", n))
        *style = VJ_XO_JSON;
    else if (n == 3 && !strncmp(w, "xml", n))
        *style = VJ_XO_XML;
    else if (n == 4 && !strncmp(w, "text", n))
        *style = VJ_XO_TEXT;
    else if (n == 6 && !strncmp(w, "pretty", n))
        *flags |= VJ_XO_PRETTY;
    else if (n == 0)
        ;
    else
        return vj_error_make(err, 0, "--libxo: unsupported option \"%.*s\" "
                             "(vjail supports text, json, xml, pretty)", (int)n, w);
    return 0;
}

/* The brief form after "--libxo:": letters, libxo's J X T P. */
static int xo_brief(const char *s, enum vj_xo_style *style, unsigned *flags, vj_error_t *err)
{
    for (; *s; s++) {
        switch (*s) {
        case 'J': *style = VJ_XO_JSON; break;
        case 'X': *style = VJ_XO_XML; break;
        case 'T': *style = VJ_XO_TEXT; break;
        case 'P': *flags |= VJ_XO_PRETTY; break;
        default:
            return vj_error_make(err, 0, "--libxo: unsupported option \"%c\" "
                                 "(vjail supports J, X, T, P)", *s);
        }
    }
    return 0;
}

int vj_xo_parse_args(int *argc, char **argv, enum vj_xo_style *style, unsigned *flags,
                     vj_error_t *err)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            /* Leave the rest alone, like libxo. */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--libxo", 7) != 0) {
            argv[out++] = argv[i];
            continue;
        }
        const char *opts;
        if (a[7] == ':') {
            if (xo_brief(a + 8, style, flags, err) < 0)
                return -1;
            continue;
        } else if (a[7] == '=') {
            opts = a + 8;
        } else if (a[7] == '\0') {
            if (i + 1 >= *argc)
                return vj_error_make(err, 0, "--libxo: missing option");
            opts = argv[++i];
        } else {
            argv[out++] = argv[i];
            continue;
        }
        while (*opts) {
            size_t n = strcspn(opts, ",");
            if (xo_option(opts, n, style, flags, err) < 0)
                return -1;
            opts += n;
            if (*opts == ',')
                opts++;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

/*
 * jail.conf(5) parser: statements, jail blocks (nested), the implicit
 * global section and .include.  Builds the raw section list that
 * conf_merge.c turns into per-jail parameter lists.
 *
 * Top-level statements follow the 2025 FreeBSD parser: all of them
 * (including those in included files) form ONE implicit "*" section,
 * placed where the first of them appears.
 */
#include "vjail.h"

#include <errno.h>
#include <glob.h>
#include <string.h>

#define MAX_INCLUDE_DEPTH 32

bool vj_conf_allow_include = true;

/* ---- values and the raw arena --------------------------------------- */

void vj_cval_clear(struct vj_cval *v)
{
    for (size_t i = 0; i < v->nsegs; i++)
        free(v->segs[i].text);
    free(v->segs);
    v->segs = NULL;
    v->nsegs = 0;
}

void vj_cval_copy(struct vj_cval *dst, const struct vj_cval *src)
{
    dst->nsegs = src->nsegs;
    dst->segs = xcalloc(src->nsegs ? src->nsegs : 1, sizeof *dst->segs);
    for (size_t i = 0; i < src->nsegs; i++) {
        dst->segs[i].text = xstrdup(src->segs[i].text);
        dst->segs[i].is_var = src->segs[i].is_var;
    }
}

char *vj_cval_render(const struct vj_cval *v)
{
    struct vj_buf b = {0};
    for (size_t i = 0; i < v->nsegs; i++) {
        if (v->segs[i].is_var)
            buf_printf(&b, "${%s}", v->segs[i].text);
        else
            buf_adds(&b, v->segs[i].text);
    }
    return buf_steal(&b);
}

static void stmt_clear(struct vj_cstmt *st)
{
    free(st->name);
    for (size_t i = 0; i < st->nvals; i++)
        vj_cval_clear(&st->vals[i]);
    free(st->vals);
}

struct vj_craw *vj_craw_new(void) { return xcalloc(1, sizeof(struct vj_craw)); }

void vj_craw_free(struct vj_craw *raw)
{
    if (!raw)
        return;
    for (size_t i = 0; i < raw->nsections; i++) {
        struct vj_csection *s = raw->sections[i];
        for (size_t k = 0; k < s->nstmts; k++)
            stmt_clear(&s->stmts[k]);
        free(s->stmts);
        free(s->name);
        free(s);
    }
    free(raw->sections);
    for (size_t i = 0; i < raw->nfiles; i++)
        free(raw->files[i]);
    free(raw->files);
    free(raw);
}

const char *vj_craw_intern(struct vj_craw *raw, const char *file)
{
    for (size_t i = 0; i < raw->nfiles; i++)
        if (strcmp(raw->files[i], file) == 0)
            return raw->files[i];
    raw->files = xrealloc(raw->files, (raw->nfiles + 1) * sizeof *raw->files);
    return raw->files[raw->nfiles++] = xstrdup(file);
}

static struct vj_csection *add_section(struct vj_craw *raw, char *name, struct vj_srcloc loc)
{
    struct vj_csection *s = xcalloc(1, sizeof *s);
    s->name = name;
    s->wild = vj_wild_name(name);
    s->loc = loc;
    raw->sections = xrealloc(raw->sections, (raw->nsections + 1) * sizeof *raw->sections);
    raw->sections[raw->nsections++] = s;
    return s;
}

/* ---- the parser ------------------------------------------------------ */

struct parser {
    struct vj_craw *raw;
    struct conf_lexer lx;
    struct conf_token tok;
    const char *file; /* interned */
    bool is_stdin;
};

static int next(struct parser *ps, vj_error_t *err) { return conf_lex(&ps->lx, &ps->tok, err); }

static int syntax_error(struct parser *ps, vj_error_t *err)
{
    if (ps->tok.type == TOK_EOF)
        return vj_error_make(err, 0, "%s: unexpected EOF", ps->file);
    return vj_error_make(err, 0, "%s line %d: %s: syntax error", ps->file, ps->lx.line,
                         ps->tok.raw);
}

static char *literal_text(const struct vj_cval *v)
{
    struct vj_buf b = {0};
    for (size_t i = 0; i < v->nsegs; i++)
        buf_adds(&b, v->segs[i].text);
    return buf_steal(&b);
}

static int parse_file(struct vj_craw *raw, const char *file, const char *buf, size_t len,
                      bool is_stdin, struct vj_csection *cur, vj_error_t *err);

static int include_one(struct parser *ps, const char *path, struct vj_csection *cur,
                       vj_error_t *err)
{
    cleanup_free char *data = NULL;
    size_t len;
    if (read_file(path, &data, &len, err) < 0)
        return -1;
    return parse_file(ps->raw, path, data, len, false, cur, err);
}

static int do_include(struct parser *ps, const char *name, struct vj_csection *cur,
                      vj_error_t *err)
{
    if (!vj_conf_allow_include)
        return 0;
    cleanup_free char *path = NULL;
    const char *slash = strrchr(ps->file, '/');
    if (!ps->is_stdin && name[0] != '/' && slash)
        path = xasprintf("%.*s%s", (int)(slash - ps->file + 1), ps->file, name);
    else
        path = xstrdup(name);
    if (++ps->raw->include_depth > MAX_INCLUDE_DEPTH)
        return vj_error_make(err, 0, "maximum include depth exceeded");
    int ret = 0;
    if (strpbrk(path, "*?[")) {
        glob_t g = {0};
        int gr = glob(path, 0, NULL, &g);
        if (gr != 0 && gr != GLOB_NOMATCH) {
            globfree(&g);
            ps->raw->include_depth--;
            return vj_error_make(err, 0, "%s: filename glob failed", path);
        }
        for (size_t i = 0; gr == 0 && i < g.gl_pathc && ret == 0; i++)
            ret = include_one(ps, g.gl_pathv[i], cur, err);
        globfree(&g);
    } else {
        ret = include_one(ps, path, cur, err);
    }
    ps->raw->include_depth--;
    return ret;
}

/* Check a statement's name against the parameter table (vjail reports
 * unknown names at load time, before anything is done). */
static int check_stmt(struct parser *ps, const struct vj_cstmt *st,
                      const struct vj_csection *cur, vj_error_t *err)
{
    const char *jail = cur && !cur->wild ? cur->name : NULL;
    const struct vj_param_def *def = param_lookup(st->name, NULL);
    int r = 0;
    if (st->is_var) {
        if (def)
            r = vj_error_make(err, 0,
                              "%s line %d: variable \"$%s\" cannot have the same name as a "
                              "parameter.",
                              ps->file, st->loc.line, st->name);
    } else if (!def) {
        r = vj_error_make(err, 0, "%s line %d: unknown parameter \"%s\"", ps->file,
                          st->loc.line, st->name);
    } else if (def->flags & PF_RDONLY) {
        r = vj_error_make(err, 0, "%s line %d: %s: read-only parameter", ps->file,
                          st->loc.line, st->name);
    }
    if (r < 0 && jail)
        vj_error_prefix(err, "%s", jail);
    return r;
}

static int add_stmt(struct parser *ps, struct vj_csection *cur, struct vj_cstmt *st,
                    vj_error_t *err)
{
    if (check_stmt(ps, st, cur, err) < 0) {
        stmt_clear(st);
        return -1;
    }
    struct vj_csection *s = cur;
    if (!s) {
        if (!ps->raw->global)
            ps->raw->global = add_section(ps->raw, xstrdup("*"), st->loc);
        s = ps->raw->global;
    }
    s->stmts = xrealloc(s->stmts, (s->nstmts + 1) * sizeof *s->stmts);
    s->stmts[s->nstmts++] = *st;
    memset(st, 0, sizeof *st);
    return 0;
}

/* value := word { ',' word } ';'   (current token is the first word) */
static int parse_values(struct parser *ps, struct vj_cstmt *st, vj_error_t *err)
{
    for (;;) {
        if (ps->tok.type != TOK_WORD)
            return syntax_error(ps, err);
        st->vals = xrealloc(st->vals, (st->nvals + 1) * sizeof *st->vals);
        st->vals[st->nvals++] = ps->tok.val;
        memset(&ps->tok.val, 0, sizeof ps->tok.val);
        if (next(ps, err) < 0)
            return -1;
        if (ps->tok.type == TOK_CHAR && ps->tok.ch == ';')
            return 0;
        if (!(ps->tok.type == TOK_CHAR && ps->tok.ch == ','))
            return syntax_error(ps, err);
        if (next(ps, err) < 0)
            return -1;
    }
}

static int parse_statement(struct parser *ps, struct vj_csection *cur, struct vj_cval *word,
                           int npieces, int line, vj_error_t *err)
{
    struct vj_cstmt st = {.loc = {ps->file, line}};
    int r = -1;
    bool nameval = false;
    bool has_var = false;
    for (size_t i = 0; i < word->nsegs; i++)
        has_var |= word->segs[i].is_var;
    if (has_var) {
        /* A variable definition: exactly one "$x" piece. */
        if (word->nsegs != 1 || npieces != 1)
            return syntax_error(ps, err);
        st.is_var = true;
        st.name = xstrdup(word->segs[0].text);
    } else {
        st.name = literal_text(word);
    }
    if (ps->tok.type == TOK_CHAR && ps->tok.ch == ';') {
        st.op = CST_BARE;
    } else if (ps->tok.type == TOK_CHAR && ps->tok.ch == '=') {
        st.op = CST_SET;
        if (next(ps, err) < 0 || parse_values(ps, &st, err) < 0)
            goto out;
    } else if (ps->tok.type == TOK_PLEQ) {
        st.op = CST_APPEND;
        if (next(ps, err) < 0 || parse_values(ps, &st, err) < 0)
            goto out;
    } else if (ps->tok.type == TOK_WORD) {
        st.op = CST_SET;
        nameval = true;
        if (parse_values(ps, &st, err) < 0)
            goto out;
    } else {
        syntax_error(ps, err);
        goto out;
    }
    if (nameval && !st.is_var && strcmp(st.name, ".include") == 0) {
        for (size_t i = 0; i < st.nvals; i++) {
            bool v = false;
            for (size_t k = 0; k < st.vals[i].nsegs; k++)
                v |= st.vals[i].segs[k].is_var;
            if (v) {
                vj_error_make(err, 0,
                              "%s line %d: variables not permitted in '.include' filename",
                              ps->file, ps->lx.line);
                goto out;
            }
        }
        for (size_t i = 0; i < st.nvals; i++) {
            cleanup_free char *name = literal_text(&st.vals[i]);
            if (do_include(ps, name, cur, err) < 0)
                goto out;
        }
        r = 0;
        goto out;
    }
    return add_stmt(ps, cur, &st, err);
out:
    stmt_clear(&st);
    return r;
}

/* conf := { jail | param ';' | ';' }; `nested`: inside a block, ends at '}'. */
static int parse_conf(struct parser *ps, struct vj_csection *cur, bool nested, int level,
                      vj_error_t *err)
{
    for (;;) {
        if (next(ps, err) < 0)
            return -1;
        struct conf_token *t = &ps->tok;
        if (t->type == TOK_EOF) {
            if (nested)
                return syntax_error(ps, err);
            return 0;
        }
        if (t->type == TOK_CHAR && t->ch == '}') {
            if (nested)
                return 0;
            return syntax_error(ps, err);
        }
        if (t->type == TOK_CHAR && t->ch == ';')
            continue;
        if (t->type != TOK_WORD)
            return syntax_error(ps, err);

        struct vj_cval word = t->val;
        memset(&t->val, 0, sizeof t->val);
        int npieces = t->npieces, line = t->line;
        bool has_var = t->has_var;
        if (next(ps, err) < 0) {
            vj_cval_clear(&word);
            return -1;
        }
        if (t->type == TOK_CHAR && t->ch == '{') {
            if (has_var || level >= 64) {
                vj_cval_clear(&word);
                return syntax_error(ps, err);
            }
            char *name = literal_text(&word);
            vj_cval_clear(&word);
            if (cur) {
                char *full = xasprintf("%s.%s", cur->name, name);
                free(name);
                name = full;
            }
            struct vj_csection *s = add_section(ps->raw, name, (struct vj_srcloc){ps->file, line});
            if (parse_conf(ps, s, true, level + 1, err) < 0)
                return -1;
            continue;
        }
        int r = parse_statement(ps, cur, &word, npieces, line, err);
        vj_cval_clear(&word);
        if (r < 0)
            return -1;
    }
}

static int parse_file(struct vj_craw *raw, const char *file, const char *buf, size_t len,
                      bool is_stdin, struct vj_csection *cur, vj_error_t *err)
{
    struct parser ps = {.raw = raw, .is_stdin = is_stdin};
    ps.file = vj_craw_intern(raw, file);
    ps.lx = (struct conf_lexer){.file = ps.file, .p = buf, .end = buf + len, .line = 1};
    int r = parse_conf(&ps, cur, false, 0, err);
    conf_token_clear(&ps.tok);
    return r;
}

int vj_conf_parse(struct vj_craw *raw, const char *file, const char *buf, size_t len,
                  vj_error_t *err)
{
    return parse_file(raw, file, buf, len, strcmp(file, "STDIN") == 0, NULL, err);
}

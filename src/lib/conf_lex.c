/*
 * jail.conf(5) lexer: FreeBSD jaillex.l rules, hand-written.
 *
 * Adjacent pieces (unquoted text, quoted strings, escapes, variables)
 * with no whitespace between them form one word token, which is what
 * FreeBSD's grammar reassembles from STR/STR1/VAR/VAR1 tokens.
 */
#include "vjail.h"

#include <string.h>

static bool is_atom(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("_!%&()-.:<>?@[]^`|~*+/", c) != NULL);
}

static bool is_ident_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident(int c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

static int peekc(struct conf_lexer *lx, size_t off)
{
    return lx->p + off < lx->end ? (unsigned char)lx->p[off] : -1;
}

static int lex_error(struct conf_lexer *lx, int line, const char *what, vj_error_t *err)
{
    return vj_error_make(err, 0, "%s line %d: %s", lx->file, line, what);
}

/* Decode one backslash escape at lx->p (pointing at the backslash) into b. */
static void decode_escape(struct conf_lexer *lx, struct vj_buf *b)
{
    lx->p++; /* backslash */
    if (lx->p >= lx->end) {
        buf_addc(b, '\\');
        return;
    }
    int c = (unsigned char)*lx->p++;
    if (c >= '0' && c <= '7') {
        int v = c - '0';
        for (int i = 0; i < 2 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7'; i++)
            v = v * 8 + (*lx->p++ - '0');
        buf_addc(b, (char)v);
        return;
    }
    switch (c) {
    case 'a': buf_addc(b, '\a'); return;
    case 'b': buf_addc(b, '\b'); return;
    case 'f': buf_addc(b, '\f'); return;
    case 'n': buf_addc(b, '\n'); return;
    case 'r': buf_addc(b, '\r'); return;
    case 't': buf_addc(b, '\t'); return;
    case 'v': buf_addc(b, '\v'); return;
    case '\n': lx->line++; return; /* line continuation */
    case 'x': {
        int v = 0;
        for (int i = 0; i < 2 && lx->p < lx->end; i++) {
            int h = (unsigned char)*lx->p;
            if (h >= '0' && h <= '9')
                v = v * 16 + (h - '0');
            else if (h >= 'a' && h <= 'f')
                v = v * 16 + (h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                v = v * 16 + (h - 'A' + 10);
            else
                break;
            lx->p++;
        }
        buf_addc(b, (char)v);
        return;
    }
    default: buf_addc(b, (char)c); return;
    }
}

static void tok_add_text(struct conf_token *t, struct vj_buf *lit)
{
    if (!lit->len)
        return;
    struct vj_cval *v = &t->val;
    if (v->nsegs && !v->segs[v->nsegs - 1].is_var) {
        struct vj_cseg *s = &v->segs[v->nsegs - 1];
        char *n = xasprintf("%s%s", s->text, lit->s);
        free(s->text);
        s->text = n;
        free(buf_steal(lit));
        return;
    }
    v->segs = xrealloc(v->segs, (v->nsegs + 1) * sizeof *v->segs);
    v->segs[v->nsegs++] = (struct vj_cseg){.text = buf_steal(lit), .is_var = false};
}

static void tok_add_var(struct conf_token *t, char *name)
{
    struct vj_cval *v = &t->val;
    v->segs = xrealloc(v->segs, (v->nsegs + 1) * sizeof *v->segs);
    v->segs[v->nsegs++] = (struct vj_cseg){.text = name, .is_var = true};
    t->has_var = true;
}

/* At '$': a variable reference, or NULL when it is a literal '$'.
 * in_dq: inside double quotes, where '"' also ends ${...}. */
static int lex_var(struct conf_lexer *lx, bool in_dq, char **name, vj_error_t *err)
{
    *name = NULL;
    int c = peekc(lx, 1);
    if (is_ident_start(c)) {
        const char *s = lx->p + 1, *e = s;
        while (e < lx->end && is_ident((unsigned char)*e))
            e++;
        *name = xstrndup(s, (size_t)(e - s));
        lx->p = e;
        return 0;
    }
    if (c != '{')
        return 0;
    int line = lx->line;
    struct vj_buf b = {0};
    lx->p += 2;
    for (;;) {
        if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '{' || (in_dq && *lx->p == '"')) {
            free(b.s);
            return lex_error(lx, line, "unterminated variable", err);
        }
        if (*lx->p == '}') {
            lx->p++;
            break;
        }
        if (*lx->p == '\\' && lx->p + 1 < lx->end) {
            decode_escape(lx, &b);
            continue;
        }
        buf_addc(&b, *lx->p++);
    }
    *name = buf_steal(&b);
    return 0;
}

static int lex_squote(struct conf_lexer *lx, struct conf_token *t, vj_error_t *err)
{
    int line = lx->line;
    struct vj_buf b = {0};
    lx->p++;
    for (;;) {
        if (lx->p >= lx->end || (*lx->p == '\\' && lx->p + 1 >= lx->end)) {
            free(b.s);
            return lex_error(lx, line, "unterminated string", err);
        }
        if (*lx->p == '\'') {
            lx->p++;
            break;
        }
        if (*lx->p == '\\') {
            decode_escape(lx, &b);
            continue;
        }
        if (*lx->p == '\n')
            lx->line++;
        buf_addc(&b, *lx->p++);
    }
    tok_add_text(t, &b);
    free(b.s);
    return 0;
}

static int lex_dquote(struct conf_lexer *lx, struct conf_token *t, vj_error_t *err)
{
    int line = lx->line;
    struct vj_buf b = {0};
    /* Check termination first: FreeBSD reports an unterminated string
     * before looking at variables inside it. */
    const char *q = lx->p + 1;
    while (q < lx->end && *q != '"')
        q += (*q == '\\' && q + 1 < lx->end) ? 2 : 1;
    if (q >= lx->end)
        return lex_error(lx, line, "unterminated string", err);
    lx->p++;
    for (;;) {
        if (*lx->p == '"') {
            lx->p++;
            break;
        }
        if (*lx->p == '\\') {
            decode_escape(lx, &b);
            continue;
        }
        if (*lx->p == '$') {
            char *name;
            if (lex_var(lx, true, &name, err) < 0) {
                free(b.s);
                return -1;
            }
            if (name) {
                tok_add_text(t, &b);
                tok_add_var(t, name);
                continue;
            }
        }
        if (*lx->p == '\n')
            lx->line++;
        buf_addc(&b, *lx->p++);
    }
    tok_add_text(t, &b);
    free(b.s);
    return 0;
}

/* Skip whitespace and comments. */
static int skip_space(struct conf_lexer *lx, vj_error_t *err)
{
    while (lx->p < lx->end) {
        int c = (unsigned char)*lx->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (c == '\n')
                lx->line++;
            lx->p++;
        } else if (c == '#' || (c == '/' && peekc(lx, 1) == '/')) {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (c == '/' && peekc(lx, 1) == '*') {
            int line = lx->line;
            const char *e = lx->p + 2;
            while (e + 1 < lx->end && !(e[0] == '*' && e[1] == '/'))
                e++;
            if (e + 1 >= lx->end)
                return lex_error(lx, line, "unterminated comment", err);
            for (const char *s = lx->p; s < e; s++)
                lx->line += *s == '\n';
            lx->p = e + 2;
        } else {
            break;
        }
    }
    return 0;
}

void conf_token_clear(struct conf_token *t)
{
    vj_cval_clear(&t->val);
    free(t->raw);
    memset(t, 0, sizeof *t);
}

int conf_lex(struct conf_lexer *lx, struct conf_token *t, vj_error_t *err)
{
    conf_token_clear(t);
    if (skip_space(lx, err) < 0)
        return -1;
    const char *start = lx->p;
    t->line = lx->line;
    if (lx->p >= lx->end) {
        t->type = TOK_EOF;
        t->raw = xstrdup("");
        return 0;
    }
    int c = (unsigned char)*lx->p;
    if (c == '+' && peekc(lx, 1) == '=') {
        lx->p += 2;
        t->type = TOK_PLEQ;
        t->raw = xstrdup("+=");
        return 0;
    }
    if (strchr(",;={}", c)) {
        lx->p++;
        t->type = TOK_CHAR;
        t->ch = (char)c;
        t->raw = xstrndup(start, 1);
        return 0;
    }
    struct vj_buf lit = {0};
    for (;;) {
        if (lx->p >= lx->end)
            break;
        c = (unsigned char)*lx->p;
        if (c == '+' && peekc(lx, 1) == '=')
            break;
        if (c == '/' && (peekc(lx, 1) == '/' || peekc(lx, 1) == '*'))
            break;
        if (c == '\\') {
            decode_escape(lx, &lit);
            t->npieces++;
        } else if (c == '$') {
            char *name;
            if (lex_var(lx, false, &name, err) < 0) {
                free(lit.s);
                return -1;
            }
            if (name) {
                tok_add_text(t, &lit);
                tok_add_var(t, name);
            } else {
                buf_addc(&lit, '$');
                lx->p++;
            }
            t->npieces++;
        } else if (c == '\'' || c == '"') {
            tok_add_text(t, &lit);
            if ((c == '\'' ? lex_squote(lx, t, err) : lex_dquote(lx, t, err)) < 0) {
                free(lit.s);
                return -1;
            }
            t->npieces++;
        } else if (is_atom(c)) {
            while (lx->p < lx->end && is_atom((unsigned char)*lx->p) &&
                   !(*lx->p == '+' && peekc(lx, 1) == '=') &&
                   !(*lx->p == '/' && (peekc(lx, 1) == '/' || peekc(lx, 1) == '*')))
                buf_addc(&lit, *lx->p++);
            t->npieces++;
        } else {
            break;
        }
    }
    tok_add_text(t, &lit);
    free(lit.s);
    if (lx->p == start) {
        /* A character that cannot start any token. */
        lx->p++;
        t->type = TOK_CHAR;
        t->ch = (char)c;
        t->raw = xstrndup(start, 1);
        return 0;
    }
    t->type = TOK_WORD;
    t->raw = xstrndup(start, (size_t)(lx->p - start));
    if (t->val.nsegs == 0) {
        /* "" or '': one empty literal. */
        t->val.segs = xcalloc(1, sizeof *t->val.segs);
        t->val.segs[0].text = xstrdup("");
        t->val.nsegs = 1;
    }
    return 0;
}

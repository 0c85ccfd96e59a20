/*
 * Printing configured jails (jail -e, the -J file) with FreeBSD's
 * quoting, wildcard name matching, and accessors on merged jails.
 */
#include "vjail.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

char *vj_quote_value(const char *v)
{
    char q = !*v                                    ? '"'
             : strchr(v, '\'')                      ? '"'
             : strchr(v, '"')                       ? '\''
             : strchr(v, ' ') || strchr(v, '\t')    ? '"'
                                                    : 0;
    struct vj_buf b = {0};
    if (q)
        buf_addc(&b, q);
    for (const char *s = v; *s; s++) {
        if (*s == '\\' || (q && *s == q))
            buf_addc(&b, '\\');
        buf_addc(&b, *s);
    }
    if (q)
        buf_addc(&b, q);
    return buf_steal(&b);
}

char *vj_cparam_display_name(const struct vj_cparam *p)
{
    if (!p->negated)
        return xstrdup(p->name);
    const char *dot = strrchr(p->name, '.');
    if (!dot)
        return xasprintf("no%s", p->name);
    return xasprintf("%.*sno%s", (int)(dot - p->name + 1), p->name, dot + 1);
}

void vj_conf_print_jail(FILE *f, const struct vj_cjail *j, const char *sep)
{
    bool nul = !*sep;
    bool first = true;
    for (size_t i = 0; i < j->nparams; i++) {
        const struct vj_cparam *p = &j->params[i];
        if (p->is_var || strcmp(p->name, "jid") == 0)
            continue;
        if (!first && !nul)
            fputs(sep, f);
        first = false;
        cleanup_free char *name = vj_cparam_display_name(p);
        fputs(name, f);
        for (size_t v = 0; v < p->nvalues; v++) {
            cleanup_free char *q = vj_quote_value(p->values[v]);
            fputc(v ? ',' : '=', f);
            fputs(q, f);
        }
        if (nul)
            fputc('\0', f);
    }
    fputc(nul ? '\0' : '\n', f);
}

bool vj_wild_name(const char *name)
{
    for (const char *w = strchr(name, '*'); w; w = strchr(w + 1, '*'))
        if ((w == name || w[-1] == '.') && (w[1] == '\0' || w[1] == '.'))
            return true;
    return false;
}

/* A non-final "*" component matches exactly one name component, a final
 * "*" one or more (FreeBSD wild_jail_match). */
bool vj_wild_match(const char *pattern, const char *name)
{
    const char *jc = name, *wc = pattern, *jd, *wd;
    while ((jd = strchr(jc, '.')) && (wd = strchr(wc, '.'))) {
        if (strncmp(jc, wc, (size_t)(jd - jc + 1)) != 0 && strncmp(wc, "*.", 2) != 0)
            return false;
        jc = jd + 1;
        wc = wd + 1;
    }
    return strcmp(jc, wc) == 0 || strcmp(wc, "*") == 0;
}

struct vj_cparam *vj_cjail_get(const struct vj_cjail *j, const char *name)
{
    for (size_t i = 0; i < j->nparams; i++)
        if (!j->params[i].is_var && strcmp(j->params[i].name, name) == 0)
            return &j->params[i];
    return NULL;
}

const char *vj_cjail_str(const struct vj_cjail *j, const char *name)
{
    const struct vj_cparam *p = vj_cjail_get(j, name);
    return p && p->nvalues ? p->values[p->nvalues - 1] : NULL;
}

bool vj_cjail_bool(const struct vj_cjail *j, const char *name, bool dflt)
{
    const struct vj_cparam *p = vj_cjail_get(j, name);
    if (!p)
        return dflt;
    bool v = true;
    if (p->nvalues) {
        const char *s = p->values[p->nvalues - 1];
        if (strcmp(s, "new") == 0)
            v = true;
        else if (strcmp(s, "inherit") == 0 || strcmp(s, "disable") == 0)
            v = false;
        else
            v = param_parse_bool(s) == 1;
    }
    return p->negated ? !v : v;
}

long long vj_cjail_int(const struct vj_cjail *j, const char *name, long long dflt)
{
    const char *s = vj_cjail_str(j, name);
    if (!s)
        return dflt;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return (end == s || *end || errno) ? dflt : v;
}

/* The unexpanded form of a value set by the program: a literal. */
static void cval_literal(struct vj_cval *c, const char *value)
{
    memset(c, 0, sizeof *c);
    if (!value)
        return;
    c->segs = xcalloc(1, sizeof *c->segs);
    c->segs[0].text = xstrdup(value);
    c->nsegs = 1;
}

void vj_cjail_add(struct vj_cjail *j, const char *name, const char *value)
{
    struct vj_cparam *p = vj_cjail_get(j, name);
    if (!p || !p->nvalues) {
        vj_cjail_set(j, name, value);
        return;
    }
    vj_strv_push(&p->values, &p->nvalues, xstrdup(value));
    if (p->priv) {
        /* (unexpanded: the raw form in step) */
        struct vj_cval *raw = xrealloc(p->priv, p->nvalues * sizeof *raw);
        cval_literal(&raw[p->nvalues - 1], value);
        p->priv = raw;
    }
}

void vj_cjail_set(struct vj_cjail *j, const char *name, const char *value)
{
    bool negated = false;
    const struct vj_param_def *def = param_lookup(name, &negated);
    const char *canon = def && !(def->flags & PF_PREFIX) ? def->name : name;
    struct vj_cparam *p = vj_cjail_get(j, canon);
    if (!p) {
        j->params = xrealloc(j->params, (j->nparams + 1) * sizeof *j->params);
        p = &j->params[j->nparams++];
        memset(p, 0, sizeof *p);
        p->name = xstrdup(canon);
        p->def = def;
    } else {
        struct vj_cval *raw = p->priv;
        for (size_t v = 0; v < p->nvalues; v++) {
            free(p->values[v]);
            if (raw)
                vj_cval_clear(&raw[v]);
        }
        free(p->values);
        free(raw);
        p->priv = NULL;
    }
    p->negated = negated;
    p->nvalues = value ? 1 : 0;
    p->values = xcalloc(2, sizeof *p->values);
    if (value)
        p->values[0] = xstrdup(value);
    if (!j->expanded) {
        /* Keep the unexpanded form in step: a literal. */
        struct vj_cval *raw = xmalloc(sizeof *raw);
        cval_literal(raw, value);
        p->priv = raw;
    }
}

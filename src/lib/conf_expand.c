/*
 * Variable substitution (jail.conf(5) "Variables"), per jail after
 * merging: recursive and independent of definition order.  Then every
 * value is validated against the parameter table and the $variables are
 * dropped.
 *
 * Improvement over FreeBSD: ${jid} expands to the jid the engine reserved
 * for the jail when the configuration does not fix one.
 */
#include "vjail.h"

#include <stdarg.h>
#include <string.h>

/* Guards against exponential growth ($a = "$b$b"; $b = "$c$c"; ...). */
#define MAX_VALUE_LEN (1u << 20)
#define MAX_VALUES 65536
/* References nest at most this deep (bounded stack use). */
#define MAX_DEPTH 256

enum { ST_TODO, ST_BUSY, ST_DONE };

struct expander {
    struct vj_cjail *j;
    int jid;
    int *state;
    char ***out;    /* expanded values per parameter */
    size_t *nout;
    int depth;
};

static int fail(struct expander *x, const struct vj_cparam *p, vj_error_t *err, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
static int fail(struct expander *x, const struct vj_cparam *p, vj_error_t *err, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg)
        msg = xstrdup("out of memory");
    if (p->loc.file)
        return vj_error_make(err, 0, "%s: %s line %d: %s", x->j->name ? x->j->name : "jail",
                             p->loc.file, p->loc.line, msg);
    if (x->j->name)
        return vj_error_make(err, 0, "%s: %s", x->j->name, msg);
    return vj_error_make(err, 0, "%s", msg);
}

static ssize_t find_ref(const struct vj_cjail *j, const char *name)
{
    for (size_t i = 0; i < j->nparams; i++)
        if (j->params[i].is_var && strcmp(j->params[i].name, name) == 0)
            return (ssize_t)i;
    for (size_t i = 0; i < j->nparams; i++) {
        const struct vj_cparam *p = &j->params[i];
        if (p->is_var)
            continue;
        if (strcmp(p->name, name) == 0)
            return (ssize_t)i;
        cleanup_free char *shown = vj_cparam_display_name(p);
        if (strcmp(shown, name) == 0)
            return (ssize_t)i;
    }
    return -1;
}

static int expand_param(struct expander *x, size_t i, vj_error_t *err);

/* Values of the reference `name` seen from parameter i: vals and nvals
 * point into x->out, or to the single `tmp` for ${jid}. */
static int resolve(struct expander *x, size_t i, const char *name, char ***vals, size_t *nvals,
                   char **tmp, vj_error_t *err)
{
    const struct vj_cparam *p = &x->j->params[i];
    cleanup_free char *pname = vj_cparam_display_name(p);
    ssize_t k = find_ref(x->j, name);
    if (k < 0 || x->j->params[k].nvalues == 0) {
        if (strcmp(name, "jid") == 0) {
            *tmp = x->jid > 0 ? xasprintf("%d", x->jid) : xstrdup("${jid}");
            *vals = tmp;
            *nvals = 1;
            return 0;
        }
        return fail(x, p, err, "%s: variable \"%s\" not found", pname, name);
    }
    if (x->state[k] == ST_BUSY)
        return fail(x, p, err, "%s: variable loop", name);
    if (x->state[k] != ST_DONE && x->depth >= MAX_DEPTH)
        return fail(x, p, err, "%s: variables nested too deeply", name);
    x->depth++;
    int r = expand_param(x, (size_t)k, err);
    x->depth--;
    if (r < 0)
        return -1;
    *vals = x->out[k];
    *nvals = x->nout[k];
    return 0;
}

static int expand_param(struct expander *x, size_t i, vj_error_t *err)
{
    if (x->state[i] == ST_DONE)
        return 0;
    x->state[i] = ST_BUSY;
    const struct vj_cparam *p = &x->j->params[i];
    const struct vj_cval *raw = p->priv;
    char **out = xcalloc(1, sizeof *out);
    size_t nout = 0;
    for (size_t v = 0; raw && v < p->nvalues; v++) {
        const struct vj_cval *cv = &raw[v];
        if (cv->nsegs == 1 && cv->segs[0].is_var) {
            /* A whole-string reference may bring several values. */
            char **vals, *tmp = NULL;
            size_t nvals;
            if (resolve(x, i, cv->segs[0].text, &vals, &nvals, &tmp, err) < 0)
                goto bad;
            if (nout + nvals > MAX_VALUES) {
                free(tmp);
                fail(x, p, err, "%s: too many values", p->name);
                goto bad;
            }
            for (size_t k = 0; k < nvals; k++)
                vj_strv_push(&out, &nout, xstrdup(vals[k]));
            free(tmp);
            continue;
        }
        struct vj_buf b = {0};
        for (size_t s = 0; s < cv->nsegs; s++) {
            if (!cv->segs[s].is_var) {
                buf_adds(&b, cv->segs[s].text);
                continue;
            }
            char **vals, *tmp = NULL;
            size_t nvals;
            if (resolve(x, i, cv->segs[s].text, &vals, &nvals, &tmp, err) < 0) {
                free(b.s);
                goto bad;
            }
            if (nvals > 1) {
                free(b.s);
                cleanup_free char *pname = vj_cparam_display_name(p);
                fail(x, p, err, "%s: array cannot be substituted inline", pname);
                goto bad;
            }
            if (b.len + strlen(vals[0]) > MAX_VALUE_LEN) {
                free(b.s);
                free(tmp);
                fail(x, p, err, "%s: value too long", p->name);
                goto bad;
            }
            buf_adds(&b, vals[0]);
            free(tmp);
        }
        vj_strv_push(&out, &nout, buf_steal(&b));
    }
    x->out[i] = out;
    x->nout[i] = nout;
    x->state[i] = ST_DONE;
    return 0;
bad:
    for (size_t k = 0; k < nout; k++)
        free(out[k]);
    free(out);
    return -1;
}

/* Validate scalar parameters by their last value (FreeBSD keeps only the
 * last value of a scalar), lists element by element. */
static int validate(struct vj_cjail *j, int jid, vj_error_t *err)
{
    for (size_t i = 0; i < j->nparams; i++) {
        const struct vj_cparam *p = &j->params[i];
        if (p->is_var || !p->def || p->nvalues == 0)
            continue;
        bool list = p->def->type == PT_IP4 || p->def->type == PT_IP6;
        for (size_t v = list ? 0 : p->nvalues - 1; v < p->nvalues; v++) {
            if (jid <= 0 && strstr(p->values[v], "${jid}"))
                continue;
            cleanup_error vj_error_t e = NULL;
            if (param_validate(p->def, p->values[v], &e) < 0) {
                if (p->loc.file)
                    return vj_error_make(err, 0, "%s: %s line %d: %s", j->name, p->loc.file,
                                         p->loc.line, e->msg);
                return vj_error_make(err, 0, "%s%s%s", j->name ? j->name : "",
                                     j->name ? ": " : "", e->msg);
            }
        }
    }
    return 0;
}

int vj_conf_expand(struct vj_cjail *j, int jid, vj_error_t *err)
{
    if (j->expanded)
        return 0;
    if (j->error)
        return vj_error_make(err, 0, "%s", j->error);
    struct expander x = {.j = j, .jid = jid};
    x.state = xcalloc(j->nparams + 1, sizeof *x.state);
    x.out = xcalloc(j->nparams + 1, sizeof *x.out);
    x.nout = xcalloc(j->nparams + 1, sizeof *x.nout);
    int r = 0;
    for (size_t i = 0; i < j->nparams && r == 0; i++)
        r = expand_param(&x, i, err);
    if (r == 0) {
        /* Install the expanded values; drop the variables. */
        size_t keep = 0;
        for (size_t i = 0; i < j->nparams; i++) {
            struct vj_cparam *p = &j->params[i];
            struct vj_cval *raw = p->priv;
            for (size_t v = 0; v < p->nvalues; v++) {
                free(p->values[v]);
                if (raw)
                    vj_cval_clear(&raw[v]);
            }
            free(p->values);
            free(raw);
            p->priv = NULL;
            p->values = x.out[i];
            p->nvalues = x.nout[i];
            x.out[i] = NULL;
            if (p->is_var) {
                for (size_t v = 0; v < p->nvalues; v++)
                    free(p->values[v]);
                free(p->values);
                free(p->name);
                continue;
            }
            j->params[keep++] = *p;
        }
        j->nparams = keep;
        r = validate(j, jid, err);
        if (r < 0 && err && *err)
            j->error = xstrdup((*err)->msg);
        else if (r < 0)
            j->error = xstrdup("invalid parameter value");
    }
    for (size_t i = 0; i < j->nparams + 1 && r < 0; i++) {
        if (!x.out[i])
            continue;
        for (size_t v = 0; v < x.nout[i]; v++)
            free(x.out[i][v]);
        free(x.out[i]);
    }
    free(x.state);
    free(x.out);
    free(x.nout);
    if (r < 0)
        return -1;
    const struct vj_cparam *dep = vj_cjail_get(j, "depend");
    j->depend = xcalloc(dep ? dep->nvalues + 1 : 1, sizeof *j->depend);
    for (size_t v = 0; dep && v < dep->nvalues; v++)
        j->depend[v] = xstrdup(dep->values[v]);
    j->expanded = true;
    return 0;
}

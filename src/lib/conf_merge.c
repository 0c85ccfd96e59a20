/*
 * Loading a configuration: parse, then build each non-wildcard jail's
 * parameter list from the global section, matching wildcard sections and
 * its own block, in file order (jail.conf(5) precedence, FreeBSD
 * load_config/add_param).
 */
#include "vjail.h"

#include <errno.h>
#include <string.h>


static void cparam_clear(struct vj_cparam *p)
{
    free(p->name);
    for (size_t i = 0; i < p->nvalues; i++)
        free(p->values[i]);
    free(p->values);
    struct vj_cval *raw = p->priv;
    if (raw) {
        for (size_t i = 0; i < p->nvalues; i++)
            vj_cval_clear(&raw[i]);
        free(raw);
    }
    memset(p, 0, sizeof *p);
}

static void cparam_clear_values(struct vj_cparam *p)
{
    struct vj_cval *raw = p->priv;
    for (size_t i = 0; i < p->nvalues; i++) {
        free(p->values[i]);
        if (raw)
            vj_cval_clear(&raw[i]);
    }
    p->nvalues = 0;
    p->values = xrealloc(p->values, sizeof *p->values);
    p->values[0] = NULL;
}

static void cparam_add_value(struct vj_cparam *p, const struct vj_cval *v)
{
    p->values = xrealloc(p->values, (p->nvalues + 2) * sizeof *p->values);
    p->values[p->nvalues] = vj_cval_render(v);
    p->values[p->nvalues + 1] = NULL;
    struct vj_cval *raw = xrealloc(p->priv, (p->nvalues + 1) * sizeof *raw);
    vj_cval_copy(&raw[p->nvalues], v);
    p->priv = raw;
    p->nvalues++;
}

static void cjail_clear_params(struct vj_cjail *j)
{
    for (size_t i = 0; i < j->nparams; i++)
        cparam_clear(&j->params[i]);
    free(j->params);
    j->params = NULL;
    j->nparams = 0;
}

void vj_cjail_clear(struct vj_cjail *j)
{
    cjail_clear_params(j);
    free(j->name);
    if (j->depend)
        for (char **d = j->depend; *d; d++)
            free(*d);
    free(j->depend);
    free(j->error);
}

static struct vj_cparam *find_slot(struct vj_cjail *j, const char *name, bool is_var)
{
    for (size_t i = 0; i < j->nparams; i++)
        if (j->params[i].is_var == is_var && strcmp(j->params[i].name, name) == 0)
            return &j->params[i];
    return NULL;
}

int vj_cjail_apply(struct vj_cjail *j, const struct vj_cstmt *st, vj_error_t *err)
{
    const struct vj_param_def *def = NULL;
    bool negated = false;
    const char *canon = st->name;
    if (!st->is_var) {
        def = param_lookup(st->name, &negated);
        if (!def)
            return vj_error_make(err, 0, "unknown parameter \"%s\"", st->name);
        if (!(def->flags & PF_PREFIX))
            canon = def->name;
    }
    struct vj_cparam *p = find_slot(j, canon, st->is_var);
    if (p) {
        if (!st->is_var && (strcmp(canon, "name") == 0 || strcmp(canon, "jid") == 0))
            return vj_error_make(err, 0, "cannot redefine parameter \"%s\".", canon);
        if (st->op != CST_APPEND || st->nvals == 0)
            cparam_clear_values(p);
    } else {
        j->params = xrealloc(j->params, (j->nparams + 1) * sizeof *j->params);
        p = &j->params[j->nparams++];
        memset(p, 0, sizeof *p);
        p->name = xstrdup(canon);
        p->def = def;
        p->is_var = st->is_var;
        p->values = xcalloc(1, sizeof *p->values);
    }
    p->negated = negated;
    p->loc = st->loc;
    for (size_t i = 0; i < st->nvals; i++)
        cparam_add_value(p, &st->vals[i]);
    return 0;
}

static void apply_section(struct vj_cjail *j, const struct vj_csection *s)
{
    for (size_t i = 0; i < s->nstmts; i++) {
        cleanup_error vj_error_t e = NULL;
        if (vj_cjail_apply(j, &s->stmts[i], &e) < 0 && !j->error)
            j->error = xasprintf("%s: %s line %d: %s", j->name, s->stmts[i].loc.file,
                                 s->stmts[i].loc.line, e->msg);
    }
}

static void implicit_param(struct vj_cjail *j, const char *pname, const struct vj_csection *s)
{
    struct vj_cseg seg = {.text = s->name, .is_var = false};
    struct vj_cval v = {.segs = &seg, .nsegs = 1};
    struct vj_cstmt st = {.name = (char *)pname, .op = CST_SET, .vals = &v, .nvals = 1,
                          .loc = s->loc};
    vj_cjail_apply(j, &st, NULL);
}

static bool numeric_name(const char *name)
{
    char *end;
    errno = 0;
    long v = strtol(name, &end, 10);
    return v != 0 && !*end && errno == 0;
}

int vj_conf_merge(struct vj_conf *conf, vj_error_t *err)
{
    struct vj_craw *raw = conf->priv;
    for (size_t si = 0; si < raw->nsections; si++) {
        const struct vj_csection *own = raw->sections[si];
        if (own->wild)
            continue;
        conf->jails = xrealloc(conf->jails, (conf->njails + 1) * sizeof *conf->jails);
        struct vj_cjail *j = &conf->jails[conf->njails++];
        memset(j, 0, sizeof *j);
        j->name = xstrdup(own->name);
        j->loc = own->loc;
        implicit_param(j, numeric_name(own->name) ? "jid" : "name", own);
        bool did_self = false;
        for (size_t wi = 0; wi < raw->nsections; wi++) {
            const struct vj_csection *w = raw->sections[wi];
            if (!w->wild)
                continue;
            if (si < wi && !did_self) {
                apply_section(j, own);
                did_self = true;
            }
            if (vj_wild_match(w->name, j->name))
                apply_section(j, w);
        }
        if (!did_self)
            apply_section(j, own);
        if (!vj_cjail_get(j, "name"))
            implicit_param(j, "name", own);
    }
    return 0;
}

int vj_conf_load_buf(const char *name, const char *buf, size_t len, struct vj_conf **out,
                     vj_error_t *err)
{
    struct vj_conf *conf = xcalloc(1, sizeof *conf);
    conf->priv = vj_craw_new();
    if (vj_conf_parse(conf->priv, name, buf, len, err) < 0 || vj_conf_merge(conf, err) < 0) {
        vj_conf_free(conf);
        return -1;
    }
    *out = conf;
    return 0;
}

int vj_conf_load(const char *path, struct vj_conf **out, vj_error_t *err)
{
    cleanup_free char *data = NULL;
    size_t len = 0;
    const char *name = path;
    if (strcmp(path, "-") == 0) {
        struct vj_buf b = {0};
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            buf_add(&b, chunk, n);
        if (ferror(stdin)) {
            free(b.s);
            return vj_error_make(err, errno, "STDIN");
        }
        len = b.len;
        data = buf_steal(&b);
        name = "STDIN";
    } else if (read_file(path, &data, &len, err) < 0) {
        return -1;
    }
    return vj_conf_load_buf(name, data, len, out, err);
}

void vj_conf_free(struct vj_conf *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->njails; i++)
        vj_cjail_clear(&conf->jails[i]);
    free(conf->jails);
    vj_craw_free(conf->priv);
    free(conf);
}

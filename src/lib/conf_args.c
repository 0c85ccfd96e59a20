/*
 * A one-jail configuration from jail(8) command-line parameters
 * (`name=value`, bare `name`/`noname`, `command=...` taking the rest of
 * argv), FreeBSD import rules: list parameters split on commas and
 * accumulate, scalars keep the last value.
 */
#include "vjail.h"

#include <string.h>

/* Comma-split on the command line (FreeBSD jail.c listparams). */
static bool split_list(const char *name)
{
    return strcmp(name, "ip4.addr") == 0 || strcmp(name, "ip6.addr") == 0 ||
           strcmp(name, "vnet.interface") == 0 || strcmp(name, "zfs.dataset") == 0;
}

static bool accumulates(const struct vj_param_def *d)
{
    return d->type == PT_LIST || d->type == PT_CMD || d->type == PT_IP4 || d->type == PT_IP6;
}

static struct vj_cval literal(const char *s)
{
    struct vj_cval v = {.segs = xcalloc(1, sizeof(struct vj_cseg)), .nsegs = 1};
    v.segs[0].text = xstrdup(s);
    return v;
}

static int add(struct vj_cjail *j, const char *name, const char **vals, size_t n, bool append,
               vj_error_t *err)
{
    struct vj_cstmt st = {.name = (char *)name, .op = n == 0 ? CST_BARE : append ? CST_APPEND : CST_SET};
    st.vals = xcalloc(n + 1, sizeof *st.vals);
    st.nvals = n;
    for (size_t i = 0; i < n; i++)
        st.vals[i] = literal(vals[i]);
    int r = vj_cjail_apply(j, &st, err);
    for (size_t i = 0; i < n; i++)
        vj_cval_clear(&st.vals[i]);
    free(st.vals);
    return r;
}

int vj_conf_from_args(int argc, char **argv, struct vj_conf **out, vj_error_t *err)
{
    struct vj_conf *conf = xcalloc(1, sizeof *conf);
    conf->priv = vj_craw_new();
    conf->jails = xcalloc(1, sizeof *conf->jails);
    conf->njails = 1;
    struct vj_cjail *j = &conf->jails[0];
    j->cmdline = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "command", 7) == 0 && (arg[7] == '\0' || arg[7] == '=')) {
            /* The rest of argv is the command's argument vector. */
            const char **vals = xcalloc((size_t)argc + 1, sizeof *vals);
            size_t n = 0;
            if (arg[7] == '=')
                vals[n++] = arg + 8;
            for (i++; i < argc; i++)
                vals[n++] = argv[i];
            int r = add(j, "command", vals, n, true, err);
            free(vals);
            if (r < 0)
                goto fail;
            break;
        }
        const char *eq = strchr(arg, '=');
        cleanup_free char *name = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
        const struct vj_param_def *def = param_lookup(name, NULL);
        if (!def) {
            vj_error_make(err, 0, "unknown parameter \"%s\"", name);
            goto fail;
        }
        if (def->flags & PF_RDONLY) {
            vj_error_make(err, 0, "%s: read-only parameter", name);
            goto fail;
        }
        int r;
        if (!eq) {
            r = add(j, name, NULL, 0, false, err);
        } else if (split_list(def->name)) {
            cleanup_free char *copy = xstrdup(eq + 1);
            const char **vals = xcalloc(strlen(copy) + 2, sizeof *vals);
            size_t n = 0;
            for (char *s = copy;; ) {
                char *c = strchr(s, ',');
                if (c)
                    *c = '\0';
                vals[n++] = s;
                if (!c)
                    break;
                s = c + 1;
            }
            r = add(j, name, vals, n, true, err);
            free(vals);
        } else {
            const char *v = eq + 1;
            r = add(j, name, &v, 1, accumulates(def), err);
        }
        if (r < 0)
            goto fail;
    }
    const char *nm = vj_cjail_str(j, "name");
    if (!nm)
        nm = vj_cjail_str(j, "jid");
    j->name = nm ? xstrdup(nm) : NULL;
    *out = conf;
    return 0;
fail:
    vj_conf_free(conf);
    return -1;
}

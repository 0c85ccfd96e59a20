/*
 * Which configured jails a jail(8) command line names: none = all of
 * them, a name = that jail, a wildcard (`*`, `foo.*`) = every match.
 * Names that match nothing are returned as targets for the engine, which
 * looks them up among the running jails (a number is a jid there).
 */
#include "vjail.h"

#include <string.h>

void vj_conf_select(struct vj_conf *conf, char **names, size_t n, bool wild_targets,
                    struct vj_selection *out)
{
    memset(out, 0, sizeof *out);
    out->jails = xcalloc(conf->njails + 1, sizeof *out->jails);
    out->targets = xcalloc(n + 1, sizeof *out->targets);
    if (n == 0) {
        out->wild = true;
        for (size_t k = 0; k < conf->njails; k++)
            out->jails[out->njails++] = &conf->jails[k];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool wild = vj_wild_name(names[i]), found = false;
        out->wild |= wild;
        for (size_t k = 0; k < conf->njails; k++) {
            struct vj_cjail *j = &conf->jails[k];
            if (!(wild ? vj_wild_match(names[i], j->name) : strcmp(names[i], j->name) == 0))
                continue;
            found = true;
            bool dup = false;
            for (size_t s = 0; s < out->njails; s++)
                dup |= out->jails[s] == j;
            if (!dup)
                out->jails[out->njails++] = j;
        }
        if (!found && (!wild || wild_targets))
            out->targets[out->ntargets++] = names[i];
    }
}

void vj_selection_clear(struct vj_selection *s)
{
    free(s->jails);
    free(s->targets);
    memset(s, 0, sizeof *s);
}

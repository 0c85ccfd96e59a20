/* STUB, replaced by the engine work: the create/modify/remove state machine. */
#include "vjail.h"

int vj_run(struct vj_conf *conf, struct vj_cjail **sel, size_t nsel, char **targets,
           size_t ntargets, const struct vj_opts *opts)
{
    fprintf(stderr, "jail: operation not implemented yet\n");
    return 1;
}

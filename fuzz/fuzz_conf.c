/*
 * libFuzzer harness for the configuration code: jail.conf parsing,
 * merging, expansion and printing, and command-line parameters.
 *   make fuzz                       build $(BUILD)/fuzz/fuzz_conf
 *   make fuzz-run FUZZ_SECONDS=60   bounded run on fuzz/corpus
 */
#include "vjail.h"

#include <string.h>

static FILE *sink;

static void exercise(struct vj_conf *conf, int jid)
{
    for (size_t i = 0; i < conf->njails; i++) {
        struct vj_cjail *j = &conf->jails[i];
        vj_error_t err = NULL;
        if (vj_conf_expand(j, jid, &err) < 0) {
            vj_error_release(&err);
            continue;
        }
        vj_conf_print_jail(sink, j, i % 2 ? "" : "\t");
        vj_cjail_bool(j, "persist", false);
        vj_cjail_int(j, "stop.timeout", 10);
        if (j->depend)
            for (char **d = j->depend; *d; d++)
                vj_wild_match(*d, j->name ? j->name : "");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sink) {
        sink = fopen("/dev/null", "w");
        vj_conf_allow_include = false; /* never read files chosen by the input */
    }
    struct vj_conf *conf = NULL;
    vj_error_t err = NULL;
    if (vj_conf_load_buf("fuzz.conf", (const char *)data, size, &conf, &err) == 0) {
        exercise(conf, size % 3 ? (int)size : 0);
        vj_conf_free(conf);
    } else {
        vj_error_release(&err);
    }

    /* The same bytes as command-line arguments, one per line. */
    char *copy = xstrndup((const char *)data, size);
    char *argv[64];
    int argc = 0;
    for (char *s = copy, *nl; argc < 64 && *s; s = nl + 1) {
        nl = strchr(s, '\n');
        argv[argc++] = s;
        if (!nl)
            break;
        *nl = '\0';
    }
    if (vj_conf_from_args(argc, argv, &conf, &err) == 0) {
        exercise(conf, 3);
        vj_conf_free(conf);
    } else {
        vj_error_release(&err);
    }
    free(copy);
    return 0;
}

/*
 * jls(8): list jails.  Thin command: options here, formatting in
 * src/lib/jls_format.c, the jail list from the registry.
 */
#include "vjail.h"

#include <getopt.h>
#include <string.h>

static void usage(void)
{
    /* FreeBSD prints it through xo_errx, hence the "jls: " prefix. */
    fprintf(stderr, "jls: usage: jls [-dhNnqv] [-j jail] [param ...]\n");
    exit(1);
}

int main(int argc, char **argv)
{
    vj_progname = "jls";
    cleanup_error vj_error_t err = NULL;
    enum vj_xo_style style = VJ_XO_TEXT;
    unsigned xoflags = 0;
    if (vj_xo_parse_args(&argc, argv, &style, &xoflags, &err) < 0) {
        vj_error_print(&err, "jls");
        return 1;
    }

    unsigned pflags = 0;
    bool dying = false, check = false;
    const char *jname = NULL;
    int c;
    opterr = 0; /* BSD wording below */
    /* "+": options end at the first parameter name, as on FreeBSD. */
    while ((c = getopt(argc, argv, "+:acdj:hNnqsv")) != -1) {
        switch (c) {
        case 'a': /* undocumented synonym of -d */
        case 'd':
            dying = true;
            break;
        case 'c':
            check = true;
            break;
        case 'j':
            jname = optarg;
            break;
        case 'h':
            pflags = (pflags & ~(unsigned)(VJ_JLS_SKIP | VJ_JLS_VERBOSE)) | VJ_JLS_HEADER;
            break;
        case 'N':
            pflags |= VJ_JLS_JAIL_NAME;
            break;
        case 'n':
            pflags = (pflags & ~(unsigned)VJ_JLS_VERBOSE) | VJ_JLS_NAMEVAL;
            break;
        case 'q':
            pflags |= VJ_JLS_QUOTED;
            break;
        case 's':
            pflags = (pflags & ~(unsigned)(VJ_JLS_HEADER | VJ_JLS_VERBOSE)) | VJ_JLS_NAMEVAL |
                     VJ_JLS_QUOTED | VJ_JLS_SKIP;
            break;
        case 'v':
            pflags = (pflags & ~(unsigned)(VJ_JLS_HEADER | VJ_JLS_NAMEVAL | VJ_JLS_SKIP)) |
                     VJ_JLS_VERBOSE;
            break;
        case ':':
            fprintf(stderr, "%s: option requires an argument -- %c\n", vj_progname, optopt);
            usage();
            break;
        default:
            fprintf(stderr, "%s: illegal option -- %c\n", vj_progname, optopt);
            usage();
        }
    }

    struct vj_jls *q = NULL;
    if (vj_jls_new(pflags, argv + optind, (size_t)(argc - optind), &q, &err) < 0) {
        vj_error_print(&err, "jls");
        return 1;
    }

    struct vj_jail *all = NULL, one = {0};
    size_t nall = 0;
    int status = 0;
    if (vj_registry_list(&all, &nall, dying, &err) < 0) {
        vj_error_print(&err, "jls");
        status = 1;
        goto out;
    }
    if (jname && vj_registry_find(jname, dying, &one, &err) < 0) {
        if (check)
            vj_error_release(&err);
        else
            vj_error_print(&err, "jls");
        status = 1;
        goto out;
    }
    if (check) {
        /* -c: only the exit status tells whether the jail (any jail
         * without -j) exists. */
        status = jname || nall > 0 ? 0 : 1;
        goto out;
    }

    struct vj_xo *xo = vj_xo_new(stdout, style, xoflags);
    vj_xo_set_version(xo, "2");
    vj_jls_header(q, xo);
    vj_xo_open_container(xo, "jail-information");
    vj_xo_open_list(xo, "jail");
    if (jname)
        vj_jls_print(q, xo, &one, all, nall);
    else
        for (size_t i = 0; i < nall; i++)
            vj_jls_print(q, xo, &all[i], all, nall);
    if (vj_xo_finish(xo, &err) < 0) {
        vj_error_print(&err, "jls");
        status = 1;
    }
    vj_xo_free(xo);
out:
    vj_jail_clear(&one);
    vj_jail_list_free(all, nall);
    vj_jls_free(q);
    return status;
}

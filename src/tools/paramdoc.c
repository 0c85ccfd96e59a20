/*
 * paramdoc: print the parameter table (src/lib/params.c) as an mdoc
 * tag list, spliced into jail(8) at the `.\" @PARAMETERS@` line.
 */
#include "vjail.h"

#include <string.h>

static const char *type_name(enum vj_ptype t)
{
    switch (t) {
    case PT_BOOL: return "boolean";
    case PT_INT: return "integer";
    case PT_UINT: return "unsigned integer";
    case PT_STRING: return "string";
    case PT_LIST: return "list";
    case PT_CMD: return "command list";
    case PT_IP4: return "list of IPv4 addresses";
    case PT_IP6: return "list of IPv6 addresses";
    case PT_JAILSYS: return "inherit, new or disable";
    }
    return "value";
}

/* Escape text for a mdoc text line: a leading dot or quote, backslashes. */
static void text(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else
            putchar(*s);
    }
}

int main(void)
{
    puts(".Bl -tag -width indent");
    for (size_t i = 0; i < vj_nparams; i++) {
        const struct vj_param_def *d = &vj_params[i];
        if (d->flags & PF_PREFIX)
            printf(".It Va %sKEY\n", d->name);
        else
            printf(".It Va %s\n", d->name);
        printf("(%s", type_name(d->type));
        if (d->flags & PF_PSEUDO)
            fputs(", jail(8) only", stdout);
        if (d->flags & PF_CREATE)
            fputs(", create-only", stdout);
        if (d->flags & PF_RDONLY)
            fputs(", read-only", stdout);
        if (d->flags & PF_DEPRECATED)
            fputs(", deprecated", stdout);
        if (d->flags & PF_NOTYET)
            fputs(", not implemented yet", stdout);
        if (d->flags & PF_NOLINUX)
            fputs(", no Linux meaning", stdout);
        if (d->defval)
            printf(", default %s", *d->defval ? d->defval : "empty");
        puts(")");
        char *descr = xasprintf("%c%s.", d->descr[0] >= 'a' && d->descr[0] <= 'z'
                                             ? d->descr[0] - 'a' + 'A' : d->descr[0],
                                d->descr + 1);
        text(descr);
        putchar('\n');
        free(descr);
        if (d->linux_note) {
            fputs("On Linux: ", stdout);
            text(d->linux_note);
            puts(".");
        }
    }
    puts(".El");
    return ferror(stdout) ? 1 : 0;
}

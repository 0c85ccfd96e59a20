/*
 * rctl(8) rules: FreeBSD's text form subject:subject-id:resource:action=
 * amount/per, parsing (rules and filters), printing, matching, FreeBSD's
 * validity rules (kern_rctl.c rctl_rule_add) and the narrower set vjail
 * can honour on Linux (vj_rctl_rule_supported).
 */
#include "vjail.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

/* FreeBSD's racct_types[] flags. */
#define RF_DENIABLE 0x1
#define RF_DECAYING 0x2
#define RF_SLOPPY 0x4

static const struct {
    const char *name;
    unsigned flags;
} resources[VJ_RR_N] = {
    [VJ_RR_CPUTIME] = {"cputime", 0},
    [VJ_RR_DATASIZE] = {"datasize", RF_DENIABLE},
    [VJ_RR_STACKSIZE] = {"stacksize", RF_DENIABLE},
    [VJ_RR_COREDUMPSIZE] = {"coredumpsize", RF_DENIABLE},
    [VJ_RR_MEMORYUSE] = {"memoryuse", 0}, /* deny allowed all the same */
    [VJ_RR_MEMORYLOCKED] = {"memorylocked", RF_DENIABLE},
    [VJ_RR_MAXPROC] = {"maxproc", RF_DENIABLE},
    [VJ_RR_OPENFILES] = {"openfiles", RF_DENIABLE},
    [VJ_RR_VMEMORYUSE] = {"vmemoryuse", RF_DENIABLE},
    [VJ_RR_PSEUDOTERMINALS] = {"pseudoterminals", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_SWAPUSE] = {"swapuse", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_NTHR] = {"nthr", RF_DENIABLE},
    [VJ_RR_MSGQQUEUED] = {"msgqqueued", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_MSGQSIZE] = {"msgqsize", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_NMSGQ] = {"nmsgq", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_NSEM] = {"nsem", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_NSEMOP] = {"nsemop", RF_DENIABLE},
    [VJ_RR_NSHM] = {"nshm", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_SHMSIZE] = {"shmsize", RF_DENIABLE | RF_SLOPPY},
    [VJ_RR_WALLCLOCK] = {"wallclock", 0},
    [VJ_RR_PCPU] = {"pcpu", RF_DECAYING | RF_DENIABLE},
    [VJ_RR_READBPS] = {"readbps", RF_DECAYING},
    [VJ_RR_WRITEBPS] = {"writebps", RF_DECAYING},
    [VJ_RR_READIOPS] = {"readiops", RF_DECAYING},
    [VJ_RR_WRITEIOPS] = {"writeiops", RF_DECAYING},
};

static const char *const subjects[] = {
    [VJ_RS_PROCESS] = "process", [VJ_RS_USER] = "user",
    [VJ_RS_LOGINCLASS] = "loginclass", [VJ_RS_JAIL] = "jail",
};

static const char *const actions[] = {
    [VJ_RA_DENY] = "deny", [VJ_RA_LOG] = "log", [VJ_RA_DEVCTL] = "devctl",
    [VJ_RA_THROTTLE] = "throttle", [VJ_RA_SIG] = "sig",
};

/* FreeBSD's signal actions (kern_rctl.c actionnames), in its order.
 * sigemt, siginfo and sigthr have no Linux signal: refused when added. */
static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"sighup", SIGHUP},     {"sigint", SIGINT},       {"sigquit", SIGQUIT},
    {"sigill", SIGILL},     {"sigtrap", SIGTRAP},     {"sigabrt", SIGABRT},
    {"sigemt", 0},          {"sigfpe", SIGFPE},       {"sigkill", SIGKILL},
    {"sigbus", SIGBUS},     {"sigsegv", SIGSEGV},     {"sigsys", SIGSYS},
    {"sigpipe", SIGPIPE},   {"sigalrm", SIGALRM},     {"sigterm", SIGTERM},
    {"sigurg", SIGURG},     {"sigstop", SIGSTOP},     {"sigtstp", SIGTSTP},
    {"sigchld", SIGCHLD},   {"sigttin", SIGTTIN},     {"sigttou", SIGTTOU},
    {"sigio", SIGIO},       {"sigxcpu", SIGXCPU},     {"sigxfsz", SIGXFSZ},
    {"sigvtalrm", SIGVTALRM}, {"sigprof", SIGPROF},   {"sigwinch", SIGWINCH},
    {"siginfo", 0},         {"sigusr1", SIGUSR1},     {"sigusr2", SIGUSR2},
    {"sigthr", 0},
};
#define NSIGNALS (sizeof signals / sizeof signals[0])

const char *vj_rctl_resource_name(int r)
{
    return r >= 0 && r < VJ_RR_N ? resources[r].name : "?";
}

const char *vj_rctl_subject_name(int s)
{
    return s > 0 && s <= VJ_RS_JAIL ? subjects[s] : "";
}

int vj_rctl_resource_lookup(const char *name)
{
    for (int i = 0; i < VJ_RR_N; i++)
        if (strcasecmp(name, resources[i].name) == 0)
            return i;
    return -1;
}

static int subject_lookup(const char *s)
{
    /* rctl(8)'s abbreviations first, then the kernel's names. */
    static const struct {
        const char *abbr;
        int subject;
    } abbr[] = {{"u", VJ_RS_USER},       {"p", VJ_RS_PROCESS},    {"l", VJ_RS_LOGINCLASS},
                {"c", VJ_RS_LOGINCLASS}, {"class", VJ_RS_LOGINCLASS}, {"j", VJ_RS_JAIL}};
    for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++)
        if (strcasecmp(s, abbr[i].abbr) == 0)
            return abbr[i].subject;
    for (int i = VJ_RS_PROCESS; i <= VJ_RS_JAIL; i++)
        if (strcasecmp(s, subjects[i]) == 0)
            return i;
    return -1;
}

static int action_lookup(const char *s, int *sig)
{
    *sig = 0;
    for (int i = VJ_RA_DENY; i <= VJ_RA_THROTTLE; i++)
        if (strcasecmp(s, actions[i]) == 0)
            return i;
    for (size_t i = 0; i < NSIGNALS; i++)
        if (strcasecmp(s, signals[i].name) == 0) {
            *sig = (int)i;
            return VJ_RA_SIG;
        }
    return -1;
}

/* expand_number(3): a decimal number with an optional k, m, g, t, p or e
 * suffix (powers of 1024, either case), optionally followed by b/B; a
 * bare b/B is bytes.  Overflow and anything else: -1. */
int vj_rctl_expand_number(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -1;
    unsigned shift = 0;
    const char *units = "kmgtpe";
    const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
    if (u) {
        shift = 10 * (unsigned)(u - units + 1);
        end++;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* humanize_number(3) with HN_AUTOSCALE | HN_DECIMAL | HN_NOSPACE and no
 * suffix into `len` bytes, as rctl -h prints: at most len-2 digits and a
 * prefix, powers of 1024 ("2048M", "10G", "20"). */
void vj_rctl_humanize(char *buf, size_t len, int64_t value)
{
    static const char pfx[] = "\0KMGTPE";
    if (value < 0 || len < 3) {
        snprintf(buf, len, "%" PRId64, value);
        return;
    }
    const uint64_t divisor = 1024, deci = 102;
    uint64_t max = 1;
    for (size_t i = len - 2; i-- > 0;)
        max *= 10;
    uint64_t q = (uint64_t)value, rem = 0;
    int i = 0;
    /* Divide until it fits, once more if rounding would overflow. */
    while ((q >= max || (q == max - 1 && (rem >= deci || rem >= divisor / 2))) && i < 6) {
        rem = q % divisor;
        q /= divisor;
        i++;
    }
    char p[2] = {pfx[i], '\0'};
    if (i > 0 && ((q == 9 && rem < deci) || q < 9)) {
        uint64_t t = (rem * 10 + divisor / 2) / divisor;
        snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%s", q + t / 10, t % 10, p);
    } else
        snprintf(buf, len, "%" PRIu64 "%s", q + (rem + divisor / 2) / divisor, p);
}

void vj_rctl_rule_clear(struct vj_rctl_rule *r)
{
    free(r->id);
    memset(r, 0, sizeof *r);
}

static void rule_init(struct vj_rctl_rule *r)
{
    memset(r, 0, sizeof *r);
    r->resource = -1;
    r->action = -1;
    r->amount = -1;
}

/*
 * Parse the way FreeBSD does (rctl.c expand_rule + kern_rctl.c
 * rctl_string_to_rule): split on ':' ':' ':' then "=/" then "/".  Empty
 * fields are undefined (a filter).  Messages name the wrong part.
 */
int vj_rctl_rule_parse(const char *text, struct vj_rctl_rule *r, vj_error_t *err)
{
    rule_init(r);
    cleanup_free char *copy = xstrdup(text);
    char *rest = copy;
    char *subject = strsep(&rest, ":");
    char *id = strsep(&rest, ":");
    if (!id)
        return vj_error_make(err, 0, "malformed rule '%s': missing subject", text);
    char *resource = strsep(&rest, ":");
    char *action = strsep(&rest, "=/");
    char *amount = strsep(&rest, "/");
    char *per = rest;

    if (*subject) {
        r->subject = subject_lookup(subject);
        if (r->subject < 0) {
            r->subject = 0;
            return vj_error_make(err, 0, "malformed rule '%s': unknown subject '%s'", text,
                                 subject);
        }
    }
    if (*id) {
        if (!r->subject)
            return vj_error_make(err, 0, "malformed rule '%s': subject-id '%s' without a subject",
                                 text, id);
        for (const char *c = id; *c; c++)
            if (!isgraph((unsigned char)*c))
                return vj_error_make(err, 0, "malformed rule '%s': invalid subject-id '%s'",
                                     text, id);
        r->id = xstrdup(id);
    }
    if (resource && *resource) {
        r->resource = vj_rctl_resource_lookup(resource);
        if (r->resource < 0)
            return vj_error_make(err, 0, "malformed rule '%s': unknown resource '%s'", text,
                                 resource);
    }
    if (action && *action) {
        r->action = action_lookup(action, &r->sig);
        if (r->action < 0)
            return vj_error_make(err, 0, "malformed rule '%s': unknown action '%s'", text,
                                 action);
    }
    if (amount && *amount) {
        uint64_t v;
        /* FreeBSD keeps cputime, wallclock and pcpu in millionths. */
        bool millions = r->resource == VJ_RR_CPUTIME || r->resource == VJ_RR_WALLCLOCK ||
                        r->resource == VJ_RR_PCPU;
        if (vj_rctl_expand_number(amount, &v) < 0 ||
            v > (uint64_t)(millions ? INT64_MAX / 1000000 : INT64_MAX))
            return vj_error_make(err, 0, "malformed rule '%s': invalid numeric value '%s'", text,
                                 amount);
        r->amount = (int64_t)v;
    }
    if (per && *per) {
        r->per = subject_lookup(per);
        if (r->per < 0) {
            r->per = 0;
            return vj_error_make(err, 0, "malformed rule '%s': unknown per '%s'", text, per);
        }
    }
    return 0;
}

bool vj_rctl_rule_is_filter(const struct vj_rctl_rule *r)
{
    return !r->subject || !r->id || r->resource < 0 || r->action < 0 || r->amount < 0;
}

/* FreeBSD's checks when a rule is added (rctl_rule_fully_specified and
 * rctl_rule_add): EINVAL / EOPNOTSUPP with the reason. */
int vj_rctl_rule_check(struct vj_rctl_rule *r, const char *text, vj_error_t *err)
{
    static const char *const part[] = {"subject", "subject-id", "resource", "action",
                                       "amount"};
    int missing = !r->subject ? 0 : !r->id ? 1 : r->resource < 0 ? 2 : r->action < 0 ? 3
                : r->amount < 0 ? 4 : -1;
    if (missing >= 0)
        return vj_error_make(err, 0, "malformed rule '%s': missing %s", text, part[missing]);
    if (!r->per)
        r->per = r->subject;
    unsigned fl = resources[r->resource].flags;
    if (r->action == VJ_RA_DENY && !(fl & RF_DENIABLE) && r->resource != VJ_RR_MEMORYUSE)
        return vj_error_make(err, 0,
                             "failed to add rule '%s': action 'deny' is not supported for "
                             "resource '%s'",
                             text, resources[r->resource].name);
    if (r->action == VJ_RA_THROTTLE && (!(fl & RF_DECAYING) || r->resource == VJ_RR_PCPU))
        return vj_error_make(err, 0,
                             "failed to add rule '%s': action 'throttle' is not supported for "
                             "resource '%s'",
                             text, resources[r->resource].name);
    if (r->per == VJ_RS_PROCESS && (fl & RF_SLOPPY))
        return vj_error_make(err, 0,
                             "failed to add rule '%s': resource '%s' cannot be accounted per "
                             "process",
                             text, resources[r->resource].name);
    return 0;
}

bool vj_rctl_rule_matches(const struct vj_rctl_rule *r, const struct vj_rctl_rule *f)
{
    if (f->subject && f->subject != r->subject)
        return false;
    if (f->id && (!r->id || strcmp(f->id, r->id) != 0))
        return false;
    if (f->resource >= 0 && f->resource != r->resource)
        return false;
    if (f->action >= 0 && (f->action != r->action || (f->action == VJ_RA_SIG && f->sig != r->sig)))
        return false;
    if (f->amount >= 0 && f->amount != r->amount)
        return false;
    if (f->per && f->per != r->per)
        return false;
    return true;
}

const char *vj_rctl_action_name(const struct vj_rctl_rule *r)
{
    if (r->action == VJ_RA_SIG)
        return signals[r->sig].name;
    return r->action >= 0 && r->action <= VJ_RA_THROTTLE ? actions[r->action] : "";
}

int vj_rctl_rule_signal(const struct vj_rctl_rule *r)
{
    return r->action == VJ_RA_SIG ? signals[r->sig].sig : 0;
}

char *vj_rctl_rule_format(const struct vj_rctl_rule *r, bool human)
{
    char amount[32];
    if (human)
        vj_rctl_humanize(amount, 6, r->amount);
    else
        snprintf(amount, sizeof amount, "%" PRId64, r->amount);
    struct vj_buf b = {0};
    buf_printf(&b, "%s:%s:%s:%s=%s", vj_rctl_subject_name(r->subject), r->id ? r->id : "",
               vj_rctl_resource_name(r->resource), vj_rctl_action_name(r), amount);
    if (r->per && r->per != r->subject)
        buf_printf(&b, "/%s", vj_rctl_subject_name(r->per));
    return buf_steal(&b);
}

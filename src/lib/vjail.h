/*
 * vjail private header: the one header of the engine library (libvjail),
 * shared by the thin commands in src/ (jail, jls, jexec).
 *
 * Sections, each owned by one concern (one or a few .c files):
 *   utilities   util.c      cleanup attributes, error object, small helpers
 *   parameters  params.c    the table of every jail parameter
 *   config      conf_*.c    jail.conf(5) parsing, merging, variable expansion
 *   operations  state.c     the create/modify/remove state machine (jail(8))
 *   registry    registry.c  live jails under /run/vjail
 *   engine      engine*.c   namespaces, supervisor, mounts, exec.* commands
 *   security    security.c  capabilities, seccomp, allow.* policy, devfs
 *   users       user.c      -u/-U/-l and exec.*_user credential setup
 */
#ifndef VJAIL_H
#define VJAIL_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* ===================================================================== */
/* utilities (util.c)                                                    */
/* ===================================================================== */

/* crun-style cleanup attributes: every fd and allocation is released on
 * scope exit, so error paths cannot leak. */
void vj_freep(void *p);
void vj_closep(int *fd);
void vj_fclosep(FILE **f);
#define cleanup_free __attribute__((cleanup(vj_freep)))
#define cleanup_close __attribute__((cleanup(vj_closep)))
#define cleanup_fclose __attribute__((cleanup(vj_fclosep)))

/* Move ownership out of a cleanup variable. */
#define vj_steal(p) ({ __typeof__(p) vj_tmp_ = (p); (p) = 0; vj_tmp_; })
#define vj_steal_fd(fd) ({ int vj_tmpfd_ = (fd); (fd) = -1; vj_tmpfd_; })

/*
 * The error object passed up the call chain.  Functions that can fail take
 * `vj_error_t *err` last and return a negative value after filling it in.
 * The message is complete and ready for the user (without the "jail: "
 * program prefix), e.g. `web: mount.devfs: /j/web/dev: No such file or
 * directory`.
 */
struct vj_error_s {
    int status;  /* errno, or 0 */
    char *msg;
};
typedef struct vj_error_s *vj_error_t;

/* Sets *err (if err is not NULL) and returns -1.  When errno_ is non-zero
 * ": strerror(errno_)" is appended. */
int vj_error_make(vj_error_t *err, int errno_, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix an existing error's message: "prefix: old message". Returns -1. */
int vj_error_prefix(vj_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vj_error_release(vj_error_t *err);
/* Print "prog: msg\n" to stderr and release the error. */
void vj_error_print(vj_error_t *err, const char *prog);
#define cleanup_error __attribute__((cleanup(vj_error_release)))

/* Allocation that cannot fail (aborts with a message on ENOMEM). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable string buffer. */
struct vj_buf {
    char *s;
    size_t len, cap;
};
void buf_add(struct vj_buf *b, const char *s, size_t n);
void buf_adds(struct vj_buf *b, const char *s);
void buf_addc(struct vj_buf *b, char c);
void buf_printf(struct vj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the malloc'd string (never NULL) and resets the buffer. */
char *buf_steal(struct vj_buf *b);

/* Write a whole file / read a whole file (NUL-terminated). */
int write_file(const char *path, const char *data, size_t len, int flags, mode_t mode,
               vj_error_t *err);
int read_file(const char *path, char **out, size_t *len, vj_error_t *err);

/* Program name used in messages ("jail", "jls", "jexec"). */
extern const char *vj_progname;

/* ===================================================================== */
/* parameters (params.c)                                                 */
/* ===================================================================== */

enum vj_ptype {
    PT_BOOL,    /* true/false; "X" / "noX" forms */
    PT_INT,     /* signed integer */
    PT_UINT,    /* unsigned integer (host.hostid) */
    PT_STRING,  /* a single string; for lists only the last value counts */
    PT_LIST,    /* list of strings (depend, vnet.interface, mount, ...) */
    PT_CMD,     /* list of commands (exec.*) */
    PT_IP4,     /* list of IPv4 addresses, optional "iface|" and "/mask" */
    PT_IP6,     /* list of IPv6 addresses */
    PT_JAILSYS, /* "inherit" / "new" / "disable"; boolean form allowed */
};

/* Parameter flags. */
#define PF_KERNEL 0x0001   /* a FreeBSD kernel parameter: recorded, shown by jls */
#define PF_CREATE 0x0002   /* create-only: `jail -m` may not change it */
#define PF_RDONLY 0x0004   /* read-only: reported, never set */
#define PF_PSEUDO 0x0008   /* jail(8)-only pseudo parameter, not recorded */
#define PF_VJAIL 0x0010    /* vjail extension, not in FreeBSD */
#define PF_NOLINUX 0x0020  /* accepted, but has no Linux meaning: warning */
#define PF_DEPRECATED 0x0040 /* accepted with a deprecation warning */
#define PF_PREFIX 0x0080   /* name is a prefix: "meta." matches meta.KEY */
#define PF_NOTYET 0x0100   /* known, but not implemented yet: refused clearly */

struct vj_param_def {
    const char *name;   /* canonical name, e.g. "allow.mount" */
    enum vj_ptype type;
    unsigned flags;
    const char *defval; /* default as text, or NULL */
    const char *descr;  /* one line, for the man page and -h style help */
    const char *linux_note; /* how it maps on Linux (man page), or NULL */
};

extern const struct vj_param_def vj_params[];
extern const size_t vj_nparams;

/*
 * Look a parameter name up.  Handles the boolean "no" prefix on the last
 * dotted component ("allow.nomount" -> "allow.mount", *negated = true) and
 * PF_PREFIX entries.  Returns NULL for an unknown name.
 */
const struct vj_param_def *param_lookup(const char *name, bool *negated);

/* Parse a boolean value per FreeBSD: "", "true", "false" (any case), or an
 * integer.  Returns 0/1, or -1 for anything else. */
int param_parse_bool(const char *value);

/* Validate one value of parameter def; on failure sets err with a message
 * naming the parameter and expected type, e.g.
 * `persist: unknown boolean value "maybe"`. */
int param_validate(const struct vj_param_def *def, const char *value, vj_error_t *err);

/* ===================================================================== */
/* config (conf_lex.c conf_parse.c conf_expand.c conf_load.c)            */
/* ===================================================================== */

/* Where a statement came from, for messages: "/etc/jail.conf line 12". */
struct vj_srcloc {
    const char *file; /* interned; lives as long as the vj_conf */
    int line;         /* 0 for the command line */
};

/* One parameter of one jail.  Before expansion values may hold variable
 * references; after vj_conf_expand() they are plain strings. */
struct vj_cparam {
    char *name;                     /* canonical name ("allow.mount") */
    const struct vj_param_def *def; /* NULL: a $variable (never passed on) */
    char **values;                  /* NULL-terminated; empty for `name;` */
    size_t nvalues;
    bool negated;                   /* written "noX" / "allow.noX" */
    bool is_var;                    /* "$x = ..." */
    struct vj_srcloc loc;           /* last statement that set it */
    void *priv;                     /* parser's unexpanded form */
};

struct vj_cjail {
    char *name;              /* block name or name= from the command line */
    struct vj_srcloc loc;    /* where the block starts */
    struct vj_cparam *params;/* merged, in definition order */
    size_t nparams;
    char **depend;           /* resolved names from depend (after expansion) */
    bool expanded;
    bool cmdline;            /* from command-line parameters, not a file */
};

struct vj_conf {
    struct vj_cjail *jails;  /* non-wildcard jails, in file order */
    size_t njails;
    void *priv;              /* arena: interned file names, raw sections */
};

/* Load a jail.conf file ("-" = stdin, shown as STDIN in messages).
 * Parses, follows .include, merges globals/wildcards per jail.  Does not
 * expand variables.  Errors: `FILE line N: ...`. */
int vj_conf_load(const char *path, struct vj_conf **out, vj_error_t *err);
/* Same, from a memory buffer (tests, fuzzing); `name` is used in messages. */
int vj_conf_load_buf(const char *name, const char *buf, size_t len, struct vj_conf **out,
                     vj_error_t *err);
/* Build a one-jail configuration from command-line arguments
 * (name=value / bare name / command=... rest of argv). */
int vj_conf_from_args(int argc, char **argv, struct vj_conf **out, vj_error_t *err);
void vj_conf_free(struct vj_conf *conf);

/*
 * Expand variables of one jail.  jid > 0 is the JID reserved for it, used
 * for ${jid} when the configuration does not fix one; jid <= 0 leaves
 * ${jid} unexpanded (jail -e).  Also validates every value against the
 * parameter table.  Errors name the jail, parameter and file:line.
 */
int vj_conf_expand(struct vj_cjail *j, int jid, vj_error_t *err);

/* Find a parameter of a jail (canonical name). */
struct vj_cparam *vj_cjail_get(const struct vj_cjail *j, const char *name);
/* Convenience accessors on expanded jails. */
const char *vj_cjail_str(const struct vj_cjail *j, const char *name); /* last value or NULL */
bool vj_cjail_bool(const struct vj_cjail *j, const char *name, bool dflt);
long long vj_cjail_int(const struct vj_cjail *j, const char *name, long long dflt);
/* Set (replace) a parameter on a jail, e.g. jid after reservation. */
void vj_cjail_set(struct vj_cjail *j, const char *name, const char *value);

/* Match a jail name against a pattern with "*" components (FreeBSD rules). */
bool vj_wild_match(const char *pattern, const char *name);

/* Quote one value the way jail -e / -J / jls -q print it. */
char *vj_quote_value(const char *v);
/* Print a jail's parameters, `name=value` joined by sep (jail -e, -J). */
void vj_conf_print_jail(FILE *f, const struct vj_cjail *j, const char *sep);

/* ===================================================================== */
/* operations (state.c): what the jail(8) command asks the engine to do  */
/* ===================================================================== */

#define JOP_CREATE 0x01
#define JOP_MODIFY 0x02
#define JOP_REMOVE 0x04

struct vj_opts {
    unsigned ops;        /* JOP_* */
    bool from_file;      /* jails named from a config file */
    bool wild;           /* all jails / wildcard target */
    bool nocfg_remove;   /* -R */
    bool cleanup;        /* -C */
    bool quiet;          /* -q */
    bool verbose;        /* -v */
    bool print_jid;      /* -i */
    bool oldform;        /* old "path hostname ip command" form */
    int limit;           /* -p: max parallel commands, 0 = unlimited */
    FILE *jid_file;      /* -J */
};

/*
 * Run the requested operations on the selected jails of conf, in depend
 * order, printing FreeBSD's messages.  `targets` names what the user gave
 * for removal of jails that are not in conf (names or JIDs), may be NULL.
 * Returns the exit status for jail(8): 0 if every jail succeeded, else 1.
 */
int vj_run(struct vj_conf *conf, struct vj_cjail **sel, size_t nsel, char **targets,
           size_t ntargets, const struct vj_opts *opts);

/* ===================================================================== */
/* registry (registry.c): live jails under /run/vjail                    */
/* ===================================================================== */

/* A live (or dying) jail as recorded by the registry. */
struct vj_jail {
    int jid;
    char *name;              /* full name, "parent.child" for nested jails */
    char *path;              /* root directory as given */
    char *hostname;
    int parent;              /* parent jid, 0 = top level */
    bool dying;              /* removed, still releasing resources */
    pid_t sup_pid;           /* supervisor pid (pid 1 of the jail), host view */
    struct vj_cjail *params; /* recorded (expanded) parameters */
};

/* All jails visible to the caller, sorted by jid.  Dead jails found on
 * the way (supervisor gone) are cleaned up first. */
int vj_registry_list(struct vj_jail **out, size_t *n, bool with_dying, vj_error_t *err);
/* Find by name or jid (a numeric argument is a jid).  Not found:
 * -1 with err = `jail "X" not found` (caller adds its program prefix). */
int vj_registry_find(const char *name_or_jid, bool with_dying, struct vj_jail *out,
                     vj_error_t *err);
void vj_jail_clear(struct vj_jail *j);
void vj_jail_list_free(struct vj_jail *list, size_t n);

/* ===================================================================== */
/* engine (engine_*.c): entering a live jail                             */
/* ===================================================================== */

/* Join every namespace, the cgroup and the root of a live jail (jexec,
 * in-jail exec.* commands).  The pid namespace applies to children, so
 * the caller forks after this; the child then sets up its user and calls
 * vj_policy_apply() before exec. */
int vj_jail_attach(const struct vj_jail *j, vj_error_t *err);

/* ===================================================================== */
/* users (user.c): credentials and environment for commands              */
/* ===================================================================== */

/* Look a user up in the current root's passwd (call after attach for a
 * jail-side user, before for a host-side one). */
struct vj_user {
    uid_t uid;
    gid_t gid;
    char *name, *home, *shell;
};
int vj_user_lookup(const char *name, struct vj_user *out, vj_error_t *err);
void vj_user_clear(struct vj_user *u);
/* initgroups + setgid + setuid, and USER/HOME/SHELL (FreeBSD setusercontext
 * as far as Linux has it). */
int vj_user_become(const struct vj_user *u, vj_error_t *err);
/* exec.clean / -l: keep TERM, PATH=/bin:/usr/bin:/sbin:/usr/sbin (see man),
 * USER, HOME, SHELL of u (u may be NULL: current user). */
void vj_user_clean_env(const struct vj_user *u);

/* ===================================================================== */
/* security (security.c devfs.c): the policy every jailed process gets   */
/* ===================================================================== */

/* Built from a jail's expanded parameters (allow.*, sysv*, securelevel,
 * devfs_ruleset, enforce_statfs, children.max ...).  The same policy is
 * rebuilt from the registry's record for jexec, so both paths agree. */
struct vj_policy;
int vj_policy_from_jail(const struct vj_cjail *j, struct vj_policy **out, vj_error_t *err);
void vj_policy_free(struct vj_policy *p);
/* CLONE_NEW* flags the policy needs besides mount/uts/pid/cgroup
 * (e.g. CLONE_NEWIPC unless sysv* = inherit). */
int vj_policy_ns_flags(const struct vj_policy *p);
/* Inside the jail's mount namespace, after the root is in place (cwd = new
 * root before pivot_root is fine too): read-only /proc/sys, /sys, masked
 * /proc files ... according to the policy. */
int vj_policy_harden_mounts(const struct vj_policy *p, const char *root, vj_error_t *err);
/* Last step before exec of every jailed process (supervisor, exec.start,
 * command, exec.stop, jexec): capability bounding set, securebits,
 * no_new_privs where required, seccomp filter.  Irreversible. */
int vj_policy_apply(const struct vj_policy *p, vj_error_t *err);
/* Populate a minimal /dev (FreeBSD devfs ruleset semantics mapped onto
 * bind mounts of host device nodes on a tmpfs) at devdir. */
int vj_devfs_mount(const char *devdir, int ruleset, vj_error_t *err);

#endif /* VJAIL_H */

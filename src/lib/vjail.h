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
 *   network     nl_*.c      netlink (libmnl): links, addresses, routes, netns
 *   jls output  jls_*.c     jls(8) formatting, libxo-like emitter, live figures
 *   rctl        rctl_*.c    rctl(8) rules, rule store, cgroup/rlimit enforcement
 *   vnet        vnet_*.c    vnet.interface hand-over, declarative networking, NAT
 */
#ifndef VJAIL_H
#define VJAIL_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
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
/* Append s (taken over) to the NULL-terminated array *v of *n strings. */
void vj_strv_push(char ***v, size_t *n, char *s);
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

/* libexec.c: the directory of vjail's ifconfig/route helpers
 * ($PREFIX/libexec/vjail, or BUILD/libexec in a build tree; VJAIL_LIBEXEC
 * overrides), resolved once, before any namespace change; NULL if none.
 * vj_libexec_path_prepend() puts it first on PATH (exec.* commands,
 * command=, jexec) when it is visible from the caller's root (in a jail:
 * path=/ or a root that contains it) and not first already. */
const char *vj_libexec_dir(void);
void vj_libexec_path_prepend(void);

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
    const struct vj_param_def *def; /* NULL: a $variable (vj_conf_expand
                                     * drops variables from params) */
    char **values;                  /* NULL-terminated; empty for `name;` */
    size_t nvalues;
    bool negated;                   /* written "noX" / "allow.noX" */
    bool is_var;                    /* "$x = ..." */
    struct vj_srcloc loc;           /* last statement that set it */
    void *priv;                     /* parser's unexpanded form */
};

struct vj_cjail {
    char *name;              /* block name or name= (else jid=) from the command
                              * line; NULL for an anonymous command-line jail */
    struct vj_srcloc loc;    /* where the block starts */
    struct vj_cparam *params;/* merged, in definition order */
    size_t nparams;
    char **depend;           /* resolved names from depend (after expansion) */
    bool expanded;
    bool cmdline;            /* from command-line parameters, not a file */
    char *error;             /* merge error (e.g. cannot redefine parameter
                              * "name"), reported by vj_conf_expand: only
                              * this jail fails, as in FreeBSD */
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
/* Release what one jail of a configuration holds (not the struct). */
void vj_cjail_clear(struct vj_cjail *j);

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
/* Append a value to a list parameter (created if absent). */
void vj_cjail_add(struct vj_cjail *j, const char *name, const char *value);

/* Match a jail name against a pattern with "*" components (FreeBSD rules). */
bool vj_wild_match(const char *pattern, const char *name);

/* Quote one value the way jail -e / -J / jls -q print it. */
char *vj_quote_value(const char *v);
/* Print a jail's parameters, `name=value` joined by sep (jail -e, -J),
 * then a newline.  Variables and `jid` are never printed (the -J writer
 * prints "jid=N" and sep first).  An empty sep means: a NUL byte after
 * each parameter and one more NUL instead of the newline. */
void vj_conf_print_jail(FILE *f, const struct vj_cjail *j, const char *sep);
/* The name as written: "allow.nomount" for a negated allow.mount. */
char *vj_cparam_display_name(const struct vj_cparam *p);

/* The jails a command line names (conf_select.c).  No names: every
 * configured jail (wild).  A wildcard name selects every match.  Names
 * that match no configured jail go to `targets` (pointers into names) for
 * the engine to look up among running jails; an unmatched wildcard only
 * when wild_targets (jail -R). */
struct vj_selection {
    struct vj_cjail **jails;
    size_t njails;
    char **targets;
    size_t ntargets;
    bool wild;        /* no names, or a wildcard among them */
};
void vj_conf_select(struct vj_conf *conf, char **names, size_t n, bool wild_targets,
                    struct vj_selection *out);
void vj_selection_clear(struct vj_selection *s);

/* .include is followed unless this is false (the fuzzer turns it off). */
extern bool vj_conf_allow_include;

/* --- config internals, shared by conf_*.c only ------------------------ */

/* One piece of an unexpanded value: literal text or a variable name. */
struct vj_cseg {
    char *text;
    bool is_var;
};
/* One unexpanded value: pieces concatenated. */
struct vj_cval {
    struct vj_cseg *segs;
    size_t nsegs;
};
void vj_cval_clear(struct vj_cval *v);
void vj_cval_copy(struct vj_cval *dst, const struct vj_cval *src);
/* Render with ${var} references kept (messages, unexpanded display). */
char *vj_cval_render(const struct vj_cval *v);

enum vj_cstmt_op { CST_BARE, CST_SET, CST_APPEND };
struct vj_cstmt {
    char *name;           /* without "$" for variables */
    bool is_var;
    enum vj_cstmt_op op;
    struct vj_cval *vals;
    size_t nvals;
    struct vj_srcloc loc;
};
struct vj_csection {
    char *name;           /* jail name, "*" for the global section */
    bool wild;
    struct vj_srcloc loc;
    struct vj_cstmt *stmts;
    size_t nstmts;
};
/* What the parser builds; lives in vj_conf.priv. */
struct vj_craw {
    struct vj_csection **sections; /* file order (2025 parser rules) */
    size_t nsections;
    struct vj_csection *global;    /* the implicit "*" section, or NULL */
    char **files;                  /* interned file names */
    size_t nfiles;
    int include_depth;
};
struct vj_craw *vj_craw_new(void);
void vj_craw_free(struct vj_craw *raw);
const char *vj_craw_intern(struct vj_craw *raw, const char *file);
/* conf_lex.c: the tokenizer. */
enum conf_tok { TOK_EOF, TOK_WORD, TOK_PLEQ, TOK_CHAR };
struct conf_token {
    enum conf_tok type;
    char ch;              /* TOK_CHAR: one of , ; = { } or a stray byte */
    struct vj_cval val;   /* TOK_WORD: the assembled pieces */
    int npieces;          /* lexical pieces the word was made of */
    bool has_var;
    char *raw;            /* source text, for "TOKEN: syntax error" */
    int line;
};
struct conf_lexer {
    const char *file;     /* for messages */
    const char *p, *end;
    int line;
};
int conf_lex(struct conf_lexer *lx, struct conf_token *t, vj_error_t *err);
void conf_token_clear(struct conf_token *t);
/* conf_parse.c: parse one buffer into raw (follows .include). */
int vj_conf_parse(struct vj_craw *raw, const char *file, const char *buf, size_t len,
                  vj_error_t *err);
/* conf_merge.c: build conf->jails from raw (§2.6 precedence). */
int vj_conf_merge(struct vj_conf *conf, vj_error_t *err);
/* Apply one statement to a jail (FreeBSD add_param). */
int vj_cjail_apply(struct vj_cjail *j, const struct vj_cstmt *st, vj_error_t *err);
bool vj_wild_name(const char *name);

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
/* What jail(8) inside live jail parent_jid asks for one of its children
 * (engine_nested.c worker, in the engine mount name space), from
 * name=value arguments with the child's name relative to the parent.
 * flags: the operation, "c" "m" "r" (combined as jail(8)'s -c -m -r),
 * and jail(8)'s options: "q" "v" "i" "C" "R", "w" (wildcard), "f" (the
 * jail comes from a configuration file), "N" (messages name the jail),
 * "A" (announce removals).  Checks: only root's descendants, FreeBSD's
 * children.max (`prison limit exceeded`) and monotonicity
 * (vj_policy_check_child) also for -m, the name made "PARENT.NAME", the
 * parent's root as path; parameters that would act on the host are
 * refused.  Returns jail(8)'s exit status; messages go to stderr. */
int vj_run_child(int parent_jid, const char *flags, char **args, size_t nargs);
struct vj_rec;
/* A live descendant of jail parent_jid by its name relative to it
 * ("child", "child.grandchild").  Not found: `jail "NAME" not found`. */
int vj_child_lookup(int parent_jid, const char *name, struct vj_rec *out, vj_error_t *err);

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
    unsigned long long sup_start; /* its start time (/proc/PID/stat) */
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

/* Engine-internal view of a registry entry (/run/vjail/jails/JID).
 * Every field is recorded *before* the thing it describes is made, so a
 * crash at any point leaves enough to undo it (vj_rec_release). */
#define VJ_RUNDIR "/run/vjail"
enum vj_jstate { JS_CREATING, JS_RUNNING, JS_DYING };
struct vj_rec {
    struct vj_jail j;          /* public part (j.params owned here) */
    enum vj_jstate state;
    char *boot_id;             /* /proc/sys/kernel/random/boot_id at creation */
    pid_t owner;               /* jail(8) creating/removing it, 0 = none */
    unsigned long long owner_start;
    char *cgroup;              /* absolute cgroup v2 directory, or NULL */
    bool persist, temp_persist;
    int mntns_fd;              /* fd held by the supervisor (pidfd_getfd) */
    char **mounts;             /* "TARGET" in creation order (NULL-terminated) */
    size_t nmounts;
    char **aliases;            /* "IFACE ADDR/LEN" added (engine_alias.c) */
    size_t naliases;
    char *symlinks;            /* fdescfs /dev/fd symlink we created, or NULL */
    char *netns_pin;           /* vnet: pinned network namespace (vj_vnet_ns_pin) */
    char *vnet_state;          /* vnet.bridge ...: vj_vnet_state file */
    bool net_returned;         /* (in memory) vj_rec_return_net done */
};
/* Hand vnet.interface back, tear declarative networking down, unpin the
 * network namespace (engine_net.c; idempotent, every removal path). */
void vj_rec_release_net(struct vj_rec *r);
/* Its first step alone: vnet.interface back home, and the names of the
 * links vjail made for the jail freed for a new jail (quick; the links
 * themselves go in vj_rec_release_net). */
void vj_rec_return_net(struct vj_rec *r);
/* Has the jail interfaces to hand back when it ends (vnet.interface, or
 * moved in by hand)? */
bool vj_rec_has_returns(const struct vj_rec *r);
/* In a VNET supervisor: the network namespace it came from, where
 * vnet.interface goes back when it releases its own jail; else -1. */
extern int vj_sup_host_netns;
bool vj_jail_is_vnet(const struct vj_cjail *cj);
/* After creation: pin the netns (vnet.interface, vnet.bridge) and set up
 * declarative networking; then, after exec.created, vj_net_move_in. */
int vj_net_create(struct vj_rec *r, const struct vj_cjail *cj, vj_error_t *err);
int vj_net_move_in(const struct vj_rec *r, const struct vj_cjail *cj, vj_error_t *err);
void vj_rec_clear(struct vj_rec *r);
/* Take the registry lock (flock, exclusive); returns the fd to close. */
int vj_reg_lock(vj_error_t *err);
/* Under the lock: reserve a JID (want > 0: that one) and name for a new
 * jail in state JS_CREATING owned by the caller.  name NULL: the jid. */
int vj_reg_reserve(struct vj_rec *r, int want_jid, const char *name, int parent,
                   vj_error_t *err);
/* Under the lock: write / read / delete one entry (atomic rename). */
int vj_reg_save(const struct vj_rec *r, vj_error_t *err);
int vj_reg_load(int jid, struct vj_rec *r, vj_error_t *err);
void vj_reg_delete(int jid);
/* Is the jail described by r still held by a live process of this boot? */
bool vj_rec_alive(const struct vj_rec *r);
/* Under the lock: all entries (live or not), sorted by jid. */
int vj_reg_load_all(struct vj_rec **out, size_t *n, vj_error_t *err);
/* Under the lock: find a live entry by name or jid (name relative to the
 * caller's jail).  Dead entries met on the way are released.  Returns 0,
 * or -1 with `"X" not found`. */
int vj_reg_lookup(const char *name_or_jid, bool with_dying, struct vj_rec *out,
                  vj_error_t *err);
/* Release everything a dead or dying jail still holds and delete its entry
 * (idempotent; caller holds the lock). */
void vj_rec_reap(struct vj_rec *r);
/* Identity of a process: start time in clock ticks, 0 if it does not exist. */
unsigned long long vj_proc_start(pid_t pid);
/* The JID of the jail the caller runs in (0 = host), its children.max and
 * name, read from /run/vjail/self inside a jail. */
int vj_self_jail(int *jid, int *children_max, char **name);
/* Nested jails: the live descendants of a jail as registry records, each
 * NUL-terminated, names and paths relative to the parent (for jls inside
 * it); and the list a jail(8)/jls inside a jail gets back from them. */
char *vj_registry_export_children(int parent_jid, size_t *len);
/* Live children (direct) of a jail; under the lock or read-only. */
int vj_reg_count_children(int parent_jid);
/* Under the lock: reap every descendant of a jail being released
 * (called by vj_rec_reap). */
void vj_reg_reap_children(int parent_jid);
void vj_cjail_free(struct vj_cjail *j); /* a cjail built by the registry */

/* ===================================================================== */
/* engine (engine_*.c): entering a live jail                             */
/* ===================================================================== */

/* Join every namespace and the root of a live jail (jexec).  The PID
 * namespace applies to children, and the caller stays in its own cgroup:
 * its child is made with vj_jail_fork_into(*cgdir), born in the jail's
 * cgroup (no move between cgroups, which waits for an RCU grace period);
 * the child then sets up its user and calls vj_policy_apply() before exec.
 * *cgdir is the caller's to close. */
int vj_jail_attach(const struct vj_jail *j, int *cgdir, vj_error_t *err);
/* fork(2) into the jail's cgroup, with a cgroup namespace rooted there. */
pid_t vj_jail_fork_into(int cgdir);
/* The same in two steps, to save a process level: begin (in the parent)
 * looks the jail up and joins its PID namespace for the next child only;
 * the parent then forks (its own PID namespace for later children comes
 * back at that fork) and calls vj_jail_attach_end; the child calls
 * vj_jail_attach_finish for the rest.  On a failed begin nothing is
 * changed. */
struct vj_rctl_entry;
struct vj_attach {
    int jid, pidfd, mnt;
    int cgdir;     /* the jail's leaf cgroup, for vj_jail_attach_fork */
    bool in_cgroup; /* set in the child of vj_jail_attach_fork */
    bool in_mntns;  /* likewise: born in the jail's mount namespace */
    struct vj_rctl_entry *rctl; /* likewise: its resource limits, prepared */
    char *cgroup;
};
int vj_jail_attach_begin(const struct vj_jail *j, struct vj_attach *a, vj_error_t *err);
/* The same for a caller that holds the jail's current record (jail(8)
 * running the jail's commands): no registry lookup. */
int vj_jail_attach_begin_rec(const struct vj_rec *r, struct vj_attach *a, vj_error_t *err);
/* fork(2) for the parent after begin: the child starts in the jail's
 * cgroup (clone3 CLONE_INTO_CGROUP; writing cgroup.procs instead costs
 * milliseconds, the kernel waits for an RCU grace period). */
pid_t vj_jail_attach_fork(struct vj_attach *a);
int vj_jail_attach_finish(struct vj_attach *a, vj_error_t *err);
void vj_jail_attach_end(struct vj_attach *a);

/* Child jails managed from inside their parent (engine_nested.c): jail(8)
 * and jexec(8) in a jail with children.max > 0 ask the jail's supervisor
 * over VJ_NESTED_CTL (inside the jail's mount name space only).
 * prepare: supervisor, in the host's mount name space before it makes the
 * jail's (no jailed process exists yet): the engine mount name space its
 * workers run in, holding only what the engine needs (the jail's root,
 * the registry, cgroups, /proc, /dev/null; see engine_nested.c), so that
 * no process of the jail ever shows the host's mount table; returns its
 * fd.  listen: supervisor, before /run/vjail is made read-only; serve:
 * accept and fork a worker per request into engine_mnt (it runs
 * vj_run_child, vj_registry_export_children or a jexec); call: the client
 * (op "RUN FLAGS" with NUL-terminated name=value arguments, or "LIST");
 * exec: jexec's client (key=value items "jail=NAME" "dir=" "clean"
 * "jail_user=" "change_creds" "uid=" "gid=" "user=" "home=" "shell="
 * "groups=G,G" "umask=OCTAL" "env=K=V", an empty item, then the command),
 * passing SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1/2 on; returns the
 * exit status, or -1 with err. */
#define VJ_NESTED_CTL VJ_RUNDIR "/ctl"
int vj_nested_prepare(const char *path, vj_error_t *err);
int vj_nested_listen(vj_error_t *err);
void vj_nested_serve(int lfd, int jid, int engine_mnt);
int vj_nested_call(const char *op, const char *payload, size_t len, char **reply,
                   size_t *rlen, vj_error_t *err);
/* The same from the host to live jail via's supervisor (jail(8) on the
 * host for "via.child"): its socket is reached through the supervisor's
 * root, checked by pidfd, resolved inside that root, and its listening
 * end must be the supervisor's.  via NULL: vj_nested_call. */
int vj_nested_call_via(const struct vj_jail *via, const char *op, const char *payload,
                       size_t len, char **reply, size_t *rlen, vj_error_t *err);
int vj_nested_exec(const char *payload, size_t len, vj_error_t *err);
/* jexec's command once attached to the jail (engine_jexec.c; jexec(8) and
 * the nested worker): signals, -d, -U lookup in the jail, -l environment,
 * no host descriptors, policy, user, then exec cmd (or $SHELL -i). */
struct vj_user;
struct vj_policy;
struct vj_jexec {
    char **cmd;              /* NULL-terminated; empty: the shell */
    const char *workdir;     /* -d, or NULL */
    bool clean;              /* -l */
    const char *jail_user;   /* -U: looked up in the jail, or NULL */
    struct vj_user *u;       /* -u / -l user looked up by the caller */
    bool have_user;          /* *u is filled in */
    bool change_creds;       /* -u or -U: become *u */
    const struct vj_policy *pol;
};
void vj_jexec_exec(const struct vj_jexec *x) __attribute__((noreturn));

/* cgroup v2 (engine_cgroup.c).  Root detected by statfs magic:
 * /sys/fs/cgroup/unified on hybrid machines, else /sys/fs/cgroup. */
const char *vj_cgroup_root(void);
/* Create <root>/vjail/<jid>/jail (and <root>/vjail/sup, shared by every
 * jail's supervisor); sets r->cgroup. */
int vj_cgroup_create(struct vj_rec *r, vj_error_t *err);
/* "<root>/vjail/<jid>" (allocated), or NULL without cgroup v2. */
char *vj_cgroup_path(int jid);
/* "<root>/vjail/sup" (allocated), or NULL without cgroup v2. */
char *vj_cgroup_sup_dir(void);
/* cgroup.kill the jail leaf and wait (bounded) until it is unpopulated. */
void vj_cgroup_kill(const char *cg);
int vj_cgroup_populated(const char *cg); /* 1, 0, or -1 (gone) */
/* SIGTERM every process of the jail (not of child jails); returns count. */
int vj_cgroup_signal(const char *cg, int sig, struct vj_buf *pids);
void vj_cgroup_remove(const char *cg);  /* idempotent */

/* mounts (engine_mounts.c).  Host-side mounts under the jail root, each
 * recorded in the registry before it is made. */
struct vj_mnt {
    char *src, *target, *type, *opts;  /* target: absolute host path */
    const char *param;                 /* "mount", "mount.devfs" ... */
};
/* Build the list of mounts of a jail from mount, mount.fstab, mount.devfs,
 * mount.fdescfs, mount.procfs (FreeBSD's order); checks paths. */
int vj_mounts_plan(const struct vj_cjail *j, struct vj_mnt **out, size_t *n, vj_error_t *err);
void vj_mounts_free(struct vj_mnt *m, size_t n);
int vj_mount_one(const struct vj_cjail *j, const struct vj_mnt *m, vj_error_t *err);
/* Unmount a recorded target if it is still mounted (detach, recursive). */
int vj_umount_target(const char *target, vj_error_t *err);
/* Is a path a mount point (per /proc/self/mountinfo)? */
bool vj_is_mountpoint(const char *path);

/* Interface aliases of ip4.addr/ip6.addr (engine_alias.c): "iface|addr"
 * or the interface parameter.  plan: the list ("IFACE ADDR/LEN", IPv4
 * first); add: one, by netlink; del: one, quietly (idempotent). */
int vj_alias_plan(const struct vj_cjail *j, char ***out, size_t *n, vj_error_t *err);
void vj_alias_list_free(char **l, size_t n);
int vj_alias_add(const char *alias, vj_error_t *err);
/* ip_hostname: the addresses host.hostname resolves to, appended to
 * ip4.addr and ip6.addr (FreeBSD's jail(8)); an error if it resolves to
 * none. */
int vj_ip_hostname(struct vj_cjail *j, vj_error_t *err);
void vj_alias_del(const char *alias);

/* supervisor (engine_supervisor.c): start pid 1 of a new jail, and, while
 * it sets the jail up, the jail's declarative networking (vj_net_create).
 * On success r->j.sup_pid, r->j.sup_start, fds are filled in (caller saves
 * r); on failure what vj_net_create recorded is for the caller's rollback. */
int vj_supervisor_start(struct vj_rec *r, const struct vj_cjail *j, vj_error_t *err);
/* Ask the supervisor to look at the registry again (temp persist cleared). */
void vj_supervisor_poke(const struct vj_rec *r);
/* Under the registry lock, for jail(8) once the temporary persistence is
 * gone: a jail with no process, no child and nothing to hand back
 * (vj_rec_has_returns) is marked dying on its supervisor's behalf, which
 * then releases it (vj_supervisor_signal) without jail(8) waiting. */
bool vj_rec_end_if_empty(struct vj_rec *r);
void vj_supervisor_signal(const struct vj_rec *r);
/* Kill the supervisor (and with it the pid namespace) and wait for it. */
void vj_supervisor_kill(const struct vj_rec *r);

/* commands (engine_exec.c) */
struct vj_cmdctx {
    const struct vj_cjail *cj; /* parameters (exec.clean, users, timeout...) */
    const struct vj_rec *rec;  /* live jail for in-jail commands, else NULL */
    const char *name;          /* jail name for messages */
    bool cfgname;              /* prefix messages with "NAME: " */
    bool verbose;
    int jid;
    const char *path;
};
/* Run one exec.* command string (or argv for command=): in the jail when
 * injail.  Prints FreeBSD's messages; returns 0 or -1. */
int vj_exec_run(const struct vj_cmdctx *c, const char *param, const char *cmd,
                char *const *argv, bool injail);

/* ===================================================================== */
/* users (user.c): credentials and environment for commands              */
/* ===================================================================== */

/*
 * Users are looked up by reading /etc/passwd and /etc/group of the current
 * root directly, never through NSS: after attaching to a jail, glibc's NSS
 * would load modules from the jail's own /lib into a privileged process.
 * So call it after attach for a jail-side user, before for a host-side
 * one.  Not found: `NAME: no such user` (jexec's and jail's message).
 */
struct vj_user {
    uid_t uid;
    gid_t gid;
    char *name, *home, *shell; /* shell "" in passwd becomes /bin/sh */
    gid_t *groups;             /* supplementary groups incl. gid (/etc/group) */
    size_t ngroups;
};
int vj_user_lookup(const char *name, struct vj_user *out, vj_error_t *err);
/* By uid (the current user for -l / exec.clean without a user): error
 * `unknown uid: N`. */
int vj_user_lookup_uid(uid_t uid, struct vj_user *out, vj_error_t *err);
/* The same from the given files; name NULL looks uid up (tests). */
int vj_user_lookup_files(const char *passwd_path, const char *group_path, const char *name,
                         uid_t uid, struct vj_user *out, vj_error_t *err);
void vj_user_clear(struct vj_user *u);
/* setgroups(u->groups) + setgid + setuid, then USER/LOGNAME/HOME/SHELL
 * (FreeBSD's setusercontext as far as Linux has it: no login classes).
 * In a jail: after vj_policy_apply(), which needs root's capabilities. */
int vj_user_become(const struct vj_user *u, vj_error_t *err);
/* exec.clean / -l: empty the environment but TERM, set PATH (FreeBSD's
 * default login class path, see jexec(8)), then USER/LOGNAME/HOME/SHELL of
 * u (u NULL: the current uid looked up in the current root, if found).
 * Does not chdir: callers go to u->home themselves. */
void vj_user_clean_env(const struct vj_user *u);
/* The PATH set by vj_user_clean_env. */
#define VJ_CLEAN_PATH "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"

/* ===================================================================== */
/* security (security*.c devfs.c): the policy every jailed process gets  */
/* ===================================================================== */

/* Built from a jail's expanded parameters (allow.*, sysv*, securelevel,
 * devfs_ruleset, enforce_statfs, children.max, vnet).  The same policy is
 * rebuilt from the registry's record for jexec, so both paths agree.
 * Parameters that cannot be honoured are errors (a sysv* mix of new and
 * inherit, unknown devfs ruleset) or warnings (see below).
 * The mapping is documented in jail(8), section SECURITY. */
enum { VJ_JS_DISABLE = 0, VJ_JS_NEW = 1, VJ_JS_INHERIT = 2 }; /* libjail's jailsys */
enum { VJ_SYSV_MSG, VJ_SYSV_SEM, VJ_SYSV_SHM, VJ_SYSV_N };
#define VJ_CAP(c) (UINT64_C(1) << (c))
struct vj_policy {
    char *jail;             /* jail name, for messages */
    uint64_t keep_caps;     /* VJ_CAP() bits kept in the bounding set */
    int ns_flags;           /* extra CLONE_NEW* flags (IPC) */
    int sysv[VJ_SYSV_N];    /* VJ_JS_* per System V IPC kind */
    int securelevel, enforce_statfs, devfs_ruleset;
    bool vnet, suser, set_hostname, raw_sockets, socket_af, mlock, read_msgbuf,
        proc_debug, settime, adjtime;
    bool mount;             /* allow.mount in effect (enforce_statfs < 2, suser) */
    unsigned mount_fs;      /* VJ_MNT_* allowed with it (allow.mount.<fs>) */
    bool ip4_disabled, ip6_disabled; /* ip4/ip6 = disable: no such sockets */
    struct vj_netaddr *net; /* non-VNET ip4.addr/ip6.addr; NULL: unrestricted */
    char **warnings;        /* NULL-terminated, "JAIL: PARAM: text" */
    size_t nwarnings;
};
/* FreeBSD's IP restriction of a non-VNET jail (security_netaddr.c):
 * VJ_JS_INHERIT (unrestricted), VJ_JS_NEW (only these addresses, the
 * first one for the wildcard, loopback and as source) or VJ_JS_DISABLE
 * (no socket of that family).  Addresses in network byte order. */
#define VJ_NETADDR_MAX 64
struct vj_netaddr {
    int mode4, mode6;
    size_t n4, n6;
    uint32_t a4[VJ_NETADDR_MAX];
    struct in6_addr a6[VJ_NETADDR_MAX];
};
/* From ip4, ip4.addr, ip6, ip6.addr: *out NULL when none is set (both
 * unrestricted); an error for a VNET jail with a restriction. */
int vj_netaddr_parse(const struct vj_cjail *j, bool vnet, const char *jail,
                     struct vj_netaddr **out, vj_error_t *err);
/* The cgroup BPF programs (bind, connect, UDP sendmsg) on a jail's leaf. */
int vj_netaddr_attach(const struct vj_netaddr *na, int cgroup_fd, const char *jail,
                      vj_error_t *err);
/* allow.mount.<fs>, FreeBSD's file system names (vj_policy.mount_fs). */
enum {
    VJ_MNT_DEVFS = 0x01, VJ_MNT_FDESCFS = 0x02, VJ_MNT_FUSEFS = 0x04, VJ_MNT_NULLFS = 0x08,
    VJ_MNT_PROCFS = 0x10, VJ_MNT_LINPROCFS = 0x20, VJ_MNT_LINSYSFS = 0x40,
    VJ_MNT_TMPFS = 0x80, VJ_MNT_ZFS = 0x100,
};
/* "devfs" ... for one VJ_MNT_* bit; NULL for anything else. */
const char *vj_mount_fs_name(unsigned bit);
int vj_policy_from_jail(const struct vj_cjail *j, struct vj_policy **out, vj_error_t *err);
/* A jailsys parameter (vnet, ip4, sysvmsg ...) as VJ_JS_*: "new",
 * "inherit", "disable", libjail's 1, 2, 0, or the boolean form; dflt
 * when it is not set; an unknown value is an error naming it. */
int vj_jailsys_value(const struct vj_cjail *j, const char *name, int dflt, int *out,
                     vj_error_t *err);
void vj_policy_free(struct vj_policy *p);
/* Warnings for parameters without a Linux meaning (never NULL; NULL-
 * terminated).  Print them when a jail is created or modified, not on
 * every jexec: vj_policy_print_warnings prints "jail: TEXT" lines. */
const char *const *vj_policy_warnings(const struct vj_policy *p);
void vj_policy_print_warnings(const struct vj_policy *p, FILE *f);
/* Whether the bounding set keeps capability cap (CAP_* number). */
bool vj_policy_keeps_cap(const struct vj_policy *p, int cap);
/* FreeBSD's rule that a child jail never gets more than its parent:
 * EPERM error naming what the child asks for beyond the parent. */
int vj_policy_check_child(const struct vj_policy *parent, const struct vj_policy *child,
                          vj_error_t *err);
/* Name of a System V IPC kind ("sysvmsg" ...). */
const char *vj_sysv_name(int kind);
/* CLONE_NEW* flags the policy needs besides mount/uts/pid/cgroup
 * (CLONE_NEWIPC unless some sysv* = inherit). */
int vj_policy_ns_flags(const struct vj_policy *p);
/* Create the jail's UTS namespace and move the caller into it, instead of
 * unshare(CLONE_NEWUTS).  With allow.set_hostname the namespace is owned
 * by an otherwise unused user namespace whose owner is uid 0: the kernel
 * then lets jailed root (euid 0) set the hostname without CAP_SYS_ADMIN,
 * which it never has.  Forks a short-lived helper, so call it BEFORE
 * unshare(CLONE_NEWPID) (the helper would become the new pid 1). */
int vj_policy_unshare_uts(const struct vj_policy *p, vj_error_t *err);
/*
 * allow.mount (security_mountd.c).  Called by the supervisor, in the
 * jail's mount namespace once everything vjail mounts there is in place
 * (root, /proc and /sys with their masks, /dev, /run/vjail): that
 * namespace is replaced by a copy owned by a user namespace of the jail's
 * own (identity uid/gid map, owner uid 0).  The kernel locks every mount
 * of the copy (none can be unmounted, moved, bound without what covers
 * it, or made writable, suid, dev or exec), while uid 0 in the jail, as
 * the user namespace's owner, may add and remove mounts of its own there
 * and nowhere else; the jail's processes stay in the host's user
 * namespace.  The caller moves into the copy; *jail_mnt (closed) becomes
 * its fd.  Starts vjail-mountd, a child that mounts new file systems for
 * jailed root (mount(2) with a file system type, which the kernel would
 * refuse it), only the types of allow.mount.<fs>, inside that user
 * namespace; *mountd gets the end of its channel (else -1), which the
 * caller keeps open and, once it has closed every other descriptor it
 * does not need, moves with vj_mountd_publish to the first free number
 * from VJ_MOUNTD_FD on, where jailed processes look for it (pidfd_getfd
 * on pid 1).  Nothing to do (0) without allow.mount.
 */
#define VJ_MOUNTD_FD 100
int vj_policy_mount_ns(const struct vj_policy *p, int *jail_mnt, int *mountd, vj_error_t *err);
void vj_mountd_publish(int mountd);
/* Internal to security*.c: in vj_policy_apply (root, in the jail's PID
 * namespace), vjail-mountd's channel from the jail's pid 1 (-1 if there
 * is none, or the caller is not in an allow.mount jail), then the new
 * filter's listener handed over to it with the allowed VJ_MNT_* (closes
 * chan and listener). */
int vj_mountd_channel(void);
void vj_mountd_hand_over(int chan, int listener, unsigned mount_fs);
/* Inside the jail's mount namespace, after the root and its /proc, /sys
 * (if any) are mounted (before or after pivot_root; root is the jail's
 * root as the caller sees it): /proc/sys, /proc/irq, /proc/bus, /proc/fs,
 * /proc/driver and all of /sys read-only; /proc/kcore, kmsg, keys,
 * timer_list, sysrq-trigger ... masked; /sys/firmware masked.  Does not
 * follow symlinks below root; a /proc or /sys that is not procfs/sysfs is
 * left alone. */
int vj_policy_harden_mounts(const struct vj_policy *p, const char *root, vj_error_t *err);
/* The source of the masks stays open after vj_policy_harden_mounts (its
 * close waits for RCU): its fd, to keep, and its close, once the jail runs. */
int vj_policy_mask_source_fd(void);
void vj_policy_mask_source_close(void);
/* Last step of every jailed process (supervisor, exec.start, command,
 * exec.stop, jexec), right before exec and BEFORE vj_user_become (it needs
 * root's CAP_SETPCAP and CAP_SYS_ADMIN to drop the bounding set and load
 * the seccomp filter without no_new_privs, so setuid programs keep working
 * in the jail): bounding, permitted, effective, inheritable and ambient
 * capability sets, then the seccomp filter.  Irreversible.  The caller
 * must also have closed every host fd and made itself non-dumpable.  With
 * allow.mount the caller must be in the jail's PID namespace: the filter
 * hands mount(2) calls that need vjail-mountd to it, through the channel
 * the jail's pid 1 keeps (vj_mountd_publish). */
int vj_policy_apply(const struct vj_policy *p, vj_error_t *err);
/* Compile p's seccomp filter now (jail(8), while the supervisor sets the
 * jail up); vj_policy_apply in a forked child then loads it as it is. */
int vj_policy_precompile(const struct vj_policy *p, vj_error_t *err);
/* The seccomp filter vj_policy_apply would load, as libseccomp's
 * pseudo-code, written to fd (tests, debugging). */
int vj_policy_export_filter(const struct vj_policy *p, int fd, vj_error_t *err);
/* Populate a minimal /dev at devdir (FreeBSD devfs ruleset semantics, see
 * the man page): a tmpfs with device nodes made from the host side (call
 * before vj_policy_apply, with CAP_MKNOD), a private devpts instance, fd
 * and std* links, and a /dev/shm tmpfs.  devdir's last component must not
 * be a symlink.  ruleset 0..5; anything else is refused.  mount_fs: the
 * policy's (VJ_MNT_FUSEFS adds /dev/fuse when allow.mount is in effect). */
int vj_devfs_mount(const char *devdir, int ruleset, unsigned mount_fs, vj_error_t *err);
/* Limit the devices the jail's processes may open to devfs's set (null,
 * zero, full, random, urandom, tty, ptmx, pts/N), whatever nodes they can
 * see (path=/ shows the host's /dev): a BPF_CGROUP_DEVICE program on the
 * jail's cgroup v2 directory cgroup_fd.  Call once, from the host, on the
 * cgroup every jailed process lives in (not the supervisor's). */
int vj_policy_devices_attach(const struct vj_policy *p, int cgroup_fd, vj_error_t *err);
bool vj_devfs_ruleset_known(int ruleset);

/* ===================================================================== */
/* jls output (jls_emit.c jls_format.c jls_live.c): jls(8)               */
/* ===================================================================== */

/* A small libxo-compatible emitter (no libxo dependency): TEXT output is
 * what vj_xo_text() prints, JSON/XML output is what the encoded calls
 * (vj_xo_str/num/bool/leaf_list) and the open/close calls produce. */
enum vj_xo_style { VJ_XO_TEXT, VJ_XO_JSON, VJ_XO_XML };
#define VJ_XO_PRETTY 0x01
struct vj_xo;
/* Take every "--libxo X", "--libxo=X[,Y]" and "--libxo:LETTERS" out of
 * argv (before "--"); understands text, json, xml, pretty. */
int vj_xo_parse_args(int *argc, char **argv, enum vj_xo_style *style, unsigned *flags,
                     vj_error_t *err);
struct vj_xo *vj_xo_new(FILE *f, enum vj_xo_style style, unsigned flags);
void vj_xo_free(struct vj_xo *xo);
enum vj_xo_style vj_xo_get_style(const struct vj_xo *xo);
void vj_xo_set_version(struct vj_xo *xo, const char *version);
void vj_xo_open_container(struct vj_xo *xo, const char *name);
void vj_xo_open_list(struct vj_xo *xo, const char *name);
void vj_xo_open_instance(struct vj_xo *xo, const char *name);
void vj_xo_close(struct vj_xo *xo); /* closes the innermost open one */
void vj_xo_text(struct vj_xo *xo, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vj_xo_str(struct vj_xo *xo, const char *name, const char *value);
void vj_xo_num(struct vj_xo *xo, const char *name, long long value);
void vj_xo_bool(struct vj_xo *xo, const char *name, bool value);
void vj_xo_leaf_list(struct vj_xo *xo, const char *name, char *const *values, size_t n);
/* Close what is open, end the document, flush; -1 on a write error. */
int vj_xo_finish(struct vj_xo *xo, vj_error_t *err);
/* Escaping used by the emitter (exposed for tests). */
void vj_xo_escape_json(struct vj_buf *b, const char *s);
void vj_xo_escape_xml(struct vj_buf *b, const char *s, bool attr);

/* jls print flags (FreeBSD's PRINT_*). */
#define VJ_JLS_DEFAULT 0x01   /* the JID/IP/Hostname/Path table */
#define VJ_JLS_HEADER 0x02    /* -h */
#define VJ_JLS_NAMEVAL 0x04   /* -n */
#define VJ_JLS_QUOTED 0x08    /* -q */
#define VJ_JLS_SKIP 0x10      /* -s */
#define VJ_JLS_VERBOSE 0x20   /* -v */
#define VJ_JLS_JAIL_NAME 0x40 /* -N */

/*
 * A prepared jls query: the display mode and the columns.  `names` are the
 * parameters the user asked for ("all" expands to every kernel parameter);
 * an unknown one fails with `unknown parameter: X`.  With no names the
 * mode follows the flags like FreeBSD (default table, -v summary, or
 * `all` for -h/-n/-s).
 */
struct vj_jls;
int vj_jls_new(unsigned pflags, char *const *names, size_t nnames, struct vj_jls **out,
               vj_error_t *err);
void vj_jls_free(struct vj_jls *q);
unsigned vj_jls_flags(const struct vj_jls *q);
/* Header line(s) of the mode, text output only. */
void vj_jls_header(const struct vj_jls *q, struct vj_xo *xo);
/* One jail (an instance of the "jail" list).  `all` is every listed jail,
 * for derived values such as children.cur (may be NULL). */
void vj_jls_print(const struct vj_jls *q, struct vj_xo *xo, const struct vj_jail *j,
                  const struct vj_jail *all, size_t nall);
/* The value of one parameter of a live jail as jls shows it (text form,
 * lists joined with ','); NULL when the jail has no value for it. */
char *vj_jls_value(const struct vj_jail *j, const char *name, const struct vj_jail *all,
                   size_t nall);

/*
 * Live figures jls shows beside the registry's record: a jail's rctl usage
 * (`jls -v`, JSON/XML, usage.RESOURCE columns) and, for a VNET jail, the
 * interfaces and addresses of its network namespace.  Each function
 * returns 1 with the data, 0 when the jail has none to show (no cgroup,
 * not VNET, namespace gone, no permission: left out without a message),
 * or -1 with err (jls prints it as a warning and goes on).  usage gets
 * VJ_RR_N entries; links are released with vj_nl_links_free.  The live
 * source reads the jail's cgroup (vj_rctl_usage, VJ_RCTL_NOSAMPLE) and
 * lists the links of /proc/SUP_PID/ns/net (one vj_nl_links call);
 * unit tests plug in fakes.  Fetched at most once per jail and print.
 */
struct vj_nl_link;
struct vj_jls_source {
    int (*usage)(const struct vj_jail *j, int64_t *usage, void *arg, vj_error_t *err);
    int (*links)(const struct vj_jail *j, struct vj_nl_link **out, size_t *n, void *arg,
                 vj_error_t *err);
    void *arg;
};
extern const struct vj_jls_source vj_jls_live_source;
/* The source of a query (default: vj_jls_live_source); src is copied. */
void vj_jls_set_source(struct vj_jls *q, const struct vj_jls_source *src);

/* ===================================================================== */
/* network (nl_*.c): rtnetlink on libmnl                                 */
/* ===================================================================== */

/*
 * One context = one rtnetlink socket bound to one network namespace.  A
 * context for a jail's namespace is opened by a short-lived thread that
 * joins the namespace (setns) and creates the socket there: the process
 * never changes namespace and nothing is forked.
 *
 * Requests are executed at once, or, between vj_nl_batch_begin() and
 * vj_nl_commit(), queued and sent together (one sendmsg, NLM_F_ACK on
 * each, every ack checked).  The kernel executes a batch in order but not
 * atomically: later requests still run after one fails.  The error
 * reported is the first failing request's, named by what it was:
 * `epair3a: create: File exists`.  A kernel without a link kind fails
 * clearly: `vlan: 802.1Q support (8021q) is not available in this kernel`.
 * Interfaces are named by name (or altname); names are checked against
 * Linux's limits (IFNAMSIZ) before anything is sent.  The kernel wants an
 * ifindex for addresses, a master, a parent link and a rename: those calls
 * look it up first, which sends what is queued (its failure is then
 * reported by that call).  So batch link creation and link changes
 * together, then addresses.  A context is not thread-safe; use one per
 * thread.
 */
struct vj_nl;
int vj_nl_open(int netns_fd, struct vj_nl **out, vj_error_t *err); /* -1: caller's */
/* Open a context in the namespace of a file (/run/netns/X, /proc/PID/ns/net). */
int vj_nl_open_path(const char *nspath, struct vj_nl **out, vj_error_t *err);
void vj_nl_close(struct vj_nl *nl);
void vj_nl_closep(struct vj_nl **nl);
#define cleanup_nl __attribute__((cleanup(vj_nl_closep)))
void vj_nl_batch_begin(struct vj_nl *nl);
int vj_nl_commit(struct vj_nl *nl, vj_error_t *err); /* ends the batch */
void vj_nl_discard(struct vj_nl *nl);                 /* drop queued requests */
/* The queued requests as sent to the kernel (unit tests). */
const void *vj_nl_pending(const struct vj_nl *nl, size_t *len);
/* fd of the calling thread's network namespace (to move a link back). */
int vj_nl_self_netns(vj_error_t *err);

/* Addresses: "10.0.0.1/24", "2001:db8::1/64", "fe80::1%eth0" (scope
 * dropped).  family AF_UNSPEC guesses; no "/len": 32 or 128. */
struct vj_nl_prefix {
    int family;          /* AF_INET / AF_INET6 */
    unsigned char len;   /* prefix length */
    unsigned char addr[16];
};
int vj_nl_prefix_parse(const char *s, int family, struct vj_nl_prefix *p, vj_error_t *err);
/* "255.255.255.0" or "0xffffff00" -> 24; -1 if not a contiguous mask. */
int vj_nl_netmask_len(const char *mask);
/* "02:00:00:00:00:01" -> 6 bytes; -1 if malformed. */
int vj_nl_mac_parse(const char *s, unsigned char mac[6]);
/* inet_ntop into buf (INET6_ADDRSTRLEN); "?" for an unknown family. */
const char *vj_nl_ntop(int family, const void *addr, char buf[46]);

/* Link creation.  netns_fd > 0 creates the link directly in that
 * namespace (0 or -1: the context's); a veth's peer has its own, so a
 * jail's end is born inside the jail. */
struct vj_nl_veth {
    const char *name, *peer;
    int netns_fd, peer_netns_fd;
    const unsigned char *mac, *peer_mac;   /* 6 bytes, or NULL */
    unsigned mtu;                          /* 0: default */
};
int vj_nl_veth_create(struct vj_nl *nl, const struct vj_nl_veth *v, vj_error_t *err);
int vj_nl_bridge_create(struct vj_nl *nl, const char *name, const unsigned char *mac,
                        vj_error_t *err);
struct vj_nl_vxlan {
    const char *name;
    uint32_t vni;
    const char *dev;             /* underlying link, or NULL */
    struct vj_nl_prefix local, remote; /* family 0: unset; remote may be multicast */
    uint16_t port;               /* 0: 4789 */
};
int vj_nl_vxlan_create(struct vj_nl *nl, const struct vj_nl_vxlan *v, vj_error_t *err);
/* mode: "bridge" (default), "private", "vepa", "passthru". */
int vj_nl_macvlan_create(struct vj_nl *nl, const char *name, const char *parent,
                         const char *mode, vj_error_t *err);
int vj_nl_vlan_create(struct vj_nl *nl, const char *name, const char *parent, unsigned id,
                      vj_error_t *err);
/* A dummy link (what ifconfig's `loN create` makes). */
int vj_nl_dummy_create(struct vj_nl *nl, const char *name, vj_error_t *err);
int vj_nl_link_delete(struct vj_nl *nl, const char *name, vj_error_t *err);

/* Link changes. */
int vj_nl_link_up(struct vj_nl *nl, const char *name, bool up, vj_error_t *err);
int vj_nl_link_mtu(struct vj_nl *nl, const char *name, unsigned mtu, vj_error_t *err);
/* No IPv6 link-local address (addrgenmode none), set before the link goes
 * up: for a bridge port, which needs no address. */
int vj_nl_link_no_ipv6_ll(struct vj_nl *nl, const char *name, vj_error_t *err);
int vj_nl_link_mac(struct vj_nl *nl, const char *name, const unsigned char mac[6],
                   vj_error_t *err);
int vj_nl_link_rename(struct vj_nl *nl, const char *name, const char *newname,
                      vj_error_t *err);
/* IFLA_IFALIAS (FreeBSD's description); NULL or "" clears it. */
int vj_nl_link_alias(struct vj_nl *nl, const char *name, const char *alias, vj_error_t *err);
int vj_nl_link_altname(struct vj_nl *nl, const char *name, const char *altname, bool add,
                       vj_error_t *err);
/* Enslave to a bridge (master NULL: release from its master). */
int vj_nl_link_master(struct vj_nl *nl, const char *name, const char *master,
                      vj_error_t *err);
/* Move into the namespace netns_fd. */
int vj_nl_link_netns(struct vj_nl *nl, const char *name, int netns_fd, vj_error_t *err);
/* One link by name or altname, without its addresses: 1 found (release
 * with vj_nl_link_clear), 0 none, -1 error. */
int vj_nl_link_get(struct vj_nl *nl, const char *name, struct vj_nl_link *out, vj_error_t *err);
void vj_nl_link_clear(struct vj_nl_link *l);
/* Number of links enslaved to master (0 if it does not exist); a dump
 * the kernel filters, not a listing of every link. */
int vj_nl_link_members(struct vj_nl *nl, const char *master, vj_error_t *err);
/* ifindex of a link (0 with `NAME: no such interface` if missing). */
int vj_nl_ifindex(struct vj_nl *nl, const char *name, vj_error_t *err);

/* Addresses. */
int vj_nl_addr_add(struct vj_nl *nl, const char *name, const struct vj_nl_prefix *p,
                   vj_error_t *err);
int vj_nl_addr_del(struct vj_nl *nl, const char *name, const struct vj_nl_prefix *p,
                   vj_error_t *err);

/* Listing: links with kind, master, peer and addresses. */
struct vj_nl_addr {
    struct vj_nl_prefix p;
    bool has_brd, has_peer;
    unsigned char brd[16], peer[16];
    unsigned char scope;
    uint32_t flags;             /* IFA_F_* */
};
struct vj_nl_link {
    int ifindex;
    char name[16];
    char kind[32];              /* "" for a physical device or lo */
    char slave_kind[32];        /* "bridge" for a bridge port */
    unsigned flags;             /* Linux IFF_* */
    unsigned mtu;
    unsigned short type;        /* ARPHRD_* */
    unsigned char mac[32];
    unsigned maclen;
    int master;                 /* ifindex, 0 = none */
    int link;                   /* peer/parent ifindex, 0 = none */
    bool link_other_ns;         /* that ifindex is in another namespace */
    unsigned char operstate;
    bool carrier;
    char *alias;
    char **altnames;            /* NULL-terminated, or NULL */
    /* bridge port (slave) data, IFLA_BRPORT_* */
    unsigned port_prio, port_cost;
    bool port_learning, port_flood;
    bool port_isolated;
    unsigned port_no, port_id, port_state;   /* STP: number, id, BR_STATE_* */
    unsigned port_dport;                     /* designated port */
    unsigned char port_dbridge[8];           /* designated bridge id */
    /* a bridge's own data (kind "bridge"), IFLA_BR_*; times in seconds;
     * ids: priority (2 bytes, network order), then the MAC */
    struct {
        bool valid;
        unsigned char id[8], root[8];
        unsigned prio, hello, fwddelay, maxage, ageing;
        unsigned stp, root_port, root_cost, max_learned;
    } br;
    struct vj_nl_addr *addrs;
    size_t naddrs;
};
/* All links of the context's namespace, by ifindex, with addresses. */
int vj_nl_links(struct vj_nl *nl, struct vj_nl_link **out, size_t *n, vj_error_t *err);
void vj_nl_links_free(struct vj_nl_link *l, size_t n);
const struct vj_nl_link *vj_nl_link_find(const struct vj_nl_link *l, size_t n,
                                         const char *name);

/* Routes (main table).  dst.len 0 = default; gateway family 0 = none. */
struct vj_nl_route {
    struct vj_nl_prefix dst;
    struct vj_nl_prefix gw;
    char dev[16];               /* output interface ("" = none) */
    unsigned char prefsrc[16];
    bool has_prefsrc;
    unsigned mtu;
    unsigned char type;         /* RTN_* (0: unicast) */
    unsigned char protocol;     /* RTPROT_* (route get) */
    unsigned flags;             /* RTM_F_*, RTNH_F_* */
};
int vj_nl_route_add(struct vj_nl *nl, const struct vj_nl_route *r, vj_error_t *err);
int vj_nl_route_del(struct vj_nl *nl, const struct vj_nl_route *r, vj_error_t *err);
/* The route the kernel would use for `to` (its table entry). */
int vj_nl_route_get(struct vj_nl *nl, const struct vj_nl_prefix *to, struct vj_nl_route *out,
                    vj_error_t *err);

/* The network namespace of a live jail (name or jid), as an O_CLOEXEC fd.
 * A name starting with '/' is a namespace file (/run/netns/X,
 * /proc/PID/ns/net).  ENGINE: jails are not looked up yet (see nl_jail.c);
 * until then `jail "X" not found`. */
int vj_jail_netns_open(const char *jail, vj_error_t *err);

/* Internal to nl_*.c (nl_core.c): start a request (NLM_F_REQUEST|NLM_F_ACK
 * added; kind set for link creation), finish it (sent now unless in a
 * batch), or run a query whose answers go to cb (pending requests are
 * sent first).  cb returns MNL_CB_OK / MNL_CB_ERROR. */
struct nlmsghdr;
typedef int (*nl_cb_t)(const struct nlmsghdr *nlh, void *data);
struct nlmsghdr *nl_req(struct vj_nl *nl, uint16_t type, uint16_t flags, const char *kind,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int nl_req_done(struct vj_nl *nl, vj_error_t *err);
/* Send what is queued now (a query needs it done; its failure is reported
 * at once, not at vj_nl_commit). */
int nl_flush(struct vj_nl *nl, vj_error_t *err);
/* name -> ifindex cache of a context, used within one batch only:
 * emptied by every request that can change which link has a name
 * (create, destroy, rename, move) and by vj_nl_commit. */
int nl_name_cached(const struct vj_nl *nl, const char *name);
void nl_name_cache(struct vj_nl *nl, const char *name, int idx);
void nl_names_changed(struct vj_nl *nl);
int nl_query(struct vj_nl *nl, struct nlmsghdr *req, nl_cb_t cb, void *data, const char *what,
             vj_error_t *err);

/* ===================================================================== */
/* rctl (rctl_*.c): rctl(8) resource limits on cgroups                   */
/* ===================================================================== */

/* FreeBSD's resources, in its order (kern_rctl.c resourcenames). */
enum vj_rctl_res {
    VJ_RR_CPUTIME, VJ_RR_DATASIZE, VJ_RR_STACKSIZE, VJ_RR_COREDUMPSIZE, VJ_RR_MEMORYUSE,
    VJ_RR_MEMORYLOCKED, VJ_RR_MAXPROC, VJ_RR_OPENFILES, VJ_RR_VMEMORYUSE,
    VJ_RR_PSEUDOTERMINALS, VJ_RR_SWAPUSE, VJ_RR_NTHR, VJ_RR_MSGQQUEUED, VJ_RR_MSGQSIZE,
    VJ_RR_NMSGQ, VJ_RR_NSEM, VJ_RR_NSEMOP, VJ_RR_NSHM, VJ_RR_SHMSIZE, VJ_RR_WALLCLOCK,
    VJ_RR_PCPU, VJ_RR_READBPS, VJ_RR_WRITEBPS, VJ_RR_READIOPS, VJ_RR_WRITEIOPS,
    VJ_RR_N
};
enum vj_rctl_subj { VJ_RS_NONE, VJ_RS_PROCESS, VJ_RS_USER, VJ_RS_LOGINCLASS, VJ_RS_JAIL };
enum vj_rctl_act { VJ_RA_DENY, VJ_RA_LOG, VJ_RA_DEVCTL, VJ_RA_THROTTLE, VJ_RA_SIG };

/* One rule or filter.  Undefined fields: subject/per 0, id NULL,
 * resource/action/amount -1.  Amounts in bytes, seconds, percent. */
struct vj_rctl_rule {
    int subject;       /* VJ_RS_* */
    char *id;          /* jail name (or pid, user, class) */
    int resource;      /* VJ_RR_* */
    int action;        /* VJ_RA_* */
    int sig;           /* VJ_RA_SIG: index in the signal table */
    int64_t amount;
    int per;           /* VJ_RS_*; defaults to subject when added */
};
/* Parse a rule or filter; `malformed rule 'TEXT': unknown resource 'x'`. */
int vj_rctl_rule_parse(const char *text, struct vj_rctl_rule *r, vj_error_t *err);
/* FreeBSD's checks for an added rule (all fields, action fits resource,
 * per=process not for sloppy resources); sets per.  text: for messages. */
int vj_rctl_rule_check(struct vj_rctl_rule *r, const char *text, vj_error_t *err);
/* What vjail can enforce on Linux: jail subject, and per resource/action
 * the mappings of rctl(8)'s LINUX section; else a clear error. */
int vj_rctl_rule_supported(const struct vj_rctl_rule *r, const char *text, vj_error_t *err);
bool vj_rctl_rule_is_filter(const struct vj_rctl_rule *r);
bool vj_rctl_rule_matches(const struct vj_rctl_rule *r, const struct vj_rctl_rule *filter);
/* "jail:web:memoryuse:deny=2147483648" ("=2.0G" with human). */
char *vj_rctl_rule_format(const struct vj_rctl_rule *r, bool human);
void vj_rctl_rule_clear(struct vj_rctl_rule *r);
const char *vj_rctl_resource_name(int resource);
int vj_rctl_resource_lookup(const char *name);  /* -1 if unknown */
const char *vj_rctl_subject_name(int subject);
const char *vj_rctl_action_name(const struct vj_rctl_rule *r); /* "deny", "sigterm" */
int vj_rctl_rule_signal(const struct vj_rctl_rule *r); /* Linux signal, 0: none */
/* expand_number(3) and humanize_number(3) as rctl(8) uses them. */
int vj_rctl_expand_number(const char *s, uint64_t *out);
void vj_rctl_humanize(char *buf, size_t len, int64_t value);

/* The rule store (rctl_store.c): /run/vjail/rctl.rules, one rule a line,
 * under flock; forgotten at reboot (boot id) like FreeBSD's.  Rules are
 * keyed by jail name and kept while the jail is down (FreeBSD does the
 * same); rules from a jail's `rctl` parameter go with the jail. */
#define VJ_RCTL_RULES VJ_RUNDIR "/rctl.rules"
/* The store's file (unit tests point it elsewhere: such a store never
 * touches live jails). */
extern const char *vj_rctl_rules_path;
/* Add one rule (rctl -a): parse, check, store, apply to the jail if it is
 * running.  Errors are complete rctl(8) messages. */
int vj_rctl_add(const char *text, vj_error_t *err);
/* Remove every rule matching a filter (rctl -r), un-apply live; ESRCH-style
 * error when nothing matched. */
int vj_rctl_remove(const char *filter, vj_error_t *err);
/* Rules matching a filter (NULL: all), in store order. */
int vj_rctl_list(const struct vj_rctl_rule *filter, struct vj_rctl_rule **out, size_t *n,
                 vj_error_t *err);
void vj_rctl_rules_free(struct vj_rctl_rule *l, size_t n);
/* The `rctl` jail parameter: values are rules without "jail:NAME:"
 * ("memoryuse:deny=2G").  Check them (config time, no side effect) ... */
int vj_rctl_conf_check(const char *jail, char *const *values, size_t n, vj_error_t *err);
/* ... and store them for the jail, replacing its earlier `rctl` rules.
 * Engine: at creation (and jail -m), before vj_rctl_apply_jail; an error
 * ("NAME: rctl: malformed rule ...") fails the jail. */
int vj_rctl_conf_set(const char *jail, char *const *values, size_t n, vj_error_t *err);

/* cgroup mapping (rctl_cgroup.c).  Controllers are looked up per host:
 * cgroup v2 when its root lists it in cgroup.controllers, else a v1
 * hierarchy mounted with it, else none (rules needing it are refused). */
enum vj_cg_ctrl { VJ_CG_MEMORY, VJ_CG_PIDS, VJ_CG_CPU, VJ_CG_IO, VJ_CG_CPUACCT, VJ_CG_N };
struct vj_cg_layout {
    char *v2;                /* cgroup2 mount point, or NULL */
    char *v1[VJ_CG_N];       /* v1 mount point per controller, or NULL */
    bool on_v2[VJ_CG_N];     /* the controller is enabled on v2 */
};
/* From /proc/self/mountinfo text and the v2 root's cgroup.controllers
 * (unit tests pass fakes).  A cgroup2 mount at /sys/fs/cgroup wins over
 * one elsewhere (/sys/fs/cgroup/unified on hybrid hosts). */
void vj_cg_layout_parse(const char *mountinfo, const char *v2_controllers,
                        struct vj_cg_layout *out);
void vj_cg_layout_clear(struct vj_cg_layout *l);
/* This host's layout (computed once). */
const struct vj_cg_layout *vj_cg_layout(void);

/* Engine hooks.  apply: when the jail's cgroup exists (after
 * vj_cgroup_create), before its first process runs; applies every stored
 * rule of `name` (creating v1 cgroups where a controller is only on v1)
 * and moves processes already in the jail's v2 leaf into them; undoes
 * limits whose rules are gone.  An error (a rule this host cannot enforce,
 * "NAME: rctl: ...") should fail the creation.  rctl -a/-r call it for
 * running jails. */
int vj_rctl_apply_jail(const char *name, int jid, vj_error_t *err);
/* On removal (every path, idempotent): removes the v1 cgroups and the
 * jail's `rctl` parameter rules; rules added by rctl -a stay (FreeBSD). */
void vj_rctl_release_jail(const char *name, int jid);
/* Engine: in every process the engine puts into the jail's v2 "jail"
 * leaf (exec.* in the jail, command, jexec; not the supervisor), while it still sees the host's /run and /sys, i.e. before
 * joining the jail's mount namespace (v1 cgroups and rlimits are inherited
 * by what it forks), as root: joins the jail's v1 cgroups and lowers the
 * rlimit-based limits, from /run/vjail/rctl/JID (no lock, no registry).
 * Nothing to do when that file is missing.  Without it, processes started
 * after vj_rctl_apply_jail escape the v1 controllers of hybrid hosts and
 * the rlimit resources (vmemoryuse, openfiles, ...) everywhere. */
int vj_rctl_enter(int jid, vj_error_t *err);
/* The same in two halves: prepared on the host side (descriptors of the
 * jail's v1 cgroups, its rlimits), applied by a child that can no longer
 * see the host's paths (it was born in the jail's mount namespace). */
struct vj_rctl_entry;
struct vj_rctl_entry *vj_rctl_enter_prepare(int jid, vj_error_t *err);
int vj_rctl_enter_apply(const struct vj_rctl_entry *e, vj_error_t *err);
void vj_rctl_entry_free(struct vj_rctl_entry *e);
/* Usage of a jail from its cgroups and processes, FreeBSD's units (bytes,
 * seconds, percent, per-second rates); resources not measured are 0.
 * Samples for 100 ms (pcpu and the I/O rates) unless VJ_RCTL_NOSAMPLE
 * (jls, many jails): then pcpu is the average since the jail started and
 * the I/O rates are 0.  ESRCH error when the jail has no cgroup. */
#define VJ_RCTL_NOSAMPLE 0x1
int vj_rctl_usage(int jid, unsigned flags, int64_t usage[VJ_RR_N], vj_error_t *err);
/* The jail's v2 cgroup holding its processes: <v2>/vjail/JID/jail. */
char *vj_rctl_jail_cgroup(int jid);
/* Internal to rctl_*.c: a jail's stored rules; drop its `rctl` rules. */
int vj_rctl_jail_rules(const char *jail, struct vj_rctl_rule **out, size_t *n,
                       vj_error_t *err);
void vj_rctl_conf_forget(const char *jail);
/* Run-time state: the v1 cgroups made for a jail (/run/vjail/rctl/JID). */
#define VJ_RCTL_STATEDIR VJ_RUNDIR "/rctl"

/* ===================================================================== */
/* vnet (vnet_*.c): vnet.interface hand-over, declarative networking     */
/* ===================================================================== */

/*
 * vnet.interface.  Linux destroys a virtual interface (veth) left in a
 * namespace when the namespace dies, instead of returning it to the host
 * like FreeBSD: so the return must run BEFORE the jail's namespace is
 * released, on every removal path (supervisor exit while it still holds
 * the namespace; crash cleanup through the pinned handle below).
 * move_in moves names[0..n) from the caller's namespace into netns_fd in
 * that order, in one batch; on failure whatever moved goes back and the
 * error names the interface: `vnet.interface: em9: move to namespace: No
 * such device`.  return moves those of names still in netns_fd back to
 * the caller's namespace (call it from the host), last first; interfaces
 * already back or gone are fine (idempotent).  One whose name the host
 * has taken meanwhile comes back as "vjr<ifindex>" (error says so, -1).
 * Interfaces are matched by name: one renamed inside the jail is not
 * found.
 */
int vj_vnet_ifaces_move_in(int netns_fd, char *const *names, size_t n, vj_error_t *err);
int vj_vnet_ifaces_return(int netns_fd, char *const *names, size_t n, vj_error_t *err);
/* Keep a jail's network namespace reachable after its processes died:
 * bind-mount /proc/PID/ns/net on path (created; e.g.
 * /run/vjail/jails/JID/netns), so a crash cleanup can still open it and
 * hand interfaces back.  Pinning the same namespace again is a no-op.
 * unpin unmounts and removes path (idempotent); the namespace dies when
 * nothing else holds it. */
int vj_vnet_ns_pin(pid_t pid, const char *path, vj_error_t *err);
int vj_vnet_ns_unpin(const char *path, vj_error_t *err);
/* Where a jail's namespace is pinned and its vnet state kept (+ "/JID"). */
#define VJ_VNET_PIN_DIR VJ_RUNDIR "/netns"
#define VJ_VNET_STATE_DIR VJ_RUNDIR "/netstate"
bool vj_vnet_is_nsfs(const char *path);

/*
 * Interfaces moved by hand (vnet_moved.c): ifconfig's `IF vnet JAIL` and
 * `IF -vnet JAIL`.  FreeBSD hands every interface moved into a vnet jail
 * back to its home vnet when the jail goes; Linux would destroy a virtual
 * one with the namespace.  vj_vnet_iface_move moves ifname from the stack
 * `from` to the stack `to` (each NULL: the caller's; a live jail's name or
 * JID; or a namespace file "/..."), and, under the registry lock, records
 * it in the destination jail's vnet state (pinning that jail's namespace
 * first) with its home: the host when it came from the caller's stack, the
 * source jail when it was made there, or the home it already had.  A move
 * back home forgets it.  Errors: `interface X does not exist`,
 * `jail "J" not found`.
 */
int vj_vnet_iface_move(const char *ifname, const char *from, const char *to, vj_error_t *err);
/* Release paths: a record read before ifconfig pinned the jail (jail(8)'s
 * own copy) lacks netns_pin / vnet_state; fill them in from the fixed
 * paths when these hold this jail's pin and state.  Idempotent. */
void vj_rec_net_paths(struct vj_rec *r);
/* Hand back the interfaces of r's vnet state that are still in netns_fd
 * (the jail's pinned namespace), last moved first, each to its home; one
 * whose home is gone stays (Linux destroys a virtual one with the jail).
 * Call from the host's stack, like vj_vnet_ifaces_return. */
int vj_vnet_moved_return(const struct vj_rec *r, int netns_fd, vj_error_t *err);

/*
 * Declarative networking (vnet.bridge, vnet.bridge.addr, vnet.addr,
 * vnet.gateway, vnet.mac, vnet.nat, vnet.forward; see
 * jail(8), "Declarative networking").  A jail with vnet.bridge gets an epair:
 * host end "vj<JID>a" (altname "jail.<NAME>") on the bridge, jail end
 * VJ_VNET_JAIL_IF created directly inside the jail's namespace with a MAC
 * derived from the jail name.  Everything made is described by a
 * vj_vnet_state, which the engine records; teardown needs nothing else
 * (not even the jail's namespace, which may be gone).
 */
#define VJ_VNET_JAIL_IF "eth0"
#define VJ_VNET_ALTNAME_MAX 128
enum { VJ_VNET_TCP = 6, VJ_VNET_UDP = 17 };
struct vj_vnet_fwd {
    int proto;                     /* VJ_VNET_TCP / VJ_VNET_UDP */
    unsigned short hport, jport;   /* host port -> jail port */
};
/* An interface moved into a jail by hand (`ifconfig IF vnet JAIL`),
 * handed back to its home stack when the jail ends (vnet_moved.c). */
struct vj_vnet_moved {
    char name[16];                 /* its name when it was moved in */
    int ifindex;                   /* its index in the jail's stack (0: unknown) */
    char *home;                    /* NULL: the host (the stack of whoever
                                    * releases the jail); else a namespace
                                    * file (another jail's pin) */
};
struct vj_vnet_state {
    int jid;
    char *name;                    /* jail name */
    char *bridge;                  /* NULL: no declarative networking */
    bool bridge_created;           /* this jail's setup created the bridge */
    char bridge_retired[16];       /* "": none; else the name a vjail-made
                                    * bridge was given, under the lock, to be
                                    * deleted after it (vnet_setup.c) */
    struct vj_nl_prefix *bridge_addrs; /* given to the bridge if vjail makes it */
    size_t nbridge_addrs;
    char host_if[16], jail_if[16];
    unsigned char mac[6];          /* of the jail end */
    struct vj_nl_prefix *addrs;    /* of the jail end */
    size_t naddrs;
    struct vj_nl_prefix gw4, gw6;  /* default routes; family 0: none */
    bool nat;
    struct vj_vnet_fwd *fwds;
    size_t nfwds;
    struct vj_vnet_moved *moved;   /* moved in by hand, in order */
    size_t nmoved;
    pid_t sup_pid;                 /* with moved: the supervisor of the jail */
    unsigned long long sup_start;  /* they were recorded for (stale check) */
    char *path;                    /* set by the caller: setup saves the state
                                    * there before making anything */
};
void vj_vnet_state_clear(struct vj_vnet_state *st); /* keeps nothing */
/* Parameters -> state, validated; no vnet.bridge: st->bridge NULL.
 * Errors: `web: vnet.addr: "x": ... (/etc/jail.conf line 3)`.
 * st->path is kept. */
int vj_vnet_plan(const struct vj_cjail *j, int jid, struct vj_vnet_state *st, vj_error_t *err);
/* Plan, save to st->path (if set), then make it: bridge (if missing, with
 * vnet.bridge.addr, up), epair, addresses and default routes inside the
 * jail (lo up too), nftables rules.  netns_fd: the jail's namespace.  On
 * failure everything made is removed again. */
int vj_vnet_setup(const struct vj_cjail *j, int jid, int netns_fd, struct vj_vnet_state *st,
                  vj_error_t *err);
/* Remove what st describes (idempotent; safe after a crash at any point of
 * setup or teardown): nft rules, the epair, the bridge if vjail created it
 * and it has no member left, restored sysctls when no vjail rule is left.
 * The bridge is renamed (recorded in st and st->path first) under the
 * vnet lock and deleted after it; a renamed bridge recorded by a teardown
 * that did not finish is deleted. */
int vj_vnet_teardown(struct vj_vnet_state *st, vj_error_t *err);
/* Before the teardown, when the jail is dying: drop the host end's altname
 * (jail.<name>), so that a new jail of that name can be made at once
 * (best effort, quick: no RCU wait, unlike deleting the link). */
void vj_vnet_release_names(const struct vj_vnet_state *st);
/* State file: "vjail-vnet 1" then "key value" lines.  load sets st->path
 * to path when unset (teardown records its progress there). */
char *vj_vnet_state_format(const struct vj_vnet_state *st);
int vj_vnet_state_parse(const char *text, struct vj_vnet_state *st, vj_error_t *err);
int vj_vnet_state_save(const struct vj_vnet_state *st, const char *path, vj_error_t *err);
int vj_vnet_state_load(const char *path, struct vj_vnet_state *st, vj_error_t *err);
/* "tcp/8080:80", "udp/53", "8080" (tcp) */
int vj_vnet_forward_parse(const char *s, struct vj_vnet_fwd *f, vj_error_t *err);
/* Stable locally administered unicast MAC from (kind, name). */
void vj_vnet_mac(const char *kind, const char *name, unsigned char mac[6]);
/* "jail.<name>" with characters Linux refuses replaced by '_'. */
void vj_vnet_altname(const char *jail, char out[VJ_VNET_ALTNAME_MAX]);

/* Internal to vnet_*.c.  Host-wide state (lock, saved sysctls) lives in
 * vj_vnet_rundir (VJ_RUNDIR "/vnet"; tests point it elsewhere). */
extern const char *vj_vnet_rundir;
int vj_vnet_lock(vj_error_t *err);   /* flock'ed fd to close */
int vj_vnet_teardown_locked(struct vj_vnet_state *st, vj_error_t *err);
/* nft rules of a jail (text for libnftables), their comment tag, adding
 * them (with the sysctls they need), removing them (the table and the
 * saved sysctls with the last one). */
char *vj_vnet_nft_rules(const struct vj_vnet_state *st);
void vj_vnet_nft_tag(const struct vj_vnet_state *st, char *buf, size_t size);
int vj_vnet_nft_add(const struct vj_vnet_state *st, vj_error_t *err);
int vj_vnet_nft_remove(const struct vj_vnet_state *st, vj_error_t *err);

#endif /* VJAIL_H */

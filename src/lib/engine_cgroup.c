/*
 * The jail's cgroup (v2 only): <root>/vjail/<jid>/ with one leaf, "jail",
 * for every jailed process; supervisors live in <root>/vjail/sup, shared
 * by all jails, so that none has to leave its cgroup to remove it.  The
 * "jail" leaf's cgroup.events tells the supervisor when the jail has no
 * processes left; cgroup.kill ends all of them at once, including
 * processes that joined by setns (jexec) and are not descendants of pid 1.
 */
#include "vjail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

const char *vj_cgroup_root(void)
{
    static const char *root;
    static bool done;
    if (!done) {
        const char *cands[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
        for (size_t i = 0; i < 2 && !root; i++) {
            struct statfs st;
            if (statfs(cands[i], &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                root = cands[i];
        }
        done = true;
    }
    return root;
}

int vj_cgroup_create(struct vj_rec *r, vj_error_t *err)
{
    const char *root = vj_cgroup_root();
    if (!root)
        return vj_error_make(err, 0, "%s: no cgroup v2 hierarchy mounted", r->j.name);
    cleanup_free char *base = xasprintf("%s/vjail", root);
    if (mkdir(base, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "%s: mkdir %s", r->j.name, base);
    /* Recorded before it exists, so a crash right after mkdir is undone
     * (jail(8) records it with the jail's parameters already). */
    cleanup_free char *cg = vj_cgroup_path(r->j.jid);
    if (!r->cgroup || strcmp(r->cgroup, cg) != 0) {
        free(r->cgroup);
        r->cgroup = vj_steal(cg);
        if (vj_reg_save(r, err) < 0)
            return -1;
    }
    cleanup_free char *sup = vj_cgroup_sup_dir();
    if (mkdir(sup, 0755) < 0 && errno != EEXIST)
        return vj_error_make(err, errno, "%s: mkdir %s", r->j.name, sup);
    const char *leaves[] = {"", "/jail"};
    for (size_t i = 0; i < 2; i++) {
        cleanup_free char *d = xasprintf("%s%s", r->cgroup, leaves[i]);
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
            return vj_error_make(err, errno, "%s: mkdir %s", r->j.name, d);
    }
    return 0;
}

char *vj_cgroup_path(int jid)
{
    const char *root = vj_cgroup_root();
    return root ? xasprintf("%s/vjail/%d", root, jid) : NULL;
}

char *vj_cgroup_sup_dir(void)
{
    const char *root = vj_cgroup_root();
    return root ? xasprintf("%s/vjail/sup", root) : NULL;
}

int vj_cgroup_populated(const char *cg)
{
    cleanup_free char *p = xasprintf("%s/cgroup.events", cg);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) < 0)
        return -1;
    char *q = strstr(s, "populated ");
    return q && q[10] == '1';
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Signal every process listed in dir/cgroup.procs, recursively. */
static int signal_tree(const char *dir, int sig, struct vj_buf *pids)
{
    int count = 0;
    cleanup_free char *p = xasprintf("%s/cgroup.procs", dir);
    cleanup_free char *s = NULL;
    if (read_file(p, &s, NULL, NULL) == 0) {
        for (char *t = strtok(s, "\n"); t; t = strtok(NULL, "\n")) {
            pid_t pid = atoi(t);
            if (pid > 0 && kill(pid, sig) == 0) {
                count++;
                if (pids)
                    buf_printf(pids, " %d", (int)pid);
            }
        }
    }
    if (sig != SIGKILL)
        return count;
    DIR *d = opendir(dir);
    if (!d)
        return count;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
            count += signal_tree(sub, sig, NULL);
        }
    }
    closedir(d);
    return count;
}

int vj_cgroup_signal(const char *cg, int sig, struct vj_buf *pids)
{
    cleanup_free char *leaf = xasprintf("%s/jail", cg);
    return signal_tree(leaf, sig, pids);
}

void vj_cgroup_kill(const char *cg)
{
    if (!cg)
        return;
    cleanup_free char *k = xasprintf("%s/cgroup.kill", cg);
    struct stat st;
    if (stat(cg, &st) < 0)
        return;
    for (int i = 0; i < 500; i++) {
        if (vj_cgroup_populated(cg) != 1)
            return;
        /* cgroup.kill (Linux 5.14) or, failing that, SIGKILL by list. */
        if (write_file(k, "1", 1, O_WRONLY, 0, NULL) < 0)
            signal_tree(cg, SIGKILL, NULL);
        sleep_ms(i < 50 ? 2 : 20);
    }
}

static void rmdir_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
            rmdir_tree(sub);
        }
    }
    closedir(d);
    /* A just-killed process may still be leaving: retry briefly. */
    for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
        sleep_ms(10);
}

void vj_cgroup_remove(const char *cg)
{
    if (!cg)
        return;
    /* Refuse anything that is not one of ours. */
    const char *root = vj_cgroup_root();
    if (!root || strncmp(cg, root, strlen(root)) != 0 || !strstr(cg, "/vjail/"))
        return;
    vj_cgroup_kill(cg);
    rmdir_tree(cg);
}

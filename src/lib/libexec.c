/* Where vjail's helper tools (FreeBSD's ifconfig and route verbs) live, so
 * that exec.* commands find them first on their PATH without shadowing
 * the host's own ifconfig/route for anybody else. */
#include "vjail.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *vj_libexec_dir(void)
{
    static char *dir;
    static bool done;
    if (done)
        return dir;
    done = true;
    const char *env = getenv("VJAIL_LIBEXEC");
    if (env && *env) {
        dir = xstrdup(env);
        return dir;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    /* Installed: PREFIX/sbin/jail -> PREFIX/libexec/vjail.
     * Build tree: BUILD/jail -> BUILD/libexec. */
    cleanup_free char *installed = xasprintf("%s/../libexec/vjail", exe);
    cleanup_free char *built = xasprintf("%s/libexec", exe);
    char real[PATH_MAX];
    if (is_dir(installed) && realpath(installed, real))
        dir = xstrdup(real);
    else if (is_dir(built) && realpath(built, real))
        dir = xstrdup(real);
    return dir;
}

void vj_libexec_path_prepend(void)
{
    const char *dir = vj_libexec_dir();
    /* In a jail: only when its root shows the directory (path=/, or a
     * root that contains it); else its own ifconfig stays first. */
    if (!dir || !is_dir(dir))
        return;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    size_t n = strlen(dir);
    if (strncmp(path, dir, n) == 0 && (path[n] == ':' || !path[n]))
        return; /* first already (jexec from an exec.* command) */
    cleanup_free char *np = xasprintf("%s:%s", dir, path);
    setenv("PATH", np, 1);
}

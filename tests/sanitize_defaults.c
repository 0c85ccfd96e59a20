/*
 * Linked into jail, jls and jexec when built with SANITIZE=1 (not into the
 * unit tests, which keep leak checking).  LSan's check at exit suspends
 * the process from a helper that reads /proc/<pid>/task and ptraces it;
 * after a process has joined a jail (its root, its /proc, its pid
 * namespace) the helper cannot find it and the process spins forever.
 * ASAN_OPTIONS=detect_leaks=1 in the environment still turns it back on.
 */
const char *__lsan_default_options(void);

const char *__lsan_default_options(void)
{
    return "detect_leaks=0";
}

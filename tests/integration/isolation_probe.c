/*
 * isolation_probe: one privileged operation per call, run inside a jail by
 * isolation_test.sh (built there with `cc -static`).  Prints "ok" and exits
 * 0 when the operation succeeded, prints the errno name and exits 1 when it
 * failed.  The operations are chosen to leave no trace on the host even if
 * a protection were missing (they rewrite a value with itself, open for
 * writing without writing, and so on).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static int report(long r)
{
    if (r >= 0) {
        puts("ok");
        return 0;
    }
    const char *n = strerrorname_np(errno);
    puts(n ? n : "error");
    return 1;
}

static long chroot_escape(const char *marker)
{
    /* The classic escape: chroot into a subdirectory while the cwd stays
     * above it, then walk up.  Succeeds if marker becomes reachable. */
    mkdir("/tmp/vjt_chroot", 0755);
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    if (chroot("/tmp/vjt_chroot") < 0)
        return -1;
    if (fchdir(fd) < 0)
        return -1;
    for (int i = 0; i < 64; i++)
        if (chdir("..") < 0)
            return -1;
    if (chroot(".") < 0)
        return -1;
    struct stat st;
    if (stat(marker, &st) == 0)
        return 0;
    errno = ENOENT;
    return -1;
}

static long handle_open(void)
{
    struct {
        struct file_handle fh;
        unsigned char buf[128];
    } h;
    h.fh.handle_bytes = sizeof h.buf;
    int mnt;
    if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mnt, 0) < 0)
        return -1;
    int mfd = open("/", O_RDONLY | O_DIRECTORY);
    return open_by_handle_at(mfd, &h.fh, O_RDONLY);
}

static long tiocsti(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
        return -1;
    int s = open(ptsname(m), O_RDWR | O_NOCTTY);
    if (s < 0)
        return -1;
    char c = '\n';
    return ioctl(s, TIOCSTI, &c);
}

static long int80_getpid(void)
{
    long r;
    /* i386 getpid (20) through the 32-bit entry point. */
    __asm__ volatile("int $0x80" : "=a"(r) : "0"(20L) : "memory");
    return r;
}

static long settime_same(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return clock_settime(CLOCK_REALTIME, &ts);
}

static long rewrite_same(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return -1;
    fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    return write(fd, buf, (size_t)n);
}

/* A FUSE mount on target with a descriptor of /dev/fuse: it works when
 * the kernel's first request (FUSE_INIT) arrives on that descriptor. */
static long fuse_mount(const char *target)
{
    static char buf[1 << 17];
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
    if (mount("vjt", target, "fuse.vjt", MS_NOSUID | MS_NODEV, opts) < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf);
    const struct fuse_in_header *h = (const void *)buf;
    int init = n >= (ssize_t)sizeof *h && h->opcode == FUSE_INIT;
    umount2(target, MNT_DETACH);
    if (!init) {
        errno = EPROTO;
        return -1;
    }
    return 0;
}

static long bind_port(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof a);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: isolation_probe OP [ARG]\n");
        return 2;
    }
    const char *op = argv[1], *arg = argc > 2 ? argv[2] : "";
    long r;
    if (!strcmp(op, "keyctl"))
        r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    else if (!strcmp(op, "bpf")) {
        union bpf_attr a = {.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4,
                            .max_entries = 1};
        r = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
    } else if (!strcmp(op, "perf")) {
        struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE, .size = sizeof a,
                                    .config = PERF_COUNT_SW_TASK_CLOCK, .exclude_kernel = 1};
        r = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    } else if (!strcmp(op, "userfaultfd"))
        r = syscall(SYS_userfaultfd, 0);
    else if (!strcmp(op, "io_uring")) {
        struct io_uring_params p = {0};
        r = syscall(SYS_io_uring_setup, 1, &p);
    } else if (!strcmp(op, "open_by_handle"))
        r = handle_open();
    else if (!strcmp(op, "finit_module")) {
        int fd = open("/proc/self/exe", O_RDONLY);
        r = syscall(SYS_finit_module, fd, "", 0);
    } else if (!strcmp(op, "reboot"))
        r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                    LINUX_REBOOT_CMD_CAD_OFF, NULL);
    else if (!strcmp(op, "settime"))
        r = settime_same();
    else if (!strcmp(op, "rewrite"))
        r = rewrite_same(arg);
    else if (!strcmp(op, "openw"))
        r = open(arg, O_WRONLY);
    else if (!strcmp(op, "unshare_user"))
        r = unshare(CLONE_NEWUSER);
    else if (!strcmp(op, "unshare_net"))
        r = unshare(CLONE_NEWNET);
    else if (!strcmp(op, "clone3"))
        r = syscall(SYS_clone3, NULL, 0);
    else if (!strcmp(op, "setns"))
        r = setns(open("/proc/self/ns/uts", O_RDONLY), 0);
    else if (!strcmp(op, "mknod_chr"))
        r = mknod(arg, S_IFCHR | 0600, makedev(1, 3));
    else if (!strcmp(op, "mkfifo"))
        r = mknod(arg, S_IFIFO | 0600, 0);
    else if (!strcmp(op, "raw_socket"))
        r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    else if (!strcmp(op, "vsock_socket"))
        r = socket(AF_VSOCK, SOCK_STREAM, 0);
    else if (!strcmp(op, "packet_socket"))
        r = socket(AF_PACKET, SOCK_RAW, 0);
    else if (!strcmp(op, "unix_socket"))
        r = socket(AF_UNIX, SOCK_STREAM, 0);
    else if (!strcmp(op, "netlink_socket"))
        r = socket(AF_NETLINK, SOCK_RAW, 0);
    else if (!strcmp(op, "bind"))
        r = bind_port(atoi(arg));
    else if (!strcmp(op, "tiocsti"))
        r = tiocsti();
    else if (!strcmp(op, "int80"))
        r = int80_getpid();
    else if (!strcmp(op, "chroot_escape"))
        r = chroot_escape(arg);
    else if (!strcmp(op, "mlock")) {
        static char page[4096] __attribute__((aligned(4096)));
        r = mlock(page, sizeof page);
    } else if (!strcmp(op, "syslog"))
        r = syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0);
    else if (!strcmp(op, "mount")) /* mount TYPE TARGET: a new file system */
        r = mount(arg, argc > 3 ? argv[3] : "/mnt", arg, 0, argc > 4 ? argv[4] : NULL);
    else if (!strcmp(op, "bind_mount"))
        r = mount(arg, argc > 3 ? argv[3] : "/mnt", NULL, MS_BIND, NULL);
    else if (!strcmp(op, "umount"))
        r = umount2(arg, MNT_DETACH);
    else if (!strcmp(op, "open_tree_clone"))
        r = open_tree(AT_FDCWD, arg, OPEN_TREE_CLONE);
    else if (!strcmp(op, "fsopen"))
        r = fsopen(arg, 0);
    else if (!strcmp(op, "pivot_root"))
        r = syscall(SYS_pivot_root, arg, argc > 3 ? argv[3] : arg);
    else if (!strcmp(op, "fuse_mount"))
        r = fuse_mount(arg);
    else if (!strcmp(op, "sethostname"))
        r = sethostname(arg, strlen(arg));
    else if (!strcmp(op, "msgget"))
        r = msgget(IPC_PRIVATE, 0600);
    else if (!strcmp(op, "semget"))
        r = semget(IPC_PRIVATE, 1, 0600);
    else if (!strcmp(op, "shmget"))
        r = shmget(IPC_PRIVATE, 4096, 0600);
    else if (!strcmp(op, "shm_create")) { /* on the host, for the sysv tests */
        r = shmget((key_t)strtol(arg, NULL, 0), 4096, IPC_CREAT | 0600);
        if (r >= 0)
            printf("%ld\n", r);
    } else if (!strcmp(op, "shm_find"))
        r = shmget((key_t)strtol(arg, NULL, 0), 0, 0);
    else if (!strcmp(op, "shm_remove")) {
        int id = shmget((key_t)strtol(arg, NULL, 0), 0, 0);
        r = id < 0 ? id : shmctl(id, IPC_RMID, NULL);
    } else {
        fprintf(stderr, "isolation_probe: unknown operation %s\n", op);
        return 2;
    }
    return report(r);
}

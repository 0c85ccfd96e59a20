#! /usr/bin/env atf-sh
# Isolation: root inside a jail cannot affect anything outside it.  One
# test case per claim; each would fail if the protection were missing.
# Privileged operations are made by tests/integration/isolation_probe.c,
# built statically into the jail's root; they are chosen to leave no trace
# on the host even if a protection failed (values are rewritten with
# themselves, files opened for writing but not written).

. "$(atf_get_srcdir)/vjail.subr"

# setup: busybox root in ./root with the probe at /probe
setup()
{
    vj_require_root
    command -v cc >/dev/null 2>&1 || atf_skip "a C compiler is needed to build the probe"
    vj_mkroot root
    cc -static -O1 -o root/probe "$(atf_get_srcdir)/isolation_probe.c" 2>cc.err ||
        atf_skip "cannot build the static probe: $(head -1 cc.err)"
}

# mkjail SUFFIX [param ...]: a persistent jail on ./root with /proc and /dev
mkjail()
{
    local n
    n=$(vj_name "$1")
    shift
    atf_check -o ignore -e ignore "$(vj_bin jail)" -c name="$n" path="$PWD/root" \
        mount.procfs mount.devfs persist "$@"
}

jexec_sh()
{
    local n=$1
    shift
    "$(vj_bin jexec)" "$(vj_name "$n")" /bin/sh -c "$*"
}

atf_test_case capabilities cleanup
capabilities_head() { atf_set descr "the bounding set is the documented default set"; }
capabilities_body()
{
    setup
    mkjail j
    # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    # NET_BIND_SERVICE IPC_OWNER SYS_CHROOT LEASE AUDIT_WRITE SETFCAP
    atf_check -o inline:"CapAmb:\t0000000000000000\nCapBnd:\t00000000b00485fb\nCapEff:\t00000000b00485fb\nCapInh:\t0000000000000000\n" \
        "$(vj_bin jexec)" "$(vj_name j)" sh -c 'grep -E "^Cap(Bnd|Eff|Inh|Amb)" /proc/self/status | sort'
    atf_check -o inline:"Seccomp:\t2\n" "$(vj_bin jexec)" "$(vj_name j)" grep "^Seccomp:" /proc/self/status
}
capabilities_cleanup() { vj_cleanup; }

atf_test_case mount_denied cleanup
mount_denied_head() { atf_set descr "no mounting inside a jail without allow.mount (mount_test.sh: with it)"; }
mount_denied_body()
{
    setup
    mkjail j
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount -t tmpfs none /tmp
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount --bind /etc /tmp
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" umount /proc
    vj_probe j EPERM umount /proc/kmsg
    vj_probe j EPERM bind_mount /etc /tmp
    vj_probe j EPERM open_tree_clone /etc
    vj_probe j EPERM fsopen tmpfs
    vj_probe j EPERM pivot_root /tmp /tmp
    # vjail-mountd only serves allow.mount jails
    atf_check -o empty -x "$(vj_bin jexec) $(vj_name j) sh -c 'cat /proc/[0-9]*/comm' | grep vjail-mountd || true"
}
mount_denied_cleanup() { vj_cleanup; }

atf_test_case raw_sockets cleanup
raw_sockets_head() { atf_set descr "raw sockets only with allow.raw_sockets"; }
raw_sockets_body()
{
    setup
    # (IPv4 available: without ip4 parameters it would be disabled)
    mkjail a ip4=inherit
    mkjail b ip4=inherit allow.raw_sockets
    vj_probe a EPERM raw_socket
    vj_probe b ok raw_socket
}
raw_sockets_cleanup() { vj_cleanup; }

atf_test_case socket_af cleanup
socket_af_head() { atf_set descr "other socket families (vsock, packet) only with allow.socket_af"; }
socket_af_body()
{
    setup
    mkjail a allow.raw_sockets
    mkjail b allow.raw_sockets allow.socket_af
    vj_probe a ok unix_socket
    vj_probe a ok netlink_socket
    # even with CAP_NET_RAW, link-level sockets need allow.socket_af
    vj_probe a EPERM packet_socket
    vj_probe b ok packet_socket
    vj_probe a EPERM vsock_socket
    if root/probe vsock_socket >/dev/null; then
        vj_probe b ok vsock_socket
    fi
}
socket_af_cleanup() { vj_cleanup; }

atf_test_case sysv_disable cleanup
sysv_disable_head() { atf_set descr "System V IPC is disabled by default (ENOSYS, as on FreeBSD)"; }
sysv_disable_body()
{
    setup
    mkjail j
    vj_probe j ENOSYS msgget
    vj_probe j ENOSYS semget
    vj_probe j ENOSYS shmget
    mkjail m sysvmsg=new
    vj_probe m ok msgget
    vj_probe m ENOSYS shmget
}
sysv_disable_cleanup() { vj_cleanup; }

atf_test_case sysv_new_inherit cleanup
sysv_new_inherit_head() { atf_set descr "sysv*=new hides the host's IPC objects, inherit/allow.sysvipc shows them"; }
sysv_new_inherit_body()
{
    setup
    # a segment on the host, removed by the cleanup
    atf_check -o ignore root/probe shm_create 0x766a7401
    echo 0x766a7401 > shmkey
    mkjail n sysvshm=new sysvmsg=new sysvsem=new
    mkjail i allow.sysvipc
    mkjail s sysvshm=inherit
    vj_probe n ENOENT shm_find 0x766a7401
    vj_probe i ok shm_find 0x766a7401
    vj_probe s ok shm_find 0x766a7401
    vj_probe s ENOSYS msgget
}
sysv_new_inherit_cleanup()
{
    [ -f shmkey ] && root/probe shm_remove "$(cat shmkey)" >/dev/null 2>&1
    vj_cleanup
}

atf_test_case sysv_mix cleanup
sysv_mix_head() { atf_set descr "sysv* new and inherit together cannot be expressed: error"; }
sysv_mix_body()
{
    setup
    atf_check -s exit:1 -e match:"sysvshm: cannot be \"new\" while sysvmsg is \"inherit\": on Linux all System V IPC kinds share one IPC namespace" \
        "$(vj_bin jail)" -c name="$(vj_name)" path="$PWD/root" persist sysvmsg=inherit sysvshm=new
    [ -z "$(vj_jails)" ] || atf_fail "the jail was created"
}
sysv_mix_cleanup() { vj_cleanup; }

atf_test_case modules cleanup
modules_head() { atf_set descr "cannot load kernel modules"; }
modules_body()
{
    setup
    mkjail j
    vj_probe j EPERM finit_module
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" insmod /probe
}
modules_cleanup() { vj_cleanup; }

atf_test_case proc_sys cleanup
proc_sys_head() { atf_set descr "/proc/sys is read-only, host-wide /proc files are masked"; }
proc_sys_body()
{
    setup
    mkjail j
    vj_probe j EROFS rewrite /proc/sys/kernel/core_pattern
    vj_probe j EROFS openw /proc/sys/vm/drop_caches
    vj_probe j EROFS openw /proc/sys/vm/swappiness
    # masked: empty and read-only
    for f in keys timer_list kmsg kallsyms; do
        [ -e "/proc/$f" ] || continue
        atf_check -o empty "$(vj_bin jexec)" "$(vj_name j)" cat "/proc/$f"
        vj_probe j EROFS openw "/proc/$f"
    done
}
proc_sys_cleanup() { vj_cleanup; }

atf_test_case vnet_sysctl cleanup
vnet_sysctl_head() { atf_set descr "a VNET jail may set its own net.* sysctls, nothing else; the host's stay"; }
vnet_sysctl_body()
{
    setup
    local before
    before=$(cat /proc/sys/net/ipv4/ip_forward)
    mkjail v vnet
    mkjail n
    atf_check -o inline:"1\n" "$(vj_bin jexec)" "$(vj_name v)" sh -c \
        'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward'
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$before" ] ||
        atf_fail "the host's net.ipv4.ip_forward changed"
    vj_probe v EROFS rewrite /proc/sys/kernel/core_pattern
    # without vnet the network settings are the host's: read-only
    vj_probe n EROFS rewrite /proc/sys/net/ipv4/ip_forward
}
vnet_sysctl_cleanup() { vj_cleanup; }

atf_test_case mknod cleanup
mknod_head() { atf_set descr "no device nodes; FIFOs are fine"; }
mknod_body()
{
    setup
    mkjail j
    vj_probe j EPERM mknod_chr /tmp/vjt_null
    vj_probe j ok mkfifo /tmp/vjt_fifo
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mknod /tmp/vjt_sda b 8 0
}
mknod_cleanup() { vj_cleanup; }

atf_test_case chroot_escape cleanup
chroot_escape_head() { atf_set descr "chroot and .. do not lead out of the jail's root"; }
chroot_escape_body()
{
    setup
    mkjail j
    touch vjt_outside_marker
    vj_probe j ENOENT chroot_escape "$PWD/vjt_outside_marker"
}
chroot_escape_cleanup() { vj_cleanup; }

atf_test_case proc_root cleanup
proc_root_head() { atf_set descr "the supervisor's /proc/1/root, cwd and fds (host side) are out of reach"; }
proc_root_body()
{
    setup
    mkjail j
    touch vjt_outside_marker
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" ls /proc/1/root/
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" ls /proc/1/cwd/
    # pid 1 is vjail's supervisor, which lives in the host's mount namespace
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" readlink /proc/1/fd/0
    atf_check -s not-exit:0 -e ignore -o ignore "$(vj_bin jexec)" "$(vj_name j)" cat /proc/1/environ
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" \
        ls "/proc/1/root$PWD/vjt_outside_marker"
}
proc_root_cleanup() { vj_cleanup; }

atf_test_case supervisor cleanup
supervisor_head() { atf_set descr "pid 1 (vjail's supervisor) shows nothing of the host and cannot be stopped from inside"; }
supervisor_body()
{
    setup
    mkjail j
    local n
    n=$(vj_name j)
    # its command line is not jail(8)'s (which names host paths)
    atf_check -o inline:"vjail-sup: $n" "$(vj_bin jexec)" "$n" sh -c "tr -d '\\0' </proc/1/cmdline"
    # non-dumpable and outside the jail's reach: no environment, memory,
    # descriptors, root or cwd (the supervisor keeps fds of the host's
    # namespaces)
    for f in environ mem auxv; do
        atf_check -s not-exit:0 -o empty -e ignore "$(vj_bin jexec)" "$n" dd if=/proc/1/$f bs=1 count=1
    done
    # (jailed root may list the descriptor numbers, not what they are)
    atf_check -s exit:1 -o empty -e ignore "$(vj_bin jexec)" "$n" sh -c \
        'for f in /proc/1/fd/*; do readlink "$f" && exit 0; ls "$f/" && exit 0; done; exit 1'
    atf_check -s ignore -o empty -e ignore "$(vj_bin jexec)" "$n" ls /proc/1/map_files/
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$n" readlink /proc/1/root
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$n" readlink /proc/1/ns/mnt
    # its mount table is the jail's (the host's has /sys/fs/cgroup)
    atf_check -o not-match:" /sys/fs" "$(vj_bin jexec)" "$n" cat /proc/1/mountinfo
    # signals from jailed root do not stop it, the jail stays
    "$(vj_bin jexec)" "$n" kill -TERM 1 2>/dev/null
    "$(vj_bin jexec)" "$n" kill -KILL 1 2>/dev/null
    "$(vj_bin jexec)" "$n" kill -INT 1 2>/dev/null
    sleep 0.3
    atf_check -o inline:"$n\n" "$(vj_bin jls)" -j "$n" name
    atf_check -o inline:"ok\n" "$(vj_bin jexec)" "$n" echo ok
}
supervisor_cleanup() { vj_cleanup; }

atf_test_case host_mounts cleanup
host_mounts_head() { atf_set descr "the host's mount table is not visible (FreeBSD enforce_statfs hides it)"; }
host_mounts_body()
{
    setup
    mkjail j
    # Every process, including pid 1 (vjail's supervisor), shows only the
    # jail's mounts, at their paths inside the jail.  Linux's mountinfo
    # gives, as field 4, the root of each mount inside its file system:
    # for the jail's root (a directory of a host file system) that is its
    # path there, the one thing the kernel shows that vjail cannot hide
    # (FreeBSD shows the file system's mntfromname likewise); documented
    # in jail(8), SECURITY.  Nothing else may name a host path.
    "$(vj_bin jexec)" "$(vj_name j)" sh -c 'cat /proc/*/mountinfo' >mi 2>/dev/null ||
        atf_fail "cannot read mountinfo in the jail"
    [ -s mi ] || atf_fail "no mountinfo read in the jail"
    # mount points: only the jail's root and what vjail mounted in it
    atf_check -o empty -x "awk '{print \$5}' mi | sort -u | grep -Ev '^/((dev|proc|run/vjail)(/.*)?)?\$' || true"
    # the root line is the only one naming the jail's host path
    atf_check -o empty -x "awk '\$5 != \"/\"' mi | grep -F '$PWD' || true"
    atf_check -o inline:"$PWD/root\n" -x "awk '\$5 == \"/\" {print \$4}' mi | sort -u"
    atf_check -o not-match:"$PWD" "$(vj_bin jexec)" "$(vj_name j)" \
        sh -c 'cat /proc/*/mounts 2>/dev/null'
}
host_mounts_cleanup() { vj_cleanup; }

atf_test_case open_by_handle cleanup
open_by_handle_head() { atf_set descr "open_by_handle_at cannot reach files outside the root"; }
open_by_handle_body()
{
    setup
    mkjail j
    vj_probe j EPERM open_by_handle
}
open_by_handle_cleanup() { vj_cleanup; }

atf_test_case clock cleanup
clock_head() { atf_set descr "cannot set the host's clock"; }
clock_body()
{
    setup
    mkjail j
    vj_probe j EPERM settime
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" adjtimex -o 0
}
clock_cleanup() { vj_cleanup; }

atf_test_case reboot cleanup
reboot_head() { atf_set descr "reboot(2) is refused"; }
reboot_body()
{
    setup
    mkjail j
    vj_probe j EPERM reboot
}
reboot_cleanup() { vj_cleanup; }

atf_test_case kernel_interfaces cleanup
kernel_interfaces_head() { atf_set descr "keyrings, bpf, perf, userfaultfd and io_uring are refused"; }
kernel_interfaces_body()
{
    setup
    mkjail j
    for op in keyctl bpf perf userfaultfd io_uring; do
        vj_probe j EPERM $op
    done
}
kernel_interfaces_cleanup() { vj_cleanup; }

atf_test_case namespaces cleanup
namespaces_head() { atf_set descr "no new user (or other) namespaces, no setns"; }
namespaces_body()
{
    setup
    mkjail j
    vj_probe j EPERM unshare_user
    vj_probe j EPERM unshare_net
    vj_probe j ENOSYS clone3
    vj_probe j EPERM setns
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" unshare -U -r true
}
namespaces_cleanup() { vj_cleanup; }

atf_test_case tiocsti cleanup
tiocsti_head() { atf_set descr "no faking terminal input (would reach jexec's host terminal)"; }
tiocsti_body()
{
    setup
    if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 0 ]; then
        atf_skip "TIOCSTI is disabled on this host (dev.tty.legacy_tiocsti=0)"
    fi
    mkjail j
    vj_probe j EPERM tiocsti
}
tiocsti_cleanup() { vj_cleanup; }

atf_test_case compat_syscalls cleanup
compat_syscalls_head() { atf_set descr "32-bit system calls cannot slip past the filter"; }
compat_syscalls_body()
{
    setup
    mkjail j
    # killed by SIGSYS (31): 128 + 31
    atf_check -o inline:"159\n" -e ignore "$(vj_bin jexec)" "$(vj_name j)" \
        sh -c '/probe int80 >/dev/null 2>&1; echo $?'
}
compat_syscalls_cleanup() { vj_cleanup; }

atf_test_case set_hostname cleanup
set_hostname_head() { atf_set descr "root may set the jail's hostname (default), not with allow.noset_hostname"; }
set_hostname_body()
{
    setup
    mkjail a host.hostname=vjt.before
    mkjail b host.hostname=vjt.before allow.noset_hostname
    vj_probe b EPERM sethostname vjt.after
    vj_probe a ok sethostname vjt.after
    atf_check -o inline:"vjt.after\n" "$(vj_bin jexec)" "$(vj_name a)" hostname
    # the host's is untouched
    [ "$(hostname)" != vjt.after ] || atf_fail "the host's hostname changed"
    # only root
    atf_check -s exit:1 -o inline:"EPERM\n" "$(vj_bin jexec)" -U vjuser "$(vj_name a)" \
        /probe sethostname vjt.user
}
set_hostname_cleanup() { vj_cleanup; }

atf_test_case mlock cleanup
mlock_head() { atf_set descr "mlock only with allow.mlock"; }
mlock_body()
{
    setup
    mkjail a
    mkjail b allow.mlock
    vj_probe a EPERM mlock
    vj_probe b ok mlock
}
mlock_cleanup() { vj_cleanup; }

atf_test_case read_msgbuf cleanup
read_msgbuf_head() { atf_set descr "the kernel message buffer only with allow.read_msgbuf"; }
read_msgbuf_body()
{
    setup
    mkjail a
    mkjail b allow.read_msgbuf
    vj_probe a EPERM syslog
    vj_probe b ok syslog
    atf_check -s not-exit:0 -e ignore -o ignore "$(vj_bin jexec)" "$(vj_name a)" dmesg
    # reading is allowed, clearing the host's buffer is not
    atf_check -s not-exit:0 -e ignore -o ignore "$(vj_bin jexec)" "$(vj_name b)" dmesg -c
}
read_msgbuf_cleanup() { vj_cleanup; }

atf_test_case reserved_ports cleanup
reserved_ports_head() { atf_set descr "ports below 1024 unless allow.noreserved_ports"; }
reserved_ports_body()
{
    setup
    mkjail a vnet
    mkjail b vnet allow.noreserved_ports
    vj_probe a ok bind 80
    vj_probe b EACCES bind 80
    vj_probe b ok bind 8080
}
reserved_ports_cleanup() { vj_cleanup; }

atf_test_case suser cleanup
suser_head() { atf_set descr "allow.nosuser: root has no privileges at all"; }
suser_body()
{
    setup
    mkjail j allow.nosuser
    atf_check -o inline:"CapEff:\t0000000000000000\n" "$(vj_bin jexec)" "$(vj_name j)" \
        grep "^CapEff:" /proc/self/status
    touch root/vjt_owned
    chown 1001 root/vjt_owned
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" chown 0 /vjt_owned
}
suser_cleanup() { vj_cleanup; }

atf_test_case devfs cleanup
devfs_head() { atf_set descr "devfs rulesets: the jail's /dev holds only the ruleset's nodes"; }
devfs_body()
{
    setup
    mkjail d4
    atf_check -o inline:"fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n" \
        "$(vj_bin jexec)" "$(vj_name d4)" ls /dev
    # no host disks, memory or consoles
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name d4)" ls /dev/mem /dev/vda /dev/kmsg
    # its own pts instance: the host's terminals are not there
    atf_check -o inline:"ptmx\n" "$(vj_bin jexec)" "$(vj_name d4)" ls /dev/pts
    vj_probe d4 EPERM mknod_chr /dev/vjt_mem
    mkjail d1 devfs_ruleset=1
    atf_check -o empty "$(vj_bin jexec)" "$(vj_name d1)" ls /dev
    mkjail d2 devfs_ruleset=2
    atf_check -o inline:"full\nnull\nrandom\nurandom\nzero\n" "$(vj_bin jexec)" "$(vj_name d2)" ls /dev
    atf_check -s exit:1 -e match:"ruleset 7 is not supported" \
        "$(vj_bin jail)" -c name="$(vj_name d7)" path="$PWD/root" persist mount.devfs devfs_ruleset=7
}
devfs_cleanup() { vj_cleanup; }

atf_test_case devices cleanup
devices_head() { atf_set descr "device nodes outside devfs's set cannot be opened (a copy of a host disk's node)"; }
devices_body()
{
    setup
    local disk
    disk=$(find /dev -maxdepth 1 -type b | head -1)
    [ -n "$disk" ] || atf_skip "no block device on this host"
    # a node the jail's root tree carries (made from the host side)
    mknod root/vjt_disk b "$(printf '%d' "0x$(stat -c '%t' "$disk")")" \
        "$(printf '%d' "0x$(stat -c '%T' "$disk")")" || atf_fail "mknod failed"
    mknod root/vjt_kmsg c 1 11
    mkjail j
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" \
        dd if=/vjt_disk of=/dev/null bs=512 count=1
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" head -c1 /vjt_kmsg
    # devfs's own nodes work
    atf_check -o inline:"1\n" "$(vj_bin jexec)" "$(vj_name j)" sh -c 'head -c1 /dev/zero | wc -c'
    # a jail on the host's root sees the host's /dev, but cannot open its disks
    atf_check -o ignore "$(vj_bin jail)" -c name="$(vj_name h)" path=/ persist
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name h)" \
        dd if="$disk" of=/dev/null bs=512 count=1
    atf_check -o inline:"1\n" "$(vj_bin jexec)" "$(vj_name h)" sh -c 'head -c1 /dev/zero | wc -c'
}
devices_cleanup() { vj_cleanup; }

atf_test_case warnings cleanup
warnings_head() { atf_set descr "allow.* without a Linux meaning are warned about, not silently ignored"; }
warnings_body()
{
    setup
    local n
    n=$(vj_name)
    atf_check -o ignore -e save:err "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist \
        allow.nfsd exec.fib=1 allow.mount.zfs
    # once each: the policy's own text, and the generic one for parameters
    # the policy does not speak about (exec.fib)
    atf_check -o inline:"1\n" grep -c "^jail: $n: allow.nfsd: has no meaning on Linux" err
    atf_check -o inline:"1\n" grep -c "^jail: $n: exec.fib: has no meaning on Linux; ignored" err
    atf_check -o inline:"1\n" grep -c "allow.mount.zfs" err
    # not on jexec; again on jail -m
    atf_check -o inline:"ok\n" -e empty "$(vj_bin jexec)" "$n" echo ok
    atf_check -o ignore -e match:"^jail: $n: allow.vmm: has no meaning on Linux" \
        "$(vj_bin jail)" -m name="$n" allow.vmm
    atf_check "$(vj_bin jail)" -r "$n"
    # recorded for jls, but not what the jail's uname says; and a
    # command-line jail without a name is not called "jail" in them
    atf_check -o ignore -e inline:"jail: osrelease: recorded for jls only: uname(2) in the jail reports the host's release (Linux has no per-namespace release)\njail: exec.fib: has no meaning on Linux; ignored\n" \
        "$(vj_bin jail)" -c path=/ osrelease=13.2-RELEASE exec.fib=1 command=/bin/true
}
warnings_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case capabilities
    atf_add_test_case mount_denied
    atf_add_test_case raw_sockets
    atf_add_test_case socket_af
    atf_add_test_case sysv_disable
    atf_add_test_case sysv_new_inherit
    atf_add_test_case sysv_mix
    atf_add_test_case modules
    atf_add_test_case proc_sys
    atf_add_test_case vnet_sysctl
    atf_add_test_case mknod
    atf_add_test_case chroot_escape
    atf_add_test_case proc_root
    atf_add_test_case supervisor
    atf_add_test_case host_mounts
    atf_add_test_case open_by_handle
    atf_add_test_case clock
    atf_add_test_case reboot
    atf_add_test_case kernel_interfaces
    atf_add_test_case namespaces
    atf_add_test_case tiocsti
    atf_add_test_case compat_syscalls
    atf_add_test_case set_hostname
    atf_add_test_case mlock
    atf_add_test_case read_msgbuf
    atf_add_test_case reserved_ports
    atf_add_test_case suser
    atf_add_test_case devfs
    atf_add_test_case devices
    atf_add_test_case warnings
}

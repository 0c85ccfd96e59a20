#! /usr/bin/env atf-sh
# allow.mount: root in a jail mounts the file system types its
# allow.mount.<fs> parameters allow (FreeBSD's names and Linux's), in the
# jail's own mount namespace, and unmounts them again; it cannot undo,
# uncover or leave what the host set up.  Each claim is one test case that
# fails without the protection.  Privileged operations are made by
# isolation_probe.c (one call each, prints "ok" or the errno name).

. "$(atf_get_srcdir)/vjail.subr"

ALLTYPES="allow.mount.tmpfs allow.mount.nullfs allow.mount.procfs allow.mount.linprocfs
    allow.mount.devfs allow.mount.fusefs allow.mount.linsysfs"

# setup: busybox root in ./root with the probe at /probe, mount points /mnt/a, /mnt/b
setup()
{
    vj_require_root
    command -v cc >/dev/null 2>&1 || atf_skip "a C compiler is needed to build the probe"
    vj_mkroot root
    mkdir -p root/mnt/a root/mnt/b
    cc -static -O1 -o root/probe "$(atf_get_srcdir)/isolation_probe.c" 2>cc.err ||
        atf_skip "cannot build the static probe: $(head -1 cc.err)"
}

# mkjail SUFFIX [param ...]: a persistent jail on ./root with /proc, /dev
# and allow.mount (enforce_statfs=1, as FreeBSD requires)
mkjail()
{
    local n
    n=$(vj_name "$1")
    shift
    atf_check -o ignore -e ignore "$(vj_bin jail)" -c name="$n" path="$PWD/root" \
        mount.procfs mount.devfs persist allow.mount enforce_statfs=1 "$@"
}

# jx SUFFIX CMD...: run a command in the jail
jx()
{
    local n=$1
    shift
    "$(vj_bin jexec)" "$(vj_name "$n")" "$@"
}

atf_test_case denied cleanup
denied_head() { atf_set descr "without allow.mount (or with enforce_statfs=2) nothing can be mounted or unmounted"; }
denied_body()
{
    setup
    atf_check -o ignore -e ignore "$(vj_bin jail)" -c name="$(vj_name j)" path="$PWD/root" \
        mount.procfs mount.devfs persist
    vj_probe j EPERM mount tmpfs /mnt/a
    vj_probe j EPERM bind_mount /etc /mnt/a
    vj_probe j EPERM umount /proc
    vj_probe j EPERM fsopen tmpfs
    # FreeBSD: allow.mount needs enforce_statfs < 2; said so, and nothing mounts
    atf_check -o ignore -e match:"allow.mount: has no effect while enforce_statfs is 2" \
        "$(vj_bin jail)" -c name="$(vj_name s)" path="$PWD/root" persist allow.mount \
        allow.mount.tmpfs
    vj_probe s EPERM mount tmpfs /mnt/a
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name s)" mount -t tmpfs tmpfs /mnt/a
}
denied_cleanup() { vj_cleanup; }

atf_test_case tmpfs cleanup
tmpfs_head() { atf_set descr "allow.mount.tmpfs: root mounts a tmpfs, every process of the jail sees it, the host does not"; }
tmpfs_body()
{
    setup
    mkjail t allow.mount.tmpfs
    atf_check "$(vj_bin jexec)" "$(vj_name t)" mount -t tmpfs -o mode=0700,size=1m vjt /mnt/a
    atf_check "$(vj_bin jexec)" "$(vj_name t)" sh -c 'echo vjt > /mnt/a/f'
    # a second process of the jail (another jexec) sees the same mount
    atf_check -o inline:"vjt\n" "$(vj_bin jexec)" "$(vj_name t)" cat /mnt/a/f
    atf_check -o inline:"700\n" "$(vj_bin jexec)" "$(vj_name t)" stat -c %a /mnt/a
    atf_check -o match:" /mnt/a .* - tmpfs vjt " "$(vj_bin jexec)" "$(vj_name t)" cat /proc/self/mountinfo
    # not on the host: neither the file nor the mount
    [ ! -e root/mnt/a/f ] || atf_fail "the jail's tmpfs is on the host's directory"
    atf_check -o empty -x "grep -F ' $PWD/root/mnt/a ' /proc/self/mountinfo || true"
    # its files belong to their users, as elsewhere in the jail
    atf_check "$(vj_bin jexec)" "$(vj_name t)" chmod 1777 /mnt/a
    atf_check -o inline:"1001\n" "$(vj_bin jexec)" -U vjuser "$(vj_name t)" sh -c \
        'touch /mnt/a/u && stat -c %u /mnt/a/u'
    # root unmounts it again; other users may neither mount nor unmount
    atf_check -s exit:1 -o inline:"EPERM\n" "$(vj_bin jexec)" -U vjuser "$(vj_name t)" \
        /probe mount tmpfs /mnt/b
    atf_check -s exit:1 -o inline:"EPERM\n" "$(vj_bin jexec)" -U vjuser "$(vj_name t)" \
        /probe umount /mnt/a
    atf_check "$(vj_bin jexec)" "$(vj_name t)" umount /mnt/a
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name t)" cat /mnt/a/f
    # as on FreeBSD, a refused mount is EPERM: mount(8) fails
    vj_probe t EPERM mount ramfs /mnt/a
    atf_check -s not-exit:0 -e match:"mount: " "$(vj_bin jexec)" "$(vj_name t)" mount -t ramfs ramfs /mnt/a
}
tmpfs_cleanup() { vj_cleanup; }

atf_test_case nullfs cleanup
nullfs_head() { atf_set descr "allow.mount.nullfs: bind mounts (mount --bind, mount -t nullfs) of the jail's own files"; }
nullfs_body()
{
    setup
    mkjail n allow.mount.nullfs
    atf_check "$(vj_bin jexec)" "$(vj_name n)" mount --bind /etc /mnt/a
    atf_check -o match:"^root:" "$(vj_bin jexec)" "$(vj_name n)" cat /mnt/a/passwd
    atf_check "$(vj_bin jexec)" "$(vj_name n)" umount /mnt/a
    # FreeBSD's name, read-only
    atf_check "$(vj_bin jexec)" "$(vj_name n)" mount -t nullfs -o ro /etc /mnt/b
    atf_check -o match:"^root:" "$(vj_bin jexec)" "$(vj_name n)" cat /mnt/b/passwd
    atf_check -s not-exit:0 -e match:"Read-only" "$(vj_bin jexec)" "$(vj_name n)" touch /mnt/b/vjt
    atf_check "$(vj_bin jexec)" "$(vj_name n)" umount /mnt/b
    vj_probe n ok open_tree_clone /etc
    # only the jail's tree: the host's files are not under a bind of /
    touch vjt_outside_marker
    atf_check "$(vj_bin jexec)" "$(vj_name n)" mount --rbind / /mnt/a
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name n)" ls "/mnt/a$PWD/vjt_outside_marker"
    atf_check "$(vj_bin jexec)" "$(vj_name n)" umount -l /mnt/a
}
nullfs_cleanup() { vj_cleanup; }

atf_test_case procfs cleanup
procfs_head() { atf_set descr "allow.mount.procfs: a procfs mount shows the jail's processes, with the jail's masks, locked"; }
procfs_body()
{
    setup
    mkjail p allow.mount.procfs
    atf_check "$(vj_bin jexec)" "$(vj_name p)" mount -t proc proc /mnt/a
    atf_check -o match:"vjail-sup" "$(vj_bin jexec)" "$(vj_name p)" cat /mnt/a/1/cmdline
    # the masks are there and cannot be taken off
    for f in kmsg keys timer_list; do
        [ -e "/proc/$f" ] || continue
        atf_check -o empty "$(vj_bin jexec)" "$(vj_name p)" cat "/mnt/a/$f"
        vj_probe p EINVAL umount "/mnt/a/$f"
    done
    vj_probe p EROFS rewrite /mnt/a/sys/kernel/core_pattern
    atf_check "$(vj_bin jexec)" "$(vj_name p)" umount -l /mnt/a
    # FreeBSD's name; linprocfs is its own parameter
    atf_check "$(vj_bin jexec)" "$(vj_name p)" mount -t procfs proc /mnt/b
    atf_check "$(vj_bin jexec)" "$(vj_name p)" umount -l /mnt/b
    vj_probe p EPERM mount linprocfs /mnt/a
    mkjail l allow.mount.linprocfs
    vj_probe l ok mount linprocfs /mnt/a
    vj_probe l EPERM mount procfs /mnt/b
}
procfs_cleanup() { vj_cleanup; }

atf_test_case devfs cleanup
devfs_head() { atf_set descr "allow.mount.devfs: devfs (the jail's ruleset) and devpts mounts"; }
devfs_body()
{
    setup
    mkjail d allow.mount.devfs devfs_ruleset=2
    atf_check -o inline:"full\nnull\nrandom\nurandom\nzero\n" "$(vj_bin jexec)" "$(vj_name d)" sh -c \
        'mount -t devfs devfs /mnt/a && ls /mnt/a'
    atf_check -o inline:"1\n" "$(vj_bin jexec)" "$(vj_name d)" sh -c 'head -c1 /mnt/a/zero | wc -c'
    atf_check "$(vj_bin jexec)" "$(vj_name d)" mount -t devpts devpts /mnt/b
    atf_check -o inline:"ptmx\n" "$(vj_bin jexec)" "$(vj_name d)" ls /mnt/b
    vj_probe d EPERM mount tmpfs /mnt/a
}
devfs_cleanup() { vj_cleanup; }

atf_test_case fusefs cleanup
fusefs_head() { atf_set descr "allow.mount.fusefs: /dev/fuse and FUSE mounts; without it neither"; }
fusefs_body()
{
    setup
    [ -c /dev/fuse ] || atf_skip "this kernel has no FUSE"
    mknod root/vjt_fuse c 10 229
    mkjail f allow.mount.fusefs
    mkjail x allow.mount.tmpfs
    # the kernel's first request arrives on the jailed daemon's descriptor
    vj_probe f ok fuse_mount /mnt/a
    atf_check -o match:"^c" "$(vj_bin jexec)" "$(vj_name f)" stat -c %A /dev/fuse
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name x)" ls /dev/fuse
    # a node the jail carries is useless without allow.mount.fusefs
    vj_probe x EPERM openw /vjt_fuse
    vj_probe f ok openw /vjt_fuse
}
fusefs_cleanup() { vj_cleanup; }

atf_test_case types cleanup
types_head() { atf_set descr "each file system type only with its allow.mount.<fs>; other types never"; }
types_body()
{
    setup
    local t p
    # allow.mount alone: nothing
    mkjail none
    vj_probe none EPERM mount tmpfs /mnt/a
    vj_probe none EPERM mount proc /mnt/a
    vj_probe none EPERM mount devpts /mnt/a
    vj_probe none EPERM mount nullfs /mnt/a
    vj_probe none EPERM bind_mount /etc /mnt/a
    vj_probe none EPERM open_tree_clone /etc
    # every type but one: that one is refused
    for t in tmpfs:tmpfs nullfs:nullfs procfs:procfs devfs:devpts linsysfs:sysfs; do
        p=${t%%:*}
        mkjail "no$p" $(echo $ALLTYPES | tr ' ' '\n' | grep -v "allow.mount.$p\$")
        vj_probe "no$p" EPERM mount "${t#*:}" /mnt/a
    done
    vj_probe nonullfs EPERM bind_mount /etc /mnt/a
    # with all of them: types without a FreeBSD counterpart, disks,
    # kernel interfaces, unknown names (no module is loaded for them)
    mkjail all $ALLTYPES
    for t in ramfs overlay mqueue cgroup cgroup2 binfmt_misc bpf hugetlbfs ext4 xfs \
        squashfs debugfs tracefs securityfs configfs fdescfs zfs vjtnosuchfs; do
        vj_probe all EPERM mount "$t" /mnt/a
    done
    # the new mount API's fsopen would skip the type check: ENOSYS, so
    # that mount(8) falls back to mount(2)
    vj_probe all ENOSYS fsopen tmpfs
    vj_probe all ok mount tmpfs /mnt/a
}
types_cleanup() { vj_cleanup; }

atf_test_case locked cleanup
locked_head() { atf_set descr "the host's mounts in the jail (root, /proc, /sys masks, /dev) cannot be unmounted, moved, uncovered or loosened"; }
locked_body()
{
    setup
    mkjail j $ALLTYPES
    vj_probe j EINVAL umount /proc
    vj_probe j EINVAL umount /proc/kmsg
    vj_probe j EINVAL umount /proc/sys
    vj_probe j EINVAL umount /dev
    vj_probe j EINVAL umount /
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount --move /proc /mnt/a
    # a bind of /proc without what covers its files: refused
    vj_probe j EINVAL bind_mount /proc /mnt/a
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount --bind / /mnt/a
    # /proc/sys stays read-only
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount -o remount,bind,rw /proc/sys
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount -o remount,rw /proc/sys
    vj_probe j EROFS rewrite /proc/sys/kernel/core_pattern
    # the masks come along in a recursive bind, still locked
    atf_check "$(vj_bin jexec)" "$(vj_name j)" mount --rbind /proc /mnt/a
    vj_probe j EINVAL umount /mnt/a/kmsg
    atf_check -o empty "$(vj_bin jexec)" "$(vj_name j)" cat /mnt/a/kmsg
    vj_probe j EROFS rewrite /mnt/a/sys/kernel/core_pattern
    atf_check "$(vj_bin jexec)" "$(vj_name j)" umount -l /mnt/a
    # no overlay of /proc (it would show what the masks cover)
    vj_probe j EPERM mount overlay /mnt/a "lowerdir=/proc"
    # the root stays the root
    vj_probe j EPERM pivot_root /mnt /mnt/a
    touch vjt_outside_marker
    vj_probe j ENOENT chroot_escape "$PWD/vjt_outside_marker"
}
locked_cleanup() { vj_cleanup; }

atf_test_case isolation cleanup
isolation_head() { atf_set descr "with allow.mount, root still cannot reach disks, modules, devices, the host's network or mounts"; }
isolation_body()
{
    setup
    local disk n mp
    n=$(vj_name j)
    disk=$(find /dev -maxdepth 1 -type b | head -1)
    if [ -n "$disk" ]; then
        mknod root/vjt_disk b "$(printf '%d' "0x$(stat -c '%t' "$disk")")" \
            "$(printf '%d' "0x$(stat -c '%T' "$disk")")" || atf_fail "mknod failed"
    fi
    mkjail j $ALLTYPES ip4=inherit   # (raw sockets below: EPERM, not a disabled family)
    # block devices: no mount, no access
    if [ -n "$disk" ]; then
        atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount -t ext4 /vjt_disk /mnt/a
        atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" mount /vjt_disk /mnt/a
        atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" dd if=/vjt_disk of=/dev/null bs=512 count=1
    fi
    # no device nodes, not even on a tmpfs of its own
    atf_check "$(vj_bin jexec)" "$(vj_name j)" mount -t tmpfs tmpfs /mnt/b
    vj_probe j EPERM mknod_chr /mnt/b/null
    vj_probe j EPERM mknod_chr /tmp/vjt_null
    # no modules, no new namespaces, the host's network untouched
    vj_probe j EPERM finit_module
    vj_probe j EPERM unshare_user
    vj_probe j EPERM setns
    vj_probe j EPERM raw_socket
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" ip link set lo down
    # the jail's own mounts only, in every process (vjail's included)
    jx j sh -c 'cat /proc/*/mountinfo' >mi 2>/dev/null || atf_fail "cannot read mountinfo"
    [ -s mi ] || atf_fail "no mountinfo read in the jail"
    atf_check -o empty -x "awk '{print \$5}' mi | sort -u | grep -Ev '^/((dev|proc|mnt/b)(/.*)?)?\$' || true"
    atf_check -o empty -x "awk '\$5 != \"/\"' mi | grep -F '$PWD' || true"
    # vjail-mountd: nothing of it is within reach
    mp=$(jx j sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = vjail-mountd ] && echo ${p#/proc/}; done')
    [ -n "$mp" ] || atf_fail "no vjail-mountd in the jail"
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$(vj_name j)" ls "/proc/$mp/root/"
    atf_check -s not-exit:0 -e ignore -o ignore "$(vj_bin jexec)" "$(vj_name j)" cat "/proc/$mp/environ"
    # and it goes with the jail
    atf_check -o ignore "$(vj_bin jail)" -r "$n"
    atf_check -o empty -x "pgrep -f 'vjail-sup: $n\$' || true"
}
isolation_cleanup() { vj_cleanup; }

atf_test_case interplay cleanup
interplay_head() { atf_set descr "allow.mount with vnet, allow.set_hostname, System V IPC, reserved ports and rctl"; }
interplay_body()
{
    setup
    mkjail v vnet allow.mount.tmpfs host.hostname=vjt.before
    # jailed root keeps its network powers in its VNET jail
    atf_check -o match:"UP" "$(vj_bin jexec)" "$(vj_name v)" ifconfig lo
    atf_check "$(vj_bin jexec)" "$(vj_name v)" ip addr add 10.99.0.1/32 dev lo
    atf_check -o match:"10.99.0.1" "$(vj_bin jexec)" "$(vj_name v)" ip addr show lo
    vj_probe v ok bind 80
    atf_check "$(vj_bin jexec)" "$(vj_name v)" mount -t tmpfs tmpfs /mnt/a
    # host name (allow.set_hostname, default), only with it
    vj_probe v ok sethostname vjt.after
    atf_check -o inline:"vjt.after\n" "$(vj_bin jexec)" "$(vj_name v)" hostname
    [ "$(hostname)" != vjt.after ] || atf_fail "the host's hostname changed"
    mkjail h allow.noset_hostname allow.mount.tmpfs
    vj_probe h EPERM sethostname vjt.after
    # System V IPC
    mkjail s sysvmsg=new allow.mount.tmpfs
    vj_probe s ok msgget
    vj_probe s ENOSYS shmget
    # rctl: vjail-mountd's work is not the jail's (sh and mount make 2 of 3)
    mkjail r allow.mount.tmpfs rctl=maxproc:deny=3
    atf_check -o inline:"ok\n" "$(vj_bin jexec)" "$(vj_name r)" sh -c 'mount -t tmpfs tmpfs /mnt/a && echo ok'
    atf_check -s ignore -o ignore -e match:"can't fork" "$(vj_bin jexec)" "$(vj_name r)" /bin/sh -c \
        'sleep 2 & sleep 2 & sleep 2 & wait; echo done'
    atf_check -o ignore "$(vj_bin jail)" -r "$(vj_name r)"
}
interplay_cleanup() { vj_cleanup; }

atf_test_case nested cleanup
nested_head() { atf_set descr "a child jail gets allow.mount and its types only if its parent has them"; }
nested_body()
{
    vj_require_root
    local n jail jexec
    n=$(vj_name)
    jail=$(vj_bin jail)
    jexec=$(vj_bin jexec)
    atf_check "$jail" -c name="$n" path=/ persist children.max=2 allow.mount enforce_statfs=1 \
        allow.mount.tmpfs
    atf_check -s exit:1 -e match:"allow.mount.nullfs" "$jexec" "$n" "$jail" -c name=c1 persist \
        allow.mount enforce_statfs=1 allow.mount.nullfs
    atf_check -o empty -e empty "$jexec" "$n" "$jail" -c name=c1 persist allow.mount \
        enforce_statfs=1 allow.mount.tmpfs
    mkdir vjt_mp
    atf_check "$jexec" "$n.c1" mount -t tmpfs vjtchild "$PWD/vjt_mp"
    atf_check -o match:"vjtchild" "$jexec" "$n.c1" cat /proc/self/mountinfo
    # the child's mount is in its mount namespace only
    atf_check -o empty -x "grep vjtchild /proc/self/mountinfo || true"
    atf_check -o empty -x "$jexec $n grep vjtchild /proc/self/mountinfo || true"
    atf_check "$jail" -r "$n"
    # a parent without allow.mount: its children cannot have it
    atf_check "$jail" -c name="${n}_p" path=/ persist children.max=1 enforce_statfs=1
    atf_check -s exit:1 -e match:"allow.mount" "$jexec" "${n}_p" "$jail" -c name=c persist \
        allow.mount enforce_statfs=1
}
nested_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case denied
    atf_add_test_case tmpfs
    atf_add_test_case nullfs
    atf_add_test_case procfs
    atf_add_test_case devfs
    atf_add_test_case fusefs
    atf_add_test_case types
    atf_add_test_case locked
    atf_add_test_case isolation
    atf_add_test_case interplay
    atf_add_test_case nested
}

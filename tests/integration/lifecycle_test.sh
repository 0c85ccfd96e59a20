#! /usr/bin/env atf-sh
# Jail lifetimes and the jail as Linux sees it: persist, command in the
# foreground, non-persistent jails ending with their last process, -m,
# -mr, -C, ${jid}, path/pivot_root, path=/ with its own /proc, vnet.

. "$(atf_get_srcdir)/vjail.subr"

cgroot()
{
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup/unified
    else
        echo /sys/fs/cgroup
    fi
}

# wait_gone NAME: up to 10 s for a jail to disappear completely
wait_gone()
{
    local i=0
    while "$(vj_bin jls)" -d -c -j "$1" && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    ! "$(vj_bin jls)" -d -c -j "$1"
}

atf_test_case persist cleanup
persist_head() { atf_set descr "a persistent jail lives without processes until jail -r; all released"; }
persist_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    # command-line creation prints nothing (FreeBSD); -i prints the jid
    atf_check -o empty -e empty "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist
    jid=$("$(vj_bin jls)" -j "$n" jid)
    [ -d "$(cgroot)/vjail/$jid/jail" ] || atf_fail "no cgroup"
    atf_check -o empty "cat" "$(cgroot)/vjail/$jid/jail/cgroup.procs"
    sleep 1
    atf_check -o inline:"$jid\n" "$(vj_bin jls)" -j "$n" jid
    atf_check -o empty -e empty "$(vj_bin jail)" -r "$n"
    [ ! -e "/run/vjail/jails/$jid" ] || atf_fail "registry entry left"
    [ ! -d "$(cgroot)/vjail/$jid" ] || atf_fail "cgroup left"
    atf_check -o match:'^[0-9]+$' "$(vj_bin jail)" -i -c name="$n" path="$PWD/root" persist
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check -s exit:1 -e inline:"jail: new jail must persist or attach\n" \
        "$(vj_bin jail)" -c name="$n" path="$PWD/root"
    atf_check -s exit:1 -e inline:"jail: \"$n\" not found\n" "$(vj_bin jail)" -r "$n"
}
persist_cleanup() { vj_cleanup; }

atf_test_case command cleanup
command_head() { atf_set descr "command= runs in the foreground in the jail; status as FreeBSD; jail ends"; }
command_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    echo hello > input
    atf_check -o inline:"hello\n" "$(vj_bin jail)" -c name="$n" path="$PWD/root" \
        command=/bin/cat < input
    wait_gone "$n" || atf_fail "jail still there after its command"
    atf_check -s exit:1 -e inline:"jail: /bin/sh -c exit 3: failed\n" \
        "$(vj_bin jail)" -c name="$n" path="$PWD/root" command=/bin/sh -c "exit 3"
    wait_gone "$n" || atf_fail "failed jail left"
    # pivot_root: the jail sees its own tree, not the host's
    atf_check -o save:ls "$(vj_bin jail)" -c name="$n" path="$PWD/root" command=/bin/ls /
    atf_check grep -qx bin ls
    atf_check -s exit:1 grep -qx work ls
    # its own PID namespace: the command is pid 2, pid 1 the supervisor
    atf_check -o inline:"2\n" "$(vj_bin jail)" -c name="$n" path="$PWD/root" mount.procfs \
        command=/bin/sh -c 'echo $$'
}
command_cleanup() { vj_cleanup; }

atf_test_case nonpersist cleanup
nonpersist_head() { atf_set descr "a non-persistent jail ends when its last process exits, releasing everything"; }
nonpersist_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" mount.devfs \
        exec.start="/bin/sleep 2 &"
    jid=$("$(vj_bin jls)" -j "$n" jid) || atf_fail "jail gone too early"
    grep -q "$PWD/root/dev" /proc/self/mountinfo || atf_fail "devfs not mounted"
    wait_gone "$n" || atf_fail "jail did not end"
    [ ! -d "$(cgroot)/vjail/$jid" ] || atf_fail "cgroup left"
    ! grep -q "$PWD/root/dev" /proc/self/mountinfo || atf_fail "devfs left mounted"
}
nonpersist_cleanup() { vj_cleanup; }

atf_test_case hostroot cleanup
hostroot_head() { atf_set descr "path=/ shares the tree but has its own /proc and no registry"; }
hostroot_body()
{
    vj_require_root
    local n
    n=$(vj_name)
    atf_check -o save:procs "$(vj_bin jail)" -c name="$n" path=/ \
        command=/bin/sh -c 'ls /proc | grep -c "^[0-9]"'
    [ "$(cat procs)" -le 4 ] || atf_fail "sees $(cat procs) processes"
    atf_check -o inline:"self\n" "$(vj_bin jail)" -c name="$n" path=/ command=/bin/ls /run/vjail
    atf_check -o inline:"h.example\nd.example\n" "$(vj_bin jail)" -c name="$n" path=/ \
        host.hostname=h.example host.domainname=d.example \
        command=/bin/sh -c 'hostname; cat /proc/sys/kernel/domainname'
}
hostroot_cleanup() { vj_cleanup; }

atf_test_case modify cleanup
modify_head() { atf_set descr "-m changes host.hostname live, refuses create-only parameters; -mr restarts"; }
modify_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    cat > jail.conf <<CONF
$n { path = "$PWD/root"; persist; host.hostname = one; }
CONF
    atf_check -o inline:"$n: created\n" "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check -o inline:"one\n" "$(vj_bin jexec)" "$n" /bin/hostname
    sed -i 's/one/two/' jail.conf
    atf_check -o inline:"$n: updated\n" "$(vj_bin jail)" -f jail.conf -m "$n"
    atf_check -o inline:"two\n" "$(vj_bin jexec)" "$n" /bin/hostname
    atf_check -o inline:"two\n" "$(vj_bin jls)" -j "$n" host.hostname
    # command line: silent
    atf_check -o empty "$(vj_bin jail)" -m name="$n" host.hostname=three
    atf_check -o inline:"three\n" "$(vj_bin jexec)" "$n" /bin/hostname
    mkdir root2
    sed -i "s|$PWD/root|$PWD/root2|" jail.conf
    atf_check -s exit:1 -e inline:"jail: $n: path cannot be changed after creation\n" \
        "$(vj_bin jail)" -f jail.conf -m "$n"
    atf_check -o inline:"$jid\n" "$(vj_bin jls)" -j "$n" jid
    # -mr: restart with the new path; the removal is not announced
    atf_check -o inline:"$n: created\n" "$(vj_bin jail)" -f jail.conf -mr "$n"
    atf_check -o inline:"$PWD/root2\n" "$(vj_bin jls)" -j "$n" path
    atf_check -s exit:1 -e inline:"jail: \"nosuch_$n\" not found\n" \
        "$(vj_bin jail)" -m name="nosuch_$n" host.hostname=x
    atf_check -o inline:"$n: removed\n" "$(vj_bin jail)" -f jail.conf -r "$n"
}
modify_cleanup() { vj_cleanup; }

atf_test_case jid_expand cleanup
jid_expand_head() { atf_set descr "\${jid} expands to the jid the jail gets; an expansion error fails only that jail"; }
jid_expand_body()
{
    vj_require_root
    local n jid
    n=$(vj_name)
    cat > jail.conf <<CONF
path = "/"; persist;
${n}_a { host.hostname = "h\${jid}"; }
${n}_b { host.hostname = "\$nosuch"; }
CONF
    atf_check -s exit:1 -o inline:"${n}_a: created\n" -e match:"${n}_b: .*nosuch" \
        "$(vj_bin jail)" -f jail.conf -c
    jid=$("$(vj_bin jls)" -j "${n}_a" jid)
    atf_check -o inline:"h$jid\n" "$(vj_bin jls)" -j "${n}_a" host.hostname
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "${n}_b"
    [ "$(grep -l "^name	${n}_b\$" /run/vjail/jails/* 2>/dev/null)" = "" ] || atf_fail "reservation left"
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -r "${n}_a"
}
jid_expand_cleanup() { vj_cleanup; }

atf_test_case vnet cleanup
vnet_head() { atf_set descr "vnet: own network namespace with lo up; vnet.interface moved in and back"; }
vnet_body()
{
    vj_require_root
    vj_mkroot root
    local n ifc
    n=$(vj_name)
    atf_check -o save:links "$(vj_bin jail)" -c name="$n" path="$PWD/root" vnet mount.procfs \
        command=/bin/ip -o link
    [ "$(wc -l < links)" -eq 1 ] || atf_fail "more than lo: $(cat links)"
    atf_check grep -q "lo:.*UP" links
    # an interface handed to the jail and given back on removal
    ifc=vjtd$$
    echo "$ifc" > ifname
    ip link add "$ifc" type dummy || atf_skip "cannot create a dummy interface"
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" vnet persist mount.procfs \
        vnet.interface="$ifc"
    atf_check -s exit:1 -e ignore ip link show "$ifc"
    atf_check -o match:"$ifc" "$(vj_bin jexec)" "$n" /bin/ip -o link
    atf_check "$(vj_bin jail)" -r "$n"
    atf_check -o ignore ip link show "$ifc"
    # a jail without vnet cannot take one
    atf_check -s exit:1 -e inline:"jail: vnet.interface: the jail has no vnet\n" \
        "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist vnet.interface="$ifc"
    atf_check -o ignore ip link show "$ifc"
}
vnet_cleanup()
{
    vj_cleanup
    [ -s ifname ] && ip link del "$(cat ifname)" 2>/dev/null
    return 0
}

atf_test_case mounts cleanup
mounts_head() { atf_set descr "mount, mount.fstab, devfs, fdescfs: made in order, unmounted in reverse, symlinks refused"; }
mounts_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    mkdir -p src root/mnt root/mnt2 && echo data > src/file
    echo "$PWD/src $PWD/root/mnt2 nullfs ro 0 0" > fstab
    cat > jail.conf <<CONF
$n {
    path = "$PWD/root"; persist;
    mount = "$PWD/src $PWD/root/mnt nullfs ro";
    mount.fstab = "$PWD/fstab";
    mount.devfs; mount.fdescfs;
}
CONF
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    atf_check -o inline:"data\n" "$(vj_bin jexec)" "$n" /bin/cat /mnt/file /dev/null
    atf_check -o inline:"data\n" "$(vj_bin jexec)" "$n" /bin/cat /mnt2/file
    atf_check -s not-exit:0 -e ignore "$(vj_bin jexec)" "$n" /bin/touch /mnt/x
    atf_check -o inline:"/proc/self/fd\n" readlink root/dev/fd
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -r "$n"
    ! grep -q "$PWD/root" /proc/self/mountinfo || atf_fail "mounts left"
    [ ! -e root/dev/fd ] || atf_fail "dev/fd left"
    # a symlink below the jail path is refused
    ln -s /tmp root/evil
    cat > jail.conf <<CONF
$n { path = "$PWD/root"; persist; mount = "$PWD/src $PWD/root/evil nullfs ro"; }
CONF
    atf_check -s exit:1 -e inline:"jail: $n: mount: $PWD/root/evil is a symbolic link\n" \
        "$(vj_bin jail)" -f jail.conf -c "$n"
    ! grep -q " /tmp " /proc/self/mountinfo || atf_fail "mounted through the link"
}
mounts_cleanup() { vj_cleanup; }

atf_test_case cleanup_flag cleanup
cleanup_flag_head() { atf_set descr "-r -C on a jail that is not running runs only the post-removal steps"; }
cleanup_flag_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    cat > jail.conf <<CONF
$n {
    path = "$PWD/root"; persist;
    mount = "tmpfs $PWD/root/tmp tmpfs rw";
    exec.prestop = "echo prestop >> $PWD/trace";
    exec.poststop = "echo poststop >> $PWD/trace";
    exec.release = "echo release >> $PWD/trace";
}
CONF
    # a leftover mount as a crashed host would leave it
    mount -t tmpfs tmpfs "$PWD/root/tmp"
    atf_check -s exit:1 -e inline:"jail: \"$n\" not found\n" "$(vj_bin jail)" -f jail.conf -r "$n"
    atf_check -o empty -e empty "$(vj_bin jail)" -f jail.conf -r -C "$n"
    atf_check -o inline:"poststop\nrelease\n" cat trace
    ! grep -q "$PWD/root/tmp" /proc/self/mountinfo || atf_fail "mount left"
}
cleanup_flag_cleanup() { vj_cleanup; }

atf_test_case stop_timeout cleanup
stop_timeout_head() { atf_set descr "SIGTERM, stop.timeout seconds, then the jail is killed"; }
stop_timeout_body()
{
    vj_require_root
    vj_mkroot root
    local n t0 t1
    n=$(vj_name)
    cat > jail.conf <<CONF
$n {
    path = "$PWD/root"; persist; mount.devfs; stop.timeout = 2;
    exec.start = "/bin/sh -c 'trap \\"\\" TERM; while :; do sleep 1; done' &";
}
CONF
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    sleep 0.5
    t0=$(date +%s)
    atf_check -o save:out "$(vj_bin jail)" -v -f jail.conf -r "$n"
    t1=$(date +%s)
    atf_check grep -q "^$n: sent SIGTERM to:" out
    atf_check grep -qx "$n: timed out" out
    [ $((t1 - t0)) -ge 2 ] && [ $((t1 - t0)) -le 6 ] || atf_fail "took $((t1 - t0)) s"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -d -j "$n"
}
stop_timeout_cleanup() { vj_cleanup; }

atf_test_case nonroot cleanup
nonroot_head()
{
    atf_set descr "jls works for any user, without writing anything; jexec needs root"
}
nonroot_body()
{
    vj_require_root
    command -v setpriv >/dev/null 2>&1 || atf_skip "setpriv is needed"
    local uid n jid
    uid=$(awk -F: '$1 == "nobody" { print $3 }' /etc/passwd)
    [ -n "$uid" ] || atf_skip "the host has no user nobody"
    vj_mkroot root
    n=$(vj_name)
    jid=$("$(vj_bin jail)" -i -c name="$n" path="$PWD/root" persist host.hostname=vjt.nonroot \
        exec.prestop="echo vjt_secret_value >/dev/null")
    local user="setpriv --reuid=$uid --regid=$uid --clear-groups --"
    # jail(8)'s own parameters (commands) stay private to root
    atf_check -s not-exit:0 -e ignore $user cat "/run/vjail/jails/$jid"
    atf_check -o not-match:vjt_secret_value $user cat "/run/vjail/public/$jid"
    atf_check -o not-match:vjt_secret_value $user "$(vj_bin jls)" -s -j "$n"
    atf_check -o match:vjt_secret_value cat "/run/vjail/jails/$jid"
    atf_check -o inline:"$jid $n vjt.nonroot\n" $user "$(vj_bin jls)" -j "$n" jid name host.hostname
    atf_check -o match:"^ *$jid .*vjt.nonroot" $user "$(vj_bin jls)"
    atf_check -s exit:1 -e inline:"jls: jail \"vjt_no_such\" not found\n" \
        $user "$(vj_bin jls)" -j vjt_no_such
    atf_check -s exit:1 -e inline:"jexec: jail_attach($jid): Operation not permitted\n" \
        $user "$(vj_bin jexec)" "$n" true
    # a non-root jail(8) changes nothing either
    atf_check -s exit:1 -e inline:"jail: $n: jail_remove: Operation not permitted\n" \
        $user "$(vj_bin jail)" -r "$n"
    atf_check -s exit:1 -e inline:"jail: jail_set: Operation not permitted\n" \
        $user "$(vj_bin jail)" -c name=vjt_nonroot_x path="$PWD/root" persist
    atf_check -o inline:"$n\n" "$(vj_bin jls)" -j "$n" name
    atf_check "$(vj_bin jail)" -r "$n"
}
nonroot_cleanup() { vj_cleanup; }

atf_test_case registry_compact cleanup
registry_compact_head()
{
    atf_set descr "an empty registry directory that grew (ext4 never shrinks one) is replaced by a fresh one"
}
registry_compact_body()
{
    vj_require_root
    case $(stat -f -c %T /run 2>/dev/null) in
    ext2/ext3 | ext4) ;;
    *) atf_skip "/run is not ext2/3/4 (a tmpfs directory shrinks by itself)" ;;
    esac
    [ -z "$("$(vj_bin jls)" -d jid)" ] || atf_skip "other jails exist: the registry is not empty"
    "$(vj_bin jail)" -c path=/ command=/bin/true   # (the directories exist)
    for i in $(seq 100); do     # (released by its supervisor, right after)
        [ -n "$("$(vj_bin jls)" -d jid)" ] || break
        sleep 0.05
    done
    local d i
    for d in jails public; do
        for i in $(seq 1500); do : > "/run/vjail/$d/.vjt$i"; done
        rm -f /run/vjail/$d/.vjt*
        [ "$(stat -c %s /run/vjail/$d)" -gt 4096 ] || atf_fail "/run/vjail/$d did not grow"
    done
    atf_check -o empty -e empty "$(vj_bin jail)" -c path=/ command=/bin/true
    for d in jails public; do
        atf_check -o inline:"4096\n" stat -c %s /run/vjail/$d
    done
    atf_check -o inline:"700\n" stat -c %a /run/vjail/jails
    atf_check -o inline:"755\n" stat -c %a /run/vjail/public
}
registry_compact_cleanup() { rm -f /run/vjail/jails/.vjt* /run/vjail/public/.vjt*; vj_cleanup; }

atf_test_case seccomp_cache cleanup
seccomp_cache_head() { atf_set descr "the compiled seccomp filters kept in /run/vjail/seccomp are bounded (64), the oldest go"; }
seccomp_cache_body()
{
    vj_require_root
    local d=/run/vjail/seccomp i lvl
    mkdir -p "$d"
    for i in $(seq 70); do
        : > "$d/vjt-old-$i"
        touch -d '2001-01-01' "$d/vjt-old-$i"
    done
    # a policy no earlier run compiled: a new file, then the pruning
    lvl=$(( $(date +%s%N) % 1000000 + 1000 ))
    atf_check "$(vj_bin jail)" -c path=/ securelevel="$lvl" command=/bin/true
    [ "$(ls "$d" | wc -l)" -le 64 ] || atf_fail "$(ls "$d" | wc -l) files in $d"
    [ "$(ls "$d" | grep -c '^vjt-old-')" -lt 70 ] || atf_fail "the oldest were not removed"
}
seccomp_cache_cleanup() { rm -f /run/vjail/seccomp/vjt-old-*; vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case seccomp_cache
    atf_add_test_case registry_compact
    atf_add_test_case nonroot
    atf_add_test_case stop_timeout
    atf_add_test_case persist
    atf_add_test_case command
    atf_add_test_case nonpersist
    atf_add_test_case hostroot
    atf_add_test_case modify
    atf_add_test_case jid_expand
    atf_add_test_case vnet
    atf_add_test_case mounts
    atf_add_test_case cleanup_flag
}

#! /usr/bin/env atf-sh
# Crash safety: SIGKILL the jail command or the supervisor at several
# points of creation and removal; afterwards one jls (or jail -r) must
# leave nothing behind, checked against the kernel's view: mounts
# (/proc/self/mountinfo), cgroups, processes and registry entries.

. "$(atf_get_srcdir)/vjail.subr"

cgroot()
{
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup/unified
    else
        echo /sys/fs/cgroup
    fi
}

# Gone, or a zombie waiting for an init that does not reap.
proc_gone()
{
    local st
    st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ]
}

# entry_of NAME: jid of a registry entry with that name ("" if none)
entry_of()
{
    grep -l "^name	$1\$" /run/vjail/jails/* 2>/dev/null | head -1 | xargs -r basename
}

# remember JID: save what the kernel holds for it, to check it later
remember()
{
    local jid=$1
    grep '^sup	' "/run/vjail/jails/$jid" | cut -f2 > pids
    cat "$(cgroot)/vjail/$jid/jail/cgroup.procs" >> pids 2>/dev/null
    echo "$jid" > jid
}

# nothing_left: what remember saved and every mount under ./root is gone
nothing_left()
{
    local jid p
    jid=$(cat jid)
    [ ! -e "/run/vjail/jails/$jid" ] || atf_fail "registry entry $jid left"
    [ ! -d "$(cgroot)/vjail/$jid" ] || atf_fail "cgroup vjail/$jid left"
    for p in $(cat pids); do
        proc_gone "$p" || atf_fail "process $p left"
    done
    if awk -v r="$PWD/root" 'index($5, r) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
        atf_fail "mounts left: $(grep "$PWD/root" /proc/self/mountinfo)"
    fi
}

# mkconf NAME HOOK=VALUE...: a persistent jail in ./root with mounts
mkconf()
{
    local n=$1
    shift
    {
        echo "$n {"
        echo "  path = \"$PWD/root\";"
        echo "  persist;"
        echo "  mount.devfs;"
        echo "  mount = \"$PWD/src $PWD/root/mnt nullfs ro\";"
        for h in "$@"; do
            echo "  $h;"
        done
        echo "}"
    } > jail.conf
    mkdir -p src root/mnt
}

atf_test_case kill_in_prepare cleanup
kill_in_prepare_head() { atf_set descr "jail(8) killed in exec.prepare: only the reservation to undo"; }
kill_in_prepare_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    mkconf "$n" "exec.prepare = 'kill -9 \$PPID'"
    "$(vj_bin jail)" -f jail.conf -c "$n" 2>/dev/null
    touch pids
    entry_of "$n" > jid
    [ -s jid ] || atf_fail "no registry entry while being created"
    atf_check -o ignore "$(vj_bin jls)"
    nothing_left
}
kill_in_prepare_cleanup() { vj_cleanup; }

atf_test_case kill_in_prestart cleanup
kill_in_prestart_head() { atf_set descr "jail(8) killed after the mounts: mounts undone by jls"; }
kill_in_prestart_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    mkconf "$n" "exec.prestart = 'kill -9 \$PPID'"
    "$(vj_bin jail)" -f jail.conf -c "$n" 2>/dev/null
    touch pids
    entry_of "$n" > jid
    grep -q "$PWD/root/dev" /proc/self/mountinfo || atf_fail "devfs not mounted before prestart"
    atf_check -o ignore "$(vj_bin jls)"
    nothing_left
}
kill_in_prestart_cleanup() { vj_cleanup; }

atf_test_case kill_in_created cleanup
kill_in_created_head() { atf_set descr "jail(8) killed after creation: the jail lives; jail -r removes all"; }
kill_in_created_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    mkconf "$n" "exec.created = 'kill -9 \$PPID'"
    "$(vj_bin jail)" -f jail.conf -c "$n" >/dev/null 2>&1
    jid=$("$(vj_bin jls)" -j "$n" jid) || atf_fail "created jail not running"
    remember "$jid"
    atf_check -o ignore -e ignore "$(vj_bin jail)" -r "$n"
    nothing_left
}
kill_in_created_cleanup() { vj_cleanup; }

atf_test_case kill_supervisor cleanup
kill_supervisor_head() { atf_set descr "supervisor SIGKILLed: jail processes, mounts, cgroup, entry released by jls"; }
kill_supervisor_body()
{
    vj_require_root
    vj_mkroot root
    local n jid i
    n=$(vj_name)
    mkconf "$n" "exec.start = '/bin/sleep 1000 &'"
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    remember "$jid"
    [ "$(wc -l < pids)" -ge 2 ] || atf_fail "no jailed process to watch"
    kill -9 "$(head -1 pids)"
    # pid 1 of a PID namespace exits once its namespace is empty
    i=0
    while ! proc_gone "$(head -1 pids)" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"
    nothing_left
}
kill_supervisor_cleanup() { vj_cleanup; }

atf_test_case kill_in_poststop cleanup
kill_in_poststop_head() { atf_set descr "jail -r killed while releasing (dying): the next jls finishes"; }
kill_in_poststop_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    mkconf "$n" "exec.poststop = 'kill -9 \$PPID'"
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    remember "$jid"
    "$(vj_bin jail)" -f jail.conf -r "$n" >/dev/null 2>&1
    grep -q "$PWD/root/dev" /proc/self/mountinfo || atf_fail "devfs unmounted before poststop"
    atf_check -o ignore "$(vj_bin jls)" -d
    nothing_left
}
kill_in_poststop_cleanup() { vj_cleanup; }

atf_test_case dying_visible cleanup
dying_visible_head() { atf_set descr "a jail being released is shown by jls -d only"; }
dying_visible_body()
{
    vj_require_root
    local n pid
    n=$(vj_name)
    printf '%s { path = "/"; persist; exec.poststop = "sleep 2"; }\n' "$n" > jail.conf
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    "$(vj_bin jail)" -f jail.conf -r "$n" >/dev/null & pid=$!
    sleep 1
    atf_check -o inline:"$n true\n" "$(vj_bin jls)" -d -j "$n" name dying
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"
    wait "$pid"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -d -j "$n"
}
dying_visible_cleanup() { vj_cleanup; }

atf_test_case old_boot cleanup
old_boot_head() { atf_set descr "an entry recorded before a reboot is dead and released"; }
old_boot_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    mkconf "$n"
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    remember "$jid"
    sed -i 's/^boot	.*/boot	00000000-0000-0000-0000-000000000000/' "/run/vjail/jails/$jid"
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"
    nothing_left
}
old_boot_cleanup() { vj_cleanup; }

atf_test_case kill_vnet_supervisor cleanup
kill_vnet_supervisor_head() { atf_set descr "supervisor of a vnet jail SIGKILLed: its vnet.interface comes back"; }
kill_vnet_supervisor_body()
{
    vj_require_root
    local n ifc i
    n=$(vj_name)
    ifc=vjtc$$
    echo "$ifc" > ifname
    ip link add "$ifc" type dummy || atf_skip "cannot create a dummy interface"
    atf_check "$(vj_bin jail)" -c name="$n" path=/ vnet persist vnet.interface="$ifc"
    atf_check -s exit:1 -e ignore ip link show "$ifc"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    remember "$jid"
    kill -9 "$(head -1 pids)"
    i=0
    while ! proc_gone "$(head -1 pids)" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    atf_check -s exit:1 -e ignore "$(vj_bin jls)" -j "$n"
    atf_check -o ignore ip link show "$ifc"
    nothing_left
    ! grep -q "/run/vjail/netns" /proc/self/mountinfo || atf_fail "netns pin left"
}
kill_vnet_supervisor_cleanup()
{
    vj_cleanup
    [ -s ifname ] && ip link del "$(cat ifname)" 2>/dev/null
    return 0
}

atf_init_test_cases()
{
    atf_add_test_case kill_vnet_supervisor
    atf_add_test_case kill_in_prepare
    atf_add_test_case kill_in_prestart
    atf_add_test_case kill_in_created
    atf_add_test_case kill_supervisor
    atf_add_test_case kill_in_poststop
    atf_add_test_case dying_visible
    atf_add_test_case old_boot
}

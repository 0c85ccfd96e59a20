#! /usr/bin/env atf-sh
# Every way a VNET jail can end hands vnet.interface back to the host and
# removes what vjail made for it (issue 4, point 2; the problem of seed 000:
# epairNb stuck in a removed jail): jail -r; the jail's last process
# exiting; the supervisor killed with SIGKILL, then one jls; the jail
# command killed with SIGKILL in the middle of a slow exec.start, then jls
# or jail -r.  After each, the interface is back on the host under its name
# and the host's links, addresses, routes and nft tables are exactly as
# before.
#
# Each jail has both kinds of networking: an epair end given with
# vnet.interface (configured inside the jail, so handing it back is
# visible), and declarative vnet.bridge/vnet.addr (vjail creates the bridge
# vjtpath0 and its own epair, and must remove both).

. "$(atf_get_srcdir)/vjail.subr"
. "$(vj_srcroot)/tests/data/vnet/vnet_host.subr"

# paths_epair: an epair for vnet.interface (A_END stays on the host, B_END
# goes into the jail); both, and vjail's bridge, are owned by the case.
paths_epair()
{
    atf_check -o save:epair -e empty "$IFC" epair create
    vt_own "$(cat epair)" vjtpath0
    B_END=$(sed 's/a$/b/' epair)
    A_END=$(cat epair)
}

paths_net_args="vnet vnet.bridge=vjtpath0 vnet.bridge.addr=10.200.8.1/24 vnet.addr=10.200.8.2/24"

# In the jail: both interfaces, the one from the host configured there.
paths_check_inside()
{
    atf_check -o empty -e empty "$JX" "$1" "$IFC" "$B_END" inet 10.200.9.2/24 up
    atf_check -o match:"inet 10.200.9.2 " "$JX" "$1" "$IFC" "$B_END"
    atf_check -o match:"inet 10.200.8.2 " "$JX" "$1" "$IFC" eth0
    [ ! -e "/sys/class/net/$B_END" ] || atf_fail "$B_END still on the host"
    atf_check -o match:"1 packets received" busybox ping -c 1 -W 3 10.200.8.2
}

# After the jail is gone: B_END back (its name, no address from inside),
# then the test's epair destroyed and the host exactly as before.
paths_check_back()
{
    local n=$1
    # Handed back before jail(8) returns, whatever the jail's state.
    atf_check test -e "/sys/class/net/$B_END"
    vt_wait_released "$n"
    atf_check -s not-exit:0 -o empty -e ignore "$JLS" -d -j "$n" name
    atf_check -o not-match:"10\\.200\\.9\\." ip -br addr show "$B_END"
    atf_check -o empty -e empty "$IFC" "$A_END" destroy
    vt_gone "$A_END" "$B_END" vjtpath0
    vt_host_unchanged
}

# ---- jail -r ----------------------------------------------------------------

atf_test_case remove cleanup
remove_head() { atf_set descr "jail -r hands vnet.interface back and removes vjail's bridge and epair"; }
remove_body()
{
    local n
    vt_init
    n=$(vj_name)
    paths_epair
    # shellcheck disable=SC2086
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ persist $paths_net_args \
        "vnet.interface=$B_END"
    paths_check_inside "$n"
    atf_check -o empty -e empty "$JAIL" -r "$n"
    paths_check_back "$n"
}
remove_cleanup() { vt_cleanup; }

# ---- last process exits ------------------------------------------------------

atf_test_case last_process cleanup
last_process_head() { atf_set descr "a non-persistent jail whose command exits hands vnet.interface back"; }
last_process_body()
{
    local n
    vt_init
    n=$(vj_name)
    paths_epair
    # shellcheck disable=SC2086
    "$JAIL" -c name="$n" path=/ $paths_net_args "vnet.interface=$B_END" \
        command=/bin/sh -c "while [ ! -e $PWD/stop ]; do sleep 0.1; done" \
        > jail.out 2> jail.err &
    echo $! > jail.pid
    vt_wait_jail "$n"
    paths_check_inside "$n"
    touch stop
    wait "$(cat jail.pid)" || atf_fail "jail -c failed: $(cat jail.err)"
    atf_check -o empty cat jail.err
    paths_check_back "$n"
}
last_process_cleanup()
{
    touch stop
    vt_cleanup
}

# ---- supervisor killed ---------------------------------------------------------

atf_test_case supervisor_killed cleanup
supervisor_killed_head() { atf_set descr "supervisor killed with SIGKILL, then one jls: interface back, nothing left"; }
supervisor_killed_body()
{
    local n jid sup
    vt_init
    n=$(vj_name)
    paths_epair
    # shellcheck disable=SC2086
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ persist $paths_net_args \
        "vnet.interface=$B_END"
    paths_check_inside "$n"
    jid=$("$JLS" -j "$n" jid) || atf_fail "no jid"
    sup=$(awk '$1 == "sup" { print $2 }' "/run/vjail/jails/$jid")
    [ -n "$sup" ] || sup=$(pgrep -f "^vjail-sup: $n\$")
    [ -n "$sup" ] || atf_fail "supervisor of $n not found"
    atf_check -o match:"vjail-sup: $n" cat "/proc/$sup/cmdline"
    kill -KILL "$sup"
    vj_wait_exited "$sup"
    # One jls notices and cleans up.
    atf_check -o not-match:"^ *$jid " -e ignore "$JLS"
    paths_check_back "$n"
}
supervisor_killed_cleanup() { vt_cleanup; }

# ---- jail command killed mid-way -----------------------------------------------

# jail_killed_case FOLLOW: the jail command is killed (SIGKILL) while
# exec.start sleeps; FOLLOW (jls or jail -r) cleans up.
jail_killed_case()
{
    local n i
    vt_init
    n=$(vj_name)
    paths_epair
    # shellcheck disable=SC2086
    "$JAIL" -c name="$n" path=/ persist $paths_net_args "vnet.interface=$B_END" \
        exec.start="sleep 30" > jail.out 2> jail.err &
    echo $! > jail.pid
    vt_wait_jail "$n"
    # The interface is in the jail, exec.start is running.
    for i in $(seq 50); do
        [ -e "/sys/class/net/$B_END" ] || break
        sleep 0.1
    done
    [ ! -e "/sys/class/net/$B_END" ] || atf_fail "$B_END was not moved into the jail"
    kill -KILL "$(cat jail.pid)"
    wait "$(cat jail.pid)" 2>/dev/null
    case "$1" in
    jls)
        # The jail was created before the command was killed: it keeps
        # running, as on FreeBSD (jail.8, "Crashes"), with the interface
        # inside; jls must neither lose it nor break it.  jail -r then
        # removes it.
        atf_check -o match:"^ *[0-9]+ .* /\$" -e empty "$JLS" -j "$n"
        [ ! -e "/sys/class/net/$B_END" ] || atf_fail "$B_END came back from a running jail"
        atf_check -o match:"inet 10.200.8.2 " "$JX" "$n" "$IFC" eth0
        atf_check -o ignore -e ignore "$JAIL" -r "$n"
        ;;
    remove) atf_check -o ignore -e ignore "$JAIL" -r "$n" ;;
    esac
    # The orphaned exec.start (sleep 30) may still run in the host's view;
    # the jail must not be listed any more.
    for i in $(seq 30); do
        "$JLS" -d -j "$n" name >/dev/null 2>&1 || break
        sleep 0.1
    done
    paths_check_back "$n"
}

atf_test_case jail_killed_jls cleanup
jail_killed_jls_head() { atf_set descr "jail command killed in a slow exec.start, then jls (jail kept, as on FreeBSD), then jail -r: interface back"; }
jail_killed_jls_body() { jail_killed_case jls; }
jail_killed_jls_cleanup() { vt_cleanup; }

atf_test_case jail_killed_remove cleanup
jail_killed_remove_head() { atf_set descr "jail command killed in a slow exec.start, then jail -r: interface back"; }
jail_killed_remove_body() { jail_killed_case remove; }
jail_killed_remove_cleanup() { vt_cleanup; }

# ---- command exits: vjail's bridge and epair removed with the dying jail ---------

atf_test_case command_exits cleanup
command_exits_head()
{
    atf_set descr "jail -c ... vnet.bridge ... command=/bin/true, twice in a row: both work (the name is free at once), vjail's bridge and epair gone once the dying jail is released"
}
command_exits_body()
{
    local n
    vt_init
    n=$(vj_name)
    vt_own vjtpath1
    for _ in 1 2; do
        atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ vnet vnet.bridge=vjtpath1 \
            vnet.bridge.addr=10.200.10.1/24 vnet.addr=10.200.10.2/24 command=/bin/true
    done
    vt_wait_released "$n"
    vt_gone vjtpath1
    # No host end of the jail left (its altname carries the name).
    atf_check -o empty sh -c "ip -d link show | grep 'altname jail.$n\$' || true"
    vt_host_unchanged
}
command_exits_cleanup() { vt_cleanup; }

# ---- unnamed jails -----------------------------------------------------------------

atf_test_case unnamed cleanup
unnamed_head() { atf_set descr "two unnamed VNET jails (name = JID) on one bridge at once"; }
unnamed_body()
{
    local j1 j2
    vt_init
    vt_own vjtpath2
    atf_check -o save:jid1 -e empty "$JAIL" -i -c path=/ persist vnet vnet.bridge=vjtpath2 \
        vnet.bridge.addr=10.200.11.1/24 vnet.addr=10.200.11.2/24
    j1=$(cat jid1)
    echo "$j1" > unnamed.jids
    atf_check -o save:jid2 -e empty "$JAIL" -i -c path=/ persist vnet vnet.bridge=vjtpath2 \
        vnet.addr=10.200.11.3/24
    j2=$(cat jid2)
    echo "$j2" >> unnamed.jids
    atf_check -o match:"altname jail.$j1" ip -d link show "vj${j1}a"
    atf_check -o match:"1 packets received" busybox ping -c 1 -W 3 10.200.11.3
    atf_check "$JAIL" -r "$j1"
    atf_check "$JAIL" -r "$j2"
    vt_gone vjtpath2
    vt_host_unchanged
}
unnamed_cleanup()
{
    local j
    if [ -f unnamed.jids ]; then
        while read -r j; do "$(vj_bin jail)" -r "$j" >/dev/null 2>&1; done < unnamed.jids
    fi
    vt_cleanup
}

# ---- the bridge vjail made: retired under the lock, deleted after it -------------

atf_test_case back_to_back cleanup
back_to_back_head()
{
    atf_set descr "jails made one after the other on a bridge vjail makes, each while the previous one's supervisor removes it: each reaches its bridge, no bridge (renamed or not) is left"
}
back_to_back_body()
{
    local n i
    vt_init
    n=$(vj_name)
    vt_own vjtpath4
    echo "10\\.200\\.14\\." > owned.re
    for i in $(seq 12); do
        atf_check -o match:"1 packets received" -e empty "$JAIL" -c name="$n" path=/ vnet \
            vnet.bridge=vjtpath4 vnet.bridge.addr=10.200.14.1/24 vnet.addr=10.200.14.2/24 \
            allow.raw_sockets command=/bin/busybox ping -c 1 -W 3 10.200.14.1
    done
    vt_wait_released "$n"
    vt_gone vjtpath4
    # no renamed bridge carrying its address either
    atf_check -o not-match:"10\\.200\\.14\\." ip -br addr
    vt_host_unchanged
}
back_to_back_cleanup() { vt_cleanup; }

atf_test_case retired_jls cleanup
retired_jls_head()
{
    atf_set descr "supervisor killed right after renaming the bridge vjail made for deletion: the next jls deletes it"
}
retired_jls_body()
{
    local n jid sup idx st
    vt_init
    n=$(vj_name)
    vt_own vjtpath3
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ persist vnet vnet.bridge=vjtpath3 \
        vnet.bridge.addr=10.200.13.1/24 vnet.addr=10.200.13.2/24
    jid=$("$JLS" -j "$n" jid) || atf_fail "no jid"
    sup=$(awk '$1 == "sup" { print $2 }' "/run/vjail/jails/$jid")
    [ -n "$sup" ] || sup=$(pgrep -f "^vjail-sup: $n\$")
    [ -n "$sup" ] || atf_fail "supervisor of $n not found"
    st=$(awk '$1 == "vnetstate" { print $2 }' "/run/vjail/jails/$jid")
    [ -f "$st" ] || atf_fail "vnet state of $n not found"
    idx=$(cat /sys/class/net/vjtpath3/ifindex)
    vt_own "vjdel$idx"
    # Stopped, the supervisor still holds the jail (nobody reaps it):
    # leave what its teardown leaves when killed right after the rename.
    kill -STOP "$sup"
    echo "bridge.retired vjdel$idx" >> "$st"
    ip link del "vj${jid}a" || atf_fail "ip link del vj${jid}a"
    ip link set vjtpath3 down
    ip link set vjtpath3 name "vjdel$idx" || atf_fail "rename"
    kill -KILL "$sup"
    vj_wait_exited "$sup"
    atf_check -o not-match:"^ *$jid " -e ignore "$JLS"
    vt_wait_released "$n"
    vt_gone "vjdel$idx" vjtpath3 "vj${jid}a"
    vt_host_unchanged
}
retired_jls_cleanup() { vt_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case command_exits
    atf_add_test_case unnamed
    atf_add_test_case remove
    atf_add_test_case last_process
    atf_add_test_case supervisor_killed
    atf_add_test_case jail_killed_jls
    atf_add_test_case jail_killed_remove
    atf_add_test_case back_to_back
    atf_add_test_case retired_jls
}

#! /usr/bin/env atf-sh
# Interfaces moved into a VNET jail by hand (`ifconfig IF vnet JAIL`, in an
# exec.* hook or from the shell) go back to their home stack on every way
# the jail can end, as FreeBSD hands every interface back to its home vnet
# (issue 4): jail -r; the last process exiting; the supervisor killed with
# SIGKILL, then one jls; the jail command killed with SIGKILL in a slow
# exec.start (the jail stays, as on FreeBSD), then jail -r, or the
# supervisor killed too and one jls.  After each, the host's link list is
# exactly what it was before the move.  Interfaces made inside a jail are
# destroyed with it; one made in a jail and moved to another goes back to
# the jail it was made in.
#
# Each case makes its own veth pair vjtr<N>a / vjtr<N>b (this kernel has
# no dummy interfaces); B_END goes into the jail.  No traffic leaves the
# jails' own namespaces.

. "$(atf_get_srcdir)/vjail.subr"
. "$(vj_srcroot)/tests/data/vnet/vnet_host.subr"

# The host's links, as compared before and after (peer names dropped: a
# veth whose peer is in another stack shows as "@ifN").
vr_snap()
{
    ip -br link | sed 's/@[^ ]*//' | sort > "$1"
}

# vr_veth N: the case's veth pair, then the link list to come back to.
vr_veth()
{
    A_END=vjtr${1}a
    B_END=vjtr${1}b
    vt_own "$A_END" "$B_END"
    [ ! -e "/sys/class/net/$A_END" ] || ip link del "$A_END"
    ip link add "$A_END" type veth peer name "$B_END" || atf_fail "ip link add $A_END type veth"
    vr_snap links.before
}

# In the jail: B_END there (and not on the host), configured from inside.
vr_inside()
{
    local i
    # (a hook may still be moving it: the jail can be entered before
    # exec.created runs)
    for i in $(seq 50); do
        [ -e "/sys/class/net/$B_END" ] || break
        sleep 0.1
    done
    [ ! -e "/sys/class/net/$B_END" ] || atf_fail "$B_END still on the host"
    atf_check -o empty -e empty "$JX" "$1" "$IFC" "$B_END" inet 10.201.0.2/24 up
    atf_check -o match:"^$B_END: flags=.*UP" -o match:"inet 10.201.0.2 " "$JX" "$1" "$IFC" "$B_END"
}

# The jail is gone and the host has exactly the links it had before the
# move: B_END back under its name, paired with A_END, without the jail's
# address.  Other work on the machine may add or remove links meanwhile:
# only a difference naming this case's links fails it at once.
vr_back()
{
    local i
    atf_check -s not-exit:0 -o empty -e ignore "$JLS" -d -j "$1" name
    atf_check -o match:"^$B_END@$A_END " ip -br link show "$B_END"
    atf_check -o not-match:"10\\.201\\." ip -br addr show "$B_END"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        vr_snap links.after
        cmp -s links.before links.after && break
        sleep 0.5
    done
    if ! cmp -s links.before links.after; then
        diff links.before links.after | grep '^[<>]' > links.diff
        if grep -q "vjt" links.diff; then
            cat links.diff >&2
            atf_fail "the host's links differ from before: $(tr '\n' ' ' < links.diff)"
        fi
        echo "links changed by other activity on the host:" >&2
        cat links.diff >&2
    fi
    atf_check ip link del "$A_END"
    vt_gone "$A_END" "$B_END"
    vt_host_unchanged
}

# vr_names JAIL WANT: the interfaces of a jail's stack, sorted, are WANT.
vr_names()
{
    local got
    got=$("$IFC" -j "$1" -l | tr ' ' '\n' | LC_ALL=C sort | paste -sd' ' -) || atf_fail "ifconfig -j $1 -l"
    [ "$got" = "$2" ] || atf_fail "interfaces of $1: \"$got\", expected \"$2\""
}

# The pid of a jail's supervisor, from the registry.
vr_sup()
{
    local jid sup
    jid=$("$JLS" -j "$1" jid) || atf_fail "no jid for $1"
    sup=$(awk '$1 == "sup" { print $2 }' "/run/vjail/jails/$jid")
    [ -n "$sup" ] || atf_fail "supervisor of $1 not found"
    grep -aq "vjail-sup: $1" "/proc/$sup/cmdline" || atf_fail "$sup is not the supervisor of $1"
    echo "$sup"
}

vr_kill_wait()
{
    kill -KILL "$1"
    vj_wait_exited "$1"
}

# ---- jail -r --------------------------------------------------------------------

atf_test_case remove cleanup
remove_head() { atf_set descr "ifconfig IF vnet JAIL, then jail -r: IF back on the host"; }
remove_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 1
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ vnet persist
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$n"
    vr_inside "$n"
    atf_check -o inline:"lo0 $B_END\n" "$IFC" -j "$n" -l
    atf_check -o empty -e empty "$JAIL" -r "$n"
    vr_back "$n"
}
remove_cleanup() { vt_cleanup; }

# ---- the last process exits ---------------------------------------------------

atf_test_case last_process cleanup
last_process_head() { atf_set descr "exec.created moves IF in (ifconfig from PATH), the command exits: IF back"; }
last_process_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 2
    # exec.created runs on the host with vjail's ifconfig first on PATH.
    "$JAIL" -c name="$n" path=/ vnet "exec.created=ifconfig $B_END vnet $n" \
        command=/bin/sh -c "while [ ! -e $PWD/stop ]; do sleep 0.1; done" \
        > jail.out 2> jail.err &
    echo $! > jail.pid
    vt_wait_jail "$n" jail.err
    vr_inside "$n"
    touch stop
    wait "$(cat jail.pid)" || atf_fail "jail -c failed: $(cat jail.err)"
    atf_check -o empty cat jail.err
    # Back when jail -c returns.
    atf_check test -e "/sys/class/net/$B_END"
    vr_back "$n"
}
last_process_cleanup()
{
    touch stop
    vt_cleanup
}

# ---- the supervisor killed --------------------------------------------------------

atf_test_case supervisor_killed cleanup
supervisor_killed_head() { atf_set descr "supervisor killed with SIGKILL, then one jls: IF back"; }
supervisor_killed_body()
{
    local n sup
    vt_init
    n=$(vj_name)
    vr_veth 3
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ vnet persist
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$n"
    vr_inside "$n"
    sup=$(vr_sup "$n")
    vr_kill_wait "$sup"
    # One jls notices the dead jail and hands IF back.
    atf_check -o not-match:"$n" -e ignore "$JLS" -d name
    vr_back "$n"
}
supervisor_killed_cleanup() { vt_cleanup; }

# ---- the jail command killed -------------------------------------------------------

# vr_jail_killed N: jail -c (persist) moves IF in with exec.created, then
# sleeps in exec.start; it is killed there.  The jail was made: it stays,
# as on FreeBSD, with IF inside.
vr_jail_killed()
{
    local n=$1 i
    "$JAIL" -c name="$n" path=/ vnet persist "exec.created=ifconfig $B_END vnet $n" \
        exec.start="sleep 30" > jail.out 2> jail.err &
    echo $! > jail.pid
    vt_wait_jail "$n" jail.err
    for i in $(seq 50); do
        [ -e "/sys/class/net/$B_END" ] || break
        sleep 0.1
    done
    kill -KILL "$(cat jail.pid)"
    wait "$(cat jail.pid)" 2>/dev/null
    atf_check -o match:"^ *[0-9]+ .* /\$" -e empty "$JLS" -j "$n"
    [ ! -e "/sys/class/net/$B_END" ] || atf_fail "$B_END came back from a running jail"
    atf_check -o inline:"lo0 $B_END\n" "$IFC" -j "$n" -l
}

atf_test_case jail_killed_remove cleanup
jail_killed_remove_head() { atf_set descr "jail -c killed in exec.start after exec.created moved IF in; jail -r: IF back"; }
jail_killed_remove_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 4
    vr_jail_killed "$n"
    atf_check -o ignore -e ignore "$JAIL" -r "$n"
    vr_back "$n"
}
jail_killed_remove_cleanup() { vt_cleanup; }

atf_test_case jail_killed_repair cleanup
jail_killed_repair_head() { atf_set descr "jail -c killed in exec.start after moving IF in, its supervisor killed too; one jls repairs: IF back"; }
jail_killed_repair_body()
{
    local n sup
    vt_init
    n=$(vj_name)
    vr_veth 5
    vr_jail_killed "$n"
    sup=$(vr_sup "$n")
    vr_kill_wait "$sup"
    atf_check -o not-match:"$n" -e ignore "$JLS" -d name
    vr_back "$n"
}
jail_killed_repair_cleanup() { vt_cleanup; }

# ---- the creation fails after the move ---------------------------------------------

atf_test_case rollback cleanup
rollback_head() { atf_set descr "exec.created moves IF in, exec.start fails: the jail is undone, IF back"; }
rollback_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 9
    atf_check -s exit:1 -o empty -e match:"false: failed" "$JAIL" -c name="$n" path=/ vnet persist \
        "exec.created=ifconfig $B_END vnet $n" exec.start=false
    vr_back "$n"
}
rollback_cleanup() { vt_cleanup; }

# ---- moved in after jail -r read the jail's record --------------------------------

atf_test_case prestop cleanup
prestop_head() { atf_set descr "IF moved in by exec.prestop, while jail -r runs: IF back all the same"; }
prestop_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 6
    cat > jail.conf <<EOF
$n {
	path = /;
	vnet;
	persist;
	exec.prestop = "ifconfig $B_END vnet \$name";
	exec.prestop += "test ! -e /sys/class/net/$B_END";
}
EOF
    echo "$PWD/jail.conf" > confs.list
    atf_check -o match:"created" -e empty "$JAIL" -f jail.conf -c "$n"
    atf_check -o match:"removed" -e empty "$JAIL" -f jail.conf -r "$n"
    vr_back "$n"
}
prestop_cleanup() { vt_cleanup; }

# ---- from jail to jail; made inside a jail -------------------------------------------

atf_test_case jail_to_jail cleanup
jail_to_jail_head()
{
    atf_set descr "host IF -> j1 -> j2 comes back to the host; an epair made in j1 and moved to j2 comes back to j1; -vnet; made in a jail: destroyed with it"
}
jail_to_jail_body()
{
    local j1 j2
    vt_init
    j1=$(vj_name 1)
    j2=$(vj_name 2)
    vr_veth 7
    atf_check -o empty -e empty "$JAIL" -c name="$j1" path=/ vnet persist
    atf_check -o empty -e empty "$JAIL" -c name="$j2" path=/ vnet persist
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$j1"
    atf_check -o empty -e empty "$IFC" -j "$j1" "$B_END" vnet "$j2"
    # an epair made in j1 (both ends), one end lent to j2
    atf_check -o inline:"epair0a\n" -e empty "$IFC" -j "$j1" epair create
    atf_check -o empty -e empty "$IFC" -j "$j1" epair0b vnet "$j2"
    # and, made by jailed root inside j2 (ifconfig from jexec's PATH; unit
    # 0 is taken there by epair0b)
    atf_check -o inline:"epair1a\n" -e empty "$JX" "$j2" ifconfig epair create
    vr_names "$j2" "epair0b epair1a epair1b lo0 $B_END"
    atf_check -o empty -e empty "$JAIL" -r "$j2"
    # B_END is home (the host), epair0b home in j1; j2's own epair is gone.
    vr_names "$j1" "epair0a epair0b lo0"
    atf_check -o match:"^$B_END@$A_END " ip -br link show "$B_END"
    # -vnet takes it back; in again, then j1 ends: home, as is everything
    # j1 did not make; what j1 made goes with it.
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$j1"
    atf_check -o empty -e empty "$IFC" "$B_END" -vnet "$j1"
    vr_names "$j1" "epair0a epair0b lo0"
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$j1"
    atf_check -o empty -e empty "$JAIL" -r "$j1"
    atf_check -s not-exit:0 -o empty -e ignore "$JLS" -d -j "$j2" name
    vr_back "$j1"
}
jail_to_jail_cleanup() { vt_cleanup; }

# ---- renamed in the jail --------------------------------------------------------------

atf_test_case renamed cleanup
renamed_head() { atf_set descr "IF renamed inside the jail comes back under its new name (found by index)"; }
renamed_body()
{
    local n
    vt_init
    n=$(vj_name)
    vr_veth 10
    vt_own vjtr10c
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ vnet persist
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$n"
    atf_check -o inline:"vjtr10c\n" -e empty "$JX" "$n" ifconfig "$B_END" name vjtr10c
    atf_check -o empty -e empty "$JAIL" -r "$n"
    atf_check -o match:"^vjtr10c@$A_END " ip -br link show vjtr10c
    atf_check ip link del "$A_END"
    vt_gone "$A_END" "$B_END" vjtr10c
    vt_host_unchanged
}
renamed_cleanup() { vt_cleanup; }

# ---- the host took the name meanwhile ---------------------------------------------

atf_test_case name_taken cleanup
name_taken_head() { atf_set descr "the host took IF's name while IF was in the jail: IF comes back as vjrN, said on stderr"; }
name_taken_body()
{
    local n other
    vt_init
    n=$(vj_name)
    vr_veth 8
    atf_check -o empty -e empty "$JAIL" -c name="$n" path=/ vnet persist
    atf_check -o empty -e empty "$IFC" "$B_END" vnet "$n"
    other=vjtr8c
    vt_own "$other"
    ip link add "$B_END" type veth peer name "$other" || atf_fail "ip link add $B_END"
    atf_check -o empty -e match:"$B_END: the host has an interface of that name, returned as vjr[0-9]+" \
        "$JAIL" -r "$n"
    atf_check -o match:"^vjr[0-9]+@$A_END " ip -br link show
    atf_check ip link del "$other"
    atf_check ip link del "$A_END"
    vt_gone "$A_END" "$B_END" "$other"
    vt_host_unchanged
}
name_taken_cleanup() { vt_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case remove
    atf_add_test_case last_process
    atf_add_test_case supervisor_killed
    atf_add_test_case jail_killed_remove
    atf_add_test_case jail_killed_repair
    atf_add_test_case rollback
    atf_add_test_case prestop
    atf_add_test_case jail_to_jail
    atf_add_test_case renamed
    atf_add_test_case name_taken
}

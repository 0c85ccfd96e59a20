#! /usr/bin/env atf-sh
# rctl(8): rules, messages, and real enforcement on this host's cgroups.
#
# Most enforcement cases make a pretend jail's cgroup themselves, with the
# engine's layout (<v2>/vjail/JID/jail, JID 90000 and up so no real jail
# collides), and drive rctl's engine hooks through $BUILD/tests/rctl_hook
# (apply, enter, usage, release), so they test rctl alone; real_jail and
# engine go through jail(8).  Rules are stored for jail names from
# vj_name and removed again by the cleanup routines.

. "$(atf_get_srcdir)/vjail.subr"

hook() { "$(vj_builddir)/tests/rctl_hook" "$@"; }
HOOK() { echo "$(vj_builddir)/tests/rctl_hook"; }

# fake_jail: make the v2 leaf cgroup of a pretend jail, remember its jid.
fake_jail()
{
    local jid cg
    jid=$((90000 + $$ % 9000))
    cg=$(hook cg $jid)
    [ -n "$cg" ] || atf_skip "no cgroup v2 hierarchy on this host"
    echo $jid > jid
    mkdir -p "$cg" || atf_fail "cannot create $cg"
    echo $jid
}

# The cleanup of every enforcement case: kill what is left, release, and
# remove the pretend jail's cgroup and the test's rules.
fake_cleanup()
{
    local jid cg p
    "$(vj_bin rctl)" -r "jail:$(vj_name):" >/dev/null 2>&1
    [ -f jid ] || return 0
    jid=$(cat jid)
    cg=$(hook cg $jid)
    if [ -f "$cg/cgroup.procs" ]; then
        for p in $(cat "$cg/cgroup.procs"); do kill -9 $p 2>/dev/null; done
        sleep 0.2
    fi
    hook release "$(vj_name)" $jid
    rmdir "$cg" "${cg%/jail}" 2>/dev/null
    return 0
}

# Every cgroup directory of a jid, in any hierarchy.
leftovers()
{
    find /sys/fs/cgroup -maxdepth 6 -type d -path "*/vjail/$1" 2>/dev/null
}

atf_test_case bad_rules
bad_rules_head() { atf_set descr "bad rules are refused with a message naming the wrong part"; }
bad_rules_body()
{
    local r
    r=$(vj_bin rctl)
    atf_check -s exit:1 -e inline:"rctl: malformed rule 'jail:w:memuse:deny=1': unknown resource 'memuse'\n" \
        "$r" -a jail:w:memuse:deny=1
    atf_check -s exit:1 -e inline:"rctl: malformed rule 'jail:w:maxproc:forbid=1': unknown action 'forbid'\n" \
        "$r" -a jail:w:maxproc:forbid=1
    atf_check -s exit:1 -e inline:"rctl: malformed rule 'jail:w:memoryuse:deny=2X': invalid numeric value '2X'\n" \
        "$r" -a jail:w:memoryuse:deny=2X
    atf_check -s exit:1 -e inline:"rctl: malformed rule 'jail': missing subject\n" "$r" -a jail
    atf_check -s exit:1 -e inline:"rctl: failed to add rule 'jail:w:cputime:deny=1': action 'deny' is not supported for resource 'cputime'\n" \
        "$r" -a jail:w:cputime:deny=1
    atf_check -s exit:1 -e match:"subject 'user' is not supported on Linux" \
        "$r" -a user:root:maxproc:deny=1
    atf_check -s exit:1 -e match:"resource 'nshm' is not supported on Linux" \
        "$r" -a jail:w:nshm:deny=1
    # One failure per bad argument, counted in the exit status (FreeBSD).
    atf_check -s exit:2 -e match:"unknown resource 'a'" -e match:"unknown resource 'b'" \
        "$r" -a jail:w:a:deny=1 jail:w:b:deny=1
    atf_check -s exit:1 -e inline:"rctl: at most one of -a, -l, -r, or -u may be specified\n" \
        "$r" -a -r x
    atf_check -s exit:1 -e match:"^usage: rctl" "$r" -a
}

atf_test_case store cleanup
store_head() { atf_set descr "rules for a jail that is not running are kept, listed, removed"; }
store_body()
{
    local r n
    vj_require_root
    r=$(vj_bin rctl)
    n=$(vj_name)
    atf_check "$r" -a "jail:$n:memoryuse:deny=2G" "jail:$n:pcpu:deny=20"
    atf_check -o inline:"jail:$n:memoryuse:deny=2147483648\njail:$n:pcpu:deny=20\n" "$r" "jail:$n:"
    atf_check -o inline:"jail:$n:memoryuse:deny=2048M\n" "$r" -h "jail:$n:memoryuse"
    # A deny rule replaces one that differs only by amount.
    atf_check "$r" -a "jail:$n:memoryuse:deny=1G"
    atf_check -o inline:"jail:$n:pcpu:deny=20\njail:$n:memoryuse:deny=1073741824\n" "$r" "jail:$n:"
    atf_check "$r" -r "jail:$n:pcpu"
    atf_check -s exit:1 -e inline:"rctl: failed to remove rule 'jail:$n:pcpu': No such process\n" \
        "$r" -r "jail:$n:pcpu"
    atf_check -o inline:"jail:$n:memoryuse:deny=1073741824\n" "$r" "jail:$n:"
    # Usage of a jail that does not run: zeros, like FreeBSD.
    atf_check -o match:"^memoryuse=0$" -o match:"^writeiops=0$" "$r" -u "jail:$n"
}
store_cleanup() { "$(vj_bin rctl)" -r "jail:$(vj_name):" >/dev/null 2>&1; return 0; }

atf_test_case memoryuse cleanup
memoryuse_head() { atf_set descr "memoryuse:deny: allocating past the limit in the jail fails"; }
memoryuse_body()
{
    local jid n rc
    vj_require_root
    jid=$(fake_jail)
    n=$(vj_name)
    # Added before the jail "starts": applied by the hook.
    atf_check "$(vj_bin rctl)" -a "jail:$n:memoryuse:deny=64M"
    atf_check "$(HOOK)" apply "$n" $jid
    atf_check -o inline:"allocated 4\n" "$(HOOK)" run $jid "$(HOOK)" alloc 4
    # Past the limit: the OOM killer ends it (no swap) or malloc fails.
    "$(HOOK)" run $jid "$(HOOK)" alloc 256 > out 2>&1
    rc=$?
    echo "exit $rc: $(cat out)"
    [ $rc -ne 0 ] || atf_fail "allocating 256M under a 64M limit succeeded"
    atf_check -s exit:1 grep -q "allocated 256" out
    # The host is not limited.
    atf_check -o inline:"allocated 256\n" "$(HOOK)" alloc 256
}
memoryuse_cleanup() { fake_cleanup; }

atf_test_case maxproc cleanup
maxproc_head() { atf_set descr "maxproc:deny: fork fails past the limit, inside the jail only"; }
maxproc_body()
{
    local jid n
    vj_require_root
    jid=$(fake_jail)
    n=$(vj_name)
    atf_check "$(vj_bin rctl)" -a "jail:$n:maxproc:deny=6"
    atf_check "$(HOOK)" apply "$n" $jid
    # 6 tasks: the forking process and 5 children; EAGAIN (11) after.
    atf_check -o inline:"forked 5 errno 11\n" "$(HOOK)" run $jid "$(HOOK)" fork 20
    atf_check -o inline:"forked 20 errno 0\n" "$(HOOK)" fork 20
}
maxproc_cleanup() { fake_cleanup; }

atf_test_case pcpu cleanup
pcpu_head() { atf_set descr "pcpu:deny=20: a busy loop gets about 20% of one CPU"; }
pcpu_body()
{
    local jid n p
    vj_require_root
    jid=$(fake_jail)
    n=$(vj_name)
    atf_check "$(vj_bin rctl)" -a "jail:$n:pcpu:deny=20"
    atf_check "$(HOOK)" apply "$n" $jid
    p=$("$(HOOK)" run $jid "$(HOOK)" spin 3 | sed -n 's/^pcpu //p')
    echo "pcpu measured: $p"
    # The quota is a ceiling: a loaded host may give less, never much more.
    [ -n "$p" ] && [ "$p" -ge 8 ] && [ "$p" -le 28 ] || atf_fail "pcpu $p, expected about 20"
}
pcpu_cleanup() { fake_cleanup; }

atf_test_case live cleanup
live_head() { atf_set descr "a rule added while the jail runs applies to its processes; -r undoes it"; }
live_body()
{
    local jid n pid
    vj_require_root
    jid=$(fake_jail)
    n=$(vj_name)
    atf_check "$(HOOK)" apply "$n" $jid
    "$(HOOK)" run $jid sleep 60 &
    pid=$!
    sleep 0.3
    atf_check "$(vj_bin rctl)" -a "jail:$n:maxproc:deny=3" "jail:$n:openfiles:deny=40"
    atf_check "$(HOOK)" apply "$n" $jid   # what rctl -a does for a running jail
    atf_check -o match:"vjail/$jid" grep -E '^[0-9]+:pids:' /proc/$pid/cgroup
    atf_check -o match:"^Max open files +40 +40 " grep "Max open files" /proc/$pid/limits
    atf_check -o inline:"forked 1 errno 11\n" "$(HOOK)" run $jid "$(HOOK)" fork 5
    atf_check "$(vj_bin rctl)" -r "jail:$n:maxproc"
    atf_check "$(HOOK)" apply "$n" $jid
    atf_check -o inline:"forked 5 errno 0\n" "$(HOOK)" run $jid "$(HOOK)" fork 5
    kill $pid
    wait $pid 2>/dev/null
    return 0
}
live_cleanup() { fake_cleanup; }

atf_test_case usage_release cleanup
usage_release_head() { atf_set descr "usage from the jail's counters; nothing left after release"; }
usage_release_body()
{
    local jid n pid
    vj_require_root
    jid=$(fake_jail)
    n=$(vj_name)
    atf_check "$(vj_bin rctl)" -a "jail:$n:memoryuse:deny=1G" "jail:$n:maxproc:deny=100"
    atf_check "$(HOOK)" apply "$n" $jid
    [ -n "$(leftovers $jid)" ] || atf_fail "no cgroup made for the jail"
    "$(HOOK)" run $jid "$(HOOK)" spin 4 >/dev/null &
    pid=$!
    sleep 1.5
    hook usage $jid > usage
    cat usage
    atf_check -o match:"^maxproc=1$" -o match:"^nthr=1$" cat usage
    atf_check -o match:"^memoryuse=[1-9][0-9]{4,}$" -o match:"^vmemoryuse=[1-9]" \
        -o match:"^cputime=[0-9]" -o match:"^openfiles=[1-9]" cat usage
    p=$(sed -n 's/^pcpu=//p' usage)
    [ "$p" -ge 40 ] || atf_fail "pcpu=$p of a busy loop"
    # Without sampling (jls): pcpu is the average since the jail started.
    p=$(hook usage $jid nosample | sed -n 's/^pcpu=//p')
    [ "$p" -ge 10 ] || atf_fail "unsampled pcpu=$p of a busy loop"
    wait $pid
    hook release "$n" $jid
    [ -z "$(leftovers_v1 $jid)" ] || atf_fail "left: $(leftovers_v1 $jid)"
    atf_check -s not-exit:0 test -e /run/vjail/rctl/$jid
    # rctl -a rules stay after the jail (FreeBSD keeps them by name).
    atf_check -o match:"jail:$n:memoryuse" "$(vj_bin rctl)" "jail:$n:"
}
usage_release_cleanup() { fake_cleanup; }

atf_test_case real_jail cleanup
real_jail_head() { atf_set descr "rctl -a on a running jail applies live; -u reads its usage"; }
real_jail_body()
{
    local n jid pid
    vj_require_root
    vj_mkroot root
    n=$(vj_name)
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist
    jid=$("$(vj_bin jls)" -j "$n" jid)
    echo $jid > jid
    "$(vj_bin jexec)" "$n" /bin/sleep 60 &
    sleep 0.5
    # Live: the rule reaches the jail's processes at once.
    atf_check "$(vj_bin rctl)" -a "jail:$n:maxproc:deny=4" "jail:$n:memoryuse:deny=256M"
    atf_check -o inline:"jail:$n:maxproc:deny=4\njail:$n:memoryuse:deny=268435456\n" \
        "$(vj_bin rctl)" "jail:$n:"
    pid=$(head -1 "$(hook cg $jid)/cgroup.procs")
    [ -n "$pid" ] || atf_fail "no process in the jail's cgroup"
    atf_check -o inline:"jail:$n:maxproc:deny=4\njail:$n:memoryuse:deny=268435456\n" \
        "$(vj_bin rctl)" -l process:$pid
    if [ -z "$(hook cg $jid | grep -F /sys/fs/cgroup/vjail/)" ]; then
        # hybrid: the pids controller is on v1 and the process moved there
        atf_check -o match:"^[0-9]+:pids:.*/vjail/$jid\$" cat /proc/$pid/cgroup
    fi
    atf_check -o match:"^maxproc=[1-9]$" -o match:"^memoryuse=[1-9][0-9]{5,}$" \
        -o match:"^openfiles=[1-9]" "$(vj_bin rctl)" -u "jail:$n"
    atf_check -o match:"^memoryuse=[0-9.]+[KM]$" "$(vj_bin rctl)" -hu "jail:$n"
    # -r lifts the limit on the running jail.
    atf_check "$(vj_bin rctl)" -r "jail:$n:maxproc"
    atf_check "$(vj_bin jail)" -r "$n"
    wait
    [ -z "$(leftovers $jid)" ] || atf_fail "left: $(leftovers $jid)"
}
real_jail_cleanup()
{
    vj_cleanup
    [ -f jid ] && "$(vj_builddir)/tests/rctl_hook" release "$(vj_name)" "$(cat jid)"
    "$(vj_bin rctl)" -r "jail:$(vj_name):" >/dev/null 2>&1
    return 0
}

atf_test_case engine cleanup
engine_head() { atf_set descr "jail(8) applies stored rules and the rctl parameter at creation, releases at removal"; }
engine_body()
{
    local n jid
    vj_require_root
    vj_mkroot root
    n=$(vj_name)
    # Added before the jail exists (what exec.prestart does in seed 001).
    atf_check "$(vj_bin rctl)" -a "jail:$n:maxproc:deny=3"
    atf_check "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist \
        "rctl=memoryuse:deny=64M"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    echo $jid > jid
    atf_check -o inline:"jail:$n:maxproc:deny=3\njail:$n:memoryuse:deny=67108864\n" \
        "$(vj_bin rctl)" "jail:$n:"
    # jexec's process, sh and one sleep make 3: the next fork fails.
    atf_check -s ignore -o ignore -e match:"can't fork" "$(vj_bin jexec)" "$n" /bin/sh -c \
        'sleep 2 & sleep 2 & sleep 2 & wait; echo done'
    # Outside the jail nothing is limited.
    atf_check -o inline:"forked 20 errno 0\n" "$(HOOK)" fork 20
    atf_check "$(vj_bin jail)" -r "$n"
    [ -z "$(leftovers $jid)" ] || atf_fail "left: $(leftovers $jid)"
    atf_check -s not-exit:0 test -e /run/vjail/rctl/$jid
    # The parameter's rule went with the jail; the rctl -a rule stays.
    atf_check -o inline:"jail:$n:maxproc:deny=3\n" "$(vj_bin rctl)" "jail:$n:"
}
engine_cleanup()
{
    vj_cleanup
    [ -f jid ] && "$(vj_builddir)/tests/rctl_hook" release "$(vj_name)" "$(cat jid)"
    "$(vj_bin rctl)" -r "jail:$(vj_name):" >/dev/null 2>&1
    return 0
}

# v1 directories only: the pretend jail's v2 leaf is the test's own.
leftovers_v1()
{
    leftovers "$1" | grep -v "^$(hook cg $1 | sed 's|/vjail/.*||')/" || true
}

atf_init_test_cases()
{
    atf_add_test_case bad_rules
    atf_add_test_case store
    atf_add_test_case memoryuse
    atf_add_test_case maxproc
    atf_add_test_case pcpu
    atf_add_test_case live
    atf_add_test_case usage_release
    atf_add_test_case real_jail
    atf_add_test_case engine
}

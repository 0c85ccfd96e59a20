#! /usr/bin/env atf-sh
# exec.* hooks: FreeBSD's exact order (spec 4.1, 4.2), where each runs
# (host or jail) and the environment each one sees.

. "$(atf_get_srcdir)/vjail.subr"

# A jail.conf whose every hook appends "STEP where JID JNAME JPATH" to a
# trace file: host-side hooks write ./trace, in-jail hooks /trace (which
# is ./root/trace seen from the host).
mkconf()
{
    local n=$1
    cat > jail.conf <<CONF
exec.prepare = 'echo prepare host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.prestart = 'echo prestart host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.created = 'echo created host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.start = 'echo start jail "\$JID" "\$(hostname)" >> /trace';
command = 'echo command jail "\$JID" >> /trace';
exec.poststart = 'echo poststart host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.prestop = 'echo prestop host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.stop = 'echo stop jail "\$JID" >> /trace';
exec.poststop = 'echo poststop host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
exec.release = 'echo release host "\$JID" "\$JNAME" "\$JPATH" >> $PWD/trace';
path = "$PWD/root";
host.hostname = "h.\${name}";
persist;
$n { mount.devfs; }
CONF
}

atf_test_case order cleanup
order_head()
{
    atf_set descr "create and remove run every hook once, in FreeBSD's order, host or jail"
}
order_body()
{
    vj_require_root
    vj_mkroot root
    local n jid
    n=$(vj_name)
    mkconf "$n"
    unset JID JNAME JPATH
    atf_check -o inline:"$n: created\n" "$(vj_bin jail)" -f jail.conf -c "$n"
    jid=$("$(vj_bin jls)" -j "$n" jid)
    atf_check -o inline:"$n: removed\n" "$(vj_bin jail)" -f jail.conf -r "$n"
    cat > expect.host <<EXP
prepare host $jid $n $PWD/root
prestart host $jid $n $PWD/root
created host $jid $n $PWD/root
poststart host $jid $n $PWD/root
prestop host $jid $n $PWD/root
poststop host $jid $n $PWD/root
release host $jid $n $PWD/root
EXP
    # In-jail commands get neither JID nor the host's name.
    cat > expect.jail <<EXP
start jail  h.$n
command jail 
stop jail 
EXP
    atf_check -o file:expect.host cat trace
    atf_check -o file:expect.jail cat root/trace
}
order_cleanup() { vj_cleanup; }

atf_test_case order_verbose cleanup
order_verbose_head()
{
    atf_set descr "-v notes every step; the sequence shows mounts between prepare and prestart"
}
order_verbose_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    mkconf "$n"
    atf_check -o save:out "$(vj_bin jail)" -v -f jail.conf -c "$n"
    grep -n . out > numbered
    # prepare < mount < prestart < jail_set < created < start < command < poststart < nopersist
    awk -F: '
        /run command: .*echo prepare/ { o["prepare"] = $1 }
        /mount -t devfs/ { o["mount"] = $1 }
        /run command: .*echo prestart/ { o["prestart"] = $1 }
        /jail_set\(JAIL_CREATE\)/ { o["create"] = $1 }
        /: created$/ { o["created"] = $1 }
        /run command: .*echo created/ { o["hcreated"] = $1 }
        /run command in jail: .*echo start/ { o["start"] = $1 }
        /run command in jail: .*echo command/ { o["command"] = $1 }
        /run command: .*echo poststart/ { o["poststart"] = $1 }
        END {
            n = split("prepare mount prestart create created hcreated start command poststart", k, " ")
            for (i = 1; i < n; i++)
                if (!(o[k[i]] > 0 && o[k[i]] < o[k[i + 1]])) { print "bad order at " k[i]; exit 1 }
        }' numbered || atf_fail "wrong order: $(cat out)"
    atf_check -o save:out2 "$(vj_bin jail)" -v -f jail.conf -r "$n"
    grep -n . out2 > numbered2
    awk -F: '
        /run command: .*echo prestop/ { o["prestop"] = $1 }
        /run command in jail: .*echo stop/ { o["stop"] = $1 }
        /: removed$/ { o["removed"] = $1 }
        /run command: .*echo poststop/ { o["poststop"] = $1 }
        /umount .*\/dev$/ { o["umount"] = $1 }
        /run command: .*echo release/ { o["release"] = $1 }
        END {
            n = split("prestop stop removed poststop umount release", k, " ")
            for (i = 1; i < n; i++)
                if (!(o[k[i]] > 0 && o[k[i]] < o[k[i + 1]])) { print "bad order at " k[i]; exit 1 }
        }' numbered2 || atf_fail "wrong removal order: $(cat out2)"
}
order_verbose_cleanup() { vj_cleanup; }

atf_test_case rollback cleanup
rollback_head()
{
    atf_set descr "a failing exec.start rolls back without hooks: removed, unmounted, gone"
}
rollback_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    cat > jail.conf <<CONF
path = "$PWD/root";
persist;
$n {
    mount.devfs;
    exec.prestart = "echo prestart >> $PWD/trace";
    exec.start = "/bin/false";
    exec.poststart = "echo poststart >> $PWD/trace";
    exec.poststop = "echo poststop >> $PWD/trace";
    exec.release = "echo release >> $PWD/trace";
}
CONF
    atf_check -s exit:1 -o inline:"$n: created\n$n: removed\n" \
        -e inline:"jail: $n: /bin/false: failed\n" "$(vj_bin jail)" -f jail.conf -c "$n"
    atf_check -o inline:"prestart\n" cat trace
    atf_check -s exit:1 -o empty -e ignore "$(vj_bin jls)" -j "$n"
    atf_check -s exit:1 grep -q "$PWD/root/dev" /proc/self/mountinfo
}
rollback_cleanup() { vj_cleanup; }

atf_test_case messages cleanup
messages_head()
{
    atf_set descr "CMD: failed, CMD: exited on signal N, CMD: timed out; shell only with metacharacters"
}
messages_body()
{
    vj_require_root
    local n jail
    n=$(vj_name)
    jail=$(vj_bin jail)
    atf_check -s exit:1 -e inline:"jail: /bin/sh -c kill -9 \$\$: exited on signal 9\n" \
        "$jail" -c name="$n" path=/ persist exec.prestart='kill -9 $$'
    atf_check -s exit:1 -e inline:"jail: sleep 5: timed out\n" \
        "$jail" -c name="$n" path=/ persist exec.timeout=1 exec.prestart='sleep 5'
    atf_check -s exit:1 -e inline:"jail: false: failed\n" \
        "$jail" -c name="$n" path=/ persist exec.poststart=false
    # a trailing & runs in the background, jail(8) does not wait
    atf_check -o empty -e empty "$jail" -c name="$n" path=/ persist \
        exec.prestart="sleep 30 &"
    atf_check -o empty -e empty "$jail" -r "$n"
    atf_check -s exit:1 -o empty -e ignore "$(vj_bin jls)" -j "$n"
}
messages_cleanup() { vj_cleanup; }

atf_test_case clean_env cleanup
clean_env_head()
{
    atf_set descr "exec.clean: no JID/JNAME/JPATH, PATH reset, TERM kept"
}
clean_env_body()
{
    vj_require_root
    local n
    n=$(vj_name)
    TERM=vt100 FOO=bar atf_check -o save:env "$(vj_bin jail)" -c name="$n" path=/ persist \
        exec.clean exec.poststart=env
    atf_check -s exit:1 grep -q '^JID=' env
    atf_check -s exit:1 grep -q '^FOO=' env
    atf_check grep -q '^TERM=vt100$' env
    atf_check "$(vj_bin jail)" -r "$n"
}
clean_env_cleanup() { vj_cleanup; }

atf_test_case users cleanup
users_head()
{
    atf_set descr "exec.jail_user (jail passwd), exec.system_user (host), exec.consolelog"
}
users_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    atf_check -o inline:"nobody\n" "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist \
        exec.jail_user=vjuser exec.start="id" exec.consolelog="$PWD/console" \
        exec.system_user=nobody exec.poststart="id -un"
    atf_check -o inline:"uid=1001(vjuser) gid=1001(vjuser) groups=1001(vjuser)\n" cat console
    atf_check "$(vj_bin jail)" -r "$n"
}
users_cleanup() { vj_cleanup; }

atf_test_case jail_user_policy cleanup
jail_user_policy_head()
{
    atf_set descr "exec.jail_user: the policy is applied as root, then the user is changed" \
        "(no no_new_privs fallback, so setuid programs keep working)"
}
jail_user_policy_body()
{
    vj_require_root
    vj_mkroot root
    local n
    n=$(vj_name)
    atf_check -o ignore "$(vj_bin jail)" -c name="$n" path="$PWD/root" persist mount.procfs \
        exec.jail_user=vjuser exec.clean exec.consolelog="$PWD/console" \
        exec.start='id -un; pwd; grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status'
    atf_check -o inline:"vjuser\n/home/vjuser\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n" \
        cat console
    atf_check "$(vj_bin jail)" -r "$n"
}
jail_user_policy_cleanup() { vj_cleanup; }

# -p: FreeBSD bounds the commands running at once, not the jails.  Four
# jails (c depends on a) whose exec.prestart and exec.poststart log
# "S|E NAME STEP NANOSECONDS" around a sleep; the intervals are then
# swept to find how many ran at the same time.
mkparconf()
{
    local n=$1
    cat > hook <<'HOOK'
#!/bin/sh
echo "S $1 $2 $(date +%s%N)" >> "$3"
sleep 1.5
echo "E $1 $2 $(date +%s%N)" >> "$3"
HOOK
    chmod +x hook
    cat > jail.conf <<CONF
path = "/";
persist;
exec.prestart = "$PWD/hook \$name prestart $PWD/log";
exec.poststart = "$PWD/hook \$name poststart $PWD/log";
${n}_a { }
${n}_b { }
${n}_c { depend = ${n}_a; }
${n}_d { }
CONF
}

# The largest number of logged commands running at one time.
max_overlap()
{
    awk '{ print $4, ($1 == "S" ? 1 : -1) }' log | sort -k1,1n -k2,2n |
        awk '{ cur += $2; if (cur > max) max = cur } END { print max + 0 }'
}

# Every command of $1 ends before any of $2 starts.
check_before()
{
    local last first
    last=$(awk -v j="$1" '$1 == "E" && $2 == j { print $4 }' log | sort -n | tail -1)
    first=$(awk -v j="$2" '$1 == "S" && $2 == j { print $4 }' log | sort -n | head -1)
    [ -n "$last" ] && [ -n "$first" ] && [ "$last" -le "$first" ] ||
        atf_fail "$2 started before $1 was done: $(cat log)"
}

run_parallel()
{
    local n=$1 limit=$2 want=$3
    : > log
    atf_check -o save:out "$(vj_bin jail)" $limit -f jail.conf -c
    [ "$(grep -c ': created$' out)" -eq 4 ] || atf_fail "not 4 created: $(cat out)"
    [ "$(wc -l < log)" -eq 16 ] || atf_fail "not 8 commands logged: $(cat log)"
    [ "$(max_overlap)" = "$want" ] ||
        atf_fail "$limit: $(max_overlap) commands at once, not $want: $(sort -k4n log)"
    check_before "${n}_a" "${n}_c"
    if [ "$want" = 1 ]; then
        # FreeBSD lets the jail whose command ended go on first: with -p1
        # each jail's commands run together, the jails one after another
        [ "$(sort -k4n log | awk '$1 == "S" { print $2 }' | uniq | wc -l)" -eq 4 ] ||
            atf_fail "-p1: jails interleaved: $(sort -k4n log)"
    fi
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -r '*'
}

atf_test_case parallel_limit cleanup
parallel_limit_head()
{
    atf_set descr "-p LIMIT bounds the exec.* commands running at once across jails; depend holds"
    atf_set timeout 180
}
parallel_limit_body()
{
    vj_require_root
    local n
    n=$(vj_name)
    mkparconf "$n"
    # -p1: one command at a time, FreeBSD's serial start (rc.d)
    run_parallel "$n" -p1 1
    # -p2: two at a time
    run_parallel "$n" -p2 2
    # no limit (and -p0): a, b and d side by side (c waits for a)
    run_parallel "$n" "" 3
    run_parallel "$n" -p0 3
}
parallel_limit_cleanup() { vj_cleanup; }

atf_test_case early_command cleanup
early_command_head()
{
    atf_set descr "command= forked while the jail is set up still runs after exec.created, and never if it fails"
}
early_command_body()
{
    vj_require_root
    local n
    n=$(vj_name)
    # exec.created is slow: a command let go too early would come first
    cat > jail.conf <<CONF
path = "/";
$n {
    exec.created = "sleep 0.3; echo created >> $PWD/trace";
    command = "echo command >> $PWD/trace";
}
${n}f {
    exec.created = "false";
    command = "touch $PWD/marker";
}
CONF
    atf_check -o inline:"$n: created\n" "$(vj_bin jail)" -f jail.conf -c "$n"
    atf_check -o inline:"created\ncommand\n" cat trace
    atf_check -s exit:1 -o inline:"${n}f: created\n${n}f: removed\n" \
        -e inline:"jail: ${n}f: false: failed\n" "$(vj_bin jail)" -f jail.conf -c "${n}f"
    atf_check -s exit:1 test -e marker
    atf_check -s exit:1 -o empty -e ignore "$(vj_bin jls)" -j "${n}f"
    # the parked command was killed and reaped, not left for init
    atf_check -s exit:1 -o ignore pgrep -f "[t]ouch $PWD/marker"
}
early_command_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case early_command
    atf_add_test_case users
    atf_add_test_case jail_user_policy
    atf_add_test_case order
    atf_add_test_case order_verbose
    atf_add_test_case rollback
    atf_add_test_case messages
    atf_add_test_case clean_env
    atf_add_test_case parallel_limit
}

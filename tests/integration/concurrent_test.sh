#! /usr/bin/env atf-sh
# 100 jails created and removed by concurrent jail(8) processes: the
# registry lock keeps JIDs and names unique and nothing is left behind.

. "$(atf_get_srcdir)/vjail.subr"

cgroot()
{
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup/unified
    else
        echo /sys/fs/cgroup
    fi
}

atf_test_case hundred cleanup
hundred_head()
{
    atf_set descr "100 concurrent creations and removals: unique JIDs, nothing left"
    atf_set timeout 300
}
hundred_body()
{
    vj_require_root
    local i n jail jls pids
    jail=$(vj_bin jail)
    jls=$(vj_bin jls)
    n=$(vj_name)
    pids=
    for i in $(seq 1 100); do
        "$jail" -i -c name="${n}_$i" path=/ persist host.hostname="h$i" > "jid.$i" 2> "err.$i" &
        pids="$pids $!"
    done
    for i in $pids; do
        wait "$i" || atf_fail "a creation failed: $(cat err.* | head -3)"
    done
    cat jid.* | sort > jids
    [ "$(wc -l < jids)" -eq 100 ] || atf_fail "expected 100 jids, got $(wc -l < jids)"
    [ "$(sort -u jids | wc -l)" -eq 100 ] || atf_fail "duplicate jids: $(uniq -d jids)"
    # the registry agrees with what jail -i printed
    "$jls" jid name | awk -v p="${n}_" 'index($2, p) == 1 { print $1 }' | sort > listed
    atf_check -o file:jids cat listed
    # creating a duplicate name fails while the others exist
    atf_check -s exit:1 -e inline:"jail: \"${n}_1\" already exists\n" \
        "$jail" -c name="${n}_1" path=/ persist
    pids=
    for i in $(seq 1 100); do
        "$jail" -r "${n}_$i" 2> "rerr.$i" &
        pids="$pids $!"
    done
    for i in $pids; do
        wait "$i" || atf_fail "a removal failed: $(cat rerr.* | head -3)"
    done
    [ -z "$(vj_jails)" ] || atf_fail "jails left: $(vj_jails | head -3)"
    for i in $(cat jids); do
        [ ! -e "/run/vjail/jails/$i" ] || atf_fail "registry entry $i left"
        [ ! -d "$(cgroot)/vjail/$i" ] || atf_fail "cgroup $i left"
    done
}
hundred_cleanup() { vj_cleanup; }

atf_test_case config_parallel cleanup
config_parallel_head()
{
    atf_set descr "one jail(8) starting 20 configured jails in parallel (-p 4) and with depend"
    atf_set timeout 120
}
config_parallel_body()
{
    vj_require_root
    local n i
    n=$(vj_name)
    {
        echo 'path = "/"; persist;'
        echo "exec.prestart = 'echo start \$JNAME >> $PWD/order';"
        echo "exec.poststop = 'echo stop \$JNAME >> $PWD/order';"
        echo "${n}_1 { depend = ${n}_2; }"
        for i in $(seq 2 20); do
            echo "${n}_$i { }"
        done
    } > jail.conf
    atf_check -o save:out "$(vj_bin jail)" -p 4 -f jail.conf -c
    [ "$(grep -c ': created$' out)" -eq 20 ] || atf_fail "not 20 created: $(cat out)"
    # the dependency starts first and stops last
    [ "$(grep -n "start ${n}_2\$" order | cut -d: -f1)" -lt \
      "$(grep -n "start ${n}_1\$" order | cut -d: -f1)" ] || atf_fail "depend order: $(cat order)"
    : > order
    atf_check -o save:out "$(vj_bin jail)" -p 4 -f jail.conf -r '*'
    [ "$(grep -c ': removed$' out)" -eq 20 ] || atf_fail "not 20 removed: $(cat out)"
    [ "$(grep -n "stop ${n}_1\$" order | cut -d: -f1)" -lt \
      "$(grep -n "stop ${n}_2\$" order | cut -d: -f1)" ] || atf_fail "removal order: $(cat order)"
    [ -z "$(vj_jails)" ] || atf_fail "jails left"
}
config_parallel_cleanup() { vj_cleanup; }

atf_test_case depend_errors cleanup
depend_errors_head()
{
    atf_set descr "dependency loop, undefined dependency and skipped dependents"
}
depend_errors_body()
{
    vj_require_root
    local n
    n=$(vj_name)
    cat > jail.conf <<CONF
path = "/"; persist;
${n}_a { depend = ${n}_b; }
${n}_b { depend = ${n}_a; }
${n}_c { depend = ${n}_nope; }
${n}_d { depend = ${n}_e; }
${n}_e { exec.prestart = "false"; }
CONF
    atf_check -s exit:1 -o ignore -e save:err "$(vj_bin jail)" -f jail.conf -c
    atf_check grep -qx "jail: ${n}_a: dependency loop" err
    atf_check grep -qx "jail: ${n}_b: dependency loop" err
    atf_check grep -qx "jail: ${n}_c: depends on undefined jail \"${n}_nope\"" err
    atf_check grep -qx "jail: ${n}_e: false: failed" err
    atf_check grep -qx "jail: ${n}_d: skipped" err
    [ -z "$(vj_jails)" ] || atf_fail "jails left: $(vj_jails)"
}
depend_errors_cleanup() { vj_cleanup; }

atf_test_case remove_race cleanup
remove_race_head()
{
    atf_set descr "several jail -r of one jail at once: hooks of one removal only, nothing left"
}
remove_race_body()
{
    vj_require_root
    local n i pids
    n=$(vj_name)
    printf '%s { path = "/"; persist; exec.poststop = "echo x >> %s/post"; }\n' "$n" "$PWD" > jail.conf
    atf_check -o ignore "$(vj_bin jail)" -f jail.conf -c "$n"
    pids=
    for i in 1 2 3 4 5; do
        "$(vj_bin jail)" -q -f jail.conf -r "$n" 2>/dev/null &
        pids="$pids $!"
    done
    for i in $pids; do
        wait "$i"
    done
    atf_check -o inline:"x\n" cat post
    [ -z "$(vj_jails)" ] || atf_fail "jail left"
}
remove_race_cleanup() { vj_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case remove_race
    atf_add_test_case hundred
    atf_add_test_case config_parallel
    atf_add_test_case depend_errors
}

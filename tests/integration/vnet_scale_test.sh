#! /usr/bin/env atf-sh
# 200 VNET jails on one bridge (vnet.bridge, vnet.addr from a /16), created
# and removed by 8 concurrent workers (issue 4, "Tests"): every jail made,
# unique JIDs, each reachable, then nothing left on the host.  The times
# of both phases are printed on stderr (kyua report --verbose).

. "$(atf_get_srcdir)/vjail.subr"
. "$(vj_srcroot)/tests/data/vnet/vnet_host.subr"

SCALE_N=${VJT_SCALE_N:-200}
SCALE_WORKERS=${VJT_SCALE_WORKERS:-8}

# scale_addr I: the jail's address in 10.202.0.0/16 (.0.1 is the bridge).
scale_addr()
{
    echo "10.202.$(($1 / 250)).$(($1 % 250 + 2))"
}

# scale_worker W OP: jails W, W+WORKERS, ... created (OP=c), or every
# WORKERS-th line of made.idx from W on removed (OP=r).
scale_worker()
{
    local w=$1 op=$2 i n
    i=$w
    while [ "$op" = c ] && [ "$i" -lt "$SCALE_N" ]; do
        n=$(vj_name "$i")
        if [ "$op" = c ]; then
            "$JAIL" -c name="$n" path=/ persist vnet vnet.bridge=vjtscale0 \
                vnet.bridge.addr=10.202.0.1/16 "vnet.addr=$(scale_addr "$i")/16" ||
                echo "create $n failed ($?)"
        fi
        i=$((i + SCALE_WORKERS))
    done
    # Removal: the jails that were made (made.idx), shared out the same way.
    if [ "$op" = r ]; then
        for i in $(awk -v w="$w" -v k="$SCALE_WORKERS" '(NR - 1) % k == w' made.idx); do
            n=$(vj_name "$i")
            "$JAIL" -r "$n" || echo "remove $n failed ($?)"
        done
    fi
}

# scale_phase OP: all workers at once; their stderr/stdout in OP.W.log.
scale_phase()
{
    local w pids="" p
    w=0
    while [ "$w" -lt "$SCALE_WORKERS" ]; do
        scale_worker "$w" "$1" > "$1.$w.log" 2>&1 &
        pids="$pids $!"
        w=$((w + 1))
    done
    for p in $pids; do wait "$p"; done
}

atf_test_case concurrent cleanup
concurrent_head()
{
    atf_set descr "200 VNET jails created and removed by 8 concurrent workers: unique JIDs, reachable, nothing left"
    atf_set timeout 600
}
concurrent_body()
{
    local t0 t1 t2 t3 n i made first mid last
    vt_init
    vt_own vjtscale0
    echo '10\.202\.' > owned.re
    t0=$(date +%s.%N)
    scale_phase c
    t1=$(date +%s.%N)
    cat c.*.log > create.log
    "$JLS" name jid | awk -v p="$(vj_prefix)_" 'index($1, p) == 1' > live
    made=$SCALE_N
    if grep -q "Too many open files" create.log; then
        # Engine bug (reported): every supervisor holds an inotify
        # instance, so with fs.inotify.max_user_instances = 128 (Linux's
        # default) no more than 128 jails can exist.  The rest of the case
        # runs with the jails that were made, then fails.
        atf_expect_fail "engine bug: jail -c fails with 'supervisor: Too many open files' beyond fs.inotify.max_user_instances ($(sysctl -n fs.inotify.max_user_instances)) jails"
        made=$(wc -l < live | tr -d ' ')
        grep -v "Too many open files\|failed (1)" create.log > create.other
        atf_check -o empty cat create.other
        echo "vnet_scale: only $made of $SCALE_N jails made: $(grep -c 'failed (1)' create.log) failed with 'Too many open files'" >&2
    else
        atf_check -o empty cat create.log
    fi
    # Every jail, once, with its own JID.
    atf_check -o inline:"$made\n" sh -c "wc -l < live | tr -d ' '"
    atf_check -o inline:"$made\n" sh -c "awk '{print \$2}' live | sort -u | wc -l | tr -d ' '"
    atf_check -o inline:"$made\n" sh -c "ls /sys/class/net/vjtscale0/brif | wc -l | tr -d ' '"
    # Host ends vj<JID>a on the bridge, recorded for the leftover check.
    awk '{print "vj" $2 "a"}' live >> owned.list
    # Reachable: the first, the last and some between, from the host and
    # from one jail to another.
    sed "s/^$(vj_prefix)_//" live | awk '{print $1}' | sort -n > made.idx
    first=$(head -1 made.idx)
    last=$(tail -1 made.idx)
    mid=$(sed -n "$((made / 2))p" made.idx)
    for i in $first $mid $last; do
        atf_check -o match:"1 packets received" -e empty busybox ping -c 1 -W 3 "$(scale_addr "$i")"
    done
    atf_check -o match:"inet $(scale_addr "$mid")/16" "$JX" "$(vj_name "$mid")" ip -4 -o addr show eth0
    atf_check -s not-exit:0 -o empty -e match:"Connection refused" \
        "$JX" "$(vj_name "$first")" busybox nc -w 3 "$(scale_addr "$last")" 9
    t2=$(date +%s.%N)
    scale_phase r
    t3=$(date +%s.%N)
    cat r.*.log > remove.log
    atf_check -o empty cat remove.log
    echo "vnet_scale: $made of $SCALE_N jails, $SCALE_WORKERS workers: create $(awk "BEGIN { print $t1 - $t0 }") s, remove $(awk "BEGIN { print $t3 - $t2 }") s" >&2
    atf_check -o empty sh -c "$JLS -d name | grep '^$(vj_prefix)_' || true"
    vt_gone vjtscale0
    for n in $(awk '{print "vj" $2 "a"}' live); do
        [ ! -e "/sys/class/net/$n" ] || atf_fail "$n left on the host"
    done
    vt_host_unchanged
    [ "$made" -eq "$SCALE_N" ] || atf_fail "only $made of $SCALE_N jails could be made"
}
concurrent_cleanup()
{
    # Removal by prefix, 8 at a time, before vt_cleanup's one-by-one pass.
    local n
    if [ "$(id -u)" -eq 0 ]; then
        JAIL=$(vj_bin jail)
        vj_jails | xargs -r -n 25 -P 8 sh -c 'for n; do "$0" -r "$n" >/dev/null 2>&1; done' "$JAIL"
    fi
    vt_cleanup
}

atf_init_test_cases()
{
    atf_add_test_case concurrent
}

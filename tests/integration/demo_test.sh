#! /usr/bin/env atf-sh
# demo/run, the README's main command: three VNET jails on a bridge from one
# jail.conf, a web server reached from a jail and from the host through a
# port forward, everything removed.  Runs the demo against the test build
# (NO_BUILD=1, NO_DEPS=1) and checks what it reports and what it leaves.
#
# The demo names its own jails (vjdemo-web, vjdemo-app, vjdemo-db) and
# bridge (vjdemo0); its traffic stays on that bridge and on loopback.

. "$(atf_get_srcdir)/vjail.subr"

DEMO_JAILS="vjdemo-web vjdemo-app vjdemo-db"
DEMO_BRIDGE=vjdemo0

# Skip when a demo is already running on this host (its names are fixed).
demo_require_free()
{
    local j
    for j in $DEMO_JAILS; do
        ! "$(vj_bin jls)" -d -j "$j" jid >/dev/null 2>&1 ||
            atf_skip "jail $j exists (a demo is running?)"
    done
    [ ! -e "/sys/class/net/$DEMO_BRIDGE" ] ||
        atf_skip "interface $DEMO_BRIDGE exists (a demo is running?)"
    command -v busybox >/dev/null || atf_skip "busybox is not installed"
    touch demo_started
}

# Nothing of the demo is left on the host: no jail, no interface of its
# jails, no bridge, no nft rule of its jails.
demo_check_nothing_left()
{
    local j
    for j in $DEMO_JAILS; do
        atf_check -s not-exit:0 -o empty -e ignore "$(vj_bin jls)" -d -j "$j" jid
    done
    [ ! -e "/sys/class/net/$DEMO_BRIDGE" ] || atf_fail "$DEMO_BRIDGE left behind"
    if ip -o link show 2>/dev/null | grep -q 'jail\.vjdemo-'; then
        atf_fail "an epair of a demo jail is left: $(ip -o link show | grep 'jail\.vjdemo-')"
    fi
    if command -v nft >/dev/null &&
        nft list table inet vjail 2>/dev/null | grep -q ' vjdemo-'; then
        atf_fail "nft rules of demo jails left: $(nft list table inet vjail)"
    fi
    if grep -q ' /tmp/vjail-demo\.' /proc/self/mountinfo; then
        atf_fail "mounts left under /tmp/vjail-demo.*"
    fi
}

# Undo whatever a failed or killed demo left (only when this test case ran
# it): its jails (vjail then removes their interfaces and rules), a bridge
# vjail made and left empty, its temporary directory.
demo_cleanup()
{
    local j d
    [ -e demo_started ] || return 0
    for j in $DEMO_JAILS; do
        "$(vj_builddir)/jail" -r "$j" >/dev/null 2>&1
    done
    if [ -e "/sys/class/net/$DEMO_BRIDGE" ] &&
        [ -z "$(ls "/sys/class/net/$DEMO_BRIDGE/brif" 2>/dev/null)" ] &&
        ip -d link show "$DEMO_BRIDGE" 2>/dev/null | grep -q 'alias created by vjail'; then
        ip link delete "$DEMO_BRIDGE" 2>/dev/null
    fi
    if [ -e demo_tmp ]; then
        d=$(cat demo_tmp)
        case "$d" in
        /tmp/vjail-demo.*)
            awk -v d="$d" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
                sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
            grep -q " $d/" /proc/self/mountinfo || rm -rf "$d"
            ;;
        esac
    fi
    vj_cleanup
}

run_demo()
{
    BUILD=$(vj_builddir) NO_DEPS=1 NO_BUILD=1 "$(vj_srcroot)/demo/run"
}

atf_test_case headline cleanup
headline_head()
{
    atf_set descr "demo/run: 3 VNET jails, service reached from a jail and from the host, nothing left"
    atf_set require.user root
    atf_set timeout 300
}
headline_body()
{
    vj_require_root
    demo_require_free
    run_demo > out 2> err
    rc=$?
    sed -n 's/^== root file systems: static busybox in \(.*\)\/vjdemo-.*/\1/p' out > demo_tmp
    cat out
    cat err >&2
    [ "$rc" -eq 0 ] || atf_fail "demo/run exited $rc"
    [ ! -s err ] || atf_fail "demo/run wrote to stderr"
    for l in \
        "^vjdemo-web: created$" "^vjdemo-app: created$" "^vjdemo-db: created$" \
        "^ +[0-9]+  10\.[0-9]+\.0\.2 +vjdemo-web " \
        "^ +[0-9]+  10\.[0-9]+\.0\.3 +vjdemo-app " \
        "^ +[0-9]+  10\.[0-9]+\.0\.4 +vjdemo-db " \
        "^        eth0: ether .* inet 10\.[0-9]+\.0\.2/24" \
        "^hello from vjdemo-web, you are 10\.[0-9]+\.0\.3$" \
        "^hello from vjdemo-web, you are 10\.[0-9]+\.0\.1$" \
        "^check: web page reached from jail vjdemo-app: ok$" \
        "^check: web page reached from the host at 127\.0\.0\.1:[0-9]+: ok$" \
        "^check: web page reached from the host at 10\.[0-9]+\.0\.1:[0-9]+: ok$" \
        "^check: ping from vjdemo-app to vjdemo-db: ok$" \
        "^vjdemo-web: removed$" "^vjdemo-app: removed$" "^vjdemo-db: removed$" \
        "^check: nothing left .*: ok$" \
        "^demo finished: "; do
        grep -Eq -- "$l" out || atf_fail "demo output lacks a line matching: $l"
    done
    if grep -q 'FAILED' out; then
        atf_fail "demo reported a failure: $(grep FAILED out)"
    fi
    demo_check_nothing_left
}
headline_cleanup() { demo_cleanup; }

atf_test_case interrupted cleanup
interrupted_head()
{
    atf_set descr "demo/run killed by SIGTERM with its jails running removes everything"
    atf_set require.user root
    atf_set timeout 300
}
interrupted_body()
{
    vj_require_root
    demo_require_free
    # A simple command, so that $! is the demo itself (a function run in
    # the background would be a subshell around it).
    BUILD=$(vj_builddir) NO_DEPS=1 NO_BUILD=1 "$(vj_srcroot)/demo/run" > out 2> err &
    pid=$!
    # Wait until the three jails run (the demo then lists them).
    i=0
    while ! grep -q '^== list them' out 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || break
        i=$((i + 1))
        [ "$i" -lt 600 ] || { kill -KILL "$pid"; atf_fail "demo did not create its jails in 60 s"; }
        sleep 0.1
    done
    sed -n 's/^== root file systems: static busybox in \(.*\)\/vjdemo-.*/\1/p' out > demo_tmp
    grep -q '^== list them' out || { cat out err; atf_fail "demo ended before creating its jails"; }
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    cat out
    cat err >&2
    [ "$rc" -eq 143 ] || atf_fail "demo/run exited $rc after SIGTERM, expected 143"
    grep -q '^demo/run: removing jail vjdemo-web$' out ||
        atf_fail "the demo's cleanup did not remove vjdemo-web"
    demo_check_nothing_left
    d=$(cat demo_tmp)
    [ -n "$d" ] || atf_fail "the demo did not say where its files are"
    [ ! -e "$d" ] || atf_fail "temporary directory $d left"
}
interrupted_cleanup() { demo_cleanup; }

atf_init_test_cases()
{
    atf_add_test_case headline
    atf_add_test_case interrupted
}

#!/usr/bin/env bash
# bench/run-scale.sh: N VNET jails alive at once on bridges (issue #4, "Scale").
#
# 1. Floor: the raw-netlink program of shared/perf (vnet_nl.c, built into
#    bench/work/) makes N network namespaces, each with a veth on bridge
#    vjscnl0 (10.88.0.1/16), an address and a default route, from ONE
#    process; then they are removed.  The lowest cost a C tool can reach.
# 2. vjail: N persistent VNET jails, one `jail -c` each, one after another:
#      jail -c name=scI path=/ persist allow.raw_sockets vnet
#           vnet.bridge=vjsc0 vnet.bridge.addr=10.212.0.1/16
#           vnet.addr=10.212.X.Y/16
#    (vjail makes the bridge with the first jail and removes it with the
#    last; allow.raw_sockets only so that ping works inside).  Jails beyond
#    PER_BRIDGE (1000) go to the next bridge vjsc1, 10.213.0.0/16, and so
#    on: a Linux bridge holds at most 1023 ports.
#    Measured: each creation (bash $EPOCHREALTIME around the command, so
#    fork+exec of jail(8) is included), kernel memory from /proc/meminfo
#    before and after (Slab, Percpu, ...), RSS/PSS of every supervisor
#    (/proc/PID/smaps_rollup), pings host -> jail and jail -> jail (jexec),
#    then the bridge-full check (vjsc0 filled to 1023 ports with veths
#    vjscfK, one more jail must fail with a clear message and leave
#    nothing), then removal: RM_SEQ jails one `jail -r` each, the rest with
#    one `jail -r` naming them all, and the time until every interface
#    (host ends, bridge) is gone.
#
# `jail -r '*'` would also remove the jails of anyone else on this machine,
# so the names are given; '*' expands to the same list of targets.
# Traffic: pings only, on the script's own bridges; eth0 and the host's
# routes are never touched (the bridges' addresses add their own connected
# routes, gone with them).  Jails named sc<NUMBER>, namespaces pj<NUMBER>
# and links vjsc*, pjv*h left by an interrupted run are removed first.
#
# Writes bench/results/scale-<UTC time>.json (with every per-jail time) and
# the scale section of bench/README.md.  Removes everything it creates, also
# when interrupted.
# Usage: sudo bench/run-scale.sh   Environment: N (1000), PER_BRIDGE (1000),
# RM_SEQ (100), NL (1: run the floor), FULL_CHECK (1), SETTLE (3 s before
# each memory reading), BUILD (build-bench), NO_DEPS=1, README (1: update
# bench/README.md), VNET_NL_SRC (/work/shared/perf/scripts/vnet_nl.c).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${N:-1000}
PER_BRIDGE=${PER_BRIDGE:-1000}
RM_SEQ=${RM_SEQ:-100}
NL=${NL:-1}
FULL_CHECK=${FULL_CHECK:-1}
SETTLE=${SETTLE:-3}
README=${README:-1}
BUILD=${BUILD:-build-bench}
VNET_NL_SRC=${VNET_NL_SRC:-/work/shared/perf/scripts/vnet_nl.c}
case "$BUILD" in /*) B=$BUILD ;; *) B=$root/$BUILD ;; esac
BRMAX=1023 # ports of a Linux bridge: 10-bit port numbers, port 0 unused

me=run-scale.sh
die() { echo "$me: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must be run as root"
[ "$N" -ge 2 ] 2>/dev/null || die "N must be a number >= 2"
[ "$PER_BRIDGE" -ge 1 ] && [ "$PER_BRIDGE" -le "$BRMAX" ] 2>/dev/null ||
    die "PER_BRIDGE must be 1..$BRMAX"
[ "$RM_SEQ" -lt "$N" ] 2>/dev/null || RM_SEQ=$((N / 2))
[ "${NO_DEPS:-0}" = 1 ] || scripts/install-deps bench
make -s -j"$(nproc)" BUILD="$BUILD" all
command -v busybox >/dev/null || die "busybox is needed (ping)"

work=$root/bench/work
mkdir -p "$work"
tmp=$(mktemp -d "$work/scale.XXXXXX")
nbr=$(((N + PER_BRIDGE - 1) / PER_BRIDGE))
bridge_of() { echo "vjsc$(((($1) - 1) / PER_BRIDGE))"; }
net_of() { echo "10.$((212 + (($1) - 1) / PER_BRIDGE))"; }
# Jail I: 10.(212+B).(1+K/250).(2+K%250) with K its index on bridge B.
ip_of() {
    local k=$(((($1) - 1) % PER_BRIDGE + 1))
    echo "$(net_of "$1").$((1 + k / 250)).$((2 + k % 250))"
}

# Jails sc<NUMBER> (this script's), as listed by jls.
our_jails() { "$B/jls" name 2>/dev/null | grep -E '^sc[0-9]+$' || true; }

remove_all() {
    local left
    left=$(our_jails)
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086
        "$B/jail" -r $left >/dev/null 2>&1 || true
        left=$(our_jails)
        for j in $left; do "$B/jail" -r "$j" >/dev/null 2>&1 || true; done
    fi
    # Bridge-full filler veths, the floor's namespaces and links, bridges.
    for l in $(ls /sys/class/net 2>/dev/null | grep -E '^vjscf[0-9]+$'); do
        ip link del "$l" 2>/dev/null || true
    done
    for f in /run/netns/pj*; do
        [ -e "$f" ] || continue
        case "${f##*/}" in pj[0-9]*) ip netns del "${f##*/}" 2>/dev/null || true ;; esac
    done
    for l in $(ls /sys/class/net 2>/dev/null | grep -E '^pjv[0-9]+h$'); do
        ip link del "$l" 2>/dev/null || true
    done
    for l in $(ls /sys/class/net 2>/dev/null | grep -E '^vjsc(nl)?[0-9]+$'); do
        ip link del "$l" 2>/dev/null || true
    done
}

# ip(8)'s first "ip netns add" (and the floor's netns pins) make
# /run/netns a shared mount and leave it; undone at the end if it was us.
netns_mounted=0
mountpoint -q /run/netns 2>/dev/null && netns_mounted=1
cleanup() {
    local rc=$?
    trap '' INT TERM HUP
    trap - EXIT
    remove_all
    rm -rf "$tmp"
    rm -f "$work/vnet_nl"
    rmdir "$work" 2>/dev/null || true
    if [ "$netns_mounted" = 0 ] && mountpoint -q /run/netns 2>/dev/null &&
        [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
    fi
    exit "$rc"
}

if [ -n "$(our_jails)" ] || ls /sys/class/net | grep -qE '^(vjsc[0-9]+|vjscnl[0-9]+|vjscf[0-9]+|pjv[0-9]+h)$' ||
    ls /run/netns 2>/dev/null | grep -qE '^pj[0-9]'; then
    echo "$me: removing what an interrupted run left" >&2
    remove_all
fi
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- helpers ---------------------------------------------------------------
meminfo() { # KEY=kB ... of /proc/meminfo, after SETTLE seconds
    sleep "$SETTLE"
    awk '/^(MemTotal|MemFree|Buffers|Cached|Slab|SReclaimable|SUnreclaim|KernelStack|PageTables|Percpu):/ {
        sub(":", "", $1); printf "%s=%s ", $1, $2 } END { print "" }' /proc/meminfo
}
drops() { # packets dropped by the per-CPU input backlogs so far
    local s=0 d
    while read -r _ d _; do s=$((s + 16#$d)); done < /proc/net/softnet_stat
    echo "$s"
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
wait_gone() { # wait until none of the interfaces named in file $1 exists
    while read -r l; do
        while [ -e "/sys/class/net/$l" ]; do sleep 0.01; done
    done < "$1"
}
ping_ok() { busybox ping -c1 -W2 "$@" >/dev/null 2>&1 || busybox ping -c1 -W2 "$@" >/dev/null 2>&1; }

log=$tmp/log # KEY VALUE... lines, read by the summary
echo "n $N" > "$log"
echo "per_bridge $PER_BRIDGE" >> "$log"
echo "load_start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
RANDOM=4 # the same pings in every run

# ---- 1. floor: raw netlink from one process --------------------------------
if [ "$NL" = 1 ] && [ -r "$VNET_NL_SRC" ] && [ "$N" -le "$BRMAX" ]; then
    echo "$me: floor: $N namespaces on vjscnl0 with vnet_nl" >&2
    gcc -O2 -w -o "$work/vnet_nl" "$VNET_NL_SRC"
    ip link add vjscnl0 type bridge
    ip addr add 10.88.0.1/16 dev vjscnl0
    ip link set vjscnl0 up
    echo "nl_mem_before $(meminfo)" >> "$log"
    d0=$(drops)
    t0=$(now)
    "$work/vnet_nl" create vjscnl0 1 "$N" "$tmp/nl_create_us" >/dev/null
    t1=$(now)
    echo "nl_create_s $(elapsed "$t0" "$t1")" >> "$log"
    echo "nl_drops $(($(drops) - d0))" >> "$log"
    echo "nl_mem_after $(meminfo)" >> "$log"
    ok=0
    for _ in 1 2 3; do
        i=$((RANDOM % N + 1))
        ping_ok "10.88.$((1 + i / 250)).$((2 + i % 250))" && ok=$((ok + 1))
    done
    echo "nl_pings $ok/3" >> "$log"
    ls /sys/class/net | grep -E '^pjv[0-9]+h$' > "$tmp/nl_links"
    t0=$(now)
    "$work/vnet_nl" destroy 1 "$N" >/dev/null
    t1=$(now)
    wait_gone "$tmp/nl_links"
    t2=$(now)
    echo "nl_remove_s $(elapsed "$t0" "$t1")" >> "$log"
    echo "nl_gone_s $(elapsed "$t1" "$t2")" >> "$log"
    ip link del vjscnl0
    echo "nl_mem_end $(meminfo)" >> "$log"
elif [ "$NL" = 1 ]; then
    echo "$me: floor skipped (no $VNET_NL_SRC, or N > $BRMAX)" >&2
fi

# ---- 2. vjail ----------------------------------------------------------------
echo "$me: vjail: $N VNET jails on $nbr bridge(s)" >&2
echo "vj_mem_before $(meminfo)" >> "$log"
d0=$(drops)
fail=
t0=$(now)
for ((i = 1; i <= N; i++)); do
    b=$(((i - 1) / PER_BRIDGE))
    k=$(((i - 1) % PER_BRIDGE + 1))
    a=$EPOCHREALTIME
    if ! "$B/jail" -c name=sc$i path=/ persist allow.raw_sockets vnet vnet.bridge=vjsc$b \
        vnet.bridge.addr=10.$((212 + b)).0.1/16 \
        vnet.addr=10.$((212 + b)).$((1 + k / 250)).$((2 + k % 250))/16 2> "$tmp/err"; then
        fail="jail $i: $(cat "$tmp/err")"
        break
    fi
    echo "$i $a $EPOCHREALTIME"
done > "$tmp/vj_create_stamps"
t1=$(now)
[ -z "$fail" ] || die "vjail failed at $fail"
echo "vj_create_s $(elapsed "$t0" "$t1")" >> "$log"
echo "vj_drops $(($(drops) - d0))" >> "$log"
echo "vj_mem_after $(meminfo)" >> "$log"

# Supervisors (the registry records each jail's supervisor pid) and
# their memory.
python3 - "$tmp/sup" <<'PY'
import glob, re, sys
out = open(sys.argv[1], 'w')
for f in glob.glob('/run/vjail/jails/*'):
    kv = dict(l.rstrip('\n').split('\t', 1) for l in open(f) if '\t' in l)
    name, sup = kv.get('name', ''), kv.get('sup', '').split('\t')[0]
    if not re.fullmatch(r'sc[0-9]+', name) or not sup:
        continue
    m = {}
    try:
        for l in open(f'/proc/{sup}/smaps_rollup'):
            p = l.split()
            if len(p) == 3 and p[2] == 'kB':
                m[p[0].rstrip(':')] = int(p[1])
        nfd = len(glob.glob(f'/proc/{sup}/fd/*'))
    except OSError:
        continue
    print(name, kv.get('jid', '?'), sup, m.get('Rss', 0), m.get('Pss', 0),
          m.get('Private_Clean', 0) + m.get('Private_Dirty', 0), nfd, file=out)
PY
echo "vj_supervisors $(wc -l < "$tmp/sup")" >> "$log"
[ "$(wc -l < "$tmp/sup")" -eq "$N" ] || echo "$me: warning: $(wc -l < "$tmp/sup") supervisors for $N jails" >&2
awk '{ print $2 }' "$tmp/sup" > "$tmp/jids"
for ((b = 0; b < nbr; b++)); do ls "/sys/class/net/vjsc$b/brif"; echo "vjsc$b"; done > "$tmp/vj_links"
echo "vj_ports $(($(wc -l < "$tmp/vj_links") - nbr))" >> "$log"

# Connectivity.
ok=0
for _ in 1 2 3; do
    i=$((RANDOM % N + 1))
    ping_ok "$(ip_of $i)" && ok=$((ok + 1))
done
echo "vj_pings_host $ok/3" >> "$log"
ok=0
for _ in 1 2 3 4 5; do
    x=$((RANDOM % N + 1))
    # A partner on the same bridge (bridges are not routed to each other).
    y=$(((x - 1) / PER_BRIDGE * PER_BRIDGE + RANDOM % PER_BRIDGE + 1))
    [ "$y" -le "$N" ] || y=$N
    if "$B/jexec" sc$x busybox ping -c1 -W2 "$(ip_of $y)" > "$tmp/ping" 2>&1 ||
        "$B/jexec" sc$x busybox ping -c1 -W2 "$(ip_of $y)" > "$tmp/ping" 2>&1; then
        ok=$((ok + 1))
    else
        echo "$me: jail->jail ping sc$x -> sc$y failed: $(cat "$tmp/ping")" >&2
    fi
done
echo "vj_pings_jail $ok/5" >> "$log"

# The bridge-full check: fill vjsc0 to the kernel's limit with veths that
# are never up, then one more jail must fail cleanly.
if [ "$FULL_CHECK" = 1 ]; then
    ports=$(ls /sys/class/net/vjsc0/brif | wc -l)
    fill=$((BRMAX - ports))
    for ((k = 1; k <= fill; k++)); do
        echo "link add vjscf$k type veth peer name vjscg$k"
        echo "link set vjscf$k master vjsc0"
    done | ip -batch - || die "could not fill vjsc0"
    x=$((N + 1))
    set +e
    msg=$("$B/jail" -c name=sc$x path=/ persist vnet vnet.bridge=vjsc0 vnet.addr=10.212.250.250/16 2>&1)
    rc=$?
    set -e
    # Rolled back: no jail, no registry entry, no host end (found by its
    # altname), the bridge as full as before; other jails may come and go
    # on this machine meanwhile, so nothing global is counted.
    verdict=ok
    [ "$rc" -ne 0 ] || verdict="jail created on a full bridge"
    [ "$(ls /sys/class/net/vjsc0/brif | wc -l)" -eq "$BRMAX" ] || verdict="bridge ports changed"
    ! ip link show dev "jail.sc$x" >/dev/null 2>&1 || verdict="host end jail.sc$x left"
    ! grep -qsxF "$(printf 'name\tsc%s' "$x")" /run/vjail/jails/* || verdict="registry entry left"
    [ -z "$("$B/jls" -j sc$x jid 2>/dev/null)" ] || verdict="jail sc$x exists"
    echo "full_ports $(ls /sys/class/net/vjsc0/brif | wc -l)" >> "$log"
    echo "full_rc $rc" >> "$log"
    echo "full_msg $msg" >> "$log"
    echo "full_verdict $verdict" >> "$log"
    for ((k = 1; k <= fill; k++)); do echo "link del vjscf$k"; done | ip -batch -
fi

# Removal: RM_SEQ jails one by one, then the rest in one command.
for ((i = 1; i <= RM_SEQ; i++)); do
    a=$EPOCHREALTIME
    "$B/jail" -r sc$i > /dev/null || die "jail -r sc$i failed"
    echo "$i $a $EPOCHREALTIME"
done > "$tmp/vj_remove_stamps"
rest=()
for ((i = RM_SEQ + 1; i <= N; i++)); do rest+=("sc$i"); done
t0=$(now)
rrc=0
"$B/jail" -r "${rest[@]}" > /dev/null 2> "$tmp/rm_err" || rrc=$?
t1=$(now)
[ "$rrc" -eq 0 ] || echo "$me: warning: jail -r of ${#rest[@]} jails: exit $rrc" >&2
cat "$tmp/rm_err" >&2
echo "vj_remove_rc $rrc" >> "$log"
echo "vj_remove_errors $(wc -l < "$tmp/rm_err") $(head -1 "$tmp/rm_err")" >> "$log"
wait_gone "$tmp/vj_links"
t2=$(now)
echo "vj_remove_rest ${#rest[@]}" >> "$log"
echo "vj_remove_rest_s $(elapsed "$t0" "$t1")" >> "$log"
echo "vj_gone_s $(elapsed "$t1" "$t2")" >> "$log"
echo "vj_mem_end $(meminfo)" >> "$log"
echo "load_end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"

# Nothing of ours may be left.
left=
[ -z "$(our_jails)" ] || left="$left jails:$(our_jails | wc -l)"
while read -r jid; do
    [ ! -e "/run/vjail/jails/$jid" ] || { left="$left registry:$jid"; break; }
    [ ! -e "/run/vjail/netns/$jid" ] || { left="$left netns-pin:$jid"; break; }
    c=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/vjail/$jid" 2>/dev/null | head -1)
    [ -z "$c" ] || { left="$left cgroup:$c"; break; }
done < "$tmp/jids"
l=$(ls /sys/class/net | grep -E '^(vjsc[0-9]+|vjscnl[0-9]+|vjscf[0-9]+|vjscg[0-9]+|pjv[0-9]+h)$' || true)
[ -z "$l" ] || left="$left links:$(echo $l)"
echo "left ${left:-nothing}" >> "$log"
[ -z "$left" ] || echo "$me: warning: left after removal:$left" >&2

# ---- results -----------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
json=bench/results/scale-$stamp.json
machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$tmp" "$json" "$machine" "$README" bench/README.md <<'PY'
import datetime, json, os, re, statistics, sys
tmp, path, machine, do_readme, readme = sys.argv[1:]
L = {}
for line in open(f'{tmp}/log'):
    k, _, v = line.rstrip('\n').partition(' ')
    L[k] = v
mem = lambda k: {a: int(b) for a, b in re.findall(r'(\w+)=(\d+)', L[k])} if k in L else None
def stamps(f):
    return [(float(c) - float(b)) * 1e3 for _, b, c in (l.split() for l in open(f))]
N = int(L['n'])
vc = stamps(f'{tmp}/vj_create_stamps')
vr = stamps(f'{tmp}/vj_remove_stamps')
nl = [float(l.split()[1]) / 1e3 for l in open(f'{tmp}/nl_create_us')] if os.path.exists(f'{tmp}/nl_create_us') else []
sup = [l.split() for l in open(f'{tmp}/sup')]
med = statistics.median
used = lambda m: m['MemTotal'] - m['MemFree'] - m['Buffers'] - m['Cached'] - m['SReclaimable']
def mdelta(a, b):
    a, b = mem(a), mem(b)
    return {k: b[k] - a[k] for k in ('Slab', 'SUnreclaim', 'Percpu', 'KernelStack', 'PageTables')} | {'used': used(b) - used(a)}
vm, vend = mdelta('vj_mem_before', 'vj_mem_after'), mdelta('vj_mem_before', 'vj_mem_end')
nm = mdelta('nl_mem_before', 'nl_mem_after') if nl else None
rss = [int(s[3]) for s in sup]; pss = [int(s[4]) for s in sup]; priv = [int(s[5]) for s in sup]; fds = [int(s[6]) for s in sup]
K = min(100, N // 2)
R = {
    'n': N, 'per_bridge': int(L['per_bridge']), 'machine': machine,
    'load_start': L['load_start'], 'load_end': L['load_end'],
    'vjail': {
        'create_total_s': float(L['vj_create_s']), 'create_ms': vc,
        'remove_seq_ms': vr, 'remove_rest': int(L['vj_remove_rest']),
        'remove_rest_s': float(L['vj_remove_rest_s']), 'gone_after_s': float(L['vj_gone_s']),
        'mem_kib': vm, 'mem_left_kib': vend, 'backlog_drops': int(L['vj_drops']),
        'supervisors': len(sup), 'sup_rss_kib': rss, 'sup_pss_kib': pss, 'sup_private_kib': priv,
        'sup_fds': fds, 'ports': int(L['vj_ports']),
        'pings_host': L['vj_pings_host'], 'pings_jail': L['vj_pings_jail'],
    },
    'bridge_full': {k[5:]: L[k] for k in L if k.startswith('full_')},
    'left': L['left'],
}
if nl:
    R['floor'] = {'create_total_s': float(L['nl_create_s']), 'create_ms': nl,
                  'remove_s': float(L['nl_remove_s']), 'gone_after_s': float(L['nl_gone_s']),
                  'mem_kib': nm, 'backlog_drops': int(L['nl_drops']), 'pings_host': L['nl_pings']}
json.dump(R, open(path, 'w'), indent=1)

v = R['vjail']
when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
out = [f'Run {when}, `bench/run-scale.sh` with N={N} (load average {R["load_start"]} at the start, '
       f'{R["load_end"]} at the end).', f'Machine: {machine}.', '']
f2 = lambda x: f'{x:.2f}'
rows = [('create all N (s)', v['create_total_s'], nl and R['floor']['create_total_s']),
        ('per jail, mean (ms)', v['create_total_s'] * 1e3 / N, nl and R['floor']['create_total_s'] * 1e3 / N),
        (f'per jail, median of the first {K} (ms)', med(vc[:K]), nl and med(nl[:K])),
        (f'per jail, median of the last {K} (ms)', med(vc[-K:]), nl and med(nl[-K:])),
        ('kernel Slab per jail (KiB)', vm['Slab'] / N, nl and nm['Slab'] / N),
        ('kernel Percpu per jail (KiB)', vm['Percpu'] / N, nl and nm['Percpu'] / N),
        ('"used" memory per jail (KiB)', vm['used'] / N, nl and nm['used'] / N),
        ('remove, per jail, all in one command (ms)', v['remove_rest_s'] * 1e3 / max(v['remove_rest'], 1),
         nl and R['floor']['remove_s'] * 1e3 / N),
        ('every interface gone after (s)', v['gone_after_s'], nl and R['floor']['gone_after_s'])]
out += ['| | vjail | floor (raw netlink, 1 process) | vjail / floor |', '|---|---|---|---|']
for name, a, b in rows:
    out.append(f'| {name} | {f2(a)} | {f2(b) if nl else "–"} | {f2(a / b) if nl and b else "–"} |')
out += ['', f'vjail, per jail: supervisor RSS {med(rss):.0f} KiB, PSS {med(pss):.0f} KiB, private '
        f'{med(priv):.0f} KiB, {med(fds):.0f} open fds (medians over {len(sup)} supervisors; '
        f'PSS total {sum(pss) / 1024:.1f} MiB); kernel per jail: SUnreclaim {vm["SUnreclaim"] / N:.0f}, '
        f'KernelStack {vm["KernelStack"] / N:.0f}, PageTables {vm["PageTables"] / N:.0f} KiB.',
        f'Medians per block of 100 jails (ms): vjail ' +
        ' '.join(f'{med(vc[i:i + 100]):.1f}' for i in range(0, len(vc), 100)) +
        ('; floor ' + ' '.join(f'{med(nl[i:i + 100]):.2f}' for i in range(0, len(nl), 100)) if nl else '') + '.',
        f'Removal: {len(vr)} jails one `jail -r` each, median {med(vr):.1f} ms; then the other '
        f'{v["remove_rest"]} in one `jail -r` naming them all: {v["remove_rest_s"]:.2f} s '
        f'({v["remove_rest_s"] * 1e3 / max(v["remove_rest"], 1):.1f} ms per jail); every host end and the '
        f'bridge gone {v["gone_after_s"]:.2f} s after it returned'
        + (f' (exit {L["vj_remove_rc"]}, {L["vj_remove_errors"].split(" ", 1)[0]} error lines, the first: '
           f'`{L["vj_remove_errors"].split(" ", 1)[1]}`)' if L['vj_remove_rc'] != '0' or L['vj_remove_errors'].split(' ', 1)[0] != '0' else '')
        + '.'
        + (f'  Floor: all namespaces unmounted in {R["floor"]["remove_s"]:.2f} s, every veth gone '
           f'{R["floor"]["gone_after_s"]:.2f} s later.' if nl else ''),
        f'Kernel memory after removal: Slab {vend["Slab"] / 1024:+.1f} MiB against before.',
        f'Pings: host → jail {v["pings_host"]}, jail → jail (jexec) {v["pings_jail"]}'
        + (f', floor host → namespace {R["floor"]["pings_host"]}' if nl else '') + '.',
        f'Input backlog drops while creating: vjail {v["backlog_drops"]}'
        + (f', floor {R["floor"]["backlog_drops"]}' if nl else '') + '.']
bf = R['bridge_full']
if bf:
    out.append(f'Bridge full: vjsc0 filled to {bf["ports"]} ports, one more jail: exit {bf["rc"]}, '
               f'`{bf["msg"]}`; rolled back: {bf["verdict"]}.')
out += [f'Left after the run: {R["left"]}.', '', f'Raw data: `{path}`.']
block = '\n'.join(out)
print('\n' + block)
if do_readme == '1':
    text = open(readme).read()
    new = re.sub(r'(<!-- scale-results:start -->\n).*?(<!-- scale-results:end -->)',
                 lambda m: m.group(1) + block + '\n' + m.group(2), text, flags=re.S)
    open(readme, 'w').write(new)
PY

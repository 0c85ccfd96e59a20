#!/usr/bin/env bash
# bench/run-vnet.sh: life of a VNET jail on a bridge (issue #4).
#
# One hyperfine run times, side by side, the full life of a jail that gets
# its own network stack on a bridge (epair, address, default route), runs
# /bin/true and is removed, against crun without any networking and
# against the same network setup scripted with ip(8):
#
#   vjail         jail -c path=/ vnet vnet.bridge=vjb0 vnet.bridge.addr=10.201.0.1/24
#                      vnet.addr=10.201.0.2/24 command=/bin/true
#                 (vjb0 exists: made by this script, as an administrator
#                 makes bridge0)
#   vjail-newbr   the same on vjb1, which does not exist: vjail creates the
#                 bridge with its address and removes it with the jail
#   crun          nsenter -t H -m crun run -b BUNDLE vjbench (no network
#                 set-up at all; see run-start.sh for nsenter)
#   nsenter       nsenter -t H -m /bin/true (subtracted from crun)
#   floor         unshare --net --pid --fork --mount --uts --ipc --mount-proc
#                 /bin/true: the namespaces alone, with no link, address or
#                 route; no tool that makes a VNET jail can be faster, so
#                 ip-script / floor bounds what "N times faster than the
#                 script" can mean on this machine
#   ip-script     bash, "the same setup scripted with unshare and ip":
#                 ip netns add, veth with its peer in the namespace, host
#                 end on vjb0, address, lo up, default route, then
#                 ip netns exec N unshare --pid --fork --mount --uts --ipc
#                 --mount-proc /bin/true (the jail's other namespaces),
#                 ip netns del
#
# Traffic: none; everything is on bridges vjb0/vjb1 (10.201.0.0/24,
# 10.201.1.0/24) that only this script uses, never on the uplink.
# Writes bench/results/vnet-<UTC time>.json and the VNET results section
# of bench/README.md.  Removes everything it creates.
# Usage: sudo bench/run-vnet.sh   Environment: RUNS (50), WARMUP (5),
# PAUSE (0 s: an untimed pause before every run), BUILD (build-bench),
# NO_DEPS=1.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
PAUSE=${PAUSE:-0}
BUILD=${BUILD:-build-bench}
case "$BUILD" in /*) B=$BUILD ;; *) B=$root/$BUILD ;; esac

if [ "$(id -u)" -ne 0 ]; then
    echo "run-vnet.sh: must be run as root" >&2
    exit 1
fi
for i in vjb0 vjb1; do
    if [ -e "/sys/class/net/$i" ]; then
        echo "run-vnet.sh: interface $i exists already (another run?)" >&2
        exit 1
    fi
done
[ "${NO_DEPS:-0}" = 1 ] || scripts/install-deps bench
make -s -j"$(nproc)" BUILD="$BUILD" all

tmp=$(mktemp -d /tmp/vjail-bench.XXXXXX)
holder=
# ip(8)'s first "ip netns add" (and the floor's netns pins) make
# /run/netns a shared mount and leave it; undone at the end if it was us.
netns_mounted=0
mountpoint -q /run/netns 2>/dev/null && netns_mounted=1
cleanup() {
    local rc=$?
    trap '' INT TERM HUP
    trap - EXIT
    if [ -n "$holder" ]; then
        nsenter -t "$holder" -m crun delete -f vjbench >/dev/null 2>&1 || true
        kill "$holder" 2>/dev/null || true
        wait "$holder" 2>/dev/null || true
    fi
    # Namespaces and links of an interrupted ip-script run.
    for n in $(ip netns list 2>/dev/null | awk '/^vjbns/ { print $1 }'); do
        ip netns del "$n" 2>/dev/null || true
    done
    for n in $(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^vjbh/ { sub(/@.*/, "", $2); print $2 }'); do
        ip link del "$n" 2>/dev/null || true
    done
    ip link del vjb0 2>/dev/null || true
    ip link del vjb1 2>/dev/null || true
    rm -rf "$tmp"
    if [ "$netns_mounted" = 0 ] && mountpoint -q /run/netns 2>/dev/null &&
        [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
        umount /run/netns 2>/dev/null || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The administrator's bridge for vjail and ip-script.
ip link add vjb0 type bridge
ip addr add 10.201.0.1/24 dev vjb0
ip link set vjb0 up

# The crun bundle and namespace, as in run-start.sh.
. bench/crun.subr
bundle=$tmp/bundle
crun_bundle "$bundle"
crun_holder_start

# The ip(8) version.  Names carry the shell's PID: a namespace's links go
# away asynchronously after "ip netns del", so the next run must not need
# the same names.
cat > "$tmp/ip-script.sh" <<'EOF'
set -e
ns=vjbns$$
h=vjbh$$
ip netns add "$ns"
ip link add "$h" type veth peer name eth0 netns "$ns"
ip link set "$h" master vjb0 up
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.201.0.3/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via 10.201.0.1
ip netns exec "$ns" unshare --pid --fork --mount --uts --ipc --mount-proc /bin/true
ip netns del "$ns"
EOF

declare -a names cmds
names=(vjail vjail-newbr crun nsenter floor ip-script)
cmds=(
    "$B/jail -c path=/ vnet vnet.bridge=vjb0 vnet.bridge.addr=10.201.0.1/24 vnet.addr=10.201.0.2/24 command=/bin/true"
    "$B/jail -c path=/ vnet vnet.bridge=vjb1 vnet.bridge.addr=10.201.1.1/24 vnet.addr=10.201.1.2/24 command=/bin/true"
    "nsenter -t $holder -m crun run -b $bundle vjbench"
    "nsenter -t $holder -m /bin/true"
    "unshare --net --pid --fork --mount --uts --ipc --mount-proc /bin/true"
    "bash $tmp/ip-script.sh"
)

for i in "${!names[@]}"; do
    sleep "$PAUSE"
    # shellcheck disable=SC2086
    if ! out=$(${cmds[$i]} 2>&1); then
        echo "run-vnet.sh: ${names[$i]} does not work: ${cmds[$i]}" >&2
        echo "$out" >&2
        exit 1
    fi
done
# The vjail commands really set up the network: check it once, inside.
sleep "$PAUSE"
out=$("$B/jail" -c path=/ vnet vnet.bridge=vjb0 vnet.bridge.addr=10.201.0.1/24 vnet.addr=10.201.0.2/24 \
    command=/bin/sh -c 'ip -4 -o addr show eth0; ip route show default' 2>&1)
case "$out" in
*"10.201.0.2/24"*"default via 10.201.0.1"*) ;;
*) echo "run-vnet.sh: the VNET jail is not set up as expected: $out" >&2; exit 1 ;;
esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
json=bench/results/vnet-$stamp.json
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
# --prepare (not timed): an optional pause before every run, for all
# commands alike (PAUSE, default none).
prep=()
[ "$PAUSE" = 0 ] || prep=(--prepare "sleep $PAUSE")
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
    "${prep[@]}" --export-json "$json" "${args[@]}"

# Nothing may be left: no jail, no vjail bridge vjb1, no epair of a jail.
sleep 1
left=$("$B/jls" -d jid 2>/dev/null || true)
[ -z "$left" ] || echo "run-vnet.sh: warning: jails still listed by jls after the run: $left" >&2
[ ! -e /sys/class/net/vjb1 ] || echo "run-vnet.sh: warning: vjb1 (made by vjail) left" >&2
members=$(ls /sys/class/net/vjb0/brif 2>/dev/null || true)
[ -z "$members" ] || echo "run-vnet.sh: warning: links left on vjb0: $members" >&2

machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$json" "$machine" "$RUNS" "$WARMUP" bench/README.md <<'PY'
import json, statistics, sys, datetime, re
path, machine, runs, warmup, readme = sys.argv[1:]
res = {r['command']: r for r in json.load(open(path))['results']}
med = {k: statistics.median(v['times']) * 1000 for k, v in res.items()}
mean = {k: v['mean'] * 1000 for k, v in res.items()}
sd = {k: (v['stddev'] or 0) * 1000 for k, v in res.items()}
crun_adj = med['crun'] - med['nsenter']
ok = lambda c: 'met' if c else 'NOT met'
when = datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')
rows = [
    ('vjail', 'jail -c path=/ vnet vnet.bridge=vjb0 vnet.bridge.addr=10.201.0.1/24 vnet.addr=10.201.0.2/24 command=/bin/true'),
    ('vjail-newbr', 'the same on vjb1, created and removed by vjail each time'),
    ('crun', 'nsenter -t H -m crun run -b BUNDLE vjbench (no network)'),
    ('nsenter', 'nsenter -t H -m /bin/true'),
    ('floor', 'unshare --net --pid --fork --mount --uts --ipc --mount-proc /bin/true (namespaces only, no link)'),
    ('ip-script', 'bash: ip netns add, veth, master vjb0, addr, route, ip netns exec N unshare --pid --fork --mount --uts --ipc --mount-proc true, ip netns del'),
]
out = [f'Run {when}, `bench/run-vnet.sh` (hyperfine -N, {warmup} warm-up, {runs} runs each).',
       f'Machine: {machine}.', '',
       '| command | what | median (ms) | mean ± sd (ms) |', '|---|---|---|---|']
for k, what in rows:
    out.append(f'| {k} | `{what}` | {med[k]:.2f} | {mean[k]:.2f} ± {sd[k]:.2f} |')
out.append(f'| crun adj. | crun − nsenter | {crun_adj:.2f} | |')
r_a = crun_adj / med['vjail']
r_b = med['ip-script'] / med['vjail']
out += ['', '| ratio (medians) | value | target | |', '|---|---|---|---|',
        f'| crun adj. / vjail | {r_a:.2f} | > 1 (vjail faster) | {ok(r_a > 1)} |',
        f'| crun (with nsenter) / vjail | {med["crun"] / med["vjail"]:.2f} | (not adjusted) | |',
        f'| ip-script / vjail | {r_b:.2f} | ≥ 10 | {ok(r_b >= 10)} |',
        f'| ip-script / floor | {med["ip-script"] / med["floor"]:.2f} | (the most any tool could reach) | |',
        f'| vjail / floor | {med["vjail"] / med["floor"]:.2f} | | |',
        f'| crun adj. / vjail-newbr | {crun_adj / med["vjail-newbr"]:.2f} | | |',
        f'| ip-script / vjail-newbr | {med["ip-script"] / med["vjail-newbr"]:.2f} | | |',
        '', f'Raw data: `{path}`.']
block = '\n'.join(out)
print('\n' + block)
text = open(readme).read()
new = re.sub(r'(<!-- vnet-results:start -->\n).*?(<!-- vnet-results:end -->)',
             lambda m: m.group(1) + block + '\n' + m.group(2), text, flags=re.S)
open(readme, 'w').write(new)
PY

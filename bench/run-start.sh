#!/usr/bin/env bash
# bench/run-start.sh: start latency of a whole jail (issue #3).
#
# One hyperfine run times, side by side and interleaved by hyperfine's own
# order, the full life of a jail that runs /bin/true and is removed, against
# the same with unshare(1) and with crun (OCI runtime) on a minimal busybox
# bundle:
#
#   vjail    jail -c path=/ command=/bin/true
#   unshare  unshare --pid --fork --mount --uts --ipc --mount-proc /bin/true
#   crun     nsenter -t H -m crun run -b BUNDLE vjbench
#   nsenter  nsenter -t H -m /bin/true       (to subtract nsenter's cost)
#   true     /bin/true                       (process start floor)
#
# crun 1.8 refuses this machine's hybrid cgroup layout (cgroup2 carries the
# hugetlb controller), so, as in the baseline (shared/perf), it runs in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted (crun
# then uses cgroup v1).  vjail needs that cgroup2 mount, so hyperfine itself
# stays in the host namespace and crun is entered with nsenter; the cost of
# nsenter alone is measured and subtracted ("crun adj.").
#
# Writes bench/results/start-<UTC time>.json (hyperfine) and the results
# section of bench/README.md.  Removes everything it creates.
# Usage: sudo bench/run-start.sh   Environment: RUNS (100), WARMUP (10),
# BUILD (build-bench), NO_DEPS=1.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-10}
BUILD=${BUILD:-build-bench}
case "$BUILD" in /*) B=$BUILD ;; *) B=$root/$BUILD ;; esac

if [ "$(id -u)" -ne 0 ]; then
    echo "run-start.sh: must be run as root" >&2
    exit 1
fi
[ "${NO_DEPS:-0}" = 1 ] || scripts/install-deps bench
make -s -j"$(nproc)" BUILD="$BUILD" all

tmp=$(mktemp -d /tmp/vjail-bench.XXXXXX)
holder=
cleanup() {
    local rc=$?
    # Finish the cleanup even if another signal arrives meanwhile.
    trap '' INT TERM HUP
    trap - EXIT
    if [ -n "$holder" ]; then
        nsenter -t "$holder" -m crun delete -f vjbench >/dev/null 2>&1 || true
        kill "$holder" 2>/dev/null || true
        wait "$holder" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The crun bundle and the namespace crun runs in (see above).
. bench/crun.subr
bundle=$tmp/bundle
crun_bundle "$bundle"
crun_holder_start

declare -a names cmds
names=(vjail unshare crun nsenter true)
cmds=(
    "$B/jail -c path=/ command=/bin/true"
    "unshare --pid --fork --mount --uts --ipc --mount-proc /bin/true"
    "nsenter -t $holder -m crun run -b $bundle vjbench"
    "nsenter -t $holder -m /bin/true"
    "/bin/true"
)

# Every command must work before it is timed.
for i in "${!names[@]}"; do
    # shellcheck disable=SC2086
    if ! out=$(${cmds[$i]} 2>&1); then
        echo "run-start.sh: ${names[$i]} does not work: ${cmds[$i]}" >&2
        echo "$out" >&2
        exit 1
    fi
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
json=bench/results/start-$stamp.json
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$json" "${args[@]}"

# Nothing may be left: no jail, no crun container.
if [ -n "$("$B/jls" -d jid 2>/dev/null)" ]; then
    echo "run-start.sh: warning: jails still listed by jls after the run:" >&2
    "$B/jls" -d >&2 || true
fi

machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$json" "$machine" "$RUNS" "$WARMUP" bench/README.md <<'PY'
import json, statistics, sys, datetime, re
path, machine, runs, warmup, readme = sys.argv[1:]
res = {r['command']: r for r in json.load(open(path))['results']}
med = {k: statistics.median(v['times']) * 1000 for k, v in res.items()}
mean = {k: v['mean'] * 1000 for k, v in res.items()}
sd = {k: (v['stddev'] or 0) * 1000 for k, v in res.items()}
crun_adj = med['crun'] - (med['nsenter'] - med['true'])
r1 = med['vjail'] / med['unshare']
r2 = crun_adj / med['vjail']
r2raw = med['crun'] / med['vjail']
ok = lambda c: 'met' if c else 'NOT met'
when = datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')
rows = [
    ('vjail', 'jail -c path=/ command=/bin/true'),
    ('unshare', 'unshare --pid --fork --mount --uts --ipc --mount-proc /bin/true'),
    ('crun', 'nsenter -t H -m crun run -b BUNDLE vjbench'),
    ('nsenter', 'nsenter -t H -m /bin/true'),
    ('true', '/bin/true'),
]
out = [f'Run {when}, `bench/run-start.sh` (hyperfine -N, {warmup} warm-up, {runs} runs each).',
       f'Machine: {machine}.', '',
       '| command | what | median (ms) | mean ± sd (ms) |', '|---|---|---|---|']
for k, what in rows:
    out.append(f'| {k} | `{what}` | {med[k]:.2f} | {mean[k]:.2f} ± {sd[k]:.2f} |')
out.append(f'| crun adj. | crun − (nsenter − true) | {crun_adj:.2f} | |')
out += ['', '| ratio (medians) | value | target | |', '|---|---|---|---|',
        f'| vjail / unshare | {r1:.2f} | ≤ 1.5 | {ok(r1 <= 1.5)} |',
        f'| crun adj. / vjail | {r2:.2f} | ≥ 2 | {ok(r2 >= 2)} |',
        f'| crun (with nsenter) / vjail | {r2raw:.2f} | (not adjusted) | |',
        '', f'Raw data: `{path}`.']
block = '\n'.join(out)
print('\n' + block)
text = open(readme).read()
new = re.sub(r'(<!-- results:start -->\n).*?(<!-- results:end -->)',
             lambda m: m.group(1) + block + '\n' + m.group(2), text, flags=re.S)
open(readme, 'w').write(new)
PY

#!/usr/bin/env bash
# Live collection benchmark (issues 5 and 6): generates a synthetic pair,
# serves it with the tenant simulator (quotas on, added latency), collects it
# live with `xtenant collect --config`, and prints the wall time against the
# floor the simulator's quotas and latency imply for what was asked.
#
#   benches/live_bench.sh [WORK_DIR]          default WORK_DIR: target/live-bench
#
# The pair (environment variables, defaults = the issues' sizes):
#   SCALE=50            50,000 source mailboxes and target mail users, ~52,000 users
#   DISKS=70000         source disks: with their VMs and the rest ~100,000 ARM resources
#   SUBS=200            source subscriptions (the target gets 50)
#   RAS=200000          role assignments per tenant
#   REGS=500            source registries (~100 tags each: ~50,000 tags)
#   ENVS=300            source Power Platform environments
#   LATENCY_MS=50       added to every simulator response
#   ONLY=               `collect --only` families (e.g. arm,graph for issue 5's run)
#   ARM_SOURCE=resource-graph   `collect --arm-source` (the generator writes
#                       resource listings as Resource Graph rows; `auto` picks
#                       it anyway above 10 subscriptions)
#   KEEP=1              keep the generated pair between runs (it is reused when present)
#
# The floor: every quota of the simulator (a token bucket per ARM
# subscription, Graph app, Exchange app, registry, Power Platform user; a
# fixed window per Resource Graph user) reports what it admitted; the least
# time any client needs for that is (cost - burst) / refill for a bucket and
# (ceil(n / limit) - 1) x window for a window (`sim serve` prints the largest
# on exit). The latency floor is the longest chain of pages that must be
# fetched one after another (one listing's next links) x the latency. The
# floor is the larger of the two; the benchmark reports wall / floor.
set -euo pipefail

SCALE="${SCALE:-50}"
DISKS="${DISKS:-70000}"
SUBS="${SUBS:-200}"
RAS="${RAS:-200000}"
REGS="${REGS:-500}"
ENVS="${ENVS:-300}"
LATENCY_MS="${LATENCY_MS:-50}"
ONLY="${ONLY:-}"
ARM_SOURCE="${ARM_SOURCE:-resource-graph}"
SEED="${SEED:-42}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/target/live-bench}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/xtenant"

if [[ ! -x /usr/bin/time ]]; then
    echo "live_bench: installing GNU time (Debian package 'time')" >&2
    sudo_cmd=""
    [[ "$(id -u)" -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y time >/dev/null || {
        $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y time >/dev/null
    }
fi
(cd "$ROOT" && cargo build --release --locked)

PAIR="$WORK/pair-s$SCALE-d$DISKS-s$SUBS-r$RAS-g$REGS-e$ENVS"
RUN="$WORK/run"
mkdir -p "$WORK"
if [[ ! -f "$PAIR/xtenant-raw.json" ]]; then
    rm -rf "$PAIR"
    echo "live_bench: generating $PAIR" >&2
    /usr/bin/time -v -o "$WORK/generate.time" "$BIN" sim generate --out "$PAIR" \
        --scale "$SCALE" --seed "$SEED" --subscriptions "$SUBS" --disks "$DISKS" \
        --role-assignments "$RAS" --registries "$REGS" --environments "$ENVS" >"$WORK/generate.out"
fi
rm -rf "$RUN"
mkdir -p "$RUN"

# The simulator, in the background; its summary is printed when it gets SIGINT.
"$BIN" sim serve --raw "$PAIR" --latency-ms "$LATENCY_MS" --quotas on \
    --log "$RUN/sim-log.jsonl" >"$RUN/sim.out" 2>"$RUN/sim.err" &
SIM=$!
trap 'kill -INT $SIM 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    grep -q "^Token command" "$RUN/sim.out" 2>/dev/null && break
    if ! kill -0 "$SIM" 2>/dev/null; then
        echo "live_bench: the simulator stopped:" >&2
        cat "$RUN/sim.err" >&2
        exit 1
    fi
    sleep 1
done
grep -q "^Token command" "$RUN/sim.out" || { echo "live_bench: the simulator did not start" >&2; exit 1; }

# The pair's own config, signed in to the simulator with client credentials.
{
    awk '/^Paste into xtenant.toml:/ {on = 1; next} /^Token command/ {on = 0} on' "$RUN/sim.out"
    cat "$PAIR/xtenant.toml"
    for side in source target; do
        printf '\n[%s.auth]\nkind = "client-secret"\nclient_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"\nclient_secret_env = "XTENANT_SIM_SECRET"\n' "$side"
    done
} >"$RUN/xtenant.toml"
for f in usermapping.csv batch-01.csv; do
    [[ -f "$PAIR/$f" ]] && cp "$PAIR/$f" "$RUN/"
done
export XTENANT_SIM_SECRET=simulator

only_args=()
[[ -n "$ONLY" ]] && only_args=(--only "$ONLY")
echo "live_bench: collecting (latency $LATENCY_MS ms${ONLY:+, only $ONLY})" >&2
set +e
/usr/bin/time -v -o "$RUN/collect.time" "$BIN" collect --config "$RUN/xtenant.toml" \
    --out "$RUN/snapshot" --save-raw "$RUN/raw" --quiet --arm-source "$ARM_SOURCE" "${only_args[@]}" >"$RUN/collect.out" 2>"$RUN/collect.err"
status=$?
set -e
kill -INT "$SIM"
wait "$SIM" || true
trap - EXIT

wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + p[i]
    printf "%.1f", s }' "$RUN/collect.time")"
rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$RUN/collect.time")"
fetch="$(sed -n 's/^collected live in \([0-9.]*\) s.*/\1/p' "$RUN/collect.out")"
fetch_rss="$(sed -n 's/^collected live in .*peak memory \([0-9]*\) MB.*/\1/p' "$RUN/collect.out")"
quota="$(sed -n 's/^quota floor: \([0-9.]*\) s.*/\1/p' "$RUN/sim.out")"
# The longest chain of pages fetched one after another: GETs of one listing
# of one tenant (the path and query without the continuation token). POSTs
# (Resource Graph, Exchange InvokeCommand) share one path across queries and
# are left out: a lower bound stays a lower bound.
chain="$(python3 - "$RUN/sim-log.jsonl" <<'EOF'
import json, sys, collections
from urllib.parse import urlsplit, parse_qsl, unquote
n = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("method") != "GET" or e.get("status") != 200:
        continue
    u = urlsplit(e["path"])
    q = sorted((k, v) for k, v in parse_qsl(u.query, keep_blank_values=True)
               if unquote(k).lstrip("$").lower() not in ("skiptoken", "last"))
    n[(e.get("tenant"), u.path, tuple(q))] += 1
print(max(n.values()) if n else 0)
EOF
)"
latency_floor="$(awk -v c="$chain" -v l="$LATENCY_MS" 'BEGIN { printf "%.1f", c * l / 1000 }')"
floor="$(awk -v a="${quota:-0}" -v b="$latency_floor" 'BEGIN { printf "%.1f", (a > b ? a : b) }')"
ratio="$(awk -v w="${fetch:-0}" -v f="$floor" 'BEGIN { if (f > 0) printf "%.2f", w / f; else print "n/a" }')"

echo
cat "$RUN/collect.out"
echo
sed -n '/^requests served/,$p' "$RUN/sim.out"
echo
echo "| pair | fetch | quota floor | latency floor | floor | fetch / floor | peak RSS fetching | collect wall (fetch + parse) | peak RSS with parse |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| scale $SCALE, $DISKS disks, $SUBS subs, $RAS RAs, $REGS registries, $ENVS envs${ONLY:+, only $ONLY} | ${fetch:-?} s | ${quota:-0} s | $latency_floor s ($chain pages) | $floor s | $ratio | ${fetch_rss:-?} MB | $wall s | $rss MB |"
if [[ $status -ne 0 ]]; then
    echo "live_bench: collect exited $status (see $RUN/collect.err)" >&2
    tail -5 "$RUN/collect.err" >&2
fi
[[ -z "${KEEP:-}" ]] && rm -rf "$RUN/raw" "$RUN/snapshot"
exit 0

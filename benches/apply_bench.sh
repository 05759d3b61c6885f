#!/usr/bin/env bash
# The apply benchmark (issue 7): 1,000 cross-tenant disk copies (snapshot,
# then disk: 2,000 PUTs) from a generated pair, against `xtenant sim serve`
# with long-running operations of LRO_SECONDS (30) and ARM quotas on. Prints
# the wall time of `apply`, the floor the simulator's quotas and operation
# time imply, their ratio, requests per item, retries and peak RSS.
#
#   benches/apply_bench.sh [WORK_DIR]     default WORK_DIR: target/apply-bench
#
# ITEMS (1000), DISKS (2000: about 55 % of generated disks are ready),
# LRO_SECONDS (30), SEED (42). Needs jq and GNU time. KEEP=1 keeps WORK_DIR.
# XTENANT_BIN=path skips the release build and uses that binary (a dry run).
# The release build is this branch's (its own codegen-units flag, so another
# worktree's build in the shared target dir is not picked up); the binary is
# copied into WORK_DIR before use.
set -euo pipefail

ITEMS="${ITEMS:-1000}"
DISKS="${DISKS:-2000}"
LRO_SECONDS="${LRO_SECONDS:-30}"
SEED="${SEED:-42}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/target/apply-bench}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# The simulator's ARM quotas (docs/simulator.md "Quota", src/sim/serve/write
# and quota.rs): per principal and subscription.
WRITE_BURST=200
WRITE_RATE=10
READ_BURST=250
READ_RATE=25

for tool in jq /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "apply-bench: $tool is required" >&2
        exit 1
    }
done

rm -rf "$WORK"
mkdir -p "$WORK"
BIN="$WORK/xtenant"
if [[ -n "${XTENANT_BIN:-}" ]]; then
    # A dry run of the script itself with another build (e.g. a debug one).
    cp "$XTENANT_BIN" "$BIN"
else
    (cd "$ROOT" && cargo build --release --locked --config 'profile.release.package.xtenant.codegen-units=6')
    cp "$TARGET_DIR/release/xtenant" "$BIN"
fi

SIM_PID=""
cleanup() {
    [[ -n "$SIM_PID" ]] && kill "$SIM_PID" 2>/dev/null || true
    if [[ "${KEEP:-0}" != "1" ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

RAW="$WORK/raw"
echo "apply-bench: generating $DISKS source disks" >&2
"$BIN" sim generate --out "$RAW" --scale 1 --seed "$SEED" --disks "$DISKS" >/dev/null
"$BIN" collect --from-dir "$RAW" --out "$WORK/snapshot" >/dev/null
"$BIN" assess --snapshot "$WORK/snapshot" --out "$WORK/results" --report none >/dev/null || [[ $? -le 2 ]]
READY="$(jq '[.items[] | select(.kind == "disk" and .readiness == "ready" and (.excepted | length) == 0)] | length' "$WORK/results/results.json")"
echo "apply-bench: $READY of $DISKS disks ready" >&2
if (( READY < ITEMS )); then
    echo "apply-bench: fewer than $ITEMS ready disks; raise DISKS" >&2
    exit 1
fi

# The simulator, on a free port; its log is the request count.
"$BIN" sim serve --raw "$RAW" --addr 127.0.0.1:0 --lro-seconds "$LRO_SECONDS" --quotas on \
    --log "$WORK/sim-log.jsonl" >"$WORK/sim.out" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 600); do
    grep -q "listening on" "$WORK/sim.out" 2>/dev/null && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/sim.out" >&2; exit 1; }
    sleep 0.1
done
URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/sim.out" | head -1)"
[[ -n "$URL" ]] || { echo "apply-bench: the simulator did not start" >&2; exit 1; }

# The generated config, pointed at the simulator, signed in as the disk
# identity (a guest in the source: pull mode) with the password grant.
UPN="$(sed -n '/^\[identities.disk\]/,/^\[/ s/^upn = "\(.*\)"/\1/p' "$RAW/xtenant.toml")"
cp "$RAW/usermapping.csv" "$RAW/batch-01.csv" "$WORK/"
AUTH="kind = \"command\"
command = [\"$BIN\", \"sim\", \"token\", \"--url\", \"$URL\", \"--tenant\", \"{tenant}\", \"--scope\", \"{scope}\", \"--username\", \"$UPN\"]"
{
    sed -n '/^\[endpoints\]/,/^$/p' "$WORK/sim.out"
    awk -v auth="$AUTH" '
        /^\[target\]$/ && !s { print "[source.auth]\n" auth "\n"; s = 1 }
        /^\[identities\.acr\]$/ && !t { print "[target.auth]\n" auth "\n"; t = 1 }
        { print }' "$RAW/xtenant.toml"
} >"$WORK/xtenant.toml"

NAMES="$(jq -r --argjson n "$ITEMS" '[.items[] | select(.kind == "disk" and .readiness == "ready" and (.excepted | length) == 0) | .name][:$n] | join(",")' "$WORK/results/results.json")"
"$BIN" plan --results "$WORK/results" --snapshot "$WORK/snapshot" --out "$WORK/plan.json" \
    --config "$WORK/xtenant.toml" --workload disk --items "$NAMES" >/dev/null
PLANNED="$(jq '.items | length' "$WORK/plan.json")"
PUTS_PLANNED="$(jq '[.items[].steps[] | select(.method == "PUT")] | length' "$WORK/plan.json")"
echo "apply-bench: plan of $PLANNED items, $PUTS_PLANNED PUTs; applying (LROs $LRO_SECONDS s)" >&2

START_TS="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
APPLY_EXIT=0
/usr/bin/time -v -o "$WORK/apply.time" "$BIN" apply --plan "$WORK/plan.json" --config "$WORK/xtenant.toml" --yes \
    >"$WORK/apply.out" 2>"$WORK/apply.err" || APPLY_EXIT=$?
if (( APPLY_EXIT != 0 )); then
    # The figures are still printed: a failed step is part of the result.
    echo "apply-bench: apply exited with $APPLY_EXIT" >&2
    tail -n 20 "$WORK/apply.out" >&2
    tail -n 20 "$WORK/apply.err" >&2
fi

WALL="$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + p[i]
    printf "%.1f", s }' "$WORK/apply.time")"
RSS="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/apply.time")"
SUMMARY="$(grep '^apply:' "$WORK/apply.out" | tail -1)"
CLIENT_RETRIES="$(sed -n 's/.* \([0-9]*\) retries.*/\1/p' <<<"$SUMMARY")"

# The request log of this apply: requests after START_TS. Reads of the
# landing resource group are the exists checks and the reads of the created
# resources; operation polls are GETs of .../operations/...; the rest (both
# tenants' listings, Resource Graph, Graph, sign-in) is the re-check.
jq -s --arg since "$START_TS" '
    [.[] | select(.time >= $since)] as $r
    | ($r | map(select(.service != "login"))) as $a
    | {
        puts: ($a | map(select(.method == "PUT" and .status != 429)) | length),
        created: ($a | map(select(.created)) | length),
        polls: ($a | map(select(.method == "GET" and (.path | test("/operations(Results)?/")) and .status != 429)) | length),
        landing_reads: ($a | map(select(.method == "GET" and (.path | test("rg-xtenant-landing/providers/Microsoft.Compute/(snapshots|disks)/"; "i")) and .status != 429)) | length),
        throttled: ($a | map(select(.status == 429)) | length),
        all: ($a | length)
      }
    | .recheck = (.all - .puts - .polls - .landing_reads - .throttled)
' "$WORK/sim-log.jsonl" >"$WORK/counts.json"

# The re-check: from the start until the first journal entry.
FIRST_TS="$(head -1 "$WORK/plan.json.journal.jsonl" | jq -r .ts)"
RECHECK_S="$(jq -n --arg a "$START_TS" --arg b "$FIRST_TS" '
    def secs: sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601;
    def ms: capture("\\.(?<m>[0-9]+)Z$").m | tonumber / 1000;
    (($b | secs) + ($b | ms)) - (($a | secs) + ($a | ms))')"

# The floor: every PUT through the write bucket, the last one's operation
# after it; and the reads the client cannot do without (one exists check
# before each PUT, one poll at the advertised Retry-After) through the read
# bucket. Whichever is longer.
awk -v w="$PUTS_PLANNED" -v wb="$WRITE_BURST" -v wr="$WRITE_RATE" \
    -v rb="$READ_BURST" -v rr="$READ_RATE" -v lro="$LRO_SECONDS" \
    -v wall="$WALL" -v rss="$RSS" -v items="$PLANNED" -v recheck="$RECHECK_S" \
    -v retries="${CLIENT_RETRIES:-?}" -v summary="$SUMMARY" -v code="$APPLY_EXIT" \
    -v puts="$(jq .puts "$WORK/counts.json")" -v polls="$(jq .polls "$WORK/counts.json")" \
    -v reads="$(jq .landing_reads "$WORK/counts.json")" -v rc="$(jq .recheck "$WORK/counts.json")" \
    -v thr="$(jq .throttled "$WORK/counts.json")" -v created="$(jq .created "$WORK/counts.json")" '
BEGIN {
    fw = (w > wb ? (w - wb) / wr : 0) + lro
    r = 2 * w
    fr = (r > rb ? (r - rb) / rr : 0)
    floor = fw > fr ? fw : fr
    printf "\nxtenant apply benchmark: %d disk items, %d PUTs, LROs %d s, ARM quotas on\n", items, w, lro
    printf "  %s (exit code %d)\n", summary, code
    printf "  wall time           %8.1f s  (re-check %.1f s of it)\n", wall, recheck
    printf "  floor               %8.1f s  (writes: (%d - %d) / %d + %d = %.1f s; reads: (2 x %d - %d) / %d = %.1f s)\n", floor, w, wb, wr, lro, fw, w, rb, rr, fr
    printf "  ratio               %8.2f\n", wall / floor
    printf "  per item            %8.2f PUTs, %.2f polls, %.2f exists checks + resource reads, %.2f re-check requests\n", puts / items, polls / items, reads / items, rc / items
    printf "  created             %8d resources (%d PUTs answered 2xx)\n", created, puts
    printf "  retries             %8s by the client; %d answers were 429\n", retries, thr
    printf "  peak RSS            %8d MB (apply)\n", rss
}'

#!/usr/bin/env bash
# The benchmark pair: generates a synthetic source/target export with
# `xtenant sim generate`, then measures offline collection and assessment
# over it with GNU time, and prints wall time and peak memory of each step.
#
#   benches/bench.sh [WORK_DIR]        default WORK_DIR: target/bench
#   SCALE=20 benches/bench.sh          one unit = 1,000 mailboxes, 500 disks,
#                                      2,500 role assignments per tenant
#
# SCALE defaults to 200 (200,000 mailboxes, 100,000 disks, 500,000 role
# assignments per tenant): the export is about 2 GB, so WORK_DIR needs a few
# GB free. SEED (default 42) picks the pair; the same SEED and SCALE always
# give the same files. Set KEEP=1 to keep the export, snapshot and results.
set -euo pipefail

SCALE="${SCALE:-200}"
SEED="${SEED:-42}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/target/bench}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/xtenant"

RAW="$WORK/raw-s$SCALE"
SNAP="$WORK/snapshot-s$SCALE"
RESULTS="$WORK/results-s$SCALE"

# GNU time reports the maximum resident set size; the shell keyword does not.
if [[ ! -x /usr/bin/time ]]; then
    echo "bench: installing GNU time (Debian package 'time')" >&2
    sudo_cmd=""
    [[ "$(id -u)" -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y time >/dev/null || {
        $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y time >/dev/null
    }
fi

(cd "$ROOT" && cargo build --release)

rm -rf "$RAW" "$SNAP" "$RESULTS"
mkdir -p "$WORK"
ROWS=()

# measure NAME COMMAND...: runs the command under /usr/bin/time -v and keeps
# "NAME wall-seconds max-RSS-MB" for the table. A failing step stops the run.
measure() {
    local name="$1"
    shift
    local log="$WORK/$name.time"
    echo "bench: $name: $*" >&2
    if ! /usr/bin/time -v -o "$log" "$@"; then
        echo "bench: $name failed (exit status above); GNU time output in $log" >&2
        exit 1
    fi
    local wall rss
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.35" -> seconds
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f", s }' "$log")"
    rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log")"
    ROWS+=("$name|$wall|$rss")
}

measure generate "$BIN" sim generate --out "$RAW" --scale "$SCALE" --seed "$SEED"
measure collect "$BIN" collect --from-dir "$RAW" --out "$SNAP"
# assess exits 1 when blockers fail and 2 when a rule errors: both are
# results, not failures of the run.
measure assess bash -c '"$@"; c=$?; [ "$c" -le 2 ]' assess "$BIN" assess --snapshot "$SNAP" --out "$RESULTS" --report none
measure report "$BIN" report --results "$RESULTS"

size_of() { du -sh "$1" 2>/dev/null | cut -f1; }

echo
echo "xtenant benchmark: scale $SCALE, seed $SEED ($(nproc) CPUs)"
printf '%-10s %12s %16s\n' "step" "wall (s)" "max RSS (MB)"
printf '%-10s %12s %16s\n' "----" "--------" "------------"
for row in "${ROWS[@]}"; do
    IFS='|' read -r name wall rss <<<"$row"
    printf '%-10s %12s %16s\n' "$name" "$wall" "$rss"
done
echo
echo "raw export $(size_of "$RAW"), snapshot $(size_of "$SNAP"), results $(size_of "$RESULTS")"

if [[ "${KEEP:-0}" != "1" ]]; then
    rm -rf "$RAW" "$SNAP" "$RESULTS"
fi

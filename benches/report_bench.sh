#!/usr/bin/env bash
# The report benchmark: writes a synthetic results.json with about FINDINGS
# findings (`xtenant sim results`: the embedded pack's rules, items of every
# kind, realistic pass/fail ratios, readiness decided by the real rules), then
# times `xtenant report` over it with GNU time: wall time and peak memory for
# all formats and for the HTML alone, and the size of every file written.
#
#   benches/report_bench.sh [WORK_DIR]     default WORK_DIR: target/report-bench
#   FINDINGS=100000 SEED=42                the defaults
#   CARGO_BUILD_ARGS="..."                 extra arguments for cargo build --release
set -euo pipefail

FINDINGS="${FINDINGS:-100000}"
SEED="${SEED:-42}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/target/report-bench}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

# GNU time reports the maximum resident set size; the shell keyword does not.
if [[ ! -x /usr/bin/time ]]; then
    echo "report_bench: installing GNU time (Debian package 'time')" >&2
    sudo_cmd=""
    [[ "$(id -u)" -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y time >/dev/null || {
        $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y time >/dev/null
    }
fi

# shellcheck disable=SC2086 # CARGO_BUILD_ARGS is a list of arguments
(cd "$ROOT" && cargo build --release ${CARGO_BUILD_ARGS:-})
rm -rf "$WORK"
mkdir -p "$WORK"
# A private copy: a shared target directory may get another build's binary.
BIN="$WORK/xtenant"
cp "$TARGET/release/xtenant" "$BIN"
"$BIN" sim results --help >/dev/null

RESULTS="$WORK/results"
ROWS=()

# measure NAME COMMAND...: runs the command under /usr/bin/time -v and keeps
# "NAME wall-seconds max-RSS-MB" for the table.
measure() {
    local name="$1"
    shift
    local log="$WORK/$name.time"
    echo "report_bench: $name: $*" >&2
    if ! /usr/bin/time -v -o "$log" "$@" >"$WORK/$name.out"; then
        echo "report_bench: $name failed; GNU time output in $log" >&2
        exit 1
    fi
    local wall rss
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f", s }' "$log")"
    rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log")"
    ROWS+=("$name|$wall|$rss")
}

measure generate "$BIN" sim results --out "$RESULTS" --findings "$FINDINGS" --seed "$SEED"
measure report-all "$BIN" report --results "$RESULTS" --out "$WORK/all"
measure report-html "$BIN" report --results "$RESULTS" --format html --out "$WORK/html"
measure report-xlsx "$BIN" report --results "$RESULTS" --format xlsx --out "$WORK/xlsx"

echo
echo "xtenant report benchmark: $(cat "$WORK/generate.out") ($(nproc) CPUs)"
printf '%-12s %10s %14s\n' "step" "wall (s)" "max RSS (MB)"
printf '%-12s %10s %14s\n' "----" "--------" "------------"
for row in "${ROWS[@]}"; do
    IFS='|' read -r name wall rss <<<"$row"
    printf '%-12s %10s %14s\n' "$name" "$wall" "$rss"
done
echo
echo "files (report-all):"
ls -l "$RESULTS/results.json" "$WORK"/all/* | awk '{ printf "  %-60s %12d bytes\n", $9, $5 }'

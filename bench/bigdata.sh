#!/usr/bin/env bash
# Inputs larger than memory: `freshet extract --features minimal` on long-layout files of 20M and
# 100M rows (id,time,kind,value: bench/bigdata_gen.cpp, 2 kinds x 500 points per id, grouped by
# id), measured with GNU time -v: peak RSS and wall seconds.
# Usage:
#   bash bench/bigdata.sh [BUILD_DIR] [BASELINE_FRESHET]
# 1. 20M rows: this build's whole-input path (--batch-bytes 0) and its streaming path (default),
#    and, given, BASELINE_FRESHET (another build's binary, e.g. main before this change) on the
#    same file; every output compared byte for byte with the first.
# 2. 100M rows streamed from a file on disk (PIPE=1: from the generator through a pipe, '-'),
#    rows/s as a ratio to the whole-input path's rows/s on 20M rows measured in the same run.
# Environment: SMALL=20000000 BIG=100000000 WORKERS= (freshet's default: threads on all cores)
# PIPE=0 KEEP=0 SKIP_BUILD= GEN= (another build of bench_bigdata_gen) (1: keep the generated files) BIG_WHOLE=0 (1: also the whole-input path on BIG
# rows, for the byte comparison; needs several GB).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
BASELINE=${2:-}
SMALL=${SMALL:-20000000}
BIG=${BIG:-100000000}
PIPE=${PIPE:-0}
WORK=${TMPDIR:-/tmp}/freshet_bench_bigdata
mkdir -p "$WORK"
[[ -n "${SKIP_BUILD:-}" ]] || ninja -C "$BUILD" freshet bench_bigdata_gen >/dev/null
FRESHET=$BUILD/freshet
GEN=${GEN:-$BUILD/bench/bench_bigdata_gen}
workers=()
[[ -n "${WORKERS:-}" ]] && workers=(--workers "$WORKERS")

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB," \
  "load: $(cut -d' ' -f1-3 /proc/loadavg)"
df -h "$WORK" | tail -1 | awk '{print "# disk free at " $6 ": " $4}'

# run LABEL ROWS OUT -- command...: prints a table row (peak RSS MB, wall s, rows/s).
declare -A RATE
run() {
  local label=$1 rows=$2 out=$3
  shift 4
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$out"
  local rss wall
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2 / 1024}' "$WORK/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$WORK/time.txt")
  RATE[$label]=$(awk -v r="$rows" -v w="$wall" 'BEGIN{printf "%.0f", r / w}')
  printf "| %s | %s | %s | %s | %s |\n" "$label" "$rows" "$rss" "$wall" "${RATE[$label]}"
}

small=$WORK/small.csv
[[ -s $small ]] || "$GEN" "$SMALL" >"$small"
echo
echo "input: $SMALL rows, $(du -m "$small" | cut -f1) MB"
echo
echo "| run | rows | peak RSS MB | wall s | rows/s |"
echo "|---|---|---|---|---|"
opts=(--features minimal -q "${workers[@]}")
run "whole-input path (--batch-bytes 0), $SMALL rows" "$SMALL" "$WORK/whole.csv" -- \
  "$FRESHET" extract "$small" "${opts[@]}" --batch-bytes 0
run "streaming (default), $SMALL rows" "$SMALL" "$WORK/stream.csv" -- \
  "$FRESHET" extract "$small" "${opts[@]}"
cmp "$WORK/whole.csv" "$WORK/stream.csv"
if [[ -n "$BASELINE" ]]; then
  run "baseline binary, $SMALL rows" "$SMALL" "$WORK/baseline.csv" -- \
    "$BASELINE" extract "$small" --features minimal -q "${workers[@]}"
  cmp "$WORK/whole.csv" "$WORK/baseline.csv"
fi

big=$WORK/big.csv
if [[ "$PIPE" == 1 ]]; then
  run "streaming from a pipe, $BIG rows" "$BIG" "$WORK/big_stream.csv" -- \
    bash -c "'$GEN' $BIG | '$FRESHET' extract - ${opts[*]}"
  label="streaming from a pipe, $BIG rows"
else
  [[ -s $big ]] || "$GEN" "$BIG" >"$big"
  echo "| (input: $(du -m "$big" | cut -f1) MB) | | | | |"
  run "streaming (default), $BIG rows" "$BIG" "$WORK/big_stream.csv" -- \
    "$FRESHET" extract "$big" "${opts[@]}"
  label="streaming (default), $BIG rows"
  if [[ "${BIG_WHOLE:-0}" == 1 ]]; then
    run "whole-input path (--batch-bytes 0), $BIG rows" "$BIG" "$WORK/big_whole.csv" -- \
      "$FRESHET" extract "$big" "${opts[@]}" --batch-bytes 0
    cmp "$WORK/big_whole.csv" "$WORK/big_stream.csv"
  fi
fi
echo
echo "outputs identical (cmp): yes; $BIG-row output: $(($(wc -l <"$WORK/big_stream.csv") - 1)) ids"
awk -v a="${RATE[$label]}" -v b="${RATE["whole-input path (--batch-bytes 0), $SMALL rows"]}" \
  'BEGIN{printf "throughput, %s rows streamed / %s rows whole-input path: %.2fx\n", "'"$BIG"'", "'"$SMALL"'", a / b}'
[[ "${KEEP:-0}" == 1 ]] || rm -f "$small" "$big"

#!/usr/bin/env bash
# Long series: what `comprehensive` costs per series as the length grows, on one core.
# Usage:
#   bash bench/fresh_long.sh [BUILD_DIR] [BASELINE_FRESHET]
# 1. bench_fresh_long (bench/fresh_long.cpp): every calculator of the preset on its own, ms per
#    random walk at n = 1k, 4k, 16k, 64k (SIZES / SERIES override), least of 3 runs.
# 2. The freshet binary end to end (`freshet extract --workers 0 --features comprehensive`: CSV
#    read, extraction, CSV write), CPU seconds (user+sys, GNU time) per series, least of REPS
#    runs; with BASELINE_FRESHET (another build's binary) both binaries run interleaved on the
#    same files, and their outputs are compared byte for byte.
# Environment: SIZES="1000 4000 16000 64000", SERIES="50 20 10 3", REPS=3, CALC= (only this
# calculator in step 1), SKIP_HARNESS=1, SKIP_CLI=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
BASELINE=${2:-}
SIZES=${SIZES:-1000 4000 16000 64000}
SERIES=${SERIES:-50 20 10 3}
REPS=${REPS:-3}
WORK=${TMPDIR:-/tmp}/freshet_bench_long
mkdir -p "$WORK"
read -r -a sizes <<<"$SIZES"
read -r -a counts <<<"$SERIES"

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z "${SKIP_HARNESS:-}" ]]; then
  ninja -C "$BUILD" bench_fresh_long >/dev/null
  args=(--sizes "$(IFS=,; echo "${sizes[*]}")" --series "$(IFS=,; echo "${counts[*]}")")
  [[ -n "${CALC:-}" ]] && args+=(--calc "$CALC")
  echo
  echo "## Per calculator, ms per series (bench_fresh_long ${args[*]})"
  echo
  "$BUILD/bench/bench_fresh_long" "${args[@]}"
fi

[[ -n "${SKIP_CLI:-}" ]] && exit 0
FRESHET=$BUILD/freshet
# Random walks (Gaussian steps), long layout id,time,value; the same files for both binaries.
make_csv() {  # n count path
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import random, sys
n, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(n * 1000 + count)
with open(path, "w") as fh:
    fh.write("id,time,value\n")
    for i in range(count):
        w = 0.0
        rows = []
        for t in range(n):
            w += rng.gauss(0.0, 1.0)
            rows.append(f"{i},{t},{w!r}\n")
        fh.write("".join(rows))
PY
}
cpu_s() {  # binary csv out -> user+sys seconds
  /usr/bin/time -f "%U %S" -o "$WORK/time.txt" "$1" extract "$2" --workers 0 -q \
    --features comprehensive -o "$3" >/dev/null
  awk '{printf "%.3f", $1 + $2}' "$WORK/time.txt"
}
echo
echo "## End to end, CPU ms per series (freshet extract --workers 0 --features comprehensive)"
echo
if [[ -n "$BASELINE" ]]; then
  echo "| n | series | freshet (this build) | baseline | baseline / this | outputs |"
  echo "|---|---|---|---|---|---|"
else
  echo "| n | series | freshet (this build) |"
  echo "|---|---|---|"
fi
declare -A per_series
for i in "${!sizes[@]}"; do
  n=${sizes[$i]}
  count=${counts[$i]}
  csv=$WORK/walk_${n}_${count}.csv
  [[ -f "$csv" ]] || make_csv "$n" "$count" "$csv"
  best=1e9
  best_base=1e9
  for ((r = 0; r < REPS; ++r)); do
    t=$(cpu_s "$FRESHET" "$csv" "$WORK/new.csv")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b < a) ? b : a}')
    if [[ -n "$BASELINE" ]]; then
      t=$(cpu_s "$BASELINE" "$csv" "$WORK/old.csv")
      best_base=$(awk -v a="$best_base" -v b="$t" 'BEGIN{print (b < a) ? b : a}')
    fi
  done
  ms=$(awk -v t="$best" -v c="$count" 'BEGIN{printf "%.1f", 1000 * t / c}')
  per_series[$n]=$ms
  if [[ -n "$BASELINE" ]]; then
    ms_base=$(awk -v t="$best_base" -v c="$count" 'BEGIN{printf "%.1f", 1000 * t / c}')
    ratio=$(awk -v a="$ms_base" -v b="$ms" 'BEGIN{printf "%.1f", (b > 0) ? a / b : 0}')
    same=$(cmp -s "$WORK/new.csv" "$WORK/old.csv" && echo identical || echo DIFFERENT)
    echo "| $n | $count | $ms | $ms_base | ${ratio}x | $same |"
  else
    echo "| $n | $count | $ms |"
  fi
done
first=${sizes[0]}
for n in "${sizes[@]:1}"; do
  awk -v a="${per_series[$n]}" -v b="${per_series[$first]}" -v n="$n" -v f="$first" \
    'BEGIN{printf "\nper-series time at n=%s / n=%s: %.1fx (linear: %.0fx)\n", n, f, a / b, n / f}'
done

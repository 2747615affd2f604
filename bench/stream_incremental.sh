#!/usr/bin/env bash
# `freshet stream --incremental` against plain `freshet stream` on the same generated series,
# interleaved in one run (baseline, incremental, baseline, incremental, ...) so the machine's load
# hits both alike; CPU time (user+sys of freshet) is the figure, the ratio is the result.
# Usage:
#   bench/stream_incremental.sh [BUILD_DIR]
# Environment: IDS=10, POINTS=2000 (per id), WINDOW=100, STEP=1, ROUNDS=3, FEATURES="minimal
#   sliding efficient" (each a preset; "sliding": the incremental calculators alone, with the
#   efficient preset's parameters; "sliding_nofft": those without fft_coefficient; "fft":
#   fft_coefficient alone, 100 coefficients x 4 attributes).
# Output: one line per (features, mode, round), then the median CPU seconds per mode and the
# ratio, and a check that both outputs agree (the incremental values equal the plain ones within
# incremental.hpp's tolerance: here max |a - b| / (1e-9 |b| + 1e-6) over every cell is printed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
IDS=${IDS:-10}
POINTS=${POINTS:-2000}
WINDOW=${WINDOW:-100}
STEP=${STEP:-1}
ROUNDS=${ROUNDS:-3}
FEATURES=${FEATURES:-minimal sliding efficient}
WORK=${TMPDIR:-/tmp}/freshet_bench_stream_incremental
mkdir -p "$WORK"

# id,time,value: a random walk with noise per id (rows ordered by id, then time).
python3 - "$IDS" "$POINTS" >"$WORK/series.csv" <<'PY'
import random, sys
ids, points = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(21)
print("id,time,value")
for i in range(ids):
    level = 100.0 * i
    for t in range(points):
        level += rng.gauss(0, 1)
        print(f"{i},{t},{level + rng.gauss(0, 0.5):.6f}")
PY

# The incremental calculators, with the efficient preset's parameter sets.
python3 - >"$WORK/sliding.json" <<'PY'
import json
s = {n: None for n in ["abs_energy", "absolute_maximum", "absolute_sum_of_changes", "kurtosis",
                       "length", "maximum", "mean", "mean_abs_change", "mean_change",
                       "mean_second_derivative_central", "median", "minimum", "root_mean_square",
                       "skewness", "standard_deviation", "sum_values", "variance"]}
s["quantile"] = [{"q": q} for q in (0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9)]
s["autocorrelation"] = [{"lag": l} for l in range(10)]
s["c3"] = [{"lag": l} for l in (1, 2, 3)]
s["time_reversal_asymmetry_statistic"] = [{"lag": l} for l in (1, 2, 3)]
s["cid_ce"] = [{"normalize": False}]
s["count_above"] = [{"t": 0}]
s["count_below"] = [{"t": 0}]
s["fft_coefficient"] = [{"coeff": k, "attr": a} for a in ("real", "imag", "abs", "angle")
                        for k in range(100)]
print(json.dumps(s))
PY
python3 - "$WORK" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/sliding.json"))
json.dump({"fft_coefficient": s.pop("fft_coefficient")}, open(sys.argv[1] + "/fft.json", "w"))
json.dump(s, open(sys.argv[1] + "/sliding_nofft.json", "w"))
PY

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "series: $IDS ids x $POINTS points; stream --window $WINDOW --step $STEP --workers 1"
echo "loadavg at start: $(cat /proc/loadavg)"
run() {  # features mode -> cpu seconds
  local f=$1 mode=$2 feat=$1 extra=()
  [[ $f == sliding ]] && feat=$WORK/sliding.json
  [[ $f == sliding_nofft || $f == fft ]] && feat=$WORK/$f.json
  [[ $mode == incremental ]] && extra=(--incremental)
  /usr/bin/time -f "%U %S" -o "$WORK/time.txt" "$BUILD/freshet" stream "$WORK/series.csv" \
    --window "$WINDOW" --step "$STEP" --features "$feat" --workers 1 --quiet "${extra[@]}" \
    >"$WORK/out_${f}_$mode.csv"
  awk '{print $1 + $2}' "$WORK/time.txt"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
for f in $FEATURES; do
  : >"$WORK/plain.txt"; : >"$WORK/inc.txt"
  for ((r = 1; r <= ROUNDS; ++r)); do
    p=$(run "$f" plain); i=$(run "$f" incremental)
    echo "$p" >>"$WORK/plain.txt"; echo "$i" >>"$WORK/inc.txt"
    echo "$f round $r: plain ${p}s incremental ${i}s (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  mp=$(median <"$WORK/plain.txt"); mi=$(median <"$WORK/inc.txt")
  agree=$(python3 - "$WORK/out_${f}_plain.csv" "$WORK/out_${f}_incremental.csv" <<'PY'
import csv, math, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
assert a[0] == b[0] and len(a) == len(b), "different columns or rows"
worst = 0.0
for ra, rb in zip(a[1:], b[1:]):
    assert ra[0] == rb[0]
    for x, y in zip(ra[1:], rb[1:]):
        x, y = float(x), float(y)
        if math.isnan(x) and math.isnan(y) or x == y:
            continue
        worst = max(worst, abs(x - y) / (1e-9 * abs(y) + 1e-6))
print(f"{worst:.3g}")
PY
)
  echo "$f: median plain ${mp}s, incremental ${mi}s, speed-up $(echo "scale=2; $mp / $mi" | bc)x;" \
       "max |inc - plain| / (1e-9 |plain| + 1e-6) = $agree"
done
echo "loadavg at end: $(cat /proc/loadavg)"

#!/usr/bin/env bash
# freshet run vs the equivalent Python (tsfresh extract_features + sklearn GridSearchCV with
# in-fold FDR selection), on the same 3 shared datasets x 4 pipelines (with grids) x 5 folds.
#   bench/job_vs_python.sh [BUILD_DIR] [REPEATS]
# Environment: SETTINGS=efficient (tsfresh/freshet preset), WORKERS=2 (freshet --workers,
# sklearn/tsfresh n_jobs), TSFRESH_SRC / STUMPY_SRC (see ../shared/peers/SETUP-tsfresh.md).
# Runs alternate (freshet, python, freshet, python, ...) so both see the same machine load; the
# best wall time of each side is reported. freshet starts from an empty output folder every time
# (no journal, no feature cache). Fold scores of both sides are compared per pipeline.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REPS=${2:-3}
SETTINGS=${SETTINGS:-efficient}
WORKERS=${WORKERS:-2}
SHARED=$ROOT/../shared
WORK=${TMPDIR:-/tmp}/freshet_bench_job
rm -rf "$WORK" && mkdir -p "$WORK"
sed "s/\"efficient\"/\"$SETTINGS\"/g; s#\.\./\.\./shared#$SHARED#g" "$HERE/job_vs_python.json" > "$WORK/job.json"
"$BUILD/freshet" run --check "$WORK/job.json" >/dev/null
best_f=; best_p=
for r in $(seq 1 "$REPS"); do
  rm -rf "$WORK/freshet"
  t0=$EPOCHREALTIME
  "$BUILD/freshet" run "$WORK/job.json" --out "$WORK/freshet" --workers "$WORKERS" -q
  t1=$EPOCHREALTIME
  f=$(echo "$t1 - $t0" | bc -l)
  t0=$EPOCHREALTIME
  /usr/bin/python3 "$HERE/job_vs_python.py" "$SHARED/data" "$WORK" "$SETTINGS" "$WORKERS" > "$WORK/python.json"
  t1=$EPOCHREALTIME
  p=$(echo "$t1 - $t0" | bc -l)
  printf 'run %d: freshet %.3f s, python %.3f s (%s)\n' "$r" "$f" "$p" "$(cat "$WORK/python.json")"
  if [[ -z $best_f ]] || (($(echo "$f < $best_f" | bc -l))); then best_f=$f; fi
  if [[ -z $best_p ]] || (($(echo "$p < $best_p" | bc -l))); then best_p=$p; fi
done
printf 'best wall: freshet %.3f s, python %.3f s, ratio %.1fx\n' "$best_f" "$best_p" \
  "$(echo "$best_p / $best_f" | bc -l)"
/usr/bin/python3 - "$WORK/freshet/results.csv" "$WORK/python_results.csv" <<'PY'
import sys
import pandas as pd
f = pd.read_csv(sys.argv[1]); p = pd.read_csv(sys.argv[2])
m = f.merge(p, on=["dataset", "pipeline", "candidate", "fold", "metric"], suffixes=("_freshet", "_python"))
assert len(m) == len(f) == len(p), (len(m), len(f), len(p))
m["diff"] = (m.value_freshet - m.value_python).abs()
print("fold scores: max |freshet - python| per pipeline (all datasets, candidates, folds, metrics)")
print(m.groupby("pipeline")["diff"].agg(["max", "mean", "count"]).to_string())
print("mean accuracy per dataset and pipeline (best candidate), freshet / python")
acc = m[m.metric == "accuracy"].groupby(["dataset", "pipeline", "candidate"])[["value_freshet", "value_python"]].mean()
print(acc.groupby(["dataset", "pipeline"]).max().to_string())
PY

#!/usr/bin/env bash
# freshet's commands under an MPI launcher give the serial bytes (issue 18): CTest runs this
# (tests/CMakeLists.txt) only when freshet was built with MPI and mpiexec exists.
#   cli.sh MPIEXEC FRESHET SOURCE_DIR WORK_DIR COMMAND RANKS...
# COMMAND is extract, roll (extract --roll), select, xval, search or run. Runs it serially
# (--workers 0), then under `MPIEXEC --oversubscribe -np K` for each K in RANKS, and compares every
# output byte for byte.
# Prints what differs and exits 1 on any difference or failure.
set -euo pipefail
mpiexec=$1 exe=$2 src=$3 work=$4 command=$5
shift 5
ranks=("$@")

# Root needs explicit permission; loopback only; the shared-memory transport (no UCX probing).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
export OMPI_MCA_rmaps_base_oversubscribe=1

rm -rf "$work/$command"
mkdir -p "$work/$command"
cd "$work/$command"
series=$src/data/sample/series.csv
labels=$src/data/sample/labels.csv

# The features the other commands read (serial, made once per command directory).
features() {
  "$exe" extract "$series" --features minimal --workers 0 --out features.csv -q
}

# run_one OUT_DIR PREFIX...: the command with its outputs in OUT_DIR, started by PREFIX.
run_one() {
  local out=$1
  shift
  mkdir -p "$out"
  case $command in
    extract)
      "$@" "$exe" extract "$series" --features efficient --out "$out/features.csv" -q ;;
    roll)
      # rolled windows, written block by block on rank 0's writer thread
      "$@" "$exe" extract "$series" --features minimal --roll max_timeshift=8 \
        --out "$out/rolled.csv" -q ;;
    select)
      "$@" "$exe" select features.csv --labels "$labels" --fdr 0.05 --out "$out/relevant.csv" -q ;;
    xval)
      "$@" "$exe" xval features.csv --labels "$labels" --model random_forest_classifier:n_estimators=30 \
        --cv stratified_kfold:n_splits=5,shuffle=true,random_state=0 --out "$out/scores.csv" -q
      # fit and score times differ from run to run: compare the scores
      cut -d, -f1-3 "$out/scores.csv" >"$out/scores.cut" && rm "$out/scores.csv" ;;
    search)
      "$@" "$exe" search features.csv --labels "$labels" --model knn_classifier \
        --grid n_neighbors=1,3,5,9 --cv stratified_kfold:n_splits=4 --out "$out/results.csv" -q
      # drop the timing columns (their names end in _time)
      python3 - "$out/results.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, h in enumerate(rows[0]) if not h.endswith("_time")]
with open(sys.argv[1] + ".cut", "w") as f:
    for r in rows:
        f.write(",".join(r[i] for i in keep) + "\n")
EOF
      rm "$out/results.csv" ;;
    run)
      "$@" "$exe" run job.json --out "$out" -q
      # timings and the journal's cache differ between runs; the rest is deterministic
      rm -rf "$out/timings.csv" "$out/cache" "$out/journal"* ;;
    *)
      echo "cli.sh: unknown command $command" >&2
      exit 2 ;;
  esac
}

case $command in
  select | xval | search) features ;;
  run)
    cat >job.json <<EOF
{
  "name": "mpi-test",
  "seed": 1,
  "datasets": [
    {"id": "sample", "series": "$series", "labels": "$labels",
     "features": "minimal", "select": {"method": "k_best", "k": 10}}
  ],
  "pipelines": [
    {"id": "nb", "model": "gaussian_nb"},
    {"id": "knn", "steps": ["standard_scaler"], "model": "knn_classifier",
     "grid": {"n_neighbors": [1, 5]}}
  ],
  "cv": "stratified_kfold:n_splits=3,shuffle=true,random_state=0",
  "scoring": ["accuracy"]
}
EOF
    ;;
esac

run_one serial env
status=0
for k in "${ranks[@]}"; do
  if ! run_one "np$k" "$mpiexec" --oversubscribe -np "$k" 2>"np$k.err"; then
    echo "FAILED: $command under -np $k:" >&2
    cat "np$k.err" >&2
    status=1
    continue
  fi
  if ! diff -r serial "np$k" >"np$k.diff"; then
    echo "FAILED: $command under -np $k differs from serial:" >&2
    head -20 "np$k.diff" >&2
    status=1
  else
    echo "ok: $command, -np $k = serial"
  fi
done
exit $status

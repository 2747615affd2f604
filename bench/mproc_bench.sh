#!/bin/sh
# mproc benchmarks: freshet's executors (bench/mproc_overhead.cpp) against Python's
# multiprocessing.Pool.map (chunksize=1 and default chunking), on the same workloads.
#
#   bench/mproc_bench.sh [BUILD_DIR] [REPS]
#
# BUILD_DIR must hold bench/bench_mproc_overhead (cmake ... -DFRESHET_BUILD_BENCH=ON; Release).
# Prints the load average before each part: on a shared 2-core machine, read ratios with it.
set -eu
BUILD=${1:-build}
REPS=${2:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS="$HERE/../../shared/peers/mproc"
PY=${PYTHON:-/usr/bin/python3}  # Debian python with numpy (pytasks.py needs it)
BIN="$BUILD/bench/bench_mproc_overhead"
[ -x "$BIN" ] || BIN="$BUILD/bench_mproc_overhead"

echo "## $(date -u +%FT%TZ) on $(nproc) cores; $(uname -r)"
for part in tiny medium datamove; do
  echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN" "$part" --reps "$REPS"
done
if [ -f "$PEERS/py_bench.py" ]; then
  for wl in tiny medium; do
    for sys in serial pool_chunk1 pool_default; do
      echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "python $sys $wl: $(WORKERS=2 "$PY" "$PEERS/py_bench.py" "$sys" "$wl" --reps "$REPS")"
    done
  done
else
  echo "## $PEERS/py_bench.py not found: Python peers skipped"
fi
if [ -f "$PEERS/py_datamove.py" ]; then
  echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "python pool_pickle datamove: $("$PY" "$PEERS/py_datamove.py" pool_pickle --reps "$REPS")"
fi
# The Python peers leave their 800 MB input file in /dev/shm: remove it.
rm -f "${MPROC_DATA:-/dev/shm/mproc_bench_data.f64}"

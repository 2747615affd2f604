#!/bin/sh
# Remote workers over loopback TCP (bench/remote_overhead.cpp) against 2 forked workers, and the
# seed's Python design (multiprocessing.managers queues on a port with an authkey, 2 clients).
#
#   bench/remote_bench.sh [BUILD_DIR] [REPS]
#
# BUILD_DIR must hold bench/bench_remote_overhead (cmake ... -DFRESHET_BUILD_BENCH=ON; Release).
# Prints the load average before each part: on a shared 2-core machine, read ratios with it.
set -eu
BUILD=${1:-build}
REPS=${2:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-/usr/bin/python3}  # Debian python with numpy
BIN="$BUILD/bench/bench_remote_overhead"
echo "## $(date -u +%FT%TZ) on $(nproc) cores; $(uname -r)"
for part in tiny medium; do
  echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN" "$part" --reps "$REPS"
  echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PY" "$HERE/remote_vs_managers.py" "$part" --reps "${PY_REPS:-1}"
done

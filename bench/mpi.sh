#!/bin/sh
# The MPI backend against forked worker processes (bench/mpi_overhead.cpp; results in bench/mpi.md).
#
#   bench/mpi.sh [BUILD_DIR] [REPS]
#
# For W = 2 and 3 workers: tiny-task overhead, medium-task throughput and the round trip of one
# message, on W forked processes and on W worker ranks (mpiexec -np W+1: rank 0 hands out work,
# as the process backend's central process does); then a 100 MB input shared with 3 ranks (time,
# total Rss and Pss of the job). Prints the load average before each part: on a shared 2-core
# machine, read ratios with it.
set -eu
BUILD=${1:-build}
REPS=${2:-5}
BIN="$BUILD/bench/bench_mpi_overhead"
# As root, loopback only, shared memory between ranks, no UCX probing (tests/CMakeLists.txt).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
MPI="mpiexec --oversubscribe --bind-to none"

echo "## $(date -u +%FT%TZ) on $(nproc) cores; $(uname -r); $(mpiexec --version | head -1)"
for w in 2 3; do
  for part in tiny medium pingpong; do
    echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    "$BIN" processes "$part" --workers "$w" --reps "$REPS"
    $MPI -np $((w + 1)) "$BIN" mpi "$part" --reps "$REPS"
  done
done
echo "## load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" processes share --workers 3 --reps 3
$MPI -np 4 "$BIN" mpi share --reps 3

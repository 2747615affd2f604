#!/usr/bin/env bash
# freshet stream on a generated stream of N values (default 10^8) piped in: peak memory (GNU time
# %M, the freshet process alone) and throughput, for several N to show the memory does not grow
# with the stream's length. Usage:
#   bench/stream.sh [BUILD_DIR] [N...]
# Environment: IDS=1000 (ids, round robin: one row per id per time step), WINDOW=100, STEP=100,
#   FEATURES=minimal, WORKERS= (freshet --workers; empty = default), EXTRA= (more freshet flags,
#   e.g. --incremental).
# The generator (a small C program compiled here) writes "id,time,value" rows: value a random
# walk per id with three decimals. Its own CPU time is reported apart (gen_cpu_s), and
# rows_per_s = N / freshet's wall time (the generator runs concurrently on the other core).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
shift || true
SIZES=("$@")
[[ ${#SIZES[@]} -eq 0 ]] && SIZES=(1000000 10000000 100000000)
IDS=${IDS:-1000}
WINDOW=${WINDOW:-100}
STEP=${STEP:-100}
FEATURES=${FEATURES:-minimal}
WORKERS=${WORKERS:-}
EXTRA=${EXTRA:-}
WORK=${TMPDIR:-/tmp}/freshet_bench_stream
mkdir -p "$WORK"

cat >"$WORK/gen.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* gen N IDS: N rows "id,time,value", ids round robin, value = random walk, 3 decimals. */
int main(int argc, char** argv) {
  long long n = atoll(argv[1]);
  int ids = atoi(argv[2]);
  long long* level = calloc((size_t)ids, sizeof(long long));
  unsigned long long state = 88172645463325252ULL;
  static char buf[1 << 16];
  size_t used = (size_t)sprintf(buf, "id,time,value\n");
  for (long long i = 0; i < n; ++i) {
    int id = (int)(i % ids);
    long long t = i / ids;
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    level[id] += (long long)(state % 2001) - 1000;
    long long v = level[id];
    if (used > sizeof buf - 64) { fwrite(buf, 1, used, stdout); used = 0; }
    long long a = v < 0 ? -v : v;
    used += (size_t)sprintf(buf + used, "%d,%lld,%s%lld.%03lld\n", id, t, v < 0 ? "-" : "",
                            a / 1000, a % 1000);
  }
  fwrite(buf, 1, used, stdout);
  return 0;
}
C
cc -O2 -o "$WORK/gen" "$WORK/gen.c"

wflag=(); [[ -n "$WORKERS" ]] && wflag=(--workers "$WORKERS")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
     "freshet stream --window $WINDOW --step $STEP --features $FEATURES ${wflag[*]} $EXTRA; ids $IDS"
echo "loadavg at start: $(cat /proc/loadavg)"
printf "%12s %9s %10s %12s %11s %10s %10s\n" values wall_s cpu_s maxrss_MB rows_per_s out_rows gen_cpu_s
for n in "${SIZES[@]}"; do
  t0=$EPOCHREALTIME
  { /usr/bin/time -f "%U %S" -o "$WORK/gen_time.txt" "$WORK/gen" "$n" "$IDS" |
    /usr/bin/time -v -o "$WORK/time.txt" "$BUILD/freshet" stream \
      --window "$WINDOW" --step "$STEP" --features "$FEATURES" "${wflag[@]}" $EXTRA --quiet \
      >"$WORK/out.csv"; } 2>"$WORK/err.txt" || { cat "$WORK/err.txt"; exit 1; }
  wall=$(echo "scale=2; ($EPOCHREALTIME - $t0) / 1" | bc)
  rss=$(awk -F: '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  user=$(awk -F: '/User time/ {print $2}' "$WORK/time.txt")
  sys=$(awk -F: '/System time/ {print $2}' "$WORK/time.txt")
  read -r gu gs <"$WORK/gen_time.txt"
  rows=$(($(wc -l <"$WORK/out.csv") - 1))
  printf "%12d %9s %10s %12s %11s %10d %10s\n" "$n" "$wall" "$(echo "$user + $sys" | bc)" \
      "$(echo "scale=1; $rss / 1024" | bc)" "$(echo "$n / $wall" | bc)" "$rows" "$(echo "$gu + $gs" | bc)"
done
echo "loadavg at end: $(cat /proc/loadavg)"

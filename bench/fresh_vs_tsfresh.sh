#!/usr/bin/env bash
# freshet extract vs tsfresh 0.21.2 on the same inputs, settings and 2 cores: wall time and peak
# memory (GNU time). Usage:
#   bench/fresh_vs_tsfresh.sh [BUILD_DIR] [REPEATS]
# tsfresh runs only when it can be imported (PYTHONPATH pointing at the tsfresh and stumpy
# sources, see ../shared/peers/SETUP-tsfresh.md); otherwise only freshet is measured and
# bench/fresh.md's tsfresh column comes from shared/research/tsfresh.md section 8.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REPS=${2:-3}
SHARED=$ROOT/../shared
FRESHET=$BUILD/freshet
WORK=${TMPDIR:-/tmp}/freshet_bench_fresh
mkdir -p "$WORK"

/usr/bin/python3 "$SHARED/peers/make_synthetic.py" --n-ids 200 --length 1000 --kinds 1 --seed 42 \
    --out "$WORK/syn_200x1000.csv" >/dev/null
declare -A INPUT=([syn_200x1000]="$WORK/syn_200x1000.csv" [GunPoint]="$SHARED/data/GunPoint/series.csv")

have_tsfresh=0
if /usr/bin/python3 -c "import tsfresh" 2>/dev/null; then have_tsfresh=1; fi

printf "%-14s %-14s %-8s %-10s %10s %10s\n" dataset settings tool workers wall_s peak_MB
for name in syn_200x1000 GunPoint; do
  for settings in minimal efficient comprehensive; do
    for workers in 0 2; do
      best=""; mem=""
      for ((r = 0; r < REPS; r++)); do
        out=$( { /usr/bin/time -f "%e %M" "$FRESHET" extract "${INPUT[$name]}" --features "$settings" \
                 --workers "$workers" --quiet --out "$WORK/f.csv"; } 2>&1 | tail -1)
        read -r t m <<<"$out"
        if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; mem=$m; fi
      done
      printf "%-14s %-14s %-8s %-10s %10s %10.1f\n" "$name" "$settings" freshet "$workers" "$best" \
          "$(echo "$mem / 1024" | bc -l)"
      if (( have_tsfresh )); then
        out=$( { /usr/bin/time -f "%e %M" /usr/bin/python3 "$SHARED/peers/tsfresh_extract.py" \
                 "${INPUT[$name]}" "$settings" "$workers" "$WORK/t.csv" >/dev/null; } 2>&1 | tail -1)
        read -r t m <<<"$out"
        printf "%-14s %-14s %-8s %-10s %10s %10.1f\n" "$name" "$settings" tsfresh "$workers" "$t" \
            "$(echo "$m / 1024" | bc -l)"
      fi
    done
  done
done

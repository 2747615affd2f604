#!/usr/bin/env bash
# Number formatting: write_double against std::to_chars on every number of a rolled extraction's
# output (one id of bench/rolling.sh's synthetic data: 5,000 windows x 777 features, 3.9 M
# numbers), and on synthetic values; optionally the same harness built with another revision's
# core/format.cpp, run interleaved (an A/B in one sitting).
#   bash bench/format_double.sh [BUILD_DIR] [REV]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REV=${2:-}
WORK=${TMPDIR:-/tmp}/freshet_bench_format
mkdir -p "$WORK"
/usr/bin/python3 "$ROOT/../shared/peers/make_synthetic.py" --n-ids 1 --length 5000 --kinds 1 \
    --seed 42 --no-kind --out "$WORK/series.csv" >/dev/null
"$BUILD/freshet" extract "$WORK/series.csv" --roll max_timeshift=100 --features efficient \
    --quiet --out "$WORK/rolled.csv"
runs=("$BUILD/bench/bench_format_double")
if [[ -n "$REV" ]]; then
  git -C "$ROOT" show "$REV:core/format.cpp" >"$WORK/format_rev.cpp"
  # The harness with the other revision's formatter, the project's Release flags; the rest of
  # core (the CSV reader) from the build's library, whose own format.cpp is then not linked in.
  g++ -std=c++20 -O3 -DNDEBUG -I"$ROOT" "$HERE/format_double.cpp" "$WORK/format_rev.cpp" \
      "$BUILD/core/libfreshet_core.a" -ltbb -o "$WORK/bench_format_rev"
  runs+=("$WORK/bench_format_rev")
fi
for round in 1 2; do
  for b in "${runs[@]}"; do
    echo "== $b (round $round)"
    "$b" "$WORK/rolled.csv"
  done
done
"$BUILD/bench/bench_format_double"

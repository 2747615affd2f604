#!/usr/bin/env bash
# Link-time optimisation must not change a byte of output. Distributions often build with LTO
# (CMAKE_INTERPROCEDURAL_OPTIMIZATION), and GCC's interprocedural passes see through function
# boundaries that the normal build keeps: in session 13 an LTO build cloned the libm pow() call
# that reproduces numpy's `x ** 2` for the constant 2.0 and folded it into x * x, changing ~8,000
# cells of a rolled extraction in the last digit (fresh/spectral.cpp's libm_pow is noipa since).
#
# Builds the freshet binary with LTO in build-lto/ and compares its output with the normal
# build's (build/, or FRESHET_BUILD_DIR), byte for byte, on the bundled sample: every tsfresh
# calculator (comprehensive settings), catch24, and a rolled extraction.
#   bash scripts/lto_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ref_dir="${FRESHET_BUILD_DIR:-build}"
[[ -x "$ref_dir/freshet" ]] || { echo "lto_check: $ref_dir/freshet is not built" >&2; exit 2; }
FRESHET_BUILD_DIR=build-lto FRESHET_TARGETS=freshet \
FRESHET_CMAKE_ARGS="-DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON -DFRESHET_BUILD_BENCH=OFF" \
  bash scripts/setup.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The first six ids of the sample for the rolled case (1,588 windows).
awk -F, 'NR == 1 || $1 < 6' data/sample/series.csv >"$work/six.csv"
cases=(
  "comprehensive|data/sample/series.csv|--features comprehensive"
  "catch24|data/sample/series.csv|--features catch24"
  "rolled|$work/six.csv|--roll max_timeshift=50 --features efficient"
)
rc=0
for c in "${cases[@]}"; do
  IFS='|' read -r name input flags <<<"$c"
  for b in "$ref_dir" build-lto; do
    # shellcheck disable=SC2086
    "$b/freshet" extract "$input" $flags --quiet --out "$work/$name.$(basename "$b").csv"
  done
  if cmp -s "$work/$name.$(basename "$ref_dir").csv" "$work/$name.build-lto.csv"; then
    echo "lto_check: $name: identical ($(wc -c <"$work/$name.build-lto.csv") bytes)"
  else
    # Which columns differ, for the one-line verdict.
    cols=$(/usr/bin/python3 - "$work/$name.$(basename "$ref_dir").csv" "$work/$name.build-lto.csv" <<'PY'
import csv, sys
with open(sys.argv[1]) as fa, open(sys.argv[2]) as fb:
    ra, rb = csv.reader(fa), csv.reader(fb)
    head = next(ra); next(rb)
    bad = {}
    for a, b in zip(ra, rb):
        for h, x, y in zip(head, a, b):
            if x != y:
                bad[h] = bad.get(h, 0) + 1
print(", ".join("%s (%d)" % kv for kv in sorted(bad.items())[:5]), "-", len(bad), "columns")
PY
)
    echo "lto_check: $name: the LTO build's output DIFFERS from $ref_dir's: $cols"
    rc=1
  fi
done
exit "$rc"

#!/usr/bin/env bash
# Baseline binaries for bench/fresh_long.md's same-run comparisons: this build's freshet and
# bench_fresh_long relinked with the exact-count files of an earlier commit (fresh/template_counts.*
# and fresh/calc_entropy.cpp, compiled against that commit's header), everything else identical.
# Usage: bash bench/fresh_long_baseline.sh [BUILD_DIR] [REV] [OUT_DIR]
#   REV defaults to 4b6f9ba (the commit before the dominance route), OUT_DIR to
#   ${TMPDIR:-/tmp}/freshet_counts_base; writes OUT_DIR/freshet and OUT_DIR/bench_fresh_long.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
REV=${2:-4b6f9ba}
OUT=${3:-${TMPDIR:-/tmp}/freshet_counts_base}
mkdir -p "$OUT/src/fresh" "$OUT/obj"
for f in template_counts.hpp template_counts.cpp calc_entropy.cpp; do
  git -C "$ROOT" show "$REV:fresh/$f" >"$OUT/src/fresh/$f"
done
ninja -C "$BUILD" freshet bench_fresh_long >/dev/null
# The compile flags of this build's object, with the old sources first on the include path.
compile=$(ninja -C "$BUILD" -t commands fresh/CMakeFiles/freshet_fresh.dir/template_counts.cpp.o |
  tail -1 | sed -e 's/^ccache //' -e 's/ -MD -MT [^ ]* -MF [^ ]*//' -e 's/ -o [^ ]* -c [^ ]*$//')
for f in template_counts calc_entropy; do
  # -I first: the old header must win over this checkout's.
  (cd "$BUILD" && ${compile%% *} -I"$OUT/src" ${compile#* } -o "$OUT/obj/$f.cpp.o" \
    -c "$OUT/src/fresh/$f.cpp")
done
cp "$BUILD/fresh/libfreshet_fresh.a" "$OUT/libfreshet_fresh.a"
ar r "$OUT/libfreshet_fresh.a" "$OUT/obj/template_counts.cpp.o" "$OUT/obj/calc_entropy.cpp.o"
for t in freshet bench_fresh_long; do
  link=$(ninja -C "$BUILD" -t commands "$t" | tail -1 | sed -e 's/^: && //' -e 's/ && :$//')
  link=${link//fresh\/libfreshet_fresh.a/$OUT\/libfreshet_fresh.a}
  link=$(sed -E "s# -o [^ ]+# -o $OUT/$t#" <<<"$link")
  (cd "$BUILD" && eval "$link")
done
echo "$OUT/freshet $OUT/bench_fresh_long (fresh/template_counts.*, calc_entropy.cpp from $REV)"

#!/usr/bin/env bash
# Builds the tests with sanitizers and runs them.
#   bash scripts/sanitize.sh address   # ASan + UBSan, build-asan/
#   bash scripts/sanitize.sh thread    # TSan, build-tsan/: mproc's tests (the thread backend).
#     libtbb is not built with TSan, so only mproc_tests carries the suppressions for TBB's own
#     bookkeeping (mproc/peach_test.cpp); fork tests are compiled out under TSan, which does not
#     support fork() once threads exist.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
case "$kind" in
  address) dir=build-asan; flags="address,undefined" ;;
  thread)  dir=build-tsan; flags="thread"
           export FRESHET_TARGETS="${FRESHET_TARGETS:-mproc_tests}" ;;
  *) echo "usage: $0 address|thread" >&2; exit 2 ;;
esac
FRESHET_BUILD_DIR="$dir" \
FRESHET_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRESHET_SANITIZE=$flags -DFRESHET_BUILD_BENCH=OFF -DFRESHET_BUILD_EXAMPLES=ON" \
  bash scripts/setup.sh
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
cd "$dir"
if [[ "$kind" == thread ]]; then
  # Only mproc_tests is built (see above): run it directly, with a time limit.
  timeout 900 ./mproc/mproc_tests
else
  ctest --output-on-failure -j "$(nproc)" --timeout 1800
fi

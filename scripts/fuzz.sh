#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/README.md): installs clang if missing (apt), builds them in
# build-fuzz/ (every library with coverage, ASan and UBSan), then runs each for a bounded time on a
# scratch copy of its committed seed corpus (fuzz/corpus/<name>/ is never modified), and prints
# executions and seconds per harness and in total.
#   bash scripts/fuzz.sh [SECONDS_PER_HARNESS]        # default 60
#   FRESHET_FUZZ_ONLY="wire csv" bash scripts/fuzz.sh 300   # some harnesses only
#   FRESHET_FUZZ_JOBS=2 ...                           # parallel fuzzing processes per harness
# Exit status 1 when a harness finds a crash, a leak, UB, an uncaught exception, a failed check,
# a timeout (10 s per input) or an allocation over 2 GB; the input that did it is kept in
# build-fuzz/fuzz-artifacts/<name>/ (replay: build-fuzz/fuzz/<name>_fuzz FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
jobs="${FRESHET_FUZZ_JOBS:-1}"
dir="${FRESHET_FUZZ_BUILD_DIR:-build-fuzz}"

# clang with libFuzzer (Debian: clang + libclang-rt-dev), checked by linking a tiny harness.
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
have_libfuzzer() {
  command -v clang++ >/dev/null &&
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
      clang++ -x c++ -fsanitize=fuzzer - -o "$probe/probe" 2>/dev/null
}
if ! have_libfuzzer; then
  echo "fuzz: installing clang and libFuzzer"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
  have_libfuzzer || { echo "fuzz: clang cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi

CC=clang CXX=clang++ FRESHET_BUILD_DIR="$dir" FRESHET_TARGETS=freshet_fuzzers \
FRESHET_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRESHET_FUZZ=ON -DFRESHET_BUILD_TESTS=OFF -DFRESHET_BUILD_BENCH=OFF -DFRESHET_BUILD_EXAMPLES=OFF -DFRESHET_PYTHON=OFF" \
  bash scripts/setup.sh

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
names="${FRESHET_FUZZ_ONLY:-$(cd fuzz && ls -1 ./*_fuzz.cpp | sed 's|^\./||; s|_fuzz\.cpp$||')}"
total_runs=0
total_seconds=0
failed=()
printf '%-16s %12s %8s %8s %s\n' harness executions seconds exec/s result
for name in $names; do
  bin="$dir/fuzz/${name}_fuzz"
  work="$dir/fuzz-work/$name"
  artifacts="$dir/fuzz-artifacts/$name"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts"
  log="$dir/fuzz-work/$name.log"
  start=$(date +%s.%N)
  rc=0
  # -fork with several jobs keeps fuzzing past a first finding; one process stops at it.
  fork=()
  ((jobs > 1)) && fork=(-fork="$jobs" -ignore_crashes=0)
  "$bin" "${fork[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work" $([[ -d "fuzz/corpus/$name" ]] && echo "fuzz/corpus/$name") >"$log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  spent=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  # One process prints stat::number_of_executed_units; -fork prints "#N ... DONE" lines.
  runs=$(awk '/stat::number_of_executed_units/ { s += $2 } END { print s + 0 }' "$log")
  if [[ "$runs" == 0 ]]; then
    runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    runs=${runs:-0}
  fi
  result=ok
  if ((rc != 0)); then
    result="FAILED (rc $rc; log $log; inputs in $artifacts/)"
    failed+=("$name")
    grep -E "ERROR|SUMMARY|fuzz: check failed|terminate called|what\(\)" "$log" | head -5 || true
  fi
  printf '%-16s %12d %8d %8d %s\n' "$name" "$runs" "$spent" "$((runs / (spent > 0 ? spent : 1)))" "$result"
  total_runs=$((total_runs + runs))
  total_seconds=$((total_seconds + spent))
done
echo "fuzz: $total_runs executions in ${total_seconds}s over $(echo $names | wc -w) harnesses" \
  "(${seconds}s each)"
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi

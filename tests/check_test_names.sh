#!/bin/sh
# CTest splits a discovered doctest name at ';' (a CMake list separator): such a test case then
# runs nothing under ctest and still reports "Passed". Fails, naming them, if any name has one.
#   sh tests/check_test_names.sh [TEST_BINARY...]
# With test binaries, their own lists of test case names are checked (names built from several
# string literals or macros included); without, the sources' TEST_CASE/SUBCASE lines.
cd "$(dirname "$0")/.." || exit 2
if [ "$#" -gt 0 ]; then
  bad=""
  for bin in "$@"; do
    names=$("$bin" --list-test-cases 2>&1) || { echo "cannot list the test cases of $bin"; exit 2; }
    hits=$(printf '%s\n' "$names" | grep -v '^\[doctest\]' | grep ';' | sed "s|^|$(basename "$bin"): |")
    [ -z "$hits" ] || bad="$bad$hits
"
  done
else
  bad=$(git ls-files '*.cpp' 2>/dev/null | xargs grep -nE '(TEST_CASE|SUBCASE)\("[^"]*;' 2>/dev/null)
fi
[ -z "$bad" ] || { printf 'test names with ";" (ctest would run nothing):\n%s\n' "$bad"; exit 1; }

#!/usr/bin/env bash
# The README's test command: set up (apt + build), then run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd "${FRESHET_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900

#!/usr/bin/env bash
# The README's test command: set up (apt + build), then run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Tests only: headless Chromium renders the job report to a PNG (tests/cli_run_test.cpp; the test
# is skipped without it).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "test: installing chromium"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
    echo "test: chromium not installed; the report screenshot test will be skipped"
fi
cd "${FRESHET_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900

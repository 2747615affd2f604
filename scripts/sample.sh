#!/usr/bin/env bash
# The README's main command: set up (apt + build), then run the main job on the bundled sample:
# extract tsfresh's features from data/sample/series.csv, keep the relevant ones, cross-validate a
# model on them. Outputs go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
build="${FRESHET_BUILD_DIR:-build}"
"$build/freshet" info data/sample/series.csv

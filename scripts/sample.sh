#!/usr/bin/env bash
# The README's main command: set up (apt + build), then run the main job on the bundled sample
# (examples/jobs/sample.json, see docs/jobs.md): extract tsfresh's features from
# data/sample/series.csv once per feature setting, select the relevant ones inside each training
# fold (FDR 0.05, or the 20 best), and compare 4 pipelines with their grids over 5 stratified
# folds. Outputs go to out/job/: results.csv, summary.csv, ..., report.html.
# Run it again after an interruption: finished tasks are taken from out/job/journal.fjr.
set -euo pipefail
cd "$(dirname "$0")/.."
# Builds only the freshet binary: the tests are the test command's (scripts/test.sh).
FRESHET_TARGETS="${FRESHET_TARGETS:-freshet}" bash scripts/setup.sh
freshet="${FRESHET_BUILD_DIR:-build}/freshet"
set -x
"$freshet" run --check examples/jobs/sample.json
"$freshet" run examples/jobs/sample.json
set +x
echo "report: out/job/report.html"

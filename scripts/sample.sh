#!/usr/bin/env bash
# The README's main command: set up (apt + build), then run the main job on the bundled sample:
#   1. extract tsfresh's `efficient` features from data/sample/series.csv, impute them and keep
#      the relevant ones (tsfresh's extract_relevant_features, FDR 0.05);
#   2. cross-validate a random forest on the relevant features (stratified 5-fold).
# Outputs go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Builds only the freshet binary: the tests are the test command's (scripts/test.sh).
FRESHET_TARGETS="${FRESHET_TARGETS:-freshet}" bash scripts/setup.sh
mkdir -p out
freshet="${FRESHET_BUILD_DIR:-build}/freshet"
set -x
"$freshet" extract data/sample/series.csv --features efficient \
  --select --labels data/sample/labels.csv --relevance-table out/relevance.csv \
  --out out/relevant_features.csv
"$freshet" xval out/relevant_features.csv --labels data/sample/labels.csv \
  --model random_forest_classifier:n_estimators=100,random_state=0 \
  --cv stratified_kfold:n_splits=5,shuffle=true,random_state=0 \
  --scoring accuracy,f1_macro --out out/scores.csv

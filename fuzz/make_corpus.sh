#!/usr/bin/env bash
# Regenerates the committed seed corpora fuzz/corpus/<name>/ from each harness's seeds() (real
# encoders and the heads of real files; see harness.hpp). Needs the harnesses built:
#   bash scripts/fuzz.sh 0 && bash fuzz/make_corpus.sh [build-fuzz]
# Run it after changing a harness's seeds or a wire encoding, and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build-fuzz}"
for src in fuzz/*_fuzz.cpp; do
  name="$(basename "$src" _fuzz.cpp)"
  rm -rf "fuzz/corpus/$name"
  FRESHET_FUZZ_WRITE_SEEDS="fuzz/corpus/$name" "$dir/fuzz/${name}_fuzz"
done
du -sh fuzz/corpus/* | sed 's/^/make_corpus: /'

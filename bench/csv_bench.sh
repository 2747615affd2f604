#!/usr/bin/env bash
# CSV reading: freshet vs pandas.read_csv on the same ~100 MB long-layout file, in one run.
#   bash bench/csv_bench.sh [BUILD_DIR]      (needs python3-pandas for the comparison)
set -euo pipefail
build="${1:-build}"
file="${TMPDIR:-/tmp}/freshet_csv_bench.csv"
"$build/bench/bench_csv_read" "$file" --make 100 --repeat 3
/usr/bin/python3 - "$file" <<'PY'
import sys, time
import pandas as pd
path = sys.argv[1]
import os
mb = os.path.getsize(path) / 1e6
best = 1e300
for r in range(3):
    t0 = time.perf_counter()
    df = pd.read_csv(path)                       # pandas' default C parser
    best = min(best, time.perf_counter() - t0)
print(f"pandas read_csv (default): {mb:.1f} MB, {len(df)} rows, best {best:.3f} s = {mb/best:.1f} MB/s")
best = 1e300
for r in range(2):
    t0 = time.perf_counter()
    df = pd.read_csv(path, float_precision="round_trip")   # exact, like freshet
    best = min(best, time.perf_counter() - t0)
print(f"pandas read_csv (round_trip): best {best:.3f} s = {mb/best:.1f} MB/s")
PY
rm -f "$file"

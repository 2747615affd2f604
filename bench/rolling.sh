#!/usr/bin/env bash
# Rolling extraction: freshet extract --roll vs tsfresh 0.21.2 roll_time_series +
# extract_features (n_jobs=2), `efficient` settings, synthetic 10 series x 5,000 points,
# max_timeshift=100 (50,000 windows of up to 101 points). Wall time and peak memory. Usage:
#   bench/rolling.sh [BUILD_DIR] [REPS]
# Environment (all optional):
#   TSFRESH_IDS=10       run tsfresh on the first K ids only and extrapolate its wall time by
#                        10/K (rolling and extraction are linear in the number of windows; its
#                        memory is reported as measured on K ids, a lower bound for 10)
#   TSFRESH_JOBS=2  TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src  (../shared/peers/SETUP-tsfresh.md)
#   FRESHET_FLAGS=       more freshet flags (e.g. --incremental, --workers 1)
# freshet: best wall of REPS runs (whole process: CSV read, rolling, extraction, CSV write) and
# its peak RSS (GNU time %M; one process). tsfresh: one run of bench/rolling_tsfresh.py, wall of
# the whole python process (GNU time %e) plus its own roll/extract split, and the peak memory of
# its process tree (pool workers included) sampled every 50 ms: tree_rss (sum of VmRSS) and
# tree_pss (sum of Pss, shared pages split: the honest total).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REPS=${2:-3}
SHARED=$ROOT/../shared
TSFRESH_IDS=${TSFRESH_IDS:-10}
TSFRESH_JOBS=${TSFRESH_JOBS:-2}
FRESHET_FLAGS=${FRESHET_FLAGS:-}
export TSFRESH_SRC=${TSFRESH_SRC:-/tmp/tsfresh-src}
export STUMPY_SRC=${STUMPY_SRC:-/tmp/stumpy-src}
WORK=${TMPDIR:-/tmp}/freshet_bench_rolling
mkdir -p "$WORK"

/usr/bin/python3 "$SHARED/peers/make_synthetic.py" --n-ids 10 --length 5000 --kinds 1 --seed 42 \
    --no-kind --out "$WORK/syn_10x5000.csv" >/dev/null

cat >"$WORK/treemem.py" <<'PY'
import json, os, subprocess, sys, time
out = sys.argv[1]; cmd = sys.argv[sys.argv.index("--") + 1:]
def kb(path, key):
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    todo, seen = [root], []
    while todo:
        p = todo.pop(); seen.append(p); todo.extend(kids.get(p, []))
    return seen
p = subprocess.Popen(cmd)
peak_rss = peak_pss = 0
while p.poll() is None:
    pids = tree(p.pid)
    peak_rss = max(peak_rss, sum(kb("/proc/%d/status" % q, "VmRSS:") for q in pids))
    peak_pss = max(peak_pss, sum(kb("/proc/%d/smaps_rollup" % q, "Pss:") for q in pids))
    time.sleep(0.05)
with open(out, "w") as fh:
    json.dump({"tree_rss_kb": peak_rss, "tree_pss_kb": peak_pss}, fh)
sys.exit(p.returncode)
PY

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
     "freshet $FRESHET_FLAGS; tsfresh n_jobs=$TSFRESH_JOBS on $TSFRESH_IDS of 10 ids"
echo "loadavg at start: $(cat /proc/loadavg)"
best=""; mem=0; fcpu=""
for ((r = 0; r < REPS; r++)); do
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%M %U %S" -o "$WORK/ftime.txt" "$BUILD/freshet" extract "$WORK/syn_10x5000.csv" \
      --roll max_timeshift=100 --features efficient $FRESHET_FLAGS --quiet --out "$WORK/f.csv"
  t=$(echo "scale=3; ($EPOCHREALTIME - $t0) / 1" | bc)
  read -r m u s <"$WORK/ftime.txt"
  c=$(echo "$u + $s" | bc)
  if [[ -z "$fcpu" ]] || (( $(echo "$c < $fcpu" | bc) )); then fcpu=$c; fi
  if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  (( m > mem )) && mem=$m
done
echo "freshet: best wall ${best} s of $REPS, least CPU ${fcpu} s, peak RSS $(echo "scale=1; $mem / 1024" | bc) MB," \
     "$(($(wc -l <"$WORK/f.csv") - 1)) rows"

load0=$(cut -d' ' -f1 /proc/loadavg)
PYTHONPATH="$TSFRESH_SRC:$STUMPY_SRC${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 "$WORK/treemem.py" "$WORK/tree.json" -- \
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/ttime.txt" /usr/bin/python3 "$HERE/rolling_tsfresh.py" \
  "$WORK/syn_10x5000.csv" 100 "$TSFRESH_JOBS" "$WORK/t.csv" --n-ids "$TSFRESH_IDS" >"$WORK/t.json"
read -r twall tmax tu ts <"$WORK/ttime.txt"
tcpu=$(echo "$tu + $ts" | bc)
tail -1 "$WORK/t.json"
/usr/bin/python3 - "$WORK/t.json" "$WORK/tree.json" "$twall" "$tmax" "$best" "$mem" "$TSFRESH_IDS" \
    "$load0" "$tcpu" "$fcpu" <<'PY'
import json, sys
t = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); tree = json.load(open(sys.argv[2]))
twall, tmax, fwall, fmem, k = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
scale = 10.0 / k
est = twall * scale
print("tsfresh on %d ids: wall %.1f s (roll %.1f s, extract %.1f s), %d windows; largest process %.0f MB,"
      " tree RSS %.0f MB, tree PSS %.0f MB (load1 before: %s)" % (k, twall, t["roll_s"], t["extract_s"],
      t["n_windows"], tmax / 1024, tree["tree_rss_kb"] / 1024, tree["tree_pss_kb"] / 1024, sys.argv[8]))
tcpu, fcpu = float(sys.argv[9]), float(sys.argv[10])
print("tsfresh CPU (user+sys, pool workers included) on %d ids: %.1f s; for 10 ids: %.1f s; "
      "ratio CPU: %.0fx" % (k, tcpu, tcpu * scale, tcpu * scale / max(fcpu, 0.01)))
print("tsfresh wall for 10 ids: %.1f s (%s)" % (est, "measured" if k == 10 else "extrapolated x%.1f" % scale))
print("ratio wall: %.0fx (target >= 1000x); memory: freshet %.1f MB vs tsfresh tree PSS %.0f MB = 1/%.1f"
      " (target <= 1/10)" % (est / fwall, fmem / 1024, tree["tree_pss_kb"] / 1024,
                              tree["tree_pss_kb"] / max(fmem, 1)))
PY
# Values: the tsfresh windows against freshet's rows of the same ids.
/usr/bin/python3 - "$WORK/f.csv" "$WORK/t.csv" <<'PY'
import sys
import numpy as np, pandas as pd
f = pd.read_csv(sys.argv[1], index_col=0)
t = pd.read_csv(sys.argv[2], index_col=[0, 1])  # tsfresh writes the (id, time) index as 2 columns
t.index = ["(%s, %s)" % (a, b) for a, b in t.index]
common = sorted(set(f.columns) & set(t.columns))
rows = [i for i in t.index if i in f.index]
a = f.loc[rows, common].to_numpy(float); b = t.loc[rows, common].to_numpy(float)
same = np.isclose(a, b, rtol=1e-9, atol=1e-12) | (np.isnan(a) & np.isnan(b)) | (a == b)
print("values: %d rows x %d columns compared (%d tsfresh rows, columns equal sets: %s); within rtol 1e-9: %d of %d"
      % (len(rows), len(common), len(t), set(f.columns) == set(t.columns), same.sum(), same.size))
PY
echo "loadavg at end: $(cat /proc/loadavg)"

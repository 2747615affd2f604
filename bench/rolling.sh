#!/usr/bin/env bash
# Rolling extraction: freshet extract --roll vs tsfresh 0.21.2 roll_time_series +
# extract_features (n_jobs=2), `efficient` settings, synthetic 10 series x 5,000 points,
# max_timeshift=100 (50,000 windows of up to 101 points). Wall, CPU and peak memory, in one run:
#
#   1. freshet on all 10 ids and on the first K ids, REPS times each;
#   2. tsfresh on the first K ids (its full 10 ids take ~40-60 min of 2 cores);
#   3. freshet on 10 ids and on K ids again, REPS times each.
#
# Usage: bench/rolling.sh [BUILD_DIR] [REPS]
# Environment (all optional):
#   TSFRESH_IDS=1        K: tsfresh runs on the first K ids. Its wall time for 10 ids is
#                        extrapolated by 10/K (rolling and extraction are linear in the number of
#                        windows); its peak memory on K ids is a lower bound of its 10-id peak, so
#                        comparing freshet's 10-id peak with it is conservative.
#   TSFRESH_JOBS=2  TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src  (../shared/peers/SETUP-tsfresh.md)
#   FRESHET=BUILD/freshet  FRESHET_FLAGS=  (more freshet flags, e.g. --incremental)
# Every measurement is one process under GNU time -v (wall, user+sys CPU, maximum RSS), with the
# 1-minute load average read just before it. tsfresh's memory is also sampled over its whole
# process tree (pool workers included): tree_rss (sum of VmRSS, every 0.5 s) and tree_pss (sum
# of Pss, shared pages split: the honest total; every 2 s); the sampler's own CPU time is
# reported (until session 11 it sampled every 50 ms by scanning all of /proc: +9% on tsfresh's
# one-id wall time, more on its 11 GB 10-id run).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REPS=${2:-2}
SHARED=$ROOT/../shared
K=${TSFRESH_IDS:-1}
TSFRESH_JOBS=${TSFRESH_JOBS:-2}
FRESHET=${FRESHET:-$BUILD/freshet}
FRESHET_FLAGS=${FRESHET_FLAGS:-}
export TSFRESH_SRC=${TSFRESH_SRC:-/tmp/tsfresh-src}
export STUMPY_SRC=${STUMPY_SRC:-/tmp/stumpy-src}
WORK=${TMPDIR:-/tmp}/freshet_bench_rolling
mkdir -p "$WORK"

/usr/bin/python3 "$SHARED/peers/make_synthetic.py" --n-ids 10 --length 5000 --kinds 1 --seed 42 \
    --no-kind --out "$WORK/syn_10x5000.csv" >/dev/null
# The first K ids (in file order), for freshet's runs on tsfresh's windows.
awk -F, -v k="$K" 'NR == 1 { print; next } !($1 in seen) { seen[$1] = 1; n++ } n <= k { print }' \
    "$WORK/syn_10x5000.csv" >"$WORK/syn_K.csv"

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
    # The process and its descendants, through /proc/PID/task/TID/children (not a scan of every
    # process: the monitor must not take CPU from the 2 cores it watches).
    todo, seen = [root], []
    while todo:
        p = todo.pop(); seen.append(p)
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return seen
p = subprocess.Popen(cmd)
peak_rss = peak_pss = 0
tick = 0
while p.poll() is None:
    pids = tree(p.pid)
    peak_rss = max(peak_rss, sum(kb("/proc/%d/status" % q, "VmRSS:") for q in pids))
    # smaps_rollup walks each process's page tables (~35 ms a sample for 1.8 GB of tsfresh):
    # every 2 s; RSS every 0.5 s.
    if tick % 4 == 0:
        peak_pss = max(peak_pss, sum(kb("/proc/%d/smaps_rollup" % q, "Pss:") for q in pids))
    tick += 1
    time.sleep(0.5)
own = os.times()
with open(out, "w") as fh:
    json.dump({"tree_rss_kb": peak_rss, "tree_pss_kb": peak_pss,
               "monitor_cpu_s": own.user + own.system}, fh)
sys.exit(p.returncode)
PY

# "wall cpu maxrss_kb" of GNU time -v's report.
parse_time() {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
              /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
              END { printf "%.2f %.2f %d\n", w, u + s, m }' "$1"
}

RESULTS=$WORK/results.txt
: >"$RESULTS"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
     "freshet $FRESHET $FRESHET_FLAGS; tsfresh n_jobs=$TSFRESH_JOBS on $K of 10 ids; $(date -u)"

# freshet LABEL INPUT: one run, appended to RESULTS as "LABEL wall cpu rss_kb load1".
freshet_run() {
  local label=$1 input=$2 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$WORK/ftime.txt" "$FRESHET" extract "$input" --roll max_timeshift=100 \
      --features efficient $FRESHET_FLAGS --quiet --out "$WORK/f_$label.csv"
  read -r w c m < <(parse_time "$WORK/ftime.txt")
  echo "$label $w $c $m $load" >>"$RESULTS"
  echo "freshet $label: wall $w s, CPU $c s, peak RSS $((m / 1024)) MB, load1 before $load," \
       "$(($(wc -l <"$WORK/f_$label.csv") - 1)) rows"
}

for ((r = 0; r < REPS; r++)); do freshet_run f10 "$WORK/syn_10x5000.csv"; freshet_run fK "$WORK/syn_K.csv"; done

load0=$(cut -d' ' -f1 /proc/loadavg)
PYTHONPATH="$TSFRESH_SRC:$STUMPY_SRC${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 "$WORK/treemem.py" "$WORK/tree.json" -- \
  /usr/bin/time -v -o "$WORK/ttime.txt" /usr/bin/python3 "$HERE/rolling_tsfresh.py" \
  "$WORK/syn_10x5000.csv" 100 "$TSFRESH_JOBS" "$WORK/t.csv" --n-ids "$K" >"$WORK/t.json"
load1=$(cut -d' ' -f1 /proc/loadavg)
read -r tw tc tm < <(parse_time "$WORK/ttime.txt")
echo "tsfresh $K ids: wall $tw s, CPU $tc s (pool workers included), largest process $((tm / 1024)) MB," \
     "load1 before $load0, after $load1; $(tail -1 "$WORK/t.json")"

for ((r = 0; r < REPS; r++)); do freshet_run f10 "$WORK/syn_10x5000.csv"; freshet_run fK "$WORK/syn_K.csv"; done

/usr/bin/python3 - "$RESULTS" "$WORK/t.json" "$WORK/tree.json" "$tw" "$tc" "$tm" "$K" <<'PY'
import json, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
t = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1]); tree = json.load(open(sys.argv[3]))
tw, tc, tm, k = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
def best(label):
    rs = [r for r in rows if r[0] == label]
    w = min(rs, key=lambda r: float(r[1]))
    return float(w[1]), min(float(r[2]) for r in rs), max(int(r[3]) for r in rs), w[4], len(rs)
f10, fk = best("f10"), best("fK")
print("freshet 10 ids: best wall %.2f s of %d (load1 %s), least CPU %.2f s, peak RSS %.1f MB"
      % (f10[0], f10[4], f10[3], f10[1], f10[2] / 1024))
print("freshet %d ids: best wall %.2f s of %d (load1 %s), least CPU %.2f s, peak RSS %.1f MB"
      % (k, fk[0], fk[4], fk[3], fk[1], fk[2] / 1024))
print("tsfresh %d ids: wall %.1f s (roll %.1f s, extract %.1f s), CPU %.1f s, %d windows; largest "
      "process %.0f MB, tree RSS %.0f MB, tree PSS %.0f MB; memory sampler's own CPU %.1f s"
      % (k, tw, t["roll_s"], t["extract_s"], tc, t["n_windows"], tm / 1024,
         tree["tree_rss_kb"] / 1024, tree["tree_pss_kb"] / 1024, tree.get("monitor_cpu_s", -1)))
print("same %d ids (measured): wall %.0fx, CPU %.0fx" % (k, tw / fk[0], tc / fk[1]))
print("10 ids: tsfresh wall extrapolated x%.0f = %.0f s; wall ratio %.0fx (target >= 1000x)"
      % (10 / k, tw * 10 / k, tw * 10 / k / f10[0]))
mem = min(tree["tree_pss_kb"], tm)
print("memory: freshet 10 ids %.1f MB vs tsfresh on %d ids (lower bound of its 10-id peak) tree PSS "
      "%.0f MB, largest process %.0f MB: 1/%.1f of the smaller (target <= 1/10)"
      % (f10[2] / 1024, k, tree["tree_pss_kb"] / 1024, tm / 1024, mem / f10[2]))
PY
# Values: tsfresh's windows against freshet's rows of the same ids.
/usr/bin/python3 - "$WORK/f_fK.csv" "$WORK/t.csv" <<'PY'
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

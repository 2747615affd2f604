#!/usr/bin/env bash
# freshet extract vs tsfresh 0.21.2 on the same inputs, settings and cores, in one run: wall time
# and peak memory. Usage:
#   bench/fresh_vs_tsfresh.sh [BUILD_DIR] [REPEATS]
# Environment (all optional):
#   SETTINGS="efficient comprehensive"  presets to run (minimal works too)
#   FRESHET_WORKERS=                    freshet --workers; empty = freshet's default (threads on all cores)
#   TSFRESH_JOBS=2                      tsfresh n_jobs
#   TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src   source snapshots (see
#                                       ../shared/peers/SETUP-tsfresh.md)
#   TSFRESH_LONG_S=120                  a tsfresh case whose first run takes longer is not repeated
#
# cpu_s = user+sys CPU seconds (GNU time %U+%S, pool workers included; least of the runs): less
# sensitive than wall time to other load on the machine.
# freshet: best wall of REPEATS runs (bash's $EPOCHREALTIME around the whole process: CSV read,
# extraction, CSV write; to the ms)
# and the largest peak RSS of those runs (GNU time %M; freshet is one process, so this is the total).
# tsfresh: shared/peers/tsfresh_extract.py, run REPEATS times (once when the first run exceeds
# TSFRESH_LONG_S); best wall of the whole python process (GNU time %e) and best extract_features
# time alone (the script's JSON). Memory of its process tree (n_jobs>=2 forks pool workers):
#   maxrss   = GNU time %M = peak RSS of the single largest process of the tree (kernel-exact)
#   tree_rss = peak of the sum of VmRSS over the whole tree, sampled every 50 ms (shared pages of
#              forked workers are counted once per process, so this over-counts sharing)
#   tree_pss = peak of the sum of Pss over the tree, same samples (shared pages split between
#              the sharers: the honest "memory the run occupies" figure)
# tsfresh runs only when it can be imported; without it only freshet is measured.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${1:-$ROOT/build}
REPS=${2:-3}
SHARED=$ROOT/../shared
FRESHET=$BUILD/freshet
SETTINGS=${SETTINGS:-efficient comprehensive}
FRESHET_WORKERS=${FRESHET_WORKERS:-}
TSFRESH_JOBS=${TSFRESH_JOBS:-2}
TSFRESH_LONG_S=${TSFRESH_LONG_S:-120}
WORK=${TMPDIR:-/tmp}/freshet_bench_fresh
mkdir -p "$WORK"

export TSFRESH_SRC=${TSFRESH_SRC:-/tmp/tsfresh-src}
export STUMPY_SRC=${STUMPY_SRC:-/tmp/stumpy-src}
have_tsfresh=0
if [[ -d "$TSFRESH_SRC" ]] || /usr/bin/python3 -c "import tsfresh" 2>/dev/null; then
  if PYTHONPATH="$TSFRESH_SRC:$STUMPY_SRC${PYTHONPATH:+:$PYTHONPATH}" /usr/bin/python3 -c "import tsfresh" \
       2>/dev/null; then
    have_tsfresh=1
  else
    echo "note: $TSFRESH_SRC exists but tsfresh does not import; measuring freshet only" >&2
  fi
fi

# Process-tree memory sampler: treemem.py OUT.json -- CMD...  (runs CMD, polls /proc every 50 ms).
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
peak_rss = peak_pss = 0; hwm = {}; max_procs = 0
while p.poll() is None:
    pids = tree(p.pid)
    max_procs = max(max_procs, len(pids))
    rss = sum(kb("/proc/%d/status" % q, "VmRSS:") for q in pids)
    pss = sum(kb("/proc/%d/smaps_rollup" % q, "Pss:") for q in pids)
    for q in pids:
        h = kb("/proc/%d/status" % q, "VmHWM:")
        if h: hwm[q] = max(hwm.get(q, 0), h)
    peak_rss = max(peak_rss, rss); peak_pss = max(peak_pss, pss)
    time.sleep(0.05)
with open(out, "w") as fh:
    json.dump({"tree_rss_kb": peak_rss, "tree_pss_kb": peak_pss, "sum_hwm_kb": sum(hwm.values()),
               "max_procs": max_procs}, fh)
sys.exit(p.returncode)
PY

/usr/bin/python3 "$SHARED/peers/make_synthetic.py" --n-ids 200 --length 1000 --kinds 1 --seed 42 \
    --out "$WORK/syn_200x1000.csv" >/dev/null
declare -A INPUT=([syn_200x1000]="$WORK/syn_200x1000.csv" [GunPoint]="$SHARED/data/GunPoint/series.csv")

mb() { echo "scale=1; $1 / 1024" | bc; }
# Seconds since $1 (an $EPOCHREALTIME reading), to the millisecond: GNU time's %e has a 10 ms
# resolution, a tenth of freshet's whole run on the synthetic set.
elapsed() { echo "scale=3; ($EPOCHREALTIME - $1) / 1" | bc; }
jget() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
     "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); freshet: $FRESHET" \
     "(--workers ${FRESHET_WORKERS:-default}); tsfresh n_jobs=$TSFRESH_JOBS (available: $have_tsfresh)"
echo "loadavg at start: $(cat /proc/loadavg)"
printf "%-13s %-14s %-8s %5s %9s %10s %8s %9s %9s %9s %10s %9s %12s\n" dataset settings tool runs wall_s \
    extract_s cpu_s maxrss_MB tree_rss tree_pss ratio_wall ratio_cpu load1_before
for name in syn_200x1000 GunPoint; do
  for settings in $SETTINGS; do
    load0=$(cut -d' ' -f1 /proc/loadavg)
    best=""; mem=0; cpu=""
    wflag=(); [[ -n "$FRESHET_WORKERS" ]] && wflag=(--workers "$FRESHET_WORKERS")
    for ((r = 0; r < REPS; r++)); do
      t0=$EPOCHREALTIME
      /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$FRESHET" extract "${INPUT[$name]}" \
          --features "$settings" "${wflag[@]}" --quiet --out "$WORK/f_${name}_${settings}.csv"
      t=$(elapsed "$t0")
      read -r _ m u s <"$WORK/time.txt"
      c=$(printf "%.2f" "$(echo "$u + $s" | bc)")
      if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
      if [[ -z "$cpu" ]] || (( $(echo "$c < $cpu" | bc) )); then cpu=$c; fi
      (( m > mem )) && mem=$m
    done
    fbest=$best; fcpu=$cpu
    printf "%-13s %-14s %-8s %5d %9s %10s %8s %9s %9s %9s %10s %9s %12s\n" "$name" "$settings" freshet "$REPS" \
        "$fbest" - "$fcpu" "$(mb "$mem")" "$(mb "$mem")" - - - "$load0"
    if (( have_tsfresh )); then
      load0=$(cut -d' ' -f1 /proc/loadavg)
      best=""; bext=""; cpu=""; mem=0; trss=0; tpss=0; runs=0
      for ((r = 0; r < REPS; r++)); do
        PYTHONPATH="$TSFRESH_SRC:$STUMPY_SRC${PYTHONPATH:+:$PYTHONPATH}" \
          /usr/bin/python3 "$WORK/treemem.py" "$WORK/tree.json" -- \
          /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" /usr/bin/python3 "$SHARED/peers/tsfresh_extract.py" \
          "${INPUT[$name]}" "$settings" "$TSFRESH_JOBS" "$WORK/t_${name}_${settings}.csv" >"$WORK/t.json"
        runs=$((runs + 1))
        read -r t m u s <"$WORK/time.txt"  # t: GNU time's wall of the python process itself
        c=$(printf "%.2f" "$(echo "$u + $s" | bc)")
        if [[ -z "$cpu" ]] || (( $(echo "$c < $cpu" | bc) )); then cpu=$c; fi
        ext=$(tail -1 "$WORK/t.json" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['extract_s'])")
        if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
        if [[ -z "$bext" ]] || (( $(echo "$ext < $bext" | bc) )); then bext=$ext; fi
        (( m > mem )) && mem=$m
        x=$(jget "$WORK/tree.json" tree_rss_kb); (( x > trss )) && trss=$x
        x=$(jget "$WORK/tree.json" tree_pss_kb); (( x > tpss )) && tpss=$x
        if (( $(echo "$t > $TSFRESH_LONG_S" | bc) )); then break; fi
      done
      printf "%-13s %-14s %-8s %5d %9s %10s %8s %9s %9s %9s %10s %9s %12s\n" "$name" "$settings" tsfresh "$runs" \
          "$best" "$bext" "$cpu" "$(mb "$mem")" "$(mb "$trss")" "$(mb "$tpss")" \
          "$(echo "scale=1; $best / $fbest" | bc)x" "$(echo "scale=1; $cpu / $fcpu" | bc)x" "$load0"
    fi
  done
done
echo "loadavg at end: $(cat /proc/loadavg)"

# Same feature columns? (set equality of the header names, id column excluded) and value agreement.
if (( have_tsfresh )); then
  for name in syn_200x1000 GunPoint; do
    for settings in $SETTINGS; do
      /usr/bin/python3 - "$WORK/f_${name}_${settings}.csv" "$WORK/t_${name}_${settings}.csv" \
          "$name" "$settings" <<'PY'
import sys
import numpy as np, pandas as pd
f = pd.read_csv(sys.argv[1], index_col=0); t = pd.read_csv(sys.argv[2], index_col=0)
fc, tc = set(f.columns), set(t.columns)
msg = "columns: %s %s: freshet %d, tsfresh %d, %s" % (sys.argv[3], sys.argv[4], len(fc), len(tc),
      "EQUAL sets" if fc == tc else "DIFFER (only freshet: %s; only tsfresh: %s)"
      % (sorted(fc - tc)[:5], sorted(tc - fc)[:5]))
common = sorted(fc & tc)
a = f.loc[t.index, common].to_numpy(float); b = t[common].to_numpy(float)
same = np.isclose(a, b, rtol=1e-9, atol=1e-12) | (np.isnan(a) & np.isnan(b)) | (a == b)
print(msg + "; values within rtol 1e-9: %d of %d" % (same.sum(), same.size))
PY
    done
  done
fi

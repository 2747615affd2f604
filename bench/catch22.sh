#!/usr/bin/env bash
# freshet's catch22 against the C reference implementation (DynamicsAndNeuralSystems/catch22, GPL-3),
# on the same synthetic series, in one run. Usage:
#   bench/catch22.sh CATCH22_SRC [BUILD_DIR] [REPEATS] [N_SERIES] [LENGTH]
# CATCH22_SRC: a checkout of DynamicsAndNeuralSystems/catch22 (the folder holding C/). Nothing is
# fetched at run time; the reference is compiled here, in a temporary folder, with its own CI line
# (gcc -O2 C/*.c -lm), and only run: none of its code enters freshet.
#
# Data: N_SERIES (1000) series of LENGTH (1000) points, a fixed-seed mix of AR(1) processes, random
# walks, noisy sines and white noise (numpy, seed 22).
# Reference: one process per series (`run_features FILE`, catch22 mode), as it is shipped.
#   ref_compute_s = the sum of the per-feature times the runner itself prints (clock(), CPU ms):
#                   feature computation only, without process start, file reading or z-scoring;
#   ref_wall_s    = wall time of the loop over all series (process start and I/O included).
# freshet: `freshet extract --features catch22` on the same series in one CSV, whole process (CSV
# read, extraction, CSV write), --workers 0 (serial, one core) and --workers 2 (two threads).
# Best of REPEATS runs, interleaved (reference, freshet 1 core, freshet 2 cores) so that load from
# other processes hits all sides alike. Afterwards the values are compared with the reference's.
set -euo pipefail
SRC=${1:?usage: bench/catch22.sh CATCH22_SRC [BUILD_DIR] [REPEATS] [N_SERIES] [LENGTH]}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${2:-$ROOT/build}
REPS=${3:-3}
NSER=${4:-1000}
LEN=${5:-1000}
FRESHET=$BUILD/freshet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/freshet_bench_catch22.XXXXXX")
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3

[ -d "$SRC/C" ] || { echo "catch22.sh: $SRC/C not found (need a catch22 checkout)" >&2; exit 2; }
[ -x "$FRESHET" ] || { echo "catch22.sh: $FRESHET not built" >&2; exit 2; }

mkdir -p "$WORK/ref_build" "$WORK/series"
cp "$SRC"/C/*.c "$SRC"/C/*.h "$WORK/ref_build/"
gcc -O2 "$WORK"/ref_build/*.c -o "$WORK/run_features" -lm 2>/dev/null

"$PY" - "$WORK" "$NSER" "$LEN" <<'PYEOF'
import sys, numpy as np
work, nser, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(22)
with open(f"{work}/series.csv", "w") as out:
    out.write("id,time,value\n")
    for i in range(nser):
        kind = i % 4
        e = rng.standard_normal(n)
        if kind == 0:  # AR(1)
            phi = rng.uniform(0.1, 0.95); x = np.empty(n); x[0] = e[0]
            for t in range(1, n): x[t] = phi * x[t - 1] + e[t]
        elif kind == 1:
            x = np.cumsum(e)
        elif kind == 2:
            x = np.sin(2 * np.pi * np.arange(n) / rng.uniform(5, 200)) + 0.3 * e
        else:
            x = e
        with open(f"{work}/series/{i:05d}.txt", "w") as f:
            f.write("\n".join(repr(float(v)) for v in x) + "\n")
        out.writelines(f"{i},{t},{float(v)!r}\n" for t, v in enumerate(x))
PYEOF

now() { date +%s.%N; }
ref_run() {  # prints "wall_s compute_s"
  local t0 t1 out="$WORK/ref_out"
  : > "$out"
  t0=$(now)
  for f in "$WORK"/series/*.txt; do echo 0 | "$WORK/run_features" "$f" >> "$out"; done
  t1=$(now)
  awk -F', ' -v w="$(echo "$t1 - $t0" | bc)" 'NF == 3 { s += $3 } END { printf "%.3f %.3f\n", w, s / 1000 }' "$out"
}
freshet_run() {  # $1 = workers; prints "wall_s cpu_s" (cpu = user + sys, GNU time)
  /usr/bin/time -f "%e %U %S" -o "$WORK/time_$1" \
    "$FRESHET" extract "$WORK/series.csv" --features catch22 --workers "$1" --quiet \
    --out "$WORK/freshet_$1.csv"
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$WORK/time_$1"
}

best() { sort -g | head -1; }
: > "$WORK/ref.txt"; : > "$WORK/f1.txt"; : > "$WORK/f2.txt"
for r in $(seq "$REPS"); do
  ref_run >> "$WORK/ref.txt"
  freshet_run 0 >> "$WORK/f1.txt"
  freshet_run 2 >> "$WORK/f2.txt"
done
REF_WALL=$(cut -d' ' -f1 "$WORK/ref.txt" | best)
REF_COMP=$(cut -d' ' -f2 "$WORK/ref.txt" | best)
F1=$(cut -d' ' -f1 "$WORK/f1.txt" | best)
F1CPU=$(cut -d' ' -f2 "$WORK/f1.txt" | best)
F2=$(cut -d' ' -f1 "$WORK/f2.txt" | best)
F2CPU=$(cut -d' ' -f2 "$WORK/f2.txt" | best)
echo "series: $NSER x $LEN points; best of $REPS interleaved runs; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-48s %10s %14s\n' "side" "seconds" "ms per series"
row() { printf '%-48s %10.3f %14.4f\n' "$1" "$2" "$(echo "$2 * 1000 / $NSER" | bc -l)"; }
row "reference, feature time only (sum of its clock)" "$REF_COMP"
row "reference, wall (one process per series)" "$REF_WALL"
row "freshet --workers 0 (serial), whole process, wall" "$F1"
row "freshet --workers 0 (serial), whole process, CPU" "$F1CPU"
row "freshet --workers 2 (2 threads), whole process, wall" "$F2"
row "freshet --workers 2 (2 threads), whole process, CPU" "$F2CPU"
printf 'reference feature CPU / freshet serial whole-process CPU: %.2fx\n' "$(echo "$REF_COMP / $F1CPU" | bc -l)"
printf 'reference feature CPU / freshet serial whole-process wall: %.2fx\n' "$(echo "$REF_COMP / $F1" | bc -l)"
printf 'freshet wall, serial / 2 threads: %.2fx (2.00 = linear)\n' "$(echo "$F1 / $F2" | bc -l)"

# Values: the reference prints %.14f (14 digits after the point), so compare with that resolution.
"$PY" - "$WORK" "$NSER" <<'PYEOF'
import sys, csv, math
work, nser = sys.argv[1], int(sys.argv[2])
ref = {}
with open(f"{work}/ref_out") as f:
    # The runner's stdin prompt has no newline and prefixes the first value of every series.
    prompt = "Enter 0 for catch22 or 1 for catch24."
    rows = [l.strip().split(prompt)[-1].split(", ") for l in f if l.count(",") == 2]
k = 0
for i in range(nser):
    for _ in range(22):
        v, name, _t = rows[k]; k += 1
        ref[(str(i), name)] = float(v)
worst, bad = {}, 0
with open(f"{work}/freshet_0.csv") as f:
    for r in csv.DictReader(f):
        for col, v in r.items():
            if col == "id": continue
            name = col.split("__", 1)[1]
            a, b = float(v), ref[(r["id"], name)]
            if math.isnan(a) or math.isnan(b):
                ok = math.isnan(a) and math.isnan(b); d = 0.0
            else:
                d = abs(a - b); ok = d <= 1e-12 * max(abs(a), abs(b)) + 1e-13
            worst[name] = max(worst.get(name, 0.0), d)
            bad += not ok
            if not ok: print("  outside:", r["id"], name, repr(a), repr(b))
print(f"values: {nser * 22} compared with the reference's %.14f output, {bad} outside "
      "1e-12 relative + 1e-13 absolute; largest absolute difference per feature:")
for name in sorted(worst): print(f"  {name:45s} {worst[name]:.2e}")
PYEOF

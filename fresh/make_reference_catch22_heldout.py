#!/usr/bin/python3
"""catch22's C reference outputs on series the shared references do not cover: odd lengths.

../shared/reference/catch22 has GunPoint (150 points), ItalyPowerDemand (24) and BasicMotions
(100): every length there is even. The reference computes two lengths by integer division
(SC_FluctAnal's largest window size log(n / 2) and its lag-2 cumulative sum of n / 2 points), so
an implementation that divides in floating point agrees on all of them and differs on odd
lengths. This script runs the reference on ERing (65 points, 4 kinds), PickupGestureWiimoteZ
and PLAID (lengths 29-620, odd and even) and RobotFailureLP1 (15 points, integer values, 6
kinds), and writes

    tests/data/catch22_heldout/series.csv      id,time,kind,value (ids "<dataset>_<id>")
    tests/data/catch22_heldout/reference.csv   id, then KIND__<feature> (catch24), as
                                               ../shared/reference/catch22 lays them out

for tests/catch22_golden_test.cpp. As for the shared reference (its README, "How the numbers
were produced"): the reference (GPL-3) is only compiled and run in a temporary folder, from a
checkout you supply; only its output numbers are written. It prints values with "%.14f", so a
second build prints "%.17g" (round-trip) and every value is checked against the first build's
printing.

    /usr/bin/python3 fresh/make_reference_catch22_heldout.py CATCH22_SRC

CATCH22_SRC: a checkout of DynamicsAndNeuralSystems/catch22 (the folder holding C/), v0.5.0
(commit 9ff9da7335f21e8ad3a862ed0a874297ab029b54) as for the shared reference.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "tests", "data", "catch22_heldout")
# dataset: first ids (in file order)
PICK = {"ERing": 8, "PickupGestureWiimoteZ": 12, "PLAID": 6, "RobotFailureLP1": 6}


def build(src, work, full_precision):
    d = os.path.join(work, "full" if full_precision else "plain")
    os.makedirs(d)
    for f in os.listdir(os.path.join(src, "C")):
        if f.endswith((".c", ".h")):
            shutil.copy(os.path.join(src, "C", f), d)
    if full_precision:
        main = os.path.join(d, "main.c")
        text = open(main).read()
        assert text.count('"%.14f, %s, %f\\n"') >= 22, "unexpected main.c"
        open(main, "w").write(text.replace('"%.14f, %s, %f\\n"', '"%.17g, %s, %f\\n"'))
    exe = os.path.join(d, "run_features")
    subprocess.run(["gcc", "-O2"] + sorted(os.path.join(d, f) for f in os.listdir(d)
                                           if f.endswith(".c")) + ["-o", exe, "-lm"],
                   check=True, stderr=subprocess.DEVNULL)
    return exe


def run(exe, values, work):
    inp, out = os.path.join(work, "in.txt"), os.path.join(work, "out.txt")
    with open(inp, "w") as fh:
        fh.write("".join(repr(float(v)) + "\n" for v in values))
    r = subprocess.run([exe, inp, out], input="1\n", capture_output=True, text=True, check=True)
    if "quality test not passed" in r.stdout:
        return None
    rows = [line.split(",") for line in open(out) if line.count(",") >= 2]
    return [(name.strip(), text.strip()) for text, name, _ in rows]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    frames = []
    for name, n_ids in PICK.items():
        df = pd.read_csv(os.path.join(DATA, name, "series.csv"), dtype={"kind": str, "value": str})
        keep = df["id"].drop_duplicates().iloc[:n_ids]
        df = df[df["id"].isin(keep)].copy()
        df["id"] = name + "_" + df["id"].astype(str)
        frames.append(df)
    series = pd.concat(frames)
    os.makedirs(OUT, exist_ok=True)
    rows = {}
    with tempfile.TemporaryDirectory() as work:
        full, plain = build(src, work, True), build(src, work, False)
        for (i, kind), g in series.groupby(["id", "kind"], sort=False):
            values = g.sort_values("time", key=lambda t: t.astype(int))["value"].astype(float)
            got, shown = run(full, values, work), run(plain, values, work)
            if got is None:
                sys.exit("the reference refused series %s %s" % (i, kind))
            for (name, text), (name2, text2) in zip(got, shown):
                assert name == name2 and "%.14f" % float(text) == text2, (i, kind, name)
                rows.setdefault(i, {})["%s__%s" % (kind, name)] = repr(float(text))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table[sorted(table.columns)]
    table.index.name = "id"
    series.to_csv(os.path.join(OUT, "series.csv"), index=False, lineterminator="\n")
    table.to_csv(os.path.join(OUT, "reference.csv"), na_rep="nan", lineterminator="\n")
    print("wrote %d series, %d rows x %d columns" % (series.groupby(["id", "kind"]).ngroups,
                                                     len(table), table.shape[1]))


if __name__ == "__main__":
    main()

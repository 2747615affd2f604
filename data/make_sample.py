#!/usr/bin/env python3
"""Makes freshet's bundled sample: labelled, simulated time series in long layout.

    python3 data/make_sample.py            # writes data/sample/series.csv and labels.csv

Standard library only, seeded, so the output is the same on every machine. 240 series (ids 0..239)
of three classes, 80 each, two kinds (`accel`, `gyro`), lengths 96..160 (unequal on purpose):
  class "steady":   a noisy sine of a random period, small drift
  class "drifting": a random walk with a trend
  class "bursty":   an AR(1) process with occasional spikes
Values are rounded to 6 decimals, as a sensor would log them.

To make models differ (a clean sample lets every model score 1.0), a second seeded stream then
blurs the classes without changing the series' lengths (the first stream is consumed exactly as
before): each series gets a random gain, offset and white noise of its own, and 15% of the
labels are replaced by a random class (so no model can exceed ~0.9 accuracy).
"""
import math
import os
import random

rng = random.Random(20261122)
blur = random.Random(20261202)
CLASSES = ["steady", "drifting", "bursty"]
here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, "sample")
os.makedirs(out_dir, exist_ok=True)


def series(label, n):
    if label == "steady":
        period = rng.uniform(8, 40)
        amp = rng.uniform(0.5, 2.0)
        drift = rng.uniform(-0.002, 0.002)
        return [amp * math.sin(2 * math.pi * t / period) + drift * t + rng.gauss(0, 0.2)
                for t in range(n)]
    if label == "drifting":
        slope = rng.uniform(-0.05, 0.05)
        x, out = 0.0, []
        for t in range(n):
            x += slope + rng.gauss(0, 0.3)
            out.append(x)
        return out
    phi = rng.uniform(0.3, 0.9)
    x, out = 0.0, []
    for t in range(n):
        x = phi * x + rng.gauss(0, 0.5)
        if rng.random() < 0.03:
            x += rng.choice([-1, 1]) * rng.uniform(3, 8)
        out.append(x)
    return out


rows, labels = [], []
for i in range(240):
    label = CLASSES[i % 3]
    n = rng.randint(96, 160)
    labels.append((i, label))
    for kind in ("accel", "gyro"):
        values = series(label, n)
        gain, offset, noise = blur.uniform(0.3, 3.0), blur.gauss(0, 2), blur.uniform(0.8, 2.5)
        for t, v in enumerate(values):
            v = gain * v + offset + blur.gauss(0, noise)
            rows.append(f"{i},{t},{kind},{round(v, 6)!r}")
    if blur.random() < 0.15:
        labels[-1] = (i, blur.choice(CLASSES))

with open(os.path.join(out_dir, "series.csv"), "w", newline="\n") as f:
    f.write("id,time,kind,value\n")
    f.write("\n".join(rows) + "\n")
with open(os.path.join(out_dir, "labels.csv"), "w", newline="\n") as f:
    f.write("id,y\n")
    f.write("\n".join(f"{i},{y}" for i, y in labels) + "\n")
print(f"wrote {len(rows)} rows, {len(labels)} labels to {out_dir}")

#!/usr/bin/env python3
"""Interleaved start-up timing: each round runs every labelled command once,
in turn (the order rotates each round), so drift in the machine's load hits
all rows alike. Prints median, 25th and 75th percentile wall time per row
and failures.

    interleave.py [--json FILE] ROUNDS LABEL=CMD [LABEL=CMD ...]

CMD is split on spaces (no shell, so no shell start-up is measured).
--json writes {LABEL: {"median_ms", "p25_ms", "p75_ms", "runs", "failed"}}.
"""
import json
import statistics
import subprocess
import sys
import time

args = sys.argv[1:]
json_out = None
if args[:1] == ["--json"]:
    json_out, args = args[1], args[2:]
rounds = int(args[0])
rows = [arg.split("=", 1) for arg in args[1:]]
times = {label: [] for label, _ in rows}
failed = {label: 0 for label, _ in rows}
for _ in range(3):  # warm-up
    for _, cmd in rows:
        subprocess.run(cmd.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for i in range(rounds):
    k = i % len(rows)
    for label, cmd in rows[k:] + rows[:k]:
        t = time.perf_counter()
        r = subprocess.run(cmd.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[label].append((time.perf_counter() - t) * 1000)
        failed[label] += r.returncode != 0
summary = {}
for label, _ in rows:
    q = statistics.quantiles(times[label], n=4)
    summary[label] = {"median_ms": statistics.median(times[label]), "p25_ms": q[0], "p75_ms": q[2],
                      "runs": len(times[label]), "failed": failed[label]}
    print(f"{label:40s} median {statistics.median(times[label]):7.2f} ms  p25 {q[0]:7.2f}  p75 {q[2]:7.2f}  failed {failed[label]}")
if json_out:
    with open(json_out, "w") as f:
        json.dump(summary, f, indent=1)

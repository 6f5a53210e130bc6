#!/usr/bin/env python3
"""Interleaved start-up timing: each round runs every labelled command once,
in turn (the order rotates each round), so drift in the machine's load hits
all rows alike. Prints median, 25th and 75th percentile wall time per row
and failures. A run that exits non-zero is counted as failed and its time
left out: a start that fails fast (exit 125) must not pass for a fast start.

    interleave.py [--json FILE] ROUNDS LABEL=CMD [LABEL=CMD ...]

CMD is split on spaces (no shell, so no shell start-up is measured).
--json writes {LABEL: {"median_ms", "p25_ms", "p75_ms", "runs", "failed"}}:
"runs" counts the timed (successful) runs; the times are null when fewer
than two succeeded.
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
        elapsed = (time.perf_counter() - t) * 1000
        if r.returncode == 0:
            times[label].append(elapsed)
        else:
            failed[label] += 1
summary = {}
for label, _ in rows:
    ts = times[label]
    if len(ts) >= 2:
        q = statistics.quantiles(ts, n=4)
        median, p25, p75 = statistics.median(ts), q[0], q[2]
        shown = f"median {median:7.2f} ms  p25 {p25:7.2f}  p75 {p75:7.2f}"
    else:
        median = p25 = p75 = None
        shown = f"{'too few successful runs to time':38s}"
    summary[label] = {"median_ms": median, "p25_ms": p25, "p75_ms": p75, "runs": len(ts), "failed": failed[label]}
    print(f"{label:40s} {shown}  failed {failed[label]}")
if json_out:
    with open(json_out, "w") as f:
        json.dump(summary, f, indent=1)

#!/usr/bin/env python3
"""Interleaved start-up timing: each round runs every labelled command once,
in turn (the order rotates each round), so drift in the machine's load hits
all rows alike. Prints median, 25th and 75th percentile wall time per row
and failures.

    interleave.py ROUNDS LABEL=CMD [LABEL=CMD ...]

CMD is split on spaces (no shell, so no shell start-up is measured).
"""
import statistics
import subprocess
import sys
import time

rounds = int(sys.argv[1])
rows = [arg.split("=", 1) for arg in sys.argv[2:]]
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
for label, _ in rows:
    q = statistics.quantiles(times[label], n=4)
    print(f"{label:40s} median {statistics.median(times[label]):7.2f} ms  p25 {q[0]:7.2f}  p75 {q[2]:7.2f}  failed {failed[label]}")

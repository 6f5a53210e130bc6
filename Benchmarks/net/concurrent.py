#!/usr/bin/env python3
"""Starts N sandboxes at once and records how long each took to start.

    concurrent.py OUTDIR N ROUNDS -- SANDBOX-RUN ARGS... -- COMMAND...

Runs ROUNDS rounds; in each, N copies of the command are launched back to
back without waiting (N=1 gives the uncontended baseline), each with its
own `--events` file inserted after SANDBOX-RUN. Per sandbox it records the
wall time from launch to exit and `setup_ms` of `sandbox.ready` (the
supervisor's own start-to-ready time, which excludes process start and
planning). Prints one JSON object: per-round lists and overall medians.
Meant to run inside the benchmark's host namespace (`ip netns exec H`).
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time


def event_fields(path):
    ready = end = None
    try:
        with open(path) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("type") == "sandbox.ready":
                    ready = e.get("setup_ms")
                elif e.get("type") == "sandbox.end":
                    end = e
    except OSError:
        pass
    return ready, end


def one_round(outdir, n, rnd, argv):
    results = [None] * n
    sr, rest = argv[0], argv[1:]

    def run(i):
        events = os.path.join(outdir, f"events-c{n}-r{rnd}-{i}.jsonl")
        t0 = time.monotonic()
        p = subprocess.run([sr, "--events", events, *rest], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = (time.monotonic() - t0) * 1000
        ready, end = event_fields(events)
        results[i] = {"rc": p.returncode, "wall_ms": wall, "setup_ms": ready,
                      "exit_reason": (end or {}).get("exit_reason"),
                      "stderr": p.stderr.decode(errors="replace")[-300:] if p.returncode else ""}
        try:
            os.unlink(events)
        except OSError:
            pass

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"round_ms": (time.monotonic() - t0) * 1000, "sandboxes": results}


def med(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def main():
    outdir, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    argv = sys.argv[5:] if sys.argv[4] == "--" else sys.argv[4:]
    data = [one_round(outdir, n, r, argv) for r in range(rounds)]
    every = [s for d in data for s in d["sandboxes"]]
    print(json.dumps({
        "concurrency": n, "rounds": rounds,
        "failed": sum(1 for s in every if s["rc"] != 0),
        "median_setup_ms": med([s["setup_ms"] for s in every]),
        "median_wall_ms": med([s["wall_ms"] for s in every]),
        "max_wall_ms": max((s["wall_ms"] for s in every), default=None),
        "median_round_ms": med([d["round_ms"] for d in data]),
        "errors": sorted({s["stderr"].strip().splitlines()[-1] for s in every if s["rc"] != 0 and s["stderr"].strip()})[:5],
        "data": data,
    }))


if __name__ == "__main__":
    main()

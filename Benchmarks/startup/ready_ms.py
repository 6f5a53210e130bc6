#!/usr/bin/env python3
"""Medians of the supervisor's own timings from sandbox-run event files.

Usage: ready_ms.py EVENTS.jsonl...   (one file per run) -> JSON on stdout

setup_ms (sandbox.ready): supervisor start, after parsing and planning, until
the sandbox init reports it is about to exec the workload: cgroup, mount
trees, clone3, id maps, pivot_root, capabilities, seccomp.
duration_ms (sandbox.end): supervisor start until the workload was reaped.
"""
import json
import statistics
import sys


def main(paths):
    setup, duration, failed = [], [], 0
    for path in paths:
        ready = end = None
        try:
            with open(path) as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("type") == "sandbox.ready":
                        ready = event.get("setup_ms")
                    elif event.get("type") == "sandbox.end":
                        end = event.get("duration_ms")
        except OSError:
            pass
        if isinstance(ready, (int, float)):
            setup.append(float(ready))
        else:
            failed += 1
        if isinstance(end, (int, float)):
            duration.append(float(end))

    def summary(values):
        if not values:
            return None
        return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}

    json.dump({"setup_ms": summary(setup), "duration_ms": summary(duration), "runs_without_ready": failed},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])

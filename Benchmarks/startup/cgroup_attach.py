#!/usr/bin/env python3
"""Latency of moving one process into a fresh cgroup (a write to cgroup.procs).

Usage: cgroup_attach.py RUNS IDLE_SECONDS -> JSON on stdout (root only)

Every write to cgroup.procs takes cgroup_threadgroup_rwsem for writing, and
that waits for an RCU grace period unless another write passed one very
recently. Back-to-back writes (IDLE_SECONDS 0) are therefore cheap and an
isolated write is not; sandbox-run does one per sandbox (per v1 hierarchy).
The cgroup is made, used and removed here; the child is killed by pid.
"""
import json
import os
import signal
import statistics
import sys
import time


def hierarchy():
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return "/sys/fs/cgroup"          # cgroup v2 only
    if os.path.isdir("/sys/fs/cgroup/pids"):
        return "/sys/fs/cgroup/pids"     # v1 or hybrid
    return None


def main(runs, idle):
    root = hierarchy()
    if root is None:
        json.dump({"error": "no usable cgroup hierarchy"}, sys.stdout)
        return
    path = os.path.join(root, f"stockade-bench-attach-{os.getpid()}")
    os.mkdir(path)
    times = []
    try:
        for _ in range(runs):
            time.sleep(idle)
            pid = os.fork()
            if pid == 0:
                time.sleep(10)
                os._exit(0)
            try:
                start = time.perf_counter()
                with open(os.path.join(path, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
                times.append((time.perf_counter() - start) * 1000)
            finally:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    finally:
        for _ in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.02)
    json.dump({"hierarchy": root, "idle_s": idle, "runs": len(times),
               "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times)}, sys.stdout)
    print()


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))

# Runs old and new sandbox-run alternately; prints medians and the median of paired differences.
# Usage: paired.py OLD NEW ARGS...   (PAIRS=N, default 1000)
import os, sys, time, statistics
old, new = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
devnull = os.open("/dev/null", os.O_WRONLY)
def run(binary):
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1); os.dup2(devnull, 2)
        os.execv(binary, [binary] + args)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    assert os.waitstatus_to_exitcode(status) == 0
    return (t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3
for _ in range(30): run(old); run(new)
wall = {"old": [], "new": []}; cpu = {"old": [], "new": []}; dw = []; dc = []
for i in range(int(os.environ.get("PAIRS", "1000"))):
    order = [("old", old), ("new", new)] if i % 2 == 0 else [("new", new), ("old", old)]
    r = {}
    for name, b in order: r[name] = run(b)
    for name in r: wall[name].append(r[name][0]); cpu[name].append(r[name][1])
    dw.append(r["new"][0] - r["old"][0]); dc.append(r["new"][1] - r["old"][1])
for name in ("old", "new"):
    print(f"{name}: wall median {statistics.median(wall[name]):.3f} ms, cpu median {statistics.median(cpu[name]):.3f} ms")
print(f"paired new-old: wall median {statistics.median(dw):+.3f} ms, cpu median {statistics.median(dc):+.3f} ms (n={len(dw)})")

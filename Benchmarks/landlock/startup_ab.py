#!/usr/bin/env python3
"""Start-up cost of Landlock in a whole sandbox: `sandbox-run --profile P -- /bin/true`
with Landlock and with it switched off, interleaved, N runs each, medians.

Switching Landlock off takes the test-only STOCKADE_TEST_LANDLOCK_ABI_AT_MOST=0,
which only a DEBUG build honours; for numbers worth having, build an optimized
binary that keeps it (never ship this build):

    swift build -c release -Xswiftc -DDEBUG --build-path /tmp/stockade-bench-build --product sandbox-run
    printf 'extends: strict\\nname: strict-bench\\nfilesystem:\\n  require_landlock: false\\n' > /tmp/strict-bench.yaml
    sudo STOCKADE_PROFILE_PATH=$PWD/profiles python3 Benchmarks/landlock/startup_ab.py \\
        /tmp/stockade-bench-build/release/sandbox-run /tmp/strict-bench.yaml 400

(strict requires Landlock, so the "off" side needs a copy of it that does not.)
"""
import os
import statistics
import subprocess
import sys
import time

binary, profile = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
cmd = [binary, "--profile", profile, "--workspace-mode", "none", "--", "/bin/true"]
env_on = {k: v for k, v in os.environ.items() if k != "STOCKADE_TEST_LANDLOCK_ABI_AT_MOST"}
env_off = dict(env_on, STOCKADE_TEST_LANDLOCK_ABI_AT_MOST="0")
on, off, failures = [], [], 0
for i in range(n):
    pair = ((env_on, on), (env_off, off)) if i % 2 == 0 else ((env_off, off), (env_on, on))
    for env, out in pair:
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.perf_counter() - t) * 1000)
        failures += r.returncode != 0
print(f"with Landlock   : median {statistics.median(on):.3f} ms")
print(f"without Landlock: median {statistics.median(off):.3f} ms")
print(f"added           : {statistics.median(on) - statistics.median(off):+.3f} ms ({failures} failed runs)")

#!/usr/bin/env bash
# Start-up of two release binaries (before/after a change), interleaved:
# BATCHES rounds of `hyperfine -N` per command, the order of old and new
# flipped every round, so the shared machine's drift hits both alike.
# Usage: Benchmarks/sha256/startup.sh OLD_BINARY NEW_BINARY
# Prints each batch's median (ms) and, per command, the median of those medians.
set -euo pipefail
old="$1" new="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export STOCKADE_PROFILE_PATH="$root/profiles"
batches="${BATCHES:-8}" runs="${RUNS:-200}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
cases=("--help" "--dry-run --profile strict -- /bin/true")
for c in "${!cases[@]}"; do
    for ((b = 0; b < batches; b++)); do
        if ((b % 2 == 0)); then order=(old new); else order=(new old); fi
        for which in "${order[@]}"; do
            bin="$old"; [[ $which == new ]] && bin="$new"
            hyperfine -N -w 20 -r "$runs" --export-json "$out/$c-$b-$which.json" "$bin ${cases[$c]}" >/dev/null 2>&1
        done
    done
    python3 - "$out" "$c" "$batches" "${cases[$c]}" <<'PY'
import json, statistics, sys
out, c, batches, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
med = {w: [statistics.median(json.load(open(f"{out}/{c}-{b}-{w}.json"))["results"][0]["times"]) * 1e3 for b in range(batches)] for w in ("old", "new")}
for w in ("old", "new"):
    print(f"{name!r:45} {w}: batch medians " + " ".join(f"{m:.2f}" for m in med[w]) + f"  -> {statistics.median(med[w]):.2f} ms")
d = [n - o for n, o in zip(med["new"], med["old"])]
print(f"{name!r:45} new-old per batch median: {statistics.median(d):+.3f} ms")
PY
done

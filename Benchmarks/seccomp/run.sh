#!/bin/sh
# Seccomp benchmark: compile time of a default-like policy (~350 rules), and
# the per-syscall cost of its program installed in errno mode.
# Usage: Benchmarks/seccomp/run.sh   (no root needed; nothing is left behind)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

cc -O2 -o "$work/bench" "$here/bench.c"

# The compiler runs inside the test bundle: one gated test writes the BPF
# and prints the compile-time median.
STOCKADE_WRITE_BENCH_BPF="$work/filter.bpf" \
    swift test --package-path "$root" --filter 'StockadeSeccompTests.BenchmarkSupport' 2>&1 \
    | grep -E '^(compile|bpf):' || { echo "writing the benchmark BPF failed" >&2; exit 1; }

uname -r
"$work/bench" none
"$work/bench" "$work/filter.bpf"

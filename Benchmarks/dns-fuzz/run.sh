#!/bin/sh
# Mutation-fuzzes the DNS parser and proxy engine with a million inputs.
#
#   Benchmarks/dns-fuzz/run.sh [ITERATIONS] [SEED]
#
# Runs the DNSFuzzTests slice of StockadeNetTests in a release build with
# STOCKADE_DNS_FUZZ_ITERATIONS raised. Pure computation: no network, no
# root, no files outside .build. A crash (trap) or hang kills the test
# process, so a passing run means zero crashes; the summary line prints
# the counts and the elapsed time.
set -eu
cd "$(dirname "$0")/../.."
iterations=${1:-1000000}
seed=${2:-1592643861}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
STOCKADE_DNS_FUZZ_ITERATIONS=$iterations STOCKADE_DNS_FUZZ_SEED=$seed \
    swift test -c release --filter 'StockadeNetTests.DNSFuzzTests' >"$log" 2>&1 || status=$?
end=$(date +%s)
grep -E '^dns-fuzz:' "$log" || true
if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "dns-fuzz: FAILED (exit $status) after $((end - start))s including build"
    exit "$status"
fi
echo "dns-fuzz: ok, zero crashes; $((end - start))s including build"

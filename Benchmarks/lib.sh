# Shared prologue of the benchmark drivers (run.sh, net/run.sh): messages
# tagged with the driver's name, the one argument (sandbox-run's path), the
# root check and a UTC-stamped results directory. Source it after setting
# BENCH_TAG; it defines functions only and runs nothing.

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
note() { echo "$BENCH_TAG: $*" >&2; }

# bench_binary "$@": sets SR to the real path of the sandbox-run given.
bench_binary() {
    [ $# -eq 1 ] || die "usage: $0 PATH/TO/sandbox-run"
    SR=$(realpath "$1") || die "no such file: $1"
    [ -x "$SR" ] || die "not executable: $SR"
}

# bench_require_root WHY: dies with WHY unless running as root.
bench_require_root() {
    [ "$(id -u)" = 0 ] || die "run as root: $1"
}

# bench_results REPO PREFIX: sets OUT to REPO/bench-results/PREFIX<stamp>,
# creates it and points REPO/bench-results/PREFIXlatest at it.
bench_results() {
    local stamp
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    OUT="$1/bench-results/$2$stamp"
    mkdir -p "$OUT"
    ln -sfn "$2$stamp" "$1/bench-results/${2}latest"
    note "results in $OUT"
}

#!/usr/bin/env bash
# Stockade benchmarks in one run: start-up wall time of /bin/true bare, under
# bwrap and under sandbox-run; peak RSS of the supervisor and of bwrap; a
# start-up breakdown of sandbox-run; the seccomp per-syscall cost.
#
#   Benchmarks/run.sh PATH/TO/sandbox-run        (make bench does this)
#
# Needs root (bwrap and sandbox-run both make a user namespace; sandbox-run
# also makes its cgroup), hyperfine, bwrap, GNU time and python3. Sends no
# network traffic. Results: bench-results/<date>/ and bench-results/latest,
# a Markdown summary on stdout and in summary.md.
#
# Knobs (environment): BENCH_RUNS (40), BENCH_WARMUP (5), BENCH_RSS_RUNS (10),
# BENCH_COLD_RUNS (15, each after 0.3 s idle),
# BENCH_SKIP_SECCOMP=1 (skip Benchmarks/seccomp), BENCH_SKIP_PROFILE=1 (skip
# the strace/perf breakdown).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
RUNS=${BENCH_RUNS:-40}
WARMUP=${BENCH_WARMUP:-5}
RSS_RUNS=${BENCH_RSS_RUNS:-10}
COLD_RUNS=${BENCH_COLD_RUNS:-15}

BENCH_TAG=bench
. "$here/lib.sh"
bench_binary "$@"
bench_require_root "bwrap and sandbox-run need namespaces, sandbox-run a cgroup"
for tool in hyperfine bwrap python3; do
    command -v "$tool" >/dev/null || die "$tool is missing (make bench installs hyperfine and bubblewrap)"
done
[ -x /usr/bin/time ] || die "GNU time is missing: apt-get install -y time"

bench_results "$repo" ""

# An empty workspace: sandbox-run's default workspace is the current
# directory and its `mask:` globs are scanned there, so running from the
# source tree (with .build/) would measure a directory walk, not the sandbox.
WS="$OUT/ws"
mkdir -p "$WS"
cd "$WS"

# The filter bwrap loads is the one sandbox-run compiles for the same profile.
"$SR" --dry-run --profile strict --export-bpf "$OUT/strict.bpf" -- /bin/true >"$OUT/plan-strict.json" \
    || die "sandbox-run --dry-run --export-bpf failed"
[ -s "$OUT/strict.bpf" ] || die "sandbox-run wrote an empty BPF program"

BWRAP_FS="--die-with-parent --ro-bind / / --dev /dev --proc /proc"
BWRAP_NONET="--unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup"
BPF=$(printf %q "$OUT/strict.bpf")
Q=$(printf %q "$SR")

# label<TAB>shell command. One hyperfine run, shell mode for every row: the
# bwrap rows need `9<FILE` opened afresh per run, and hyperfine subtracts the
# measured shell start-up from every row alike.
wall_rows=(
    "bare /bin/true	/bin/true"
    "bwrap all ns + seccomp	bwrap --unshare-all $BWRAP_FS --seccomp 9 9<$BPF /bin/true"
    "bwrap no netns + seccomp	bwrap $BWRAP_NONET $BWRAP_FS --seccomp 9 9<$BPF /bin/true"
    "sandbox-run strict	$Q --profile strict -- /bin/true"
    "sandbox-run strict --net host	$Q --profile strict --net host -- /bin/true"
    "sandbox-run default	$Q --profile default -- /bin/true"
)
# Cold: 0.3 s idle before each run, as for a single sandbox started now and
# then. Back-to-back runs share RCU grace periods (see cgroup_attach.py).
cold_rows=(
    "bwrap all ns + seccomp	bwrap --unshare-all $BWRAP_FS --seccomp 9 9<$BPF /bin/true"
    "sandbox-run strict	$Q --profile strict -- /bin/true"
)
# Cross-check without any shell (-N): rows that need no redirection.
noshell_rows=(
    "bare /bin/true	/bin/true"
    "bwrap all ns (no seccomp)	bwrap --unshare-all $BWRAP_FS /bin/true"
    "sandbox-run strict	$Q --profile strict -- /bin/true"
)
# Start-up breakdown, also without a shell.
mkdir -p "$OUT/ws-10k"
python3 - "$OUT/ws-10k" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    p = os.path.join(root, f"d{d:02}")
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        open(os.path.join(p, f"f{f:02}.txt"), "w").close()
PY
breakdown_rows=(
    "sandbox-run --help (runtime + argument parsing)	$Q --help"
    "sandbox-run --dry-run strict (parse, plan, seccomp compile)	$Q --dry-run --profile strict -- /bin/true"
    "sandbox-run --dry-run strict, workspace of 10k files	$Q --dry-run --profile strict --workspace $OUT/ws-10k -- /bin/true"
    "sandbox-run strict (full run)	$Q --profile strict -- /bin/true"
)

# A row is benchmarked only if it succeeds once; a failure is reported.
: >"$OUT/failures.tsv"
runnable() { # label cmd shell(0/1)
    local out rc=0
    if [ "$3" = 1 ]; then out=$(sh -c "$2" 2>&1 </dev/null) || rc=$?
    else out=$(eval "set -- $2"; "$@" 2>&1 </dev/null >/dev/null) || rc=$?; fi
    if [ $rc -ne 0 ]; then
        printf '%s\texit %s: %s\n' "$1" "$rc" "$(echo "$out" | tail -1)" >>"$OUT/failures.tsv"
        note "skipping '$1': exit $rc: $(echo "$out" | tail -1)"
        return 1
    fi
}

hyper() { # json shell(0/1) runs warmup prepare-command-or-empty rows...
    local json=$1 shellmode=$2 runs=$3 warmup=$4 prepare=$5; shift 5
    local args=() row label cmd
    for row in "$@"; do
        label=${row%%	*}; cmd=${row#*	}
        runnable "$label" "$cmd" "$shellmode" || continue
        args+=(-n "$label" "$cmd")
    done
    [ ${#args[@]} -gt 0 ] || { note "nothing to run for $json"; return 0; }
    local opts=(--warmup "$warmup" --runs "$runs" --style basic)
    [ "$shellmode" = 1 ] || opts+=(-N)
    [ -z "$prepare" ] || opts+=(--prepare "$prepare")
    hyperfine "${opts[@]}" \
        --export-json "$OUT/$json" "${args[@]}" >"$OUT/${json%.json}.txt" 2>&1 \
        || note "hyperfine failed for $json (see ${json%.json}.txt)"
}

note "1/5 wall time ($RUNS runs each, $WARMUP warm-up)"
hyper wall.json 1 "$RUNS" "$WARMUP" "" "${wall_rows[@]}"
hyper wall-noshell.json 0 "$RUNS" "$WARMUP" "" "${noshell_rows[@]}"
note "   cold: $COLD_RUNS runs each, 0.3 s idle before each"
hyper wall-cold.json 1 "$COLD_RUNS" 1 "sleep 0.3" "${cold_rows[@]}"
note "2/5 start-up breakdown"
hyper breakdown.json 0 "$RUNS" "$WARMUP" "" "${breakdown_rows[@]}"

# sandbox.ready carries setup_ms: supervisor start (after parse and plan)
# until the sandbox init reports it is about to exec the workload.
for i in $(seq "$RUNS"); do
    "$SR" --profile strict --events "$OUT/events-$i.jsonl" -- /bin/true || true
done
python3 "$here/startup/ready_ms.py" "$OUT"/events-*.jsonl >"$OUT/setup_ms.json"
rm -f "$OUT"/events-*.jsonl
# The one kernel step whose cost depends on what ran just before.
{ python3 "$here/startup/cgroup_attach.py" "$COLD_RUNS" 0
  python3 "$here/startup/cgroup_attach.py" "$COLD_RUNS" 0.3; } >"$OUT/cgroup-attach.jsonl" || true

note "3/5 peak RSS (GNU time, $RSS_RUNS runs each)"
# %M is ru_maxrss from wait4: the largest of the process itself and every
# descendant it reaped. The workload is /bin/true (about 1 MiB), so the
# number is the supervisor's (sandbox-run) or bwrap's own peak.
rss_rows=(
    "bare /bin/true	/bin/true"
    "bwrap all ns + seccomp	bwrap --unshare-all $BWRAP_FS --seccomp 9 9<$BPF /bin/true"
    "sandbox-run strict	$Q --profile strict -- /bin/true"
    "sandbox-run strict --net host	$Q --profile strict --net host -- /bin/true"
    "sandbox-run --dry-run strict	$Q --dry-run --profile strict -- /bin/true >/dev/null"
    "sandbox-run --help	$Q --help >/dev/null"
)
: >"$OUT/rss.tsv"
for row in "${rss_rows[@]}"; do
    label=${row%%	*}; cmd=${row#*	}
    # A command that failed above would measure its error path.
    if cut -f1 "$OUT/failures.tsv" | grep -qxF "$label"; then continue; fi
    for i in $(seq "$RSS_RUNS"); do
        # sh -c 'exec …' so the measured process is the command itself.
        kib=$(/usr/bin/time -f %M -o /dev/stdout sh -c "exec $cmd" 2>/dev/null | tail -1) || continue
        printf '%s\t%s\n' "$label" "$kib" >>"$OUT/rss.tsv"
    done
done

note "4/5 where the time goes"
if [ "${BENCH_SKIP_PROFILE:-0}" != 1 ]; then
    if command -v strace >/dev/null; then
        # -w: wall-clock latency per syscall (cgroup rmdir sleeps, clone3 copies).
        strace -f -w -c -o "$OUT/strace-c.txt" "$SR" --profile strict -- /bin/true || true
        strace -f -tt -T -o "$OUT/strace-tt.txt" "$SR" --profile strict -- /bin/true || true
        python3 "$here/startup/strace_phases.py" "$OUT/strace-tt.txt" >"$OUT/strace-phases.md" || true
    else
        note "strace missing: no syscall breakdown"
    fi
    if command -v perf >/dev/null; then
        # On-CPU samples of 30 dry runs, split by DSO (Swift runtime and
        # Foundation are linked statically into sandbox-run; libseccomp is not).
        perf record -q -F 10000 -e cpu-clock -o "$OUT/perf.data" -- \
            sh -c "for i in \$(seq 30); do $Q --dry-run --profile strict -- /bin/true >/dev/null; done" 2>/dev/null || true
        perf report -i "$OUT/perf.data" --stdio --sort dso,sym --comm sandbox-run 2>/dev/null | grep -v '^#' | grep -v '^$' >"$OUT/perf-sym-all.txt" || true
        head -40 "$OUT/perf-sym-all.txt" >"$OUT/perf-sym.txt"
        rm -f "$OUT/perf.data" "$OUT/perf.data.old"
    fi
fi

note "5/5 seccomp per-syscall cost"
: >"$OUT/seccomp.txt"
if [ "${BENCH_SKIP_SECCOMP:-0}" = 1 ]; then
    echo "skipped (BENCH_SKIP_SECCOMP=1)" >"$OUT/seccomp.txt"
elif [ -x "$here/seccomp/run.sh" ]; then
    "$here/seccomp/run.sh" >"$OUT/seccomp.txt" 2>"$OUT/seccomp.err" \
        || echo "Benchmarks/seccomp/run.sh failed: $(tail -1 "$OUT/seccomp.err")" >>"$OUT/seccomp.txt"
    # The same micro-benchmark against the filter sandbox-run really ships.
    if [ -f "$here/seccomp/bench.c" ] && command -v cc >/dev/null \
        && cc -O2 -o "$OUT/seccomp-bench" "$here/seccomp/bench.c" 2>>"$OUT/seccomp.err"; then
        { echo "# sandbox-run strict filter ($OUT/strict.bpf)"
          "$OUT/seccomp-bench" none || true
          "$OUT/seccomp-bench" "$OUT/strict.bpf" || echo "bench with the strict filter failed"
        } >"$OUT/seccomp-strict.txt" 2>&1
        rm -f "$OUT/seccomp-bench"
    fi
else
    echo "Benchmarks/seccomp/run.sh is missing: no per-syscall seccomp cost" | tee "$OUT/seccomp.txt" >&2
fi

cd "$OUT"
rm -rf "$WS" "$OUT/ws-10k"
python3 - "$OUT/meta.json" "$SR" "$RUNS" "$WARMUP" "$RSS_RUNS" <<'PY'
import json, os, platform, subprocess, sys, datetime
out, sr, runs, warmup, rss = sys.argv[1:]
def first(cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception: return "?"
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
meta = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "kernel": platform.release(), "cpus": os.cpu_count(), "cpu": cpu,
    "sandbox_run": sr, "runs": int(runs), "warmup": int(warmup), "rss_runs": int(rss),
    "hyperfine": first(["hyperfine", "--version"]), "bwrap": first(["bwrap", "--version"]),
    "loadavg": open("/proc/loadavg").read().split()[:3],
}
json.dump(meta, open(out, "w"), indent=1)
PY
python3 "$here/startup/summarize.py" "$OUT" | tee "$OUT/summary.md"

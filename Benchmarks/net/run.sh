#!/usr/bin/env bash
# Egress-firewall benchmarks in one run, each against its peer in the same
# run: start-up of `--net filtered` (root and rootless) vs `--net none` vs
# bwrap; a 1 GiB download and time to first byte through the relay vs
# `--net host`; the DNS proxy vs dnsmasq forwarding with an --nftset rule;
# 50 concurrent filtered sandboxes vs one at a time; and a check that nothing
# is left behind.
#
#   Benchmarks/net/run.sh PATH/TO/sandbox-run          (make bench-net)
#
# Needs root. Builds its own world of network namespaces (world.sh): every
# packet stays inside namespaces this script creates, joined by veth pairs
# with no link to the machine's network. Results: bench-results/net-<stamp>/
# (and bench-results/net-latest), a Markdown summary on stdout and in
# summary.md. About 3 minutes on two cores.
#
# Knobs (environment): NETBENCH_RUNS (3: DNS runs per configuration),
# NETBENCH_DNS_SECONDS (10), NETBENCH_STARTUP_RUNS (30), NETBENCH_SETUP_RUNS
# (20: sequential filtered sandboxes for the concurrency baseline),
# NETBENCH_ROOTLESS_ROUNDS (300: interleaved rootless/root rounds),
# NETBENCH_CONCURRENCY (50), NETBENCH_ROUNDS (3), NETBENCH_SKIP_PROFILE=1 (no
# strace/perf of the supervisor).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RUNS=${NETBENCH_RUNS:-3}
DNS_SECONDS=${NETBENCH_DNS_SECONDS:-10}
STARTUP_RUNS=${NETBENCH_STARTUP_RUNS:-30}
ROOTLESS_ROUNDS=${NETBENCH_ROOTLESS_ROUNDS:-300}
SETUP_RUNS=${NETBENCH_SETUP_RUNS:-20}
CONCURRENCY=${NETBENCH_CONCURRENCY:-50}
ROUNDS=${NETBENCH_ROUNDS:-3}
PACED_QPS=2000
# The proxy's per-sandbox query-rate limit (default 100/s) would cap the
# throughput runs at the limit; the benchmark measures the proxy, not it.
BENCH_QPS_LIMIT=1000000

BENCH_TAG=bench-net
. "$repo/Benchmarks/lib.sh"
bench_binary "$@"
bench_require_root "network namespaces, nft tables and sandboxes need it"

need=()
for pair in dnsperf:dnsperf hyperfine:hyperfine bwrap:bubblewrap dnsmasq:dnsmasq-base ip:iproute2 nft:nftables python3:python3 sysctl:procps strace:strace; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    note "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >/dev/null; } \
        || die "cannot install ${need[*]}"
fi

bench_results "$repo" net-

# Unique names per run: two runs (or another user's namespaces) never clash.
tag="nb$(printf '%04x' $((RANDOM ^ $$ & 0xffff)))"
WORLD_HERE=$here
. "$here/world.sh"
started_pids=()
cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    world_down
    rm -rf "$OUT/ws"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note "world: namespaces ${tag}w/${tag}h/${tag}c"
world_up "$tag" "$OUT" || die "cannot build the benchmark world"
H="ip netns exec $NS_H"

# The workspace: empty, owned by an unprivileged uid (the workload runs as
# the workspace's owner), holding the dnsperf query file.
WS="$OUT/ws"
mkdir -p "$WS"
for n in "${WORLD_BENCH_NAMES[@]}"; do echo "$n.bench.test A"; done >"$WS/queries.txt"
chown -R 4242:4242 "$WS"
cd "$WS"

# The rootless rows start through the smallest launcher there is (a static
# setuid-and-exec, ~0.3 ms), and root's comparison row through the same one:
# setpriv + env cost ~3 ms, more than the gap being measured.
ASUSER="$OUT/asuser"
cc -O2 -static -o "$ASUSER" "$repo/Benchmarks/startup/asuser.c" 2>/dev/null || cc -O2 -o "$ASUSER" "$repo/Benchmarks/startup/asuser.c" \
    || die "cannot build Benchmarks/startup/asuser.c"

FILTERED=(--net filtered --allow-domain allowed.test --allow-domain allowed.test:9000 --dns-upstream "$WORLD_W_ADDR")
BENCH_FILTERED=(--net filtered --allow-domain '*.bench.test' --dns-upstream "$WORLD_W_ADDR")
Q=$(printf %q "$SR")

# As `make install` leaves it: root's seccomp cache holds the profiles'
# filters, which rootless runs read (they never write a cache).
$H "$SR" prepare >"$OUT/prepare.txt" 2>&1 || die "sandbox-run prepare failed: $(tail -1 "$OUT/prepare.txt")"

# Every configuration must work once before it is timed.
$H "$SR" "${FILTERED[@]}" -- getent hosts allowed.test >"$OUT/check-filtered.txt" 2>&1 \
    || die "a filtered sandbox cannot resolve allowed.test: $(tail -1 "$OUT/check-filtered.txt")"
grep -q 198.18.77.10 "$OUT/check-filtered.txt" || die "allowed.test resolved to something else: $(cat "$OUT/check-filtered.txt")"
# The rootless row too, started as it is timed: a rootless start that fails
# (exit 125) is fast, and would time as a start that works.
$H env -u XDG_RUNTIME_DIR HOME="$WS" "$ASUSER" 4242 4242 "$SR" "${FILTERED[@]}" -- getent hosts allowed.test \
    >"$OUT/check-rootless.txt" 2>&1 \
    || die "a rootless filtered sandbox cannot resolve allowed.test: $(tail -1 "$OUT/check-rootless.txt")"
grep -q 198.18.77.10 "$OUT/check-rootless.txt" || die "allowed.test resolved to something else rootless: $(cat "$OUT/check-rootless.txt")"

note "1/4 start-up: filtered vs none vs bwrap ($STARTUP_RUNS runs each, inside ${NS_H})"
$H env -u XDG_RUNTIME_DIR HOME="$WS" hyperfine -N --warmup 3 --runs "$STARTUP_RUNS" --style basic --export-json "$OUT/startup.json" \
    -n "sandbox-run --net filtered" "$Q --net filtered --allow-domain allowed.test --dns-upstream $WORLD_W_ADDR -- /bin/true" \
    -n "sandbox-run --net none" "$Q --net none -- /bin/true" \
    -n "sandbox-run --net host" "$Q --net host -- /bin/true" \
    -n "bwrap --unshare-all" "bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc /bin/true" \
    >"$OUT/startup.txt" 2>&1 || note "hyperfine failed (see startup.txt)"
# Rootless against root, both through the same launcher, interleaved round
# by round (root's start is bimodal on a cgroup v1 host, so blocks of runs
# one row after the other drift apart).
$H env -u XDG_RUNTIME_DIR HOME="$WS" python3 "$repo/Benchmarks/startup/interleave.py" --json "$OUT/rootless.json" "$ROOTLESS_ROUNDS" \
    "rootless=$ASUSER 4242 4242 $SR --net filtered --allow-domain allowed.test --dns-upstream $WORLD_W_ADDR -- /bin/true" \
    "root=$ASUSER 0 0 $SR --net filtered --allow-domain allowed.test --dns-upstream $WORLD_W_ADDR -- /bin/true" \
    >"$OUT/rootless.txt" 2>&1 || note "interleave.py failed (see rootless.txt)"
# The supervisor's own view (setup_ms of sandbox.ready), one at a time.
$H python3 "$here/concurrent.py" "$OUT" 1 "$SETUP_RUNS" -- "$SR" --net none -- /bin/true >"$OUT/setup-none.json"
$H python3 "$here/concurrent.py" "$OUT" 1 "$SETUP_RUNS" -- "$SR" "${FILTERED[@]}" -- /bin/true >"$OUT/setup-filtered.json"

note "   data path: 1 GiB download and time to first byte, through the relay vs --net host"
truncate -s 1G "$OUT/blob"
ip netns exec "$NS_W" python3 "$here/transfer.py" serve 198.18.77.10 9000 "$OUT/blob" >"$OUT/transfer-server.log" 2>&1 &
started_pids+=($!)
cp "$here/transfer.py" "$WS/transfer.py"
for tries in $(seq 50); do $H python3 "$here/transfer.py" ttfb 198.18.77.10 9000 1 >/dev/null 2>&1 && break; sleep 0.1; done
for r in $(seq "$RUNS"); do
    $H "$SR" "${FILTERED[@]}" -- python3 transfer.py download allowed.test 9000 >"$OUT/download-filtered-$r.json" 2>"$OUT/download-filtered-$r.err" || true
    $H "$SR" --net host -- python3 transfer.py download 198.18.77.10 9000 >"$OUT/download-host-$r.json" 2>"$OUT/download-host-$r.err" || true
done
$H "$SR" "${FILTERED[@]}" -- python3 transfer.py ttfb allowed.test 9000 500 >"$OUT/ttfb-filtered.json" 2>"$OUT/ttfb-filtered.err" || true
$H "$SR" --net host -- python3 transfer.py ttfb 198.18.77.10 9000 500 >"$OUT/ttfb-host.json" 2>"$OUT/ttfb-host.err" || true
rm -f "$OUT/blob"

note "2/4 DNS: proxy vs dnsmasq --nftset ($RUNS runs x ${DNS_SECONDS}s each, unpaced and at $PACED_QPS QPS)"
# dnsperf inside the sandbox reads the proxy's address from the sandbox's
# own resolv.conf.
inside_dnsperf() { # extra dnsperf args...
    $H env STOCKADE_DNS_QPS=$BENCH_QPS_LIMIT "$SR" "${BENCH_FILTERED[@]}" -- \
        sh -c 'exec dnsperf -s "$(awk "/^nameserver/ {print \$2; exit}" /etc/resolv.conf)" -d queries.txt "$@"' dnsperf "$@"
}
peer_dnsperf() { # extra dnsperf args...
    ip netns exec "$NS_C" dnsperf -s "$WORLD_FWD_ADDR" -d queries.txt "$@"
}
# The ceiling both forwarders share: the upstream alone, queried from H.
$H dnsperf -s "$WORLD_W_ADDR" -d queries.txt -l "$DNS_SECONDS" >"$OUT/dns-upstream-max.txt" 2>&1 || true
python3 "$here/dnsperf_parse.py" "$OUT/dns-upstream-max.txt" "upstream alone" >"$OUT/dns-upstream-max.json"
for r in $(seq "$RUNS"); do
    # Interleaved, so drifting background load hits both alike.
    inside_dnsperf -l "$DNS_SECONDS" >"$OUT/dns-proxy-max-$r.txt" 2>&1 || true
    peer_dnsperf -l "$DNS_SECONDS" >"$OUT/dns-dnsmasq-max-$r.txt" 2>&1 || true
    inside_dnsperf -l "$DNS_SECONDS" -Q "$PACED_QPS" -v >"$OUT/dns-proxy-paced-$r.txt" 2>&1 || true
    peer_dnsperf -l "$DNS_SECONDS" -Q "$PACED_QPS" -v >"$OUT/dns-dnsmasq-paced-$r.txt" 2>&1 || true
    for kind in proxy-max dnsmasq-max proxy-paced dnsmasq-paced; do
        python3 "$here/dnsperf_parse.py" "$OUT/dns-$kind-$r.txt" "$kind" >"$OUT/dns-$kind-$r.json"
        # The per-query lines are only needed for the percentiles.
        grep -v '^> ' "$OUT/dns-$kind-$r.txt" >"$OUT/dns-$kind-$r.tmp" && mv "$OUT/dns-$kind-$r.tmp" "$OUT/dns-$kind-$r.txt"
    done
    note "   run $r/$RUNS: proxy $(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1])).get("qps",0)))' "$OUT/dns-proxy-max-$r.json") QPS, dnsmasq $(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1])).get("qps",0)))' "$OUT/dns-dnsmasq-max-$r.json") QPS"
done
# Sets filled by the peer (proof it inserted) and the tables left in H.
$H nft list set inet "$WORLD_NFT_TABLE" allow4 >"$OUT/dnsmasq-set.txt" 2>&1 || true

if [ "${NETBENCH_SKIP_PROFILE:-0}" != 1 ]; then
    note "   where the proxy's time goes: strace -c and perf of the supervisor (5 s each)"
    # Without -f: only the supervisor (it runs the proxy); dnsperf runs in
    # the sandbox, a child of the sandbox init, and is not traced.
    $H env STOCKADE_DNS_QPS=$BENCH_QPS_LIMIT strace -c -w -o "$OUT/proxy-strace-c.txt" "$SR" "${BENCH_FILTERED[@]}" -- \
        sh -c 'exec dnsperf -s "$(awk "/^nameserver/ {print \$2; exit}" /etc/resolv.conf)" -d queries.txt -l 5' \
        >"$OUT/proxy-strace-dnsperf.txt" 2>&1 || true
    python3 "$here/dnsperf_parse.py" "$OUT/proxy-strace-dnsperf.txt" "proxy under strace" >"$OUT/proxy-strace-dnsperf.json" || true
    if command -v perf >/dev/null; then
        $H env STOCKADE_DNS_QPS=$BENCH_QPS_LIMIT perf record -q -F 2000 -e cpu-clock -o "$OUT/perf.data" -- "$SR" "${BENCH_FILTERED[@]}" -- \
            sh -c 'exec dnsperf -s "$(awk "/^nameserver/ {print \$2; exit}" /etc/resolv.conf)" -d queries.txt -l 5' \
            >"$OUT/proxy-perf-dnsperf.txt" 2>&1 || true
        # Who used the CPU during the run (every process), then the
        # supervisor's own symbols.
        perf report -i "$OUT/perf.data" --stdio --sort comm,dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 >"$OUT/proxy-perf-comm.txt" || true
        perf report -i "$OUT/perf.data" --stdio --comm sandbox-run --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 >"$OUT/proxy-perf-sym.txt" || true
        rm -f "$OUT/perf.data" "$OUT/perf.data.old"
    fi
fi

note "3/4 $CONCURRENCY concurrent filtered sandboxes ($ROUNDS rounds) vs one at a time"
$H python3 "$here/concurrent.py" "$OUT" "$CONCURRENCY" "$ROUNDS" -- "$SR" "${FILTERED[@]}" -- getent hosts allowed.test \
    >"$OUT/concurrent-$CONCURRENCY.json"
$H python3 "$here/concurrent.py" "$OUT" 1 "$SETUP_RUNS" -- "$SR" "${FILTERED[@]}" -- getent hosts allowed.test \
    >"$OUT/concurrent-1.json"

note "4/4 leftovers"
{
    echo "## links in $NS_H"
    ip -n "$NS_H" -o link show | awk -F': ' '{print $2}'
    echo "## nft tables in $NS_H"
    $H nft list tables
    echo "## routes in $NS_H"
    ip -n "$NS_H" route
    echo "## ip_forward in $NS_H"
    ip netns exec "$NS_H" cat /proc/sys/net/ipv4/ip_forward
} >"$OUT/leftovers.txt" 2>&1

{
    echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "kernel=$(uname -r)"
    echo "cpus=$(nproc) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "dnsperf=$(dnsperf -h 2>&1 | awk '/^Version/ {print $2}')"
    echo "dnsmasq=$(dnsmasq --version | awk 'NR==1 {print $3}')"
    echo "hyperfine=$(hyperfine --version | awk '{print $2}')"
    echo "bwrap=$(bwrap --version | awk '{print $2}')"
    echo "sandbox_run=$SR"
    echo "world=$tag"
} >"$OUT/machine.txt"

python3 "$here/summarize.py" "$OUT" "$CONCURRENCY" "$NS_H" "$WORLD_NFT_TABLE" >"$OUT/summary.md"
cat "$OUT/summary.md"

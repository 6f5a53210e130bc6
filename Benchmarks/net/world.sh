# Sourced by Benchmarks/net/run.sh: a private three-namespace world for the
# egress benchmarks. Nothing here touches the machine's own network
# namespace: every link, address, route and nft rule is made inside a
# namespace created below (veths are created with `ip -n NS`, so even the
# pair's first end is born inside one), and world_down removes all of it.
#
#   W  "the internet": dnsmasq on 198.18.77.1 answering *.bench.test and
#      allowed.test from local records only (--no-resolv, --no-hosts).
#   H  "the host": default route via W; sandbox-run runs here (its sandboxes'
#      nft tables live in their own namespaces; nothing of theirs appears in
#      H), and so does the peer dnsmasq forwarder with an --nftset rule.
#   W also holds allowed.test's address (198.18.77.10) with a download and
#      time-to-first-byte server on port 9000 (transfer.py).
#   C  "a client": dnsperf against the peer forwarder, over a veth into H,
#      the same path a sandbox's queries take to the proxy.
#
# 198.18.0.0/15 is the benchmarking range (RFC 2544); nothing outside these
# namespaces routes to it, and H and C have no link to the real network.

WORLD_W_ADDR=198.18.77.1
WORLD_H_ADDR=198.18.77.2
WORLD_C_ADDR=198.18.78.2
WORLD_FWD_ADDR=198.18.78.1
WORLD_BENCH_NAMES=(www api cdn img static auth mail ftp)

world_pids=()
world_netns=()

world_up() { # tag outdir
    local tag=$1 out=$2
    NS_W="${tag}w" NS_H="${tag}h" NS_C="${tag}c"
    WORLD_NFT_TABLE="${tag}dm"
    for ns in "$NS_W" "$NS_H" "$NS_C"; do
        ip netns add "$ns"
        world_netns+=("$ns")
        ip -n "$ns" link set lo up
    done
    # W <-> H
    ip -n "$NS_W" link add "${tag}w0" type veth peer name "${tag}h0" netns "$NS_H"
    ip -n "$NS_W" addr add "$WORLD_W_ADDR/24" dev "${tag}w0"
    ip -n "$NS_W" link set "${tag}w0" up
    ip -n "$NS_H" addr add "$WORLD_H_ADDR/24" dev "${tag}h0"
    ip -n "$NS_H" link set "${tag}h0" up
    ip -n "$NS_H" route add default via "$WORLD_W_ADDR"
    # C <-> H
    ip -n "$NS_H" link add "${tag}h1" type veth peer name "${tag}c0" netns "$NS_C"
    ip -n "$NS_H" addr add "$WORLD_FWD_ADDR/30" dev "${tag}h1"
    ip -n "$NS_H" link set "${tag}h1" up
    ip -n "$NS_C" addr add "$WORLD_C_ADDR/30" dev "${tag}c0"
    ip -n "$NS_C" link set "${tag}c0" up
    ip -n "$NS_C" route add default via "$WORLD_FWD_ADDR"
    # The peer's forward chain (below) needs H to route; sandbox-run itself
    # never changes a sysctl.
    ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_forward=1
    ip -n "$NS_W" addr add 198.18.77.10/32 dev lo

    # The authoritative side. --local-ttl: dnsmasq's local answers default
    # to TTL 0; 300 s is a realistic TTL for both forwarders' set timeouts.
    local records=(--address=/allowed.test/198.18.77.10)
    local i=20 n
    for n in "${WORLD_BENCH_NAMES[@]}"; do
        records+=("--address=/$n.bench.test/198.18.77.$i")
        i=$((i + 1))
    done
    ip netns exec "$NS_W" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
        --listen-address="$WORLD_W_ADDR" --bind-interfaces --except-interface=lo \
        --local-ttl=300 --cache-size=0 --dns-forward-max=1000 --pid-file= \
        "${records[@]}" >"$out/dnsmasq-upstream.log" 2>&1 &
    world_pids+=($!)

    # The peer: dnsmasq forwarding to the same upstream, inserting every
    # answer into an nft set before replying, like the proxy. Its own table
    # in H, with a forward chain that consults the set the way the
    # sandbox's table does. --cache-size=0: without it dnsmasq answers
    # repeated names from its cache and neither forwards nor inserts.
    ip netns exec "$NS_H" nft -f - <<EOF
table inet $WORLD_NFT_TABLE {
    set allow4 { type ipv4_addr; flags timeout; timeout 5m; }
    chain forward {
        type filter hook forward priority 0; policy accept;
        iifname "${tag}h1" udp dport 53 accept
        iifname "${tag}h1" ip daddr @allow4 accept
        iifname "${tag}h1" drop
    }
}
EOF
    ip netns exec "$NS_H" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
        --listen-address="$WORLD_FWD_ADDR" --bind-interfaces --except-interface=lo \
        --server="$WORLD_W_ADDR" --cache-size=0 --dns-forward-max=1000 --pid-file= \
        --nftset="/bench.test/allowed.test/4#inet#$WORLD_NFT_TABLE#allow4" \
        >"$out/dnsmasq-forwarder.log" 2>&1 &
    world_pids+=($!)

    # Wait until both answer (dnsmasq binds within milliseconds).
    local tries
    for tries in $(seq 50); do
        if ip netns exec "$NS_C" python3 "$WORLD_HERE/dnsprobe.py" "$WORLD_FWD_ADDR" www.bench.test >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    echo "world: the peer forwarder does not answer" >&2
    return 1
}

world_down() {
    local pid ns
    for pid in "${world_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${world_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    world_pids=()
    for ns in "${world_netns[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    world_netns=()
}

#!/usr/bin/env bash
# The egress firewall, shown: a sandbox allowed only allowed.test fetches it,
# then fails to reach other.test by name, by address, and by naming it in the
# Host header of a connection to allowed.test's address; the DNS queries and
# refused connections it caused are printed as events.
#
# Everything happens in a private world (scripts/networld.sh): two network
# namespaces joined by one veth, no link to this machine's network. Packets
# never leave them; the world is removed on exit, whatever happens.
#
# usage: scripts/net-demo.sh [PATH-TO-sandbox-run]
set -euo pipefail
BIN="$(command -v "${1:-sandbox-run}" || true)"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" != 0 ]; then echo "net-demo: run as root (it creates network namespaces)"; exit 1; fi
if [ -z "$BIN" ]; then echo "net-demo: sandbox-run not found; pass its path: $0 .build/debug/sandbox-run"; exit 1; fi

NAME="demo$$"
WS="$(mktemp -d /tmp/stockade-netdemo-XXXXXX)"
EVENTS="$(mktemp /tmp/stockade-netdemo-events-XXXXXX.jsonl)"
ENVFILE="$(mktemp /tmp/stockade-netdemo-env-XXXXXX)"
cleanup() {
  "$HERE/networld.sh" down "$NAME" || echo "net-demo: world $NAME was not fully removed" >&2
  rm -rf "$WS" "$EVENTS" "$ENVFILE"
}
trap cleanup EXIT

echo "== building the world $NAME (namespaces world-$NAME and host-$NAME)"
"$HERE/networld.sh" up "$NAME" > "$ENVFILE"
# shellcheck disable=SC1090
. "$ENVFILE"
echo "   dnsmasq at $DNS; allowed.test -> $ALLOWED_IP, other.test -> $OTHER_IP"
chown 65534:65534 "$WS"

cat > "$WS/fetch.py" <<'PY'
import sys, urllib.request
# The last one connects to allowed.test's own address but names other.test in
# its Host header (domain fronting); the relay refuses it (host_mismatch).
for label, url, host in [("by allowed name", "http://allowed.test/", None),
                         ("by other name", "http://other.test/", None),
                         ("by bare address", "http://%s/" % sys.argv[1], None),
                         ("fronted by Host", "http://allowed.test/", "other.test")]:
    try:
        req = urllib.request.Request(url, headers={"Host": host} if host else {})
        with urllib.request.urlopen(req, timeout=3) as r:
            print("%-16s %-28s OK   %s" % (label, url, r.read().decode().strip()))
    except Exception as e:
        print("%-16s %-28s FAIL %s" % (label, url, getattr(e, "reason", e)))
PY
chown 65534:65534 "$WS/fetch.py"

echo
echo "== (in $HOST_NS) sandbox-run --net filtered --allow-domain allowed.test --dns-upstream $DNS -- python3 fetch.py"
echo
# Only what is asked from now on counts (networld asked allowed.test to check dnsmasq was up).
SEEN="$(wc -l < "$DNS_LOG")"
set +e
# nsenter enters only the network namespace (`ip netns exec` would also
# remount /sys and hide the cgroup hierarchies from the supervisor).
nsenter --net="/run/netns/$HOST_NS" "$BIN" --events "$EVENTS" --workspace "$WS" --actor demo/net \
  --net filtered --allow-domain allowed.test --dns-upstream "$DNS" \
  -- /usr/bin/python3 "$WS/fetch.py" "$OTHER_IP"
status=$?
set -e
echo
echo "== exit status: $status"
echo
echo "== what the world's resolver was asked (other.test must not appear):"
tail -n +"$((SEEN + 1))" "$DNS_LOG" | grep -o 'query\[[A-Z]*\] [^ ]*' || echo "   (nothing)"
echo
echo "== dns.query and net.denied events:"
grep -E '"type":"(dns\.query|net\.denied)"' "$EVENTS" || echo "   (none)"
echo
echo "== sandbox.end:"
grep -E '"type":"sandbox\.end"' "$EVENTS" || echo "   (none)"
echo
if tail -n +"$((SEEN + 1))" "$DNS_LOG" | grep -q 'other\.test'; then
  echo "== other.test reached the world's resolver: the wall fell"; exit 1
fi
echo "== other.test never reached the world's resolver"

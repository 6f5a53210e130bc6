#!/usr/bin/env bash
# A real sandboxed run: an "agent" in a workspace with a planted secret tries
# to climb the walls; the events it causes stream as JSON lines.
set -euo pipefail
BIN="${1:-sandbox-run}"
case "$BIN" in /*) ;; */*) BIN="$PWD/$BIN" ;; *) BIN="$(command -v "$BIN")" ;; esac
if [ "$(id -u)" != 0 ]; then echo "demo: run as root (it creates namespaces and cgroups)"; exit 1; fi

WS="$(mktemp -d /tmp/stockade-demo-XXXXXX)"
EVENTS="$(mktemp /tmp/stockade-demo-events-XXXXXX.jsonl)"
trap 'rm -rf "$WS" "$EVENTS"' EXIT
echo 'OPENAI_API_KEY=sk-demo-not-a-real-key' > "$WS/.env"
echo 'print("hello from the workspace")' > "$WS/app.py"
chown -R 65534:65534 "$WS"

# The "agent": a script in its workspace that tries every wall.
cat > "$WS/agent.sh" <<'AGENT'
echo "whoami:     uid=$(id -u) pid=$$ host=$(hostname)"
echo "workspace:  $(python3 app.py)"
echo "secret:     .env reads as [$(cat .env)]"
echo "token env:  [${DEMO_TOKEN:-absent}]"
touch /usr/bin/evil 2>/dev/null && echo "system:     WRITABLE (wall fell)" || echo "system:     /usr is read-only"
ls /root >/dev/null 2>&1 && echo "home:       /root VISIBLE (wall fell)" || echo "home:       /root is absent"
unshare -U true 2>/dev/null && echo "userns:     ESCAPED (wall fell)" || echo "userns:     unshare -U denied"
python3 -c 'import ctypes,os; l=ctypes.CDLL(None,use_errno=True); r=l.mount(b"x",b"/tmp",b"tmpfs",0,None); print("mount:      ", "denied", os.strerror(ctypes.get_errno())) if r else print("mount:      ALLOWED (wall fell)")'
grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr "\t" " " | sed "s/^/status:     /"
echo "writing:    $(echo ok > result.txt && echo result.txt written in the workspace)"
AGENT
chown 65534:65534 "$WS/agent.sh"

export DEMO_TOKEN="ghp_demo_token_that_must_not_leak"
echo "== sandbox-run --profile agent --memory 256m --pids-limit 128 --timeout 30s -- sh agent.sh"
echo
set +e
(cd "$WS" && "$BIN" --profile agent --workspace "$WS" --memory 256m --pids-limit 128 --timeout 30s \
  --events "$EVENTS" --actor demo/agent -- /bin/sh agent.sh)
status=$?
set -e
echo
echo "== exit status: $status; result on the host: $(cat "$WS/result.txt" 2>/dev/null || echo missing)"
echo
echo "== events ($EVENTS), one JSON object per line:"
cat "$EVENTS"
echo
if grep -q "ghp_demo_token_that_must_not_leak\|sk-demo-not-a-real-key" "$EVENTS"; then
  echo "== a secret leaked into the events: FAIL"; exit 1
fi
echo "== no secret appears in the events"
echo
echo "== sandbox-run report --format table $EVENTS"
"$BIN" report --format table "$EVENTS"
echo
echo "== sandbox-run verify $EVENTS (the hash chain links every line)"
"$BIN" verify "$EVENTS"

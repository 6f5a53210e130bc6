#!/usr/bin/env bash
# networld.sh up|down|status NAME — a private, self-contained "internet" for
# testing the egress firewall without touching any real network.
#
# Topology (nothing links to the machine's own network namespace):
#
#   host-NAME  (run sandbox-run here)          world-NAME (fake internet)
#   nw<id>h 198.18.K.2/30, fd00:K::2/64 <veth> nw<id>w 198.18.K.1/30, fd00:K::1/64
#   default routes via the world                dnsmasq on 198.18.K.1:53 (local records only)
#   listener on *:2222 ("the host's service")   on lo: 198.18.K.10-.13, 169.254.169.254, fd00:K:1::10
#                                               TCP 80 8443 853 9000, TLS 443, UDP echo 9001 on each
#                                               blackhole route 198.18.K.200 (a silent upstream)
#
# HTTPS is served with a CA made for this world ($STATE/ca.pem): clients trust
# it only where a test hands it over (curl --cacert inside a sandbox).
#
# 198.18.0.0/15 is the benchmarking range (never routed) and fd00::/8 is ULA.
# Both namespaces are created first and every link is created inside them
# (`ip -n`), so no address, route or link is ever made in the machine's own
# namespace. dnsmasq runs with --no-resolv and no --server: it cannot forward.
#
# `up` prints KEY=VALUE lines (also saved in $STATE/env) for scripts and tests.
# `down` kills only the PIDs it recorded (after checking they are still ours)
# and deletes both namespaces; it exits 1 if anything is left.
set -Eeuo pipefail

usage() { echo "usage: $0 up|down|status NAME   (NAME: [A-Za-z0-9_-], at most 40 chars)" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD="$1"; NAME="$2"
[[ "$NAME" =~ ^[A-Za-z0-9_-]{1,40}$ ]] || usage
[ "$(id -u)" = 0 ] || { echo "networld: must run as root (creates network namespaces)" >&2; exit 1; }

STATE_ROOT="${NETWORLD_STATE:-/tmp/stockade-networld}"
STATE="$STATE_ROOT/$NAME"
WNS="world-$NAME"
HNS="host-$NAME"
# Interface names must fit in 15 bytes; they live only inside our namespaces.
ID="$(printf '%s' "$NAME" | cksum | awk '{printf "%08x", $1}')"
HIF="nw${ID}h"
WIF="nw${ID}w"
# The third octet: any value works (each world is its own namespace); derive
# it from the name so the same world always gets the same addresses.
K="${NETWORLD_K:-$(( $(printf '%s' "$NAME" | cksum | awk '{print $1}') % 250 + 1 ))}"
PY=/usr/bin/python3

write_server() {
cat > "$STATE/world.py" <<'PYEOF'
#!/usr/bin/env python3
"""Fake internet servers and the probes used to test the firewall.

serve: TCP listeners that answer a recognizable banner (as an HTTP response
when the client speaks HTTP), UDP echo; every connection logged to a file.
dns:   one DNS query to a server (UDP or TCP); prints the answers.
probe: each argument one probe, one RESULT line each (used inside sandboxes):
       "tcp LABEL HOST PORT" "udp LABEL HOST PORT" "resolve LABEL NAME"
       "resolve6 LABEL NAME" "dns LABEL NAME SERVER" "dnstcp LABEL NAME SERVER"
       "getent LABEL NAME" "http LABEL URL" "sleep SECONDS"
       "hello LABEL HOST PORT SNI|- plain|ech" "tlsslow LABEL NAME HOST PORT CHUNK DELAY"
       "curl LABEL URL [NAME:PORT:ADDR]" "client LABEL wget|python|node|git|requests URL"
       "pip LABEL INDEX_URL" (pip download of the one wheel the HTTPS servers index)
       "hold LABEL HOST PORT N" "heldreset LABEL"
       "tcpuntilfail LABEL HOST PORT SECONDS" (the tcp probe every 0.2 s until it
       fails: "fail WHY after N", N the connections that got through first)
       "await LABEL PATH SECONDS" (until PATH exists: a test's go-ahead)
       "raw LABEL HOST PORT HEX" (these bytes as the first flight, then whatever comes back)
       "sameid LABEL NAME N" (N UDP sockets ask NAME under one ID at once; each must
       get its own answer on its own socket)
       "tcpmany LABEL NAME N STEP" (N TCP clients connected at once, every STEP-th asks)
       "idle LABEL NAME N" (N silent TCP clients; a new one must still be answered)
       A HOST of "@ns" means the first nameserver in /etc/resolv.conf.
"""
import errno, hashlib, io, os, random, resource, socket, ssl, struct, subprocess, sys, threading, time, urllib.request, zipfile

TIMEOUT = float(os.environ.get("PROBE_TIMEOUT", "3"))
HERE = os.path.dirname(os.path.abspath(__file__))
CA = os.path.join(HERE, "ca.pem")

def banner(proto, addr, port):
    return "WORLD %s %s %s" % (proto, addr, port)

# A tiny PEP 503 index served over HTTPS for pip: /simple/stkdemo/ links the
# one wheel /packages/stkdemo-1.0-py3-none-any.whl with its sha256 (which pip
# checks, so a download that succeeds carried the server's bytes intact).
WHEEL_NAME = "stkdemo-1.0-py3-none-any.whl"

def make_wheel():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("stkdemo/__init__.py", "WORLD = 'stkdemo'\n")
        z.writestr("stkdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: stkdemo\nVersion: 1.0\n")
        z.writestr("stkdemo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: networld\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("stkdemo-1.0.dist-info/RECORD", "")
    return buf.getvalue()

def index_response(first, wheel):
    """The index's reply to a GET under /simple/ or /packages/; None otherwise."""
    parts = first.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or parts[0] != b"GET": return None
    path = parts[1].decode(errors="replace").split("?")[0]
    if path.startswith("/simple/"):
        if path.rstrip("/") != "/simple/stkdemo":
            return b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        body = ('<!DOCTYPE html><html><body><a href="/packages/%s#sha256=%s">%s</a></body></html>\n'
                % (WHEEL_NAME, hashlib.sha256(wheel).hexdigest(), WHEEL_NAME)).encode()
        kind = b"text/html"
    elif path == "/packages/" + WHEEL_NAME:
        body, kind = wheel, b"application/octet-stream"
    else:
        return None
    return b"HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (kind, len(body)) + body

def serve(args):
    log_path, ready_path, specs = args[0], args[1], args[2:]
    lock = threading.Lock()
    log = open(log_path, "a", buffering=1)
    def note(line):
        with lock:
            log.write(line + "\n"); log.flush()
    def split(spec):
        proto, rest = spec.split(":", 1)
        addr, port = rest.rsplit(":", 1)
        return proto, addr.strip("[]"), int(port)
    def handle(conn, addr, port):
        try:
            conn.settimeout(1.0)
            try:
                first = conn.recv(4096)
            except socket.timeout:
                first = b""
            text = banner("tcp", addr, port)
            if first[:4] in (b"GET ", b"HEAD", b"POST"):
                body = (text + "\n").encode()
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                conn.sendall((text + "\n").encode())
        except OSError:
            pass
        finally:
            conn.close()
    def tcp_loop(sock, addr, port):
        while True:
            conn, peer = sock.accept()
            note("tcp %s %d from %s" % (addr, port, peer[0]))
            threading.Thread(target=handle, args=(conn, addr, port), daemon=True).start()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.path.join(HERE, "server.pem"), os.path.join(HERE, "server.key"))
    def remember_sni(sslsock, name, ctx):
        sslsock.stk_sni = name
    tls.sni_callback = remember_sni
    wheel = make_wheel()
    def handle_tls(conn, addr, port, peer):
        try:
            conn.settimeout(5.0)
            s = tls.wrap_socket(conn, server_side=True)
            note("tls %s %d from %s sni=%s" % (addr, port, peer, getattr(s, "stk_sni", None) or "-"))
            first = s.recv(4096)
            text = "WORLD tls %s %d %s" % (addr, port, getattr(s, "stk_sni", None) or "-")
            index = index_response(first, wheel)
            if index is not None:
                s.sendall(index)
            elif first[:4] in (b"GET ", b"HEAD", b"POST"):
                body = (text + "\n").encode()
                s.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                s.sendall((text + "\n").encode())
            s.close()
        except (OSError, ssl.SSLError) as e:
            note("tlsfail %s %d from %s %s" % (addr, port, peer, type(e).__name__))
            conn.close()
    def tls_loop(sock, addr, port):
        while True:
            conn, peer = sock.accept()
            note("tcp %s %d from %s" % (addr, port, peer[0]))
            threading.Thread(target=handle_tls, args=(conn, addr, port, peer[0]), daemon=True).start()
    def udp_loop(sock, addr, port):
        while True:
            data, peer = sock.recvfrom(2048)
            note("udp %s %d from %s" % (addr, port, peer[0]))
            sock.sendto((banner("udp", addr, port) + " ").encode() + data, peer)
    for spec in specs:
        proto, addr, port = split(spec)
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        if proto in ("tcp", "tls"):
            s.listen(64)
            threading.Thread(target=tcp_loop if proto == "tcp" else tls_loop, args=(s, addr, port), daemon=True).start()
        else:
            threading.Thread(target=udp_loop, args=(s, addr, port), daemon=True).start()
    with open(ready_path, "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        time.sleep(3600)

def dns_packet(name, qid, qtype="A"):
    """A recursive query for NAME (class IN) under ID qid."""
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", {"A": 1, "AAAA": 28}[qtype], 1)

def framed(q):
    """A DNS message with its TCP length prefix."""
    return struct.pack(">H", len(q)) + q

def read_framed(s):
    """One length-prefixed DNS message from a TCP socket."""
    data = b""
    while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
        chunk = s.recv(4096)
        if not chunk: raise OSError(errno.ECONNRESET, "short TCP DNS reply")
        data += chunk
    return data[2:]

def answered(resp, qid):
    """Whether resp answers query qid: same ID, a response, NOERROR, at least one record."""
    if len(resp) < 12: return False
    rid, flags, _, an, _, _ = struct.unpack(">HHHHHH", resp[:12])
    return rid == qid and bool(flags & 0x8000) and flags & 0xF == 0 and an > 0

def dns_query(name, server, tcp=False, qtype="A"):
    """Returns (rcode, [addresses]); raises OSError when no answer comes."""
    q = dns_packet(name, random.randrange(65536), qtype)
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    if tcp:
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(TIMEOUT)
        s.connect((server, 53)); s.sendall(framed(q))
        resp = read_framed(s)
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(TIMEOUT)
        s.sendto(q, (server, 53)); resp, _ = s.recvfrom(4096)
    s.close()
    rid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", resp[:12])
    pos = 12
    def skip_name(p):
        while True:
            n = resp[p]
            if n == 0: return p + 1
            if n & 0xC0 == 0xC0: return p + 2
            p += 1 + n
    for _ in range(qd): pos = skip_name(pos) + 4
    out = []
    for _ in range(an):
        pos = skip_name(pos)
        t, _, _, ln = struct.unpack(">HHIH", resp[pos:pos + 10]); pos += 10
        rdata = resp[pos:pos + ln]; pos += ln
        if t == 1: out.append(socket.inet_ntop(socket.AF_INET, rdata))
        if t == 28: out.append(socket.inet_ntop(socket.AF_INET6, rdata))
    return flags & 0xF, out

class Repeated(Exception):
    """The failure that ended a repeated probe, after `count` successes."""
    def __init__(self, inner, count):
        super().__init__(str(inner)); self.inner, self.count = inner, count

def why(e):
    if isinstance(e, Repeated): return "%s after %d" % (why(e.inner), e.count)
    if isinstance(e, socket.timeout): return "timeout"
    if isinstance(e, socket.gaierror): return "gaierror:%d" % e.errno
    if isinstance(e, OSError) and e.errno: return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__

def client_hello(sni, ech=False):
    """A well-formed TLS 1.3 ClientHello record; sni None: no server_name;
    ech: with an encrypted_client_hello extension (0xfe0d)."""
    exts = b""
    if sni is not None:
        n = sni.encode(); entry = b"\x00" + struct.pack(">H", len(n)) + n
        lst = struct.pack(">H", len(entry)) + entry
        exts += struct.pack(">HH", 0, len(lst)) + lst
    exts += struct.pack(">HH", 43, 3) + b"\x02\x03\x04"
    exts += struct.pack(">HH", 10, 4) + b"\x00\x02\x00\x1d"
    exts += struct.pack(">HH", 13, 4) + b"\x00\x02\x04\x03"
    ks = b"\x00\x1d" + struct.pack(">H", 32) + os.urandom(32); ksl = struct.pack(">H", len(ks)) + ks
    exts += struct.pack(">HH", 51, len(ksl)) + ksl
    if ech:
        payload = b"\x00\x00\x01\x00\x01\x07" + struct.pack(">H", 32) + os.urandom(32) + struct.pack(">H", 128) + os.urandom(128)
        exts += struct.pack(">HH", 0xfe0d, len(payload)) + payload
    body = b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32) + b"\x00\x02\x13\x01\x01\x00" + struct.pack(">H", len(exts)) + exts
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs

def tls_chunked(name, host, port, chunk, delay):
    """A real TLS handshake whose ClientHello leaves in `chunk`-byte TCP
    segments `delay` seconds apart; then GET / and the reply."""
    ctx = ssl.create_default_context(cafile=CA)
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inb, outb, server_hostname=name)
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try: obj.do_handshake()
    except ssl.SSLWantReadError: pass
    hello = outb.read()
    for i in range(0, len(hello), chunk):
        s.sendall(hello[i:i + chunk]); time.sleep(delay)
    while True:
        try:
            obj.do_handshake(); break
        except ssl.SSLWantReadError:
            pending = outb.read()
            if pending: s.sendall(pending)
            data = s.recv(65536)
            if not data: raise OSError(errno.ECONNRESET, "closed during handshake")
            inb.write(data)
    pending = outb.read()
    if pending: s.sendall(pending)
    obj.write(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % name).encode()); s.sendall(outb.read())
    out = b""
    while True:
        try:
            out += obj.read(65536)
        except ssl.SSLWantReadError:
            data = s.recv(65536)
            if not data: break
            inb.write(data)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    s.close()
    return out.decode(errors="replace").strip().split("\n")[-1]

def nameserver():
    with open("/etc/resolv.conf") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return parts[1]
    raise OSError(errno.ENOENT, "no nameserver in /etc/resolv.conf")

HELD = []

def count_closed(socks, seconds):
    """How many of socks the far end closes or resets within seconds (all
    waited on against one deadline)."""
    closed, deadline = 0, time.monotonic() + seconds
    for s in socks:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            if s.recv(1) == b"": closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    return closed

def first_flight(host, port, payload):
    """payload as a connection's first flight; the size of whatever comes back."""
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(payload)
    got = s.recv(4096); s.close()
    if not got: raise OSError(errno.ECONNRESET, "closed")
    return "%d bytes" % len(got)

def same_id(name, n):
    """n UDP sockets ask name under one ID at once; how many got their own answer."""
    ns, qid = nameserver(), 0x4242
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks: s.sendto(dns_packet(name, qid), (ns, 53))
    good = 0
    for s in socks:
        s.settimeout(TIMEOUT)
        try:
            if answered(s.recvfrom(4096)[0], qid): good += 1
        except socket.timeout:
            pass
        s.close()
    return "%d of %d answered" % (good, n)

def tcp_many(name, n, step):
    """n TCP clients connected at once; then every step-th asks once (within
    the sandbox's burst of 200 queries; the rest would be rate-limited).
    Every asker must get its own answer while all n are still connected."""
    ns = nameserver()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    askers = set(range(0, n, step)) | {n - 1}
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((ns, 53))
        socks.append(s)
        if i in askers: s.sendall(framed(dns_packet(name, i)))
    askers = sorted(askers)
    good, deadline = 0, time.monotonic() + 20
    for i in askers:
        socks[i].settimeout(max(0.1, deadline - time.monotonic()))
        try:
            if answered(read_framed(socks[i]), i): good += 1
        except OSError:
            pass
    # The silent ones are still connected: none was refused or dropped to make room.
    still = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1, socket.MSG_PEEK) != b"": still += 1
        except BlockingIOError:
            still += 1
        except OSError:
            pass
    for s in socks: s.close()
    return "%d connected; %d of %d answered" % (still, good, len(askers))

def idle_clients(name, n):
    """n TCP clients that connect and say nothing; a new client must still be
    answered, and the idle ones closed."""
    ns = nameserver()
    idle = [socket.create_connection((ns, 53), timeout=10) for _ in range(n)]
    rcode, addrs = dns_query(name, ns, tcp=True)
    if rcode != 0 or not addrs: raise OSError(errno.EIO, "rcode=%d" % rcode)
    closed = count_closed(idle, 30)
    for s in idle: s.close()
    return "answered; %d of %d idle closed" % (closed, n)

def tcp_once(host, port):
    """Connects, says HELLO, returns the server's banner."""
    info = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(info[0], socket.SOCK_STREAM); s.settimeout(TIMEOUT)
    s.connect(info[4]); s.sendall(b"HELLO\n")
    got = s.recv(200).decode(errors="replace").strip(); s.close()
    if not got: raise OSError(errno.ECONNRESET, "no banner")
    return got

def probe(args):
    for spec in args:
        parts = spec.split()
        kind, rest = parts[0], parts[1:]
        if kind == "sleep":
            time.sleep(float(rest[0])); continue
        label = rest[0]
        try:
            rest = [nameserver() if a == "@ns" else a for a in rest]
            if kind == "tcp":
                detail = tcp_once(rest[1], int(rest[2]))
            elif kind == "tcpuntilfail":
                host, port, deadline = rest[1], int(rest[2]), time.monotonic() + float(rest[3])
                count = 0
                while True:
                    try:
                        tcp_once(host, port)
                    except Exception as e:
                        raise Repeated(e, count)
                    count += 1
                    if time.monotonic() > deadline: break
                    time.sleep(0.2)
                detail = "%d" % count
            elif kind == "await":
                path, deadline = rest[1], time.monotonic() + float(rest[2])
                while not os.path.exists(path):
                    if time.monotonic() > deadline: raise socket.timeout()
                    time.sleep(0.02)
                detail = "go"
            elif kind == "udp":
                host, port = rest[1], int(rest[2])
                info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
                s = socket.socket(info[0], socket.SOCK_DGRAM); s.settimeout(TIMEOUT)
                s.sendto(b"ping", info[4]); detail = s.recvfrom(200)[0].decode(errors="replace"); s.close()
            elif kind in ("resolve", "resolve6"):
                fam = socket.AF_INET6 if kind == "resolve6" else socket.AF_INET
                addrs = sorted({i[4][0] for i in socket.getaddrinfo(rest[1], None, fam)})
                detail = ",".join(addrs)
            elif kind in ("dns", "dnstcp"):
                rcode, addrs = dns_query(rest[1], rest[2], tcp=(kind == "dnstcp"))
                detail = "rcode=%d %s" % (rcode, ",".join(addrs))
            elif kind == "getent":
                r = subprocess.run(["getent", "hosts", rest[1]], capture_output=True, text=True, timeout=3 * TIMEOUT)
                if r.returncode != 0: raise OSError(errno.ENOENT, "getent status %d" % r.returncode)
                detail = " ".join(r.stdout.split())
            elif kind == "hello":
                # hello LABEL HOST PORT SNI|- plain|ech: a crafted ClientHello, then whatever comes back.
                sni, flavor = rest[3], rest[4]
                detail = first_flight(rest[1], int(rest[2]), client_hello(None if sni == "-" else sni, ech=(flavor == "ech")))
            elif kind == "raw":
                # raw LABEL HOST PORT HEX: these bytes as the first flight.
                detail = first_flight(rest[1], int(rest[2]), bytes.fromhex(rest[3]))
            elif kind == "sameid":
                detail = same_id(rest[1], int(rest[2]))
            elif kind == "tcpmany":
                detail = tcp_many(rest[1], int(rest[2]), int(rest[3]))
            elif kind == "idle":
                detail = idle_clients(rest[1], int(rest[2]))
            elif kind == "tlsslow":
                # tlsslow LABEL NAME HOST PORT CHUNK DELAY
                detail = tls_chunked(rest[1], rest[2], int(rest[3]), int(rest[4]), float(rest[5]))
            elif kind == "hold":
                # hold LABEL HOST PORT N: N connections that never send a byte, kept open.
                host, port, n = rest[1], int(rest[2]), int(rest[3])
                for _ in range(n):
                    HELD.append(socket.create_connection((host, port), timeout=TIMEOUT))
                detail = "%d open" % n
            elif kind == "heldreset":
                # heldreset LABEL: how many held connections the far end closed or reset.
                detail = "%d of %d closed" % (count_closed(HELD, 20), len(HELD))
            elif kind == "client":
                # client LABEL wget|python|node|git URL: another real client, trusting the world's CA.
                tool, url = rest[1], rest[2]
                env = dict(os.environ, NODE_EXTRA_CA_CERTS=CA, SSL_CERT_FILE=CA)
                if tool == "python":
                    import ssl as _ssl
                    with urllib.request.urlopen(url, timeout=TIMEOUT, context=_ssl.create_default_context(cafile=CA)) as r:
                        detail = r.read().decode(errors="replace").strip()
                elif tool == "requests":
                    import requests
                    r = requests.get(url, timeout=TIMEOUT, verify=CA)
                    r.raise_for_status()
                    detail = r.text.strip()
                else:
                    argv = {"wget": ["wget", "-q", "-O", "-", "--tries=1", "--timeout=%d" % TIMEOUT, "--ca-certificate", CA, url],
                            "node": ["node", "-e", "fetch(process.argv[1]).then(r=>r.text()).then(t=>console.log(t.trim()))"
                                     ".catch(e=>{console.error(String(e.cause||e));process.exit(1)})", url],
                            "git": ["git", "-c", "http.sslCAInfo=" + CA, "ls-remote", url]}[tool]
                    r = subprocess.run(argv, capture_output=True, text=True, timeout=5 * TIMEOUT, env=env)
                    out = (r.stdout + r.stderr).strip()
                    # git reached the server when it complains about what it got back.
                    if tool == "git" and "not valid" in out: out = "WORLD reached: " + out.splitlines()[-1][:60]
                    elif r.returncode != 0: raise OSError(errno.EIO, "%s %d %s" % (tool, r.returncode, out[:80]))
                    detail = out.splitlines()[-1] if out else ""
            elif kind == "pip":
                # pip LABEL INDEX_URL: pip's own TLS client fetches the index and
                # the wheel (hash-checked) into a fresh directory; no proxy, no cache.
                dest = os.path.join(HERE, "pip-" + label)
                argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
                        "--no-input", "--retries", "0", "--timeout", str(int(TIMEOUT)), "--cert", CA,
                        "--index-url", rest[1], "-d", dest, "stkdemo"]
                env = dict(os.environ, HOME=HERE, PIP_CONFIG_FILE=os.devnull)
                r = subprocess.run(argv, capture_output=True, text=True, timeout=10 * TIMEOUT, env=env)
                if r.returncode != 0:
                    raise OSError(errno.EIO, "pip %d %s" % (r.returncode, (r.stdout + r.stderr).strip().splitlines()[-1:]))
                detail = "WORLD pip " + " ".join(sorted(os.listdir(dest)))
            elif kind == "curl":
                # curl LABEL URL [NAME:PORT:ADDR]: curl with the world's CA, optionally --resolve.
                argv = ["curl", "-sS", "--fail", "--max-time", str(TIMEOUT), "--cacert", CA, rest[1]]
                if len(rest) > 2: argv += ["--resolve", rest[2]]
                r = subprocess.run(argv, capture_output=True, text=True, timeout=3 * TIMEOUT)
                if r.returncode != 0: raise OSError(errno.EIO, "curl %d %s" % (r.returncode, r.stderr.strip()[:80]))
                detail = r.stdout.strip()
            elif kind == "http":
                with urllib.request.urlopen(rest[1], timeout=TIMEOUT) as r:
                    detail = r.read().decode(errors="replace").strip()
            else:
                print("RESULT %s fail unknown-probe" % label, flush=True); continue
            print("RESULT %s ok %s" % (label, detail), flush=True)
        except Exception as e:
            print("RESULT %s fail %s" % (label, why(e)), flush=True)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve": serve(args)
    elif cmd == "probe": probe(args)
    elif cmd == "dns":
        tcp = "--tcp" in args; args = [a for a in args if a != "--tcp"]
        try:
            rcode, addrs = dns_query(args[0], args[1], tcp=tcp, qtype=args[2] if len(args) > 2 else "A")
            print("rcode=%d %s" % (rcode, " ".join(addrs)))
        except Exception as e:
            print("fail %s" % why(e)); sys.exit(1)
    else:
        sys.exit("unknown command " + cmd)
PYEOF
}

# A CA for this world only, and one server certificate for every name in it.
make_ca() {
  # P-256 keys: every client in the tests speaks ECDSA, and an RSA-2048 key
  # pair costs about a second of CPU per world on a loaded machine.
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  openssl req -x509 "${ec[@]}" -nodes -days 2 -subj "/CN=networld $NAME CA" \
    -keyout "$STATE/ca.key" -out "$STATE/ca.pem" >/dev/null 2>&1
  openssl req "${ec[@]}" -nodes -subj "/CN=allowed.test" -keyout "$STATE/server.key" -out "$STATE/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:allowed.test,DNS:other.test,DNS:alias.test,DNS:*.wild.test,DNS:short.test,DNS:v6.test\n' > "$STATE/san.ext"
  openssl x509 -req -in "$STATE/server.csr" -CA "$STATE/ca.pem" -CAkey "$STATE/ca.key" -CAcreateserial -days 2 \
    -extfile "$STATE/san.ext" -out "$STATE/server.pem" >/dev/null 2>&1
  chmod 644 "$STATE/ca.pem" "$STATE/server.pem"
}

# A recorded PID is killed only while its command line still names our state
# directory: a recycled PID belonging to someone else is never touched.
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$STATE"; }

stop_recorded() {
  local f pid
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    if ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 30); do
    local alive=0
    for f in "$STATE"/*.pid; do
      [ -e "$f" ] || continue
      pid="$(cat "$f")"; if ours "$pid"; then alive=1; fi
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

down() {
  stop_recorded
  ip netns del "$WNS" 2>/dev/null || true
  ip netns del "$HNS" 2>/dev/null || true
  local left=""
  ip netns list | awk '{print $1}' | grep -qxF "$WNS" && left="$left netns:$WNS"
  ip netns list | awk '{print $1}' | grep -qxF "$HNS" && left="$left netns:$HNS"
  if [ -d "$STATE" ]; then
    for f in "$STATE"/*.pid; do
      [ -e "$f" ] || continue
      pid="$(cat "$f")"; if ours "$pid"; then left="$left pid:$pid"; fi
    done
    [ -z "$left" ] && rm -rf "$STATE"
  fi
  if [ -n "$left" ]; then echo "networld: left behind:$left" >&2; return 1; fi
  return 0
}

start_bg() { # NAME NETNS CMD... ; `ip netns exec` execs, so $! is the daemon itself
  local tag="$1" ns="$2"; shift 2
  # Daemons must not inherit our caller's descriptors: a parent waiting for
  # EOF on a pipe or socket it gave us (Foundation's Process does) would
  # otherwise wait for the daemons too. 255 is bash's own script descriptor.
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-"; fi
    done
    exec ip netns exec "$ns" "$@"
  ) >"$STATE/$tag.out" 2>&1 </dev/null &
  echo $! > "$STATE/$tag.pid"
}

wait_for() { # SECONDS CMD... ; poll until CMD succeeds
  local limit="$1"; shift
  local i
  for i in $(seq 1 $((limit * 20))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

up() {
  if [ -e "$STATE" ] || ip netns list | awk '{print $1}' | grep -qxF -e "$WNS" -e "$HNS"; then
    echo "networld: $NAME already exists (run: $0 down $NAME)" >&2; exit 1
  fi
  command -v dnsmasq >/dev/null || { echo "networld: dnsmasq not found (apt-get install dnsmasq-base)" >&2; exit 1; }
  [ -x "$PY" ] || { echo "networld: $PY not found" >&2; exit 1; }
  mkdir -p "$STATE"; chmod 755 "$STATE_ROOT" "$STATE"
  trap 'echo "networld: up failed; tearing down" >&2; down || true' ERR
  write_server; chmod 755 "$STATE/world.py"
  make_ca

  ip netns add "$WNS"
  ip netns add "$HNS"
  # The veth is born inside host-NAME with its peer moved straight into
  # world-NAME: it never exists in the machine's own namespace.
  ip -n "$HNS" link add "$HIF" type veth peer name "$WIF" netns "$WNS"
  for ns in "$WNS" "$HNS"; do ip -n "$ns" link set lo up; done

  ip -n "$WNS" addr add "198.18.$K.1/30" dev "$WIF"
  ip -n "$WNS" addr add "fd00:$K::1/64" dev "$WIF" nodad
  ip -n "$WNS" link set "$WIF" up
  for a in 10 11 12 13; do ip -n "$WNS" addr add "198.18.$K.$a/32" dev lo; done
  ip -n "$WNS" addr add 169.254.169.254/32 dev lo
  ip -n "$WNS" addr add "fd00:$K:1::10/128" dev lo nodad
  # A silent upstream: nobody holds .200 and the world drops what is sent to
  # it without a word. Without this route that would hold only while the
  # world does not forward (ip_forward=0, inherited from the machine); one
  # that forwards would answer ICMP unreachable instead.
  ip -n "$WNS" route add blackhole "198.18.$K.200/32"

  ip -n "$HNS" addr add "198.18.$K.2/30" dev "$HIF"
  ip -n "$HNS" addr add "fd00:$K::2/64" dev "$HIF" nodad
  ip -n "$HNS" link set "$HIF" up
  ip -n "$HNS" route add default via "198.18.$K.1"
  ip -n "$HNS" -6 route add default via "fd00:$K::1"
  # A host that routes IPv6 (as a Docker host does): if a sandbox ever got an
  # IPv6 path, packets would really get through, so the v6 wall is tested.
  ip netns exec "$HNS" sysctl -qw net.ipv6.conf.all.forwarding=1

  local specs=() a p
  for a in "198.18.$K.10" "198.18.$K.11" "198.18.$K.12" "198.18.$K.13" 169.254.169.254 "[fd00:$K:1::10]"; do
    for p in 80 8443 853 9000; do specs+=("tcp:$a:$p"); done
    specs+=("tls:$a:443")
    specs+=("udp:$a:9001")
  done
  start_bg server "$WNS" "$PY" "$STATE/world.py" serve "$STATE/server.log" "$STATE/server.ready" "${specs[@]}"
  start_bg hostsvc "$HNS" "$PY" "$STATE/world.py" serve "$STATE/host.log" "$STATE/hostsvc.ready" \
    "tcp:0.0.0.0:2222" "tcp:[::]:2222" "udp:0.0.0.0:2222"

  : > "$STATE/dns.log"
  # --conf-file=/dev/null: no system config; --no-resolv and no --server: no
  # upstream at all, only the records below. --local-ttl: dnsmasq's default
  # TTL for local records is 0, which would make every answer expire at once.
  start_bg dnsmasq "$WNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
    --user=root --group=root --no-resolv --no-hosts --no-negcache \
    --bind-interfaces --listen-address="198.18.$K.1" --port=53 \
    --log-queries=extra --log-facility="$STATE/dns.log" --local-ttl=300 \
    --host-record="allowed.test,198.18.$K.10" \
    --host-record="other.test,198.18.$K.11" \
    --host-record="short.test,198.18.$K.12,2" \
    --host-record="v6.test,fd00:$K:1::10" \
    --host-record="dual.test,198.18.$K.10,fd00:$K:1::10" \
    --host-record="a.wild.test,198.18.$K.10" \
    --host-record="b.wild.test,198.18.$K.11" \
    --host-record="hostself.test,198.18.$K.2" \
    --cname="alias.test,allowed.test" \
    --address="/rebind.test/127.0.0.1" \
    --address="/meta.test/169.254.169.254" \
    --address="/exfil.test/198.18.$K.13"

  wait_for 10 test -s "$STATE/server.ready" || { echo "networld: fake servers did not start: $(cat "$STATE/server.out")" >&2; false; }
  wait_for 10 test -s "$STATE/hostsvc.ready" || { echo "networld: host listener did not start: $(cat "$STATE/hostsvc.out")" >&2; false; }
  wait_for 10 ip netns exec "$HNS" "$PY" "$STATE/world.py" dns allowed.test "198.18.$K.1" \
    || { echo "networld: dnsmasq does not answer: $(cat "$STATE/dnsmasq.out")" >&2; false; }
  trap - ERR

  cat > "$STATE/env" <<EOF
NAME=$NAME
STATE=$STATE
K=$K
WORLD_NS=$WNS
HOST_NS=$HNS
HOST_IF=$HIF
WORLD_IF=$WIF
DNS=198.18.$K.1
HOST_ADDR=198.18.$K.2
ALLOWED_IP=198.18.$K.10
OTHER_IP=198.18.$K.11
SHORT_IP=198.18.$K.12
EXFIL_IP=198.18.$K.13
METADATA_IP=169.254.169.254
SILENT_IP=198.18.$K.200
V6_IP=fd00:$K:1::10
HOST_PORT=2222
PROBE=$STATE/world.py
CA=$STATE/ca.pem
DNS_LOG=$STATE/dns.log
SERVER_LOG=$STATE/server.log
HOST_LOG=$STATE/host.log
SERVER_PID=$(cat "$STATE/server.pid")
HOSTSVC_PID=$(cat "$STATE/hostsvc.pid")
DNSMASQ_PID=$(cat "$STATE/dnsmasq.pid")
EOF
  cat "$STATE/env"
}

status() {
  [ -f "$STATE/env" ] && cat "$STATE/env"
  for ns in "$WNS" "$HNS"; do
    echo "== $ns"; ip -n "$ns" -br addr 2>/dev/null || echo "(absent)"
  done
}

case "$CMD" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac

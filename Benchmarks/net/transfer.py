#!/usr/bin/env python3
"""Data-path figures for the egress relay (Benchmarks/net/run.sh).

serve ADDR PORT FILE      in the world: each connection either gets FILE
                          (sendfile) when it sends "D", or one byte back per
                          byte it sends ("T": time-to-first-byte probes).
download HOST PORT        one download of the whole file; prints JSON
                          {"bytes", "seconds", "gib_per_s"}.
ttfb HOST PORT N          N sequential connections, each timed from connect()
                          to the first byte of the answer; prints JSON with
                          the median and p90 in ms.
"""
import json, os, socket, statistics, sys, threading, time

def serve(addr, port, path):
    size = os.path.getsize(path)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port))); s.listen(256)
    def handle(c):
        try:
            kind = c.recv(1)
            if kind == b"D":
                with open(path, "rb") as f:
                    sent = 0
                    while sent < size:
                        n = c.sendfile(f, sent, size - sent)
                        if not n: break
                        sent += n
            elif kind == b"T":
                c.sendall(b"t")
        except OSError:
            pass
        finally:
            c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()

def connect(host, port):
    info = socket.getaddrinfo(host, int(port), 0, socket.SOCK_STREAM)[0]
    s = socket.socket(info[0], socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect(info[4])
    return s

def download(host, port):
    buf = bytearray(1 << 20); view = memoryview(buf)
    start = time.monotonic()
    s = connect(host, port); s.sendall(b"D")
    total = 0
    while True:
        n = s.recv_into(view)
        if not n: break
        total += n
    secs = time.monotonic() - start
    print(json.dumps({"bytes": total, "seconds": secs, "gib_per_s": total / secs / (1 << 30)}))

def ttfb(host, port, n):
    # Resolve once: only the connection is timed.
    info = socket.getaddrinfo(host, int(port), 0, socket.SOCK_STREAM)[0]
    times = []
    for _ in range(int(n)):
        s = socket.socket(info[0], socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.monotonic()
        s.connect(info[4]); s.sendall(b"T"); s.recv(1)
        times.append((time.monotonic() - t0) * 1000)
        s.close()
    times.sort()
    print(json.dumps({"n": len(times), "median_ms": statistics.median(times), "p90_ms": times[int(len(times) * 0.9) - 1]}))

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": serve, "download": download, "ttfb": ttfb}[cmd](*args)

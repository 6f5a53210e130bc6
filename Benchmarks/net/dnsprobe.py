#!/usr/bin/env python3
"""One A query over UDP: exits 0 when SERVER answers NAME with an address.

Used to wait for the benchmark world's dnsmasq instances to come up, and
to check a forwarder works before it is measured. Only ever pointed at
addresses inside the benchmark's own network namespaces.

    dnsprobe.py SERVER NAME [PORT]
"""
import socket
import struct
import sys


def query(server: str, name: str, port: int = 53, timeout: float = 0.5) -> list[str]:
    qid = 0x5EED
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (server, port))
        reply, _ = s.recvfrom(4096)
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", reply[:12])
    if rid != qid or flags & 0x000F:
        return []
    pos = 12 + len(question) + 4
    out = []
    for _ in range(an):
        # Answers name the question by a compression pointer (2 bytes).
        while reply[pos] not in (0,) and reply[pos] & 0xC0 != 0xC0:
            pos += reply[pos] + 1
        pos += 2 if reply[pos] & 0xC0 == 0xC0 else 1
        rtype, _, _, rdlen = struct.unpack("!HHIH", reply[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(reply[pos:pos + 4]))
        pos += rdlen
    return out


if __name__ == "__main__":
    addresses = query(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 53)
    print(" ".join(addresses))
    sys.exit(0 if addresses else 1)

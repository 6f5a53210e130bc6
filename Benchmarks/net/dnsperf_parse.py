#!/usr/bin/env python3
"""Turns dnsperf 2.x output into one JSON object.

    dnsperf_parse.py OUTPUT.txt [LABEL]  -> JSON on stdout

From the statistics block: queries sent/completed/lost, QPS, average
latency. When the run used -v, every answered query printed a line
`> RCODE NAME TYPE SECONDS`; their latencies give exact percentiles
(dnsperf 2.10 prints no histogram of its own). rcodes counts the answers
by response code, so a forwarder that answers SERVFAIL or REFUSED does not
pass for a fast one.
"""
import json
import re
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    # Nearest rank: the smallest value with at least p % of samples at or below it.
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def parse(text):
    out = {}
    pats = {
        "sent": r"Queries sent:\s+(\d+)",
        "completed": r"Queries completed:\s+(\d+)",
        "lost": r"Queries lost:\s+(\d+)",
        "run_s": r"Run time \(s\):\s+([\d.]+)",
        "qps": r"Queries per second:\s+([\d.]+)",
        "avg_s": r"Average Latency \(s\):\s+([\d.]+)",
        "stddev_s": r"Latency StdDev \(s\):\s+([\d.]+)",
    }
    for key, pat in pats.items():
        m = re.search(pat, text)
        if m:
            out[key] = float(m.group(1))
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        out["rcodes"] = {code: int(n) for code, n in re.findall(r"([A-Z]+) (\d+)", m.group(1))}
    lat = sorted(float(x) * 1000 for x in re.findall(r"^> \S+ \S+ \S+ ([\d.]+)$", text, re.M))
    if lat:
        out["samples"] = len(lat)
        for p in (50, 90, 99, 99.9):
            out[f"p{p:g}_ms"] = percentile(lat, p)
        out["max_ms"] = lat[-1]
    return out


if __name__ == "__main__":
    with open(sys.argv[1], errors="replace") as f:
        result = parse(f.read())
    if len(sys.argv) > 2:
        result["label"] = sys.argv[2]
    print(json.dumps(result))

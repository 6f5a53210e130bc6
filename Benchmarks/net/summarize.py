#!/usr/bin/env python3
"""Turns one Benchmarks/net result directory into the Markdown summary.

    summarize.py OUTDIR CONCURRENCY HOST_NETNS PEER_TABLE  -> Markdown on stdout

Checks the targets: `--net filtered` adds at most 2 ms (median) over
`--net none`; the DNS proxy answers at least 3x the QPS of dnsmasq doing
the same forwarding and set insertion; p99 at a paced 2k QPS is at most
1 ms; 50 filtered sandboxes at once start at least 1.5x as many per second
as one at a time; a 1 GiB download through the relay reaches half of
`--net host` and 1 GiB/s; the relay adds at most 0.3 ms to the time to first
byte; rootless start is within 1.2x of root's, with no failed start in
either row; nothing appears in the host's namespace.
"""
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def med(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}"


def verdict(ok, miss):
    if ok is None:
        return "not measured"
    return "**met**" if ok else f"**missed** {miss}"


def main(out, concurrency, host_ns, peer_table):
    lines = []
    machine = {}
    try:
        with open(os.path.join(out, "machine.txt")) as f:
            machine = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    except OSError:
        pass

    # 1. start-up
    startup = {}
    data = load(os.path.join(out, "startup.json")) or {}
    for r in data.get("results", []):
        startup[r["command"]] = r
    def ms(name, key="median"):
        r = startup.get(name)
        return r[key] * 1000 if r else None
    filt, none_, host, bw = (ms("sandbox-run --net filtered"), ms("sandbox-run --net none"),
                             ms("sandbox-run --net host"), ms("bwrap --unshare-all"))
    setup_none = (load(os.path.join(out, "setup-none.json")) or {}).get("median_setup_ms")
    setup_filt = (load(os.path.join(out, "setup-filtered.json")) or {}).get("median_setup_ms")
    added = filt - none_ if filt is not None and none_ is not None else None
    # Rootless and root both start through a static setuid-and-exec launcher
    # (Benchmarks/startup/asuser.c), interleaved round by round
    # (Benchmarks/startup/interleave.py); that pair carries the verdict. The
    # plain root row of hyperfine is shown too.
    pair = load(os.path.join(out, "rootless.json")) or {}
    rootless = (pair.get("rootless") or {}).get("median_ms")
    root_same = (pair.get("root") or {}).get("median_ms")
    rratio = rootless / filt if rootless and filt else None
    rratio_same = rootless / root_same if rootless and root_same else None
    # A failed start is no start: interleave.py leaves its time out, and any
    # failure in either row misses the target whatever the medians say.
    r_failed = {row: (pair.get(row) or {}).get("failed") or 0 for row in ("rootless", "root")}
    rootless_ok = None if rratio_same is None else rratio_same <= 1.2
    if pair and any(r_failed.values()):
        rootless_ok = False

    # The data path: downloads and time to first byte, relay vs --net host.
    def downloads(kind):
        return [r.get("gib_per_s") for r in (load(p) or {} for p in sorted(glob.glob(os.path.join(out, f"download-{kind}-[0-9]*.json"))))
                if r.get("gib_per_s")]
    dl_f, dl_h = med(downloads("filtered")), med(downloads("host"))
    dl_ratio = dl_f / dl_h if dl_f and dl_h else None
    tt_f = (load(os.path.join(out, "ttfb-filtered.json")) or {}).get("median_ms")
    tt_h = (load(os.path.join(out, "ttfb-host.json")) or {}).get("median_ms")
    tt_added = tt_f - tt_h if tt_f is not None and tt_h is not None else None

    # 2. DNS
    def runs(kind):
        return [load(p) or {} for p in sorted(glob.glob(os.path.join(out, f"dns-{kind}-[0-9]*.json")))]
    pmax, dmax, ppaced, dpaced = runs("proxy-max"), runs("dnsmasq-max"), runs("proxy-paced"), runs("dnsmasq-paced")
    upstream = load(os.path.join(out, "dns-upstream-max.json")) or {}
    pq, dq = med([r.get("qps") for r in pmax]), med([r.get("qps") for r in dmax])
    ratio = pq / dq if pq and dq else None
    pp99, dp99 = med([r.get("p99_ms") for r in ppaced]), med([r.get("p99_ms") for r in dpaced])

    def not_ok(rs):
        bad = 0
        for r in rs:
            codes = r.get("rcodes", {})
            bad += sum(n for c, n in codes.items() if c != "NOERROR") + int(r.get("lost", 0))
        return bad

    # 3. concurrency
    c1 = load(os.path.join(out, "concurrent-1.json")) or {}
    cn = load(os.path.join(out, f"concurrent-{concurrency}.json")) or {}
    s1, sn = c1.get("median_setup_ms"), cn.get("median_setup_ms")
    w1, wn = c1.get("median_wall_ms"), cn.get("median_wall_ms")
    cratio = sn / s1 if s1 and sn else None
    wratio = wn / w1 if w1 and wn else None
    # Throughput: sandboxes per second, all at once (a round of N) vs one at a time.
    rn, r1 = cn.get("median_round_ms"), c1.get("median_round_ms")
    rate_n = concurrency / (rn / 1000) if rn else None
    rate_1 = 1 / (r1 / 1000) if r1 else None
    rate_ratio = rate_n / rate_1 if rate_n and rate_1 else None
    failures = (cn.get("failed") or 0) + (c1.get("failed") or 0)

    # 4. leftovers
    left = {"links": [], "tables": [], "routes": [], "forward": []}
    section = None
    try:
        with open(os.path.join(out, "leftovers.txt")) as f:
            for line in f:
                line = line.strip()
                if line.startswith("## links"):
                    section = "links"
                elif line.startswith("## nft"):
                    section = "tables"
                elif line.startswith("## routes"):
                    section = "routes"
                elif line.startswith("## ip_forward"):
                    section = "forward"
                elif line and section:
                    left[section].append(line)
    except OSError:
        pass
    # The world's own: lo, the two veths, the peer's table.
    stray_links = [l for l in left["links"] if l != "lo" and not re.match(r"^nb[0-9a-f]{4}h[01]@", l)]
    stray_tables = [t for t in left["tables"] if not t.endswith(f" {peer_table}")]
    # H's own routes: the default via W and the two veths' subnets.
    stray_routes = [r for r in left["routes"] if not (r.startswith("default via 198.18.77.1") or "dev nb" in r)]
    stray = stray_links + stray_tables + stray_routes

    lines.append(f"## Egress firewall benchmark ({machine.get('date_utc', '?')})")
    lines.append("")
    lines.append(f"Linux {machine.get('kernel', '?')}, {machine.get('cpus', '?')}; load average before the "
                 f"summary {machine.get('loadavg', '?')}. dnsperf {machine.get('dnsperf', '?')}, dnsmasq "
                 f"{machine.get('dnsmasq', '?')}, hyperfine {machine.get('hyperfine', '?')}, bwrap {machine.get('bwrap', '?')}.")
    lines.append("")
    lines.append("| target | measured | verdict |")
    lines.append("|---|---|---|")
    lines.append(f"| `--net filtered` adds ≤ 2 ms median over `--net none` (`/bin/true`) | "
                 f"{fmt(filt)} vs {fmt(none_)} ms = **+{fmt(added)} ms** (bwrap {fmt(bw)} ms) | "
                 f"{verdict(None if added is None else added <= 2, f'by {fmt((added or 0) - 2)} ms')} |")
    r_failures = f"{r_failed['rootless']} + {r_failed['root']} failed"
    lines.append(f"| rootless filtered start within 1.2× of root's, 0 failures | {fmt(rootless)} vs {fmt(root_same)} ms = "
                 f"**{fmt(rratio_same, 2)}×**, {r_failures} (both through the same launcher, interleaved; plain root "
                 f"{fmt(filt)} ms = {fmt(rratio, 2)}×) | {verdict(rootless_ok, f'({fmt(rratio_same, 2)}× of 1.2×, {r_failures})')} |")
    lines.append(f"| 1 GiB download through the relay ≥ 50 % of `--net host` and ≥ 1 GiB/s | {fmt(dl_f, 2)} vs {fmt(dl_h, 2)} GiB/s "
                 f"= **{fmt((dl_ratio or 0) * 100, 0)} %** | "
                 f"{verdict(None if dl_ratio is None else dl_ratio >= 0.5 and dl_f >= 1, f'({fmt((dl_ratio or 0) * 100, 0)} %, {fmt(dl_f, 2)} GiB/s)')} |")
    lines.append(f"| time to first byte added by the relay ≤ 0.3 ms median (port 9000: binding check only) | "
                 f"{fmt(tt_f, 3)} vs {fmt(tt_h, 3)} ms = **+{fmt(tt_added, 3)} ms** | "
                 f"{verdict(None if tt_added is None else tt_added <= 0.3, f'by {fmt((tt_added or 0) - 0.3, 3)} ms')} |")
    lines.append(f"| DNS proxy ≥ 3× dnsmasq `--nftset` QPS (unpaced) | {fmt(pq, 0)} vs {fmt(dq, 0)} QPS = "
                 f"**{fmt(ratio, 2)}×** | {verdict(None if ratio is None else ratio >= 3, f'({fmt(ratio, 2)}× of 3×)')} |")
    lines.append(f"| p99 ≤ 1 ms at a paced {2000:,} QPS, set insertion included | proxy **{fmt(pp99, 3)} ms** "
                 f"(dnsmasq {fmt(dp99, 3)} ms) | {verdict(None if pp99 is None else pp99 <= 1, f'by {fmt((pp99 or 0) - 1, 3)} ms')} |")
    lines.append(f"| {concurrency} filtered sandboxes at once: sandboxes per second ≥ 1.5× one at a time, 0 failures | "
                 f"{fmt(rate_n)} vs {fmt(rate_1)} /s = **{fmt(rate_ratio, 2)}×**, {failures} failed (median setup_ms {fmt(sn)} vs {fmt(s1)}) | "
                 f"{verdict(None if rate_ratio is None else rate_ratio >= 1.5 and failures == 0, f'({fmt(rate_ratio, 2)}× of 1.5×)')} |")
    lines.append(f"| nothing in the host's namespace: links, nft tables, routes; ip_forward {''.join(left['forward']) or '?'} | "
                 f"{'none' if not stray else ', '.join(stray)} | {verdict(not stray, '')} |")
    lines.append("")

    lines.append("### Start-up (`hyperfine -N`, inside the host namespace)")
    lines.append("")
    lines.append("| configuration | median ms | mean ± σ ms | min ms | runs |")
    lines.append("|---|---:|---:|---:|---:|")
    for name, r in startup.items():
        lines.append(f"| {name} | {fmt(r['median'] * 1000, 2)} | {fmt(r['mean'] * 1000, 2)} ± {fmt(r['stddev'] * 1000, 2)} "
                     f"| {fmt(r['min'] * 1000, 2)} | {len(r.get('times', []))} |")
    lines.append("")
    lines.append(f"Supervisor `setup_ms` (`sandbox.ready`), one at a time: `--net none` {fmt(setup_none, 2)} ms, "
                 f"`--net filtered` {fmt(setup_filt, 2)} ms (+{fmt((setup_filt or 0) - (setup_none or 0), 2)} ms).")
    lines.append("")

    lines.append("### DNS (dnsperf, `-q 100` outstanding, 8 names under bench.test)")
    lines.append("")
    lines.append("| forwarder | run | QPS unpaced | avg ms unpaced | p50 ms @2k | p99 ms @2k | p99.9 ms @2k | max ms @2k | not NOERROR / lost |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, mx, pc in (("sandbox DNS proxy", pmax, ppaced), ("dnsmasq --nftset", dmax, dpaced)):
        for i, (a, b) in enumerate(zip(mx, pc), 1):
            lines.append(f"| {label} | {i} | {fmt(a.get('qps'), 0)} | {fmt((a.get('avg_s') or 0) * 1000, 2)} | "
                         f"{fmt(b.get('p50_ms'), 3)} | {fmt(b.get('p99_ms'), 3)} | {fmt(b.get('p99.9_ms'), 3)} | "
                         f"{fmt(b.get('max_ms'), 3)} | {not_ok([a, b])} |")
    lines.append(f"| upstream dnsmasq alone (from H) | 1 | {fmt(upstream.get('qps'), 0)} | "
                 f"{fmt((upstream.get('avg_s') or 0) * 1000, 2)} | | | | | {not_ok([upstream])} |")
    lines.append("")

    lines.append(f"### Concurrency (`getent hosts allowed.test` in each, `--net filtered`)")
    lines.append("")
    lines.append("| at once | sandboxes | failed | median setup_ms | median wall ms | max wall ms | median round ms |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|")
    for c in (c1, cn):
        if not c:
            continue
        total = sum(len(d["sandboxes"]) for d in c.get("data", []))
        lines.append(f"| {c['concurrency']} | {total} | {c['failed']} | {fmt(c['median_setup_ms'], 2)} | "
                     f"{fmt(c['median_wall_ms'], 1)} | {fmt(c['max_wall_ms'], 1)} | {fmt(c['median_round_ms'], 1)} |")
    errors = (c1.get("errors") or []) + (cn.get("errors") or [])
    if errors:
        lines.append("")
        lines.append("Failures: " + "; ".join(f"`{e}`" for e in errors))
    lines.append("")

    strace = os.path.join(out, "proxy-strace-c.txt")
    if os.path.exists(strace):
        lines.append("### The supervisor during an unpaced DNS run (`strace -c -w`, top 8 by time)")
        lines.append("")
        lines.append("```")
        with open(strace) as f:
            body = [l.rstrip() for l in f if l.strip()]
        lines.extend(body[:2 + 8])
        lines.extend(l for l in body if l.endswith("total"))
        lines.append("```")
        lines.append("")
    comm = os.path.join(out, "proxy-perf-comm.txt")
    if os.path.exists(comm) and os.path.getsize(comm):
        lines.append("### CPU during an unpaced DNS run (`perf`, by process and object, top 10)")
        lines.append("")
        lines.append("```")
        with open(comm) as f:
            lines.extend(l.rstrip() for l in list(f)[:10])
        lines.append("```")
        lines.append("")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])

#!/usr/bin/env python3
"""Markdown summary of one Benchmarks/run.sh result directory.

Usage: summarize.py bench-results/<stamp>   -> Markdown on stdout

Reads the hyperfine exports (wall.json, wall-noshell.json, breakdown.json),
setup_ms.json, rss.tsv, failures.tsv, the strace/perf notes and the seccomp
micro-benchmark output, and checks the targets of docs/performance.md.
"""
import json
import os
import re
import statistics
import sys

# Targets (docs/performance.md).
WALL_RATIO_MAX = 1.0        # sandbox-run median / bwrap median, same namespaces
RSS_MAX_KIB = 8 * 1024      # supervisor peak RSS
SECCOMP_NS_MAX = 80.0       # added cost per allowed syscall
COMPILE_SHARE_MAX = 0.25    # filter compile as a share of sandbox-run's wall time

STRICT = "sandbox-run strict"
NETHOST = "sandbox-run strict --net host"
BWRAP_ALL = "bwrap all ns + seccomp"
BWRAP_NONET = "bwrap no netns + seccomp"
DRYRUN = "sandbox-run --dry-run strict (parse, plan, seccomp compile)"
FULL = "sandbox-run strict (full run)"


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def hyperfine(path):
    """label -> {median, mean, stddev, min, max} in milliseconds."""
    data = load_json(path) or {}
    out = {}
    for r in data.get("results", []):
        out[r["command"]] = {k: (r.get(k) or 0.0) * 1000 for k in ("median", "mean", "stddev", "min", "max")}
    return out


def ms(x):
    return "—" if x is None else f"{x:.2f}"


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def wall_table(rows, baseline_label):
    base = rows.get(baseline_label, {}).get("median")
    lines = ["| configuration | median ms | mean ± σ ms | min ms | × " + baseline_label + " |",
             "|---|---:|---:|---:|---:|"]
    for label, r in rows.items():
        ratio = f"{r['median'] / base:.2f}" if base else "—"
        lines.append(f"| {label} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ratio} |")
    return "\n".join(lines)


def seccomp_costs(text):
    """{syscall: filter median − no-filter median} from bench.c's output."""
    medians = {}
    for m in re.finditer(r"^(none|filter)\s+(\S+)\s+median\s+([\d.]+) ns/call", text, re.M):
        medians[(m.group(1), m.group(2))] = float(m.group(3))
    return {sc: medians[("filter", sc)] - medians[("none", sc)]
            for (mode, sc) in medians if mode == "filter" and ("none", sc) in medians}


def perf_share(text, pattern):
    """Share of perf samples on lines matching pattern (None without samples)."""
    total = hit = 0.0
    for line in text.splitlines():
        m = re.match(r"\s*([\d.]+)%", line)
        if not m:
            continue
        total += float(m.group(1))
        if re.search(pattern, line):
            hit += float(m.group(1))
    return hit / total if total else None


PERF_CATEGORIES = [
    ("seccomp compile (libseccomp, StockadeSeccomp)", lambda dso, sym: "libseccomp" in dso or "eccomp" in sym),
    ("dynamic loader: relocations and symbol lookup (ld.so)", lambda dso, sym: dso.startswith("ld-linux")),
    ("kernel: exec, page faults, mmap, exit", lambda dso, sym: dso == "[kernel.kallsyms]"),
    ("Swift runtime: protocol conformance and metadata lookups",
     lambda dso, sym: dso == "sandbox-run" and re.search(r"[Cc]onformance|[Mm]etadata|swift_conforms|swift_getGeneric|swift_dynamicCast|Demangl|MangledName|getCache|WitnessTable|[Ss]uperclass|equalContexts", sym)),
    ("Swift runtime: retain/release and allocation",
     lambda dso, sym: re.search(r"swift_(retain|release|alloc|dealloc|bridgeObject)|malloc|free|_int_", sym)),
    ("other code in sandbox-run (Swift stdlib, Stockade)", lambda dso, sym: dso == "sandbox-run"),
    ("other shared libraries (libc, libstdc++, libgcc)", lambda dso, sym: True),
]


def perf_categories(text):
    """[(category, share)] of the samples in `perf report --sort dso,sym` text."""
    totals, total = {}, 0.0
    for line in text.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$", line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        total += pct
        for name, test in PERF_CATEGORIES:
            if test(dso, sym):
                totals[name] = totals.get(name, 0.0) + pct
                break
    if not total:
        return []
    return [(name, totals.get(name, 0.0) / total) for name, _ in PERF_CATEGORIES]


def main(out):
    meta = load_json(os.path.join(out, "meta.json")) or {}
    wall = hyperfine(os.path.join(out, "wall.json"))
    noshell = hyperfine(os.path.join(out, "wall-noshell.json"))
    cold = hyperfine(os.path.join(out, "wall-cold.json"))
    attach = [json.loads(l) for l in read(os.path.join(out, "cgroup-attach.jsonl")).splitlines() if l.strip().startswith("{")]
    breakdown = hyperfine(os.path.join(out, "breakdown.json"))
    setup = load_json(os.path.join(out, "setup_ms.json")) or {}
    rss = {}
    for line in read(os.path.join(out, "rss.tsv")).splitlines():
        label, _, kib = line.partition("\t")
        if kib.strip().isdigit():
            rss.setdefault(label, []).append(int(kib))
    failures = [l.split("\t", 1) for l in read(os.path.join(out, "failures.tsv")).splitlines() if l]
    seccomp_text = read(os.path.join(out, "seccomp.txt"))
    strict_text = read(os.path.join(out, "seccomp-strict.txt"))

    p = print
    p(f"# Stockade benchmark — {meta.get('date', '?')}\n")
    p(f"Kernel {meta.get('kernel', '?')}, {meta.get('cpus', '?')} CPUs ({meta.get('cpu', '?')}); "
      f"{meta.get('hyperfine', 'hyperfine')}, {meta.get('bwrap', 'bwrap')}; "
      f"{meta.get('runs', '?')} runs after {meta.get('warmup', '?')} warm-up per row; workload `/bin/true`; "
      f"load average at the end {' '.join(meta.get('loadavg', ['?']))}.\n")

    p("## Wall time (hyperfine, shell mode, shell start-up subtracted)\n")
    p(wall_table(wall, BWRAP_ALL) if wall else "no results")
    if cold:
        p("\nCold: 0.3 s idle before each run (`--prepare 'sleep 0.3'`), as for a sandbox started now and then:\n")
        p(wall_table(cold, BWRAP_ALL))
    if noshell:
        p("\nCross-check without a shell (`hyperfine -N`):\n")
        p(wall_table(noshell, "bare /bin/true"))
    if failures:
        p("\nNot measured (failed once before timing):\n")
        for label, why in failures:
            p(f"- {label}: {why}")

    p("\n## Start-up breakdown of sandbox-run (hyperfine -N)\n")
    if breakdown:
        p("| step | median ms | min ms |")
        p("|---|---:|---:|")
        for label, r in breakdown.items():
            p(f"| {label} | {ms(r['median'])} | {ms(r['min'])} |")
    s = (setup.get("setup_ms") or {}).get("median")
    d = (setup.get("duration_ms") or {}).get("median")
    p(f"| supervisor setup until the workload's exec (`sandbox.ready` setup_ms) | {ms(s)} | "
      f"{ms((setup.get('setup_ms') or {}).get('min'))} |")
    p(f"| supervisor start until the workload is reaped (`sandbox.end` duration_ms) | {ms(d)} | "
      f"{ms((setup.get('duration_ms') or {}).get('min'))} |")
    dry = breakdown.get(DRYRUN, {}).get("median")
    full = breakdown.get(FULL, {}).get("median")
    if dry and full and s is not None:
        p(f"\nApproximate split of a full run ({ms(full)} ms): process start, argument parsing, profile, "
          f"plan and seccomp compile ≈ {ms(dry)} ms (the dry run; it also renders the plan as JSON); "
          f"kernel setup until exec ≈ {ms(s)} ms; workload, teardown (cgroup removal) and exit ≈ "
          f"{ms(max(full - dry - s, 0))} ms.")

    for a in attach:
        if "median_ms" in a:
            p(f"\nMoving a process into a fresh cgroup (write to `{a['hierarchy']}/…/cgroup.procs`) after "
              f"{a['idle_s']:g} s idle: median {a['median_ms']:.2f} ms (min {a['min_ms']:.2f}, max {a['max_ms']:.2f}, {a['runs']} runs).", end="")
    if attach:
        p(" The write waits for an RCU grace period unless another cgroup move passed one moments before, "
          "so back-to-back benchmark loops hide most of it.")

    p("\n## Peak RSS (GNU time %M, median)\n")
    p("`%M` is ru_maxrss from wait4: the peak of the process and of every descendant it reaped. "
      "The workload is `/bin/true` (about 1 MiB), so each number is the supervisor's or bwrap's own peak.\n")
    p("| process | median KiB | median MiB | runs |")
    p("|---|---:|---:|---:|")
    for label, values in rss.items():
        m = statistics.median(values)
        p(f"| {label} | {m:.0f} | {m / 1024:.1f} | {len(values)} |")

    p("\n## Seccomp per-syscall cost\n")
    costs = seccomp_costs(seccomp_text)
    strict_costs = seccomp_costs(strict_text)
    if seccomp_text.strip():
        p("`Benchmarks/seccomp/run.sh`:\n\n```\n" + seccomp_text.strip() + "\n```")
    if strict_text.strip():
        p("\nSame micro-benchmark with the filter `sandbox-run --profile strict` compiles:\n\n```\n" + strict_text.strip() + "\n```")
    for name, c in (("default-like policy", costs), ("strict filter", strict_costs)):
        for sc, delta in c.items():
            p(f"- {name}, {sc}: +{delta:.1f} ns per call")

    p("\n## Targets\n")
    p("| target | measured | verdict |")
    p("|---|---|---|")

    def ratio_row(sr_label, bw_label):
        a, b = wall.get(sr_label, {}).get("median"), wall.get(bw_label, {}).get("median")
        if a is None or b is None:
            p(f"| `{sr_label}` median wall ≤ {WALL_RATIO_MAX}× `{bw_label}` | not measured | n/a |")
            return
        r = a / b
        extra = "" if r <= WALL_RATIO_MAX else f" (+{a - b:.2f} ms, {100 * (r - 1):.0f}% over)"
        p(f"| `{sr_label}` median wall ≤ {WALL_RATIO_MAX}× `{bw_label}` | {a:.2f} / {b:.2f} ms = {r:.2f}×{extra} | {verdict(r <= WALL_RATIO_MAX)} |")

    ratio_row(STRICT, BWRAP_ALL)
    ratio_row(NETHOST, BWRAP_NONET)
    a, b = cold.get(STRICT, {}).get("median"), cold.get(BWRAP_ALL, {}).get("median")
    if a is not None and b is not None:
        r = a / b
        p(f"| same, cold (0.3 s idle before each run) | {a:.2f} / {b:.2f} ms = {r:.2f}× | {verdict(r <= WALL_RATIO_MAX)} |")
    if STRICT in rss:
        m = statistics.median(rss[STRICT])
        extra = "" if m <= RSS_MAX_KIB else f" ({(m - RSS_MAX_KIB) / 1024:.1f} MiB over)"
        p(f"| supervisor peak RSS ≤ 8 MiB | {m / 1024:.1f} MiB{extra} | {verdict(m <= RSS_MAX_KIB)} |")
    else:
        p("| supervisor peak RSS ≤ 8 MiB | not measured | n/a |")
    all_costs = {**{f"default-like {k}": v for k, v in costs.items()}, **{f"strict {k}": v for k, v in strict_costs.items()}}
    if all_costs:
        worst = max(all_costs.values())
        shown = ", ".join(f"{k} +{v:.0f} ns" for k, v in all_costs.items())
        p(f"| seccomp cost per allowed syscall ≤ +{SECCOMP_NS_MAX:.0f} ns | {shown} | {verdict(worst <= SECCOMP_NS_MAX)} |")
    else:
        p(f"| seccomp cost per allowed syscall ≤ +{SECCOMP_NS_MAX:.0f} ns | not measured | n/a |")
    share_seccomp = perf_share(read(os.path.join(out, "perf-sym-all.txt")), r"libseccomp|[Ss]eccomp")
    if share_seccomp is not None and dry:
        p(f"| filter compile in sandbox-run, share of on-CPU samples of `--dry-run` (perf) | {share_seccomp:.1%} "
          f"≈ {share_seccomp * dry:.2f} ms of {dry:.2f} ms | {verdict(share_seccomp < COMPILE_SHARE_MAX)} |")
    cm = re.search(r"^compile:.*?median ([\d.]+) ms", seccomp_text, re.M)
    hit = re.search(r"^compile: cache hit median ([\d.]+) ms", seccomp_text, re.M)
    strict_wall = wall.get(STRICT, {}).get("median")
    if cm and strict_wall:
        c = float(cm.group(1))
        share = c / strict_wall
        cache = f"; cache hit {float(hit.group(1)):.2f} ms" if hit else ""
        ok = "**met**" if share < COMPILE_SHARE_MAX else "at risk once a large policy ships (debug-build number)"
        p(f"| compile of the default-like policy (Benchmarks/seccomp, debug build) vs the run | {c:.2f} ms = "
          f"{share:.0%} of {strict_wall:.2f} ms{cache} | {ok} |")
    elif share_seccomp is None and dry and strict_wall:
        share = dry / strict_wall
        p(f"| filter compile not dominating (< {COMPILE_SHARE_MAX:.0%} of the run) | whole dry run {dry:.2f} ms "
          f"(an upper bound) = {share:.0%} of {strict_wall:.2f} ms | {verdict(True) if share < COMPILE_SHARE_MAX else 'n/a (bound too loose)'} |")

    cats = perf_categories(read(os.path.join(out, "perf-sym-all.txt")))
    if cats:
        p("\n## perf: where `sandbox-run --dry-run` spends CPU (30 runs, share of its samples)\n")
        p("| category | share |")
        p("|---|---:|")
        for name, share in cats:
            p(f"| {name} | {share:.1%} |")

    notes = [("Where the time goes (strace, one run)", "strace-phases.md"),
             ("strace -c -f -w (wall latency per syscall)", "strace-c.txt"),
             ("perf: hottest symbols over 30 dry runs", "perf-sym.txt")]
    for title, name in notes:
        text = read(os.path.join(out, name)).strip()
        if not text:
            continue
        p(f"\n## {title}\n")
        if name.endswith(".md"):
            p(text)
        else:
            lines = text.splitlines()
            p("```\n" + "\n".join(lines[:25]) + "\n```")


if __name__ == "__main__":
    main(sys.argv[1])

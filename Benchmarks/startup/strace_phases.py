#!/usr/bin/env python3
"""Milestones and slowest syscalls of one `strace -f -tt -T` run of sandbox-run.

Usage: strace_phases.py STRACE.txt -> Markdown on stdout

strace slows every syscall down, so absolute numbers are inflated; the
order and the relative weight of the phases are what this is for.
"""
import re
import sys
from collections import defaultdict

LINE = re.compile(r"^(\d+)\s+(\d+):(\d+):(\d+\.\d+)\s+(.*)$")
DONE = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*?)\s+<(\d+\.\d+)>$")
UNFINISHED = re.compile(r"^(\w+)\((.*)\s+<unfinished \.\.\.>$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*?)\)?\s+=\s+(.*?)\s+<(\d+\.\d+)>$")


def parse(path):
    calls, pending = [], {}
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        pid = int(m.group(1))
        ts = int(m.group(2)) * 3600 + int(m.group(3)) * 60 + float(m.group(4))
        rest = m.group(5)
        if d := DONE.match(rest):
            calls.append((ts, pid, d.group(1), d.group(2), d.group(3), float(d.group(4))))
        elif u := UNFINISHED.match(rest):
            pending[pid] = (ts, u.group(1), u.group(2))
        elif r := RESUMED.match(rest):
            start, name, args = pending.pop(pid, (ts, r.group(1), ""))
            calls.append((start, pid, name, args + r.group(2), r.group(3), float(r.group(4))))
    calls.sort()
    return calls


def main(path):
    calls = parse(path)
    if not calls:
        print("no syscalls parsed from", path)
        return
    t0 = calls[0][0]
    end = max(c[0] + c[5] for c in calls)
    supervisor = calls[0][1]

    def first(pred):
        for c in calls:
            if pred(c):
                return c
        return None

    def last(pred):
        found = None
        for c in calls:
            if pred(c):
                found = c
        return found

    cg = lambda c: "/sys/fs/cgroup" in c[3]
    milestones = [
        ("supervisor execve", first(lambda c: c[2] == "execve")),
        ("first cgroup mkdir", first(lambda c: c[2] in ("mkdir", "mkdirat") and cg(c))),
        ("clone3 of the sandbox init", first(lambda c: c[2] in ("clone3", "clone") and c[1] == supervisor)),
        ("first mount in the sandbox", first(lambda c: c[2] in ("mount", "mount_setattr", "open_tree", "move_mount", "fsmount") and c[1] != supervisor)),
        ("pivot_root", first(lambda c: c[2] == "pivot_root")),
        ("seccomp filter installed", first(lambda c: c[1] != supervisor and (
            (c[2] == "seccomp" and "SET_MODE_FILTER" in c[3]) or (c[2] == "prctl" and "PR_SET_SECCOMP" in c[3])))),
        ("workload execve", last(lambda c: c[2] == "execve" and c[1] != supervisor)),
        ("first cgroup rmdir", first(lambda c: c[2] in ("rmdir", "unlinkat") and cg(c))),
        ("last cgroup rmdir", last(lambda c: c[2] in ("rmdir", "unlinkat") and cg(c))),
        ("supervisor exit", last(lambda c: c[1] == supervisor)),
    ]
    print(f"One run under strace: {len(calls)} syscalls, {(end - t0) * 1000:.1f} ms wall (inflated by strace).\n")
    print("| milestone | at ms |")
    print("|---|---:|")
    for name, c in milestones:
        print(f"| {name} | {'—' if c is None else f'{(c[0] - t0) * 1000:.2f}'} |")

    groups = defaultdict(lambda: [0, 0.0])
    for c in calls:
        key = c[2] + (" (cgroupfs)" if cg(c) else "")
        groups[key][0] += 1
        groups[key][1] += c[5]
    print("\n| syscall | calls | total ms |")
    print("|---|---:|---:|")
    for key, (n, total) in sorted(groups.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"| {key} | {n} | {total * 1000:.2f} |")

    print("\nSlowest single calls:\n")
    for c in sorted(calls, key=lambda c: -c[5])[:8]:
        args = c[3] if len(c[3]) < 90 else c[3][:87] + "..."
        print(f"- {c[5] * 1000:.2f} ms  pid {c[1]}  {c[2]}({args}) = {c[4]}")


if __name__ == "__main__":
    main(sys.argv[1])

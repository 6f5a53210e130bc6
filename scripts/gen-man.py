#!/usr/bin/env python3
"""Write sandbox-run(1) from the argument parser's own description.

Usage: sandbox-run --experimental-dump-help | scripts/gen-man.py > sandbox-run.1

Every verb, option and help text comes from the binary, so the man page
cannot drift from `--help`.
"""
import json
import sys


def esc(text):
    """Escape text for roff: backslashes, and leading dots or quotes."""
    out = []
    for line in (text or "").splitlines():
        line = line.replace("\\", "\\e").replace("-", "\\-")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def option_names(arg):
    names = []
    for n in arg.get("names", []):
        names.append(("-" if n["kind"] == "short" else "--") + n["name"])
    return ", ".join(names)


def arguments(cmd):
    lines = []
    for arg in cmd.get("arguments", []):
        if arg.get("shouldDisplay") is False:
            continue
        if arg.get("kind") == "positional":
            label = arg.get("valueName", "ARG").upper()
        else:
            label = option_names(arg)
            if arg.get("kind") == "option":
                label += " " + arg.get("valueName", "value").upper()
        if "help" in label and "-h" in label:
            continue
        lines.append(".TP")
        lines.append("\\fB" + esc(label) + "\\fR")
        lines.append(esc(arg.get("abstract", "")))
    return lines


def main():
    doc = json.load(sys.stdin)["command"]
    out = [
        '.TH SANDBOX-RUN 1 "" "Stockade" "User Commands"',
        ".SH NAME",
        "sandbox-run \\- " + esc(doc.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBsandbox-run\\fR [\\fIOPTIONS\\fR] \\-\\- \\fICOMMAND\\fR [\\fIARGS\\fR...]",
        ".br",
        "\\fBsandbox-run\\fR \\fIVERB\\fR [\\fIARGS\\fR...]",
        ".SH DESCRIPTION",
        ".nf",
        esc(doc.get("discussion", "")),
        ".fi",
    ]
    for sub in doc.get("subcommands", []):
        name = sub["commandName"]
        if name == "help":
            continue
        out.append(".SH " + ("OPTIONS (run, the default verb)" if name == "run" else "VERB: " + name.upper()))
        out.append(esc(sub.get("abstract", "")))
        if sub.get("discussion"):
            out += [".PP", ".nf", esc(sub["discussion"]), ".fi"]
        out += arguments(sub)
    out += [
        ".SH EXIT STATUS",
        "The command's own status; 128+N when it was killed by signal N; 124 on timeout;",
        "125 when the sandbox could not be built; 126 when the command is not executable;",
        "127 when it is not found.",
        ".SH SEE ALSO",
        "The documentation in share/doc/stockade: events.md, network.md, profiles.md, systemd.md, ci.md.",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

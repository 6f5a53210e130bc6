import StockadeProfile

/// `sandbox-run report --suggest`: turns the log of an audit run
/// (`--net audit`) into the smallest profile that would let the same run
/// pass with egress enforced.
///
/// The allowlist is what the run used: the rules that matched its allowed
/// queries, plus what audit mode says would have been denied
/// (`sandbox.end.network.suggested_allow`; when that is missing, e.g. the
/// log was cut short, it is rebuilt from `dns.query` and `net.denied`).
/// Denied system calls are listed only as comments: allowing one widens the
/// kernel surface the workload can reach, which is a decision for a person.
public enum ProfileSuggestion {
    /// Where the suggested allowlist came from.
    public enum Source: String, Sendable {
        /// `sandbox.end.network.suggested_allow`.
        case endEvent = "sandbox.end"
        /// Rebuilt from `dns.query` and `net.denied` events.
        case events
    }

    /// The allow rules one run needed, sorted, and where they came from.
    public static func allowlist(for run: RunReport) -> (rules: [String], source: Source) {
        var rules = Set(run.allowedDomains.compactMap(\.rule))
        let source: Source
        if let s = run.suggestedAllow {
            rules.formUnion(s)
            source = .endEvent
        } else {
            rules.formUnion(rebuiltSuggestion(run))
            source = .events
        }
        return (rules.sorted(), source)
    }

    /// What audit mode would have suggested, from the individual events,
    /// through the runtime's own ``SuggestedAllowlist``: every name the
    /// allowlist refused, and for connections to a name on a port other than
    /// the default ones, `name:port`. In an audit run only the connections
    /// audit let through count, as in the runtime (a dropped packet or a
    /// `local_address` refusal is not something an allow rule would fix the
    /// same way); in a filtered run every refused connection does.
    static func rebuiltSuggestion(_ run: RunReport) -> Set<String> {
        var suggestion = SuggestedAllowlist(maxNames: .max, maxPortsPerName: .max)
        for d in run.deniedDomains where d.reason == nil || d.reason == "not_allowlisted" {
            suggestion.noteRefusedName(d.name)
        }
        let audit = run.networkMode == "audit"
        for c in run.connections where !(audit && c.enforced) {
            guard let name = c.name, let port = c.port, let p = UInt16(exactly: port) else { continue }
            suggestion.noteConnection(name: name, port: p)
        }
        return Set(suggestion.rules)
    }

    /// A profile document (YAML) for every run in the log, merged, ending in
    /// a newline. It loads with `sandbox-run --profile FILE`.
    public static func yaml(_ report: EventReport) -> String {
        var lines: [String] = []
        var rules = Set<String>()
        var sources = Set<Source>()
        var syscalls: [String: Int] = [:]
        var unnamed = Set<String>()
        var profiles: [String] = []
        var anyAudit = false
        var anyFiltered = false
        var truncated = false
        for run in report.runs {
            let a = allowlist(for: run)
            rules.formUnion(a.rules)
            sources.insert(a.source)
            for s in run.deniedSyscalls { syscalls[s.name, default: 0] += s.count }
            for c in run.connections where c.name == nil {
                unnamed.insert(c.port.map { "\(c.dst):\($0)" } ?? c.dst)
            }
            if let p = run.profile, !profiles.contains(p) { profiles.append(p) }
            if run.networkMode == "audit" { anyAudit = true }
            if run.networkMode == "filtered" { anyFiltered = true }
            if run.suggestedAllowTruncated { truncated = true }
        }

        lines.append("# Suggested by `sandbox-run report --suggest`.")
        for run in report.runs {
            let cmd = run.command.isEmpty ? "" : ": " + run.command.joined(separator: " ")
            lines.append(ReportText.printable("# From sandbox \(run.sandboxId) (network \(run.networkMode ?? "unknown"))\(cmd)"))
        }
        if report.runs.isEmpty { lines.append("# The log holds no sandbox events; nothing to learn from.") }
        if !anyAudit && anyFiltered {
            lines.append("# Not an audit run: names the allowlist refused stopped the run there,")
            lines.append("# so enforcing this may reveal more. Rerun with --net audit to learn them all.")
        } else if !anyAudit && !report.runs.isEmpty {
            lines.append("# The run had no egress to observe. Rerun with --net audit to learn what it needs.")
        }
        if sources.contains(.events) && anyAudit {
            lines.append("# No sandbox.end suggestion in the log (cut short?): rebuilt from the events.")
        }
        if truncated {
            lines.append("# The run reached more names than its suggestion keeps (suggested_allow_truncated):")
            lines.append("# this list is incomplete.")
        }
        lines.append("# Review every name before enforcing it.")
        if profiles.count == 1, let p = profiles.first, isPlainScalar(p) {
            lines.append("extends: \(p)")
        }

        var accepted: [String] = []
        for r in rules.sorted() {
            // The one rule grammar: a suggestion the profile loader would refuse is not offered.
            if isRuleText(r), NetworkSyntax.domainRuleProblem(r) == nil { accepted.append(r) } else {
                lines.append("# skipped, not a valid rule: " + ReportText.printable(r))
            }
        }
        lines.append("network:")
        if accepted.isEmpty {
            lines.append("  mode: none             # the run reached no name that needs an allow rule")
        } else {
            lines.append("  mode: filtered")
            lines.append("  allow:")
            for r in accepted { lines.append("    - " + (r.hasPrefix("*") ? "\"\(r)\"" : r)) }
        }
        if !unnamed.isEmpty {
            lines.append("# Connections to addresses that no DNS answer named cannot be allowed by name:")
            for u in unnamed.sorted() { lines.append("#   " + ReportText.printable(u)) }
        }

        if !syscalls.isEmpty {
            lines.append("# System calls the seccomp filter denied. Allowing one widens the kernel")
            lines.append("# surface the workload reaches: a security decision, not a fix. Uncomment")
            lines.append("# only what the step really needs (often it copes with the error).")
            lines.append("# seccomp:")
            lines.append("#   allow:")
            let sorted = syscalls.sorted { $0.key < $1.key }
            let width = sorted.map { ReportText.printable($0.key).count }.max() ?? 0
            for (name, count) in sorted {
                let n = ReportText.printable(name)
                let pad = String(repeating: " ", count: width - n.count)
                lines.append("#     - \(n)\(pad)  # denied \(count) time\(count == 1 ? "" : "s")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Domain-rule characters only, so a hostile name cannot inject YAML.
    static func isRuleText(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 260 else { return false }
        return s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
                || b == UInt8(ascii: "*") || b == UInt8(ascii: ":")
        }
    }

    static func isPlainScalar(_ s: String) -> Bool {
        guard let f = s.utf8.first, f != UInt8(ascii: "-"), f != UInt8(ascii: ".") else { return false }
        return isRuleText(s) && !s.contains("*") && !s.contains(":")
    }
}

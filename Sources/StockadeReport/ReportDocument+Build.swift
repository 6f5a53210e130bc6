import StockadeEvents

extension ReportDocument {
    init(_ report: EventReport) {
        runs = report.runs.map(Self.run)
        footer = []
        if report.runs.isEmpty {
            footer.append([.text("No sandbox events found.")])
        }
        if report.unparseableLines > 0 {
            let n = report.unparseableLines
            footer.append([.text("\(n) line\(n == 1 ? "" : "s") could not be read as events and \(n == 1 ? "was" : "were") skipped.")])
        }
    }

    static func run(_ r: RunReport) -> Run {
        var fields: [(String, Cell)] = [("Result", .text(result(r)))]
        if let reason = r.exitReason, let status = r.exitStatus {
            var exit = "\(reason), status \(status)"
            if let sig = r.signal { exit += ", \(sig)" }
            fields.append(("Exit", .code(exit)))
        }
        if !r.command.isEmpty { fields.append(("Command", .code(r.command.joined(separator: " ")))) }
        if let n = r.name { fields.append(("Name", .code(n))) }
        if let p = r.profile { fields.append(("Profile", .code(p))) }
        if let a = r.actor { fields.append(("Actor", .code(a))) }
        fields.append(("Sandbox", .code(r.sandboxId)))
        if let m = r.networkMode { fields.append(("Network", .code(m))) }
        if let d = r.durationMs { fields.append(("Duration", .text(ReportFormat.duration(ms: d)))) }
        if let p = r.peakMemoryBytes { fields.append(("Peak memory", .text(ReportFormat.bytes(p)))) }
        if let c = r.cpuTimeMs { fields.append(("CPU time", .text(ReportFormat.duration(ms: c)))) }
        if let p = r.pidsPeak { fields.append(("Peak tasks", .text(String(p)))) }
        if !r.unenforcedLimits.isEmpty {
            fields.append(("Limits", .text("not enforced: " + r.unenforcedLimits.joined(separator: ", "))))
        }
        let refused = r.syscallDenials
            + r.domains.filter { $0.decision == "deny" }.reduce(0) { $0 + $1.count }
            + r.connections.filter(\.enforced).reduce(0) { $0 + $1.count }
        fields.append(("Denials", .text(refused == 0 ? "none" : String(refused))))
        if r.stackedFilters > 0 {
            fields.append(("Stacked seccomp filters", .text("\(r.stackedFilters) (the workload installed its own; its denials are not reported)")))
        }
        let audited = r.domains.filter { $0.decision == "audit" }.reduce(0) { $0 + $1.count }
            + r.connections.filter { !$0.enforced }.reduce(0) { $0 + $1.count }
        if audited > 0 { fields.append(("Audit findings", .text("\(audited) (let through; see below)"))) }

        var sections = [Section(title: nil, body: .fields(fields))]
        let audit = r.networkMode == "audit"

        if !r.allowedDomains.isEmpty {
            sections.append(Section(title: "Domains allowed", body: .table(
                header: ["name", "rule", "queries"], numeric: [2],
                rows: r.allowedDomains.map { [.code($0.name), $0.rule.map(Cell.code) ?? .text(""), .text(String($0.count))] })))
        }
        if !r.deniedDomains.isEmpty {
            sections.append(Section(title: audit ? "Domains denied (decision audit: would be denied, let through)" : "Domains denied", body: .table(
                header: ["name", "decision", "reason", "queries"], numeric: [3],
                rows: r.deniedDomains.map { [.code($0.name), .code($0.decision), $0.reason.map(Cell.code) ?? .text(""), .text(String($0.count))] })))
        }
        if !r.connections.isEmpty {
            sections.append(Section(title: audit ? "Connections denied (enforced no: would be dropped, let through)" : "Connections denied", body: .table(
                header: ["destination", "port", "proto", "name", "enforced", "count"], numeric: [1, 5],
                rows: r.connections.map {
                    [.code($0.dst), .text($0.port.map(String.init) ?? ""), .text($0.proto),
                     $0.name.map(Cell.code) ?? .text(""), .text($0.enforced ? "yes" : "no"), .text(String($0.count))]
                })))
        }
        if !r.deniedSyscalls.isEmpty {
            sections.append(Section(title: "Denied system calls", body: .table(
                header: ["syscall", "count"], numeric: [1],
                rows: r.deniedSyscalls.map { [.code($0.name), .text(String($0.count))] })))
        }
        if !r.limits.isEmpty {
            sections.append(Section(title: "Limits hit", body: .table(
                header: ["limit", "value", "count"], numeric: [2],
                rows: r.limits.map { [.text($0.limit), .text(limitValue($0)), .text(String($0.count))] })))
        }
        sections += maskSections(r)
        if let s = r.suggestedAllow, !s.isEmpty {
            sections.append(Section(title: "Suggested allowlist", body: .list(s.map { [.code($0)] })))
        }
        if !r.suppressed.isEmpty {
            sections.append(Section(title: "Suppressed events", body: .table(
                header: ["type", "dropped"], numeric: [1],
                rows: r.suppressed.sorted { $0.key < $1.key }.map { [.code($0.key), .text(String($0.value))] })))
        }
        if !r.warnings.isEmpty {
            sections.append(Section(title: "Warnings", body: .list(r.warnings.map { [.code($0.code), .text($0.message)] })))
        }
        if !r.errors.isEmpty {
            sections.append(Section(title: "Errors", body: .list(r.errors.map { e in
                [.code(e.step.map { step in "\(step): \(e.code)" } ?? e.code), .text(e.message)]
            })))
        }
        let title = r.command.isEmpty ? r.sandboxId : r.command.joined(separator: " ")
        return Run(heading: [.text("Sandbox report: "), .code(title)], sections: sections)
    }

    /// One phrase for how the run ended, from `sandbox.end`.
    static func result(_ r: RunReport) -> String {
        guard let reason = r.exitReason, let status = r.exitStatus else {
            return "unknown: no sandbox.end event (the log was cut short)"
        }
        if r.warnings.contains(where: { $0.code == FailOnDeny.warningCode }) {
            return "failed: the sandbox denied something (--fail-on-deny)"
        }
        switch reason {
        case "exit": return status == 0 ? "passed" : "failed"
        case "signal": return "killed by \(r.signal ?? "a signal")"
        case "timeout": return "timed out"
        case "oom_kill": return "killed by the OOM killer"
        case "seccomp_kill": return "killed by seccomp"
        case "setup_failed":
            switch status {
            case 126: return "command not executable"
            case 127: return "command not found"
            default: return "sandbox not built"
            }
        default: return "ended"
        }
    }

    static func limitValue(_ l: RunReport.LimitCount) -> String {
        guard let v = l.value else { return "" }
        switch l.limit {
        case "memory": return ReportFormat.bytes(Int64(v))
        case "timeout": return "after \(ReportFormat.duration(ms: v * 1000))" + (l.detail.map { ", \($0)" } ?? "")
        case "cpu": return ReportFormat.number(v) + " CPUs"
        default: return ReportFormat.number(v)
        }
    }
}

/// Human units for durations, sizes and counts.
enum ReportFormat {
    /// `412 ms`, `3.42 s`, `10m 05s`, `1h 02m 03s`.
    static func duration(ms: Double) -> String {
        guard ms.isFinite, ms >= 0 else { return "?" }
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        if ms < 60_000 { return fixed(ms / 1000, digits: 2) + " s" }
        let total = Int((ms / 1000).rounded())
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        let mm = m < 10 ? "0\(m)" : "\(m)", ss = s < 10 ? "0\(s)" : "\(s)"
        return h > 0 ? "\(h)h \(mm)m \(ss)s" : "\(m)m \(ss)s"
    }

    /// `512 B`, `1.5 KiB`, `700.0 MiB`, `2.0 GiB`.
    static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024
        var i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return fixed(v, digits: 1) + " " + units[i]
    }

    /// An integer without a fraction, else up to two decimals.
    static func number(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return fixed(v, digits: 2)
    }

    /// Fixed-point text without Foundation's locale-dependent formatting.
    static func fixed(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return "?" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((abs(v) * scale).rounded())
        let whole = scaled / Int64(scale)
        var frac = String(scaled % Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        return (v < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
    }
}

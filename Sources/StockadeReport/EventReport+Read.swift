import StockadeEvents

extension EventReport {
    /// Reads a JSON-lines events file. Never fails: a line that is not a
    /// JSON object with string `sandbox` and `type` fields (invalid UTF-8
    /// included) is counted in `unparseableLines` and skipped, because a log
    /// cut short by a killed supervisor or a full disk still says something
    /// worth reporting. Blank lines are ignored.
    public static func read(bytes: some Collection<UInt8>) -> EventReport {
        var report = EventReport()
        var builders: [String: RunReportBuilder] = [:]
        var order: [String] = []
        let parser = JSONParser()
        for rawLine in Array(bytes).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = rawLine[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            guard case let .object(event)? = try? parser.parse(bytes: line),
                  let sandbox = event["sandbox"]?.stringValue,
                  let type = event["type"]?.stringValue
            else {
                report.unparseableLines += 1
                continue
            }
            if builders[sandbox] == nil {
                builders[sandbox] = RunReportBuilder(sandboxId: sandbox)
                order.append(sandbox)
            }
            if !builders[sandbox]!.add(type: type, event) { report.unknownEvents += 1 }
        }
        report.runs = order.map { builders[$0]!.finish() }
        return report
    }

    /// Reads a JSON-lines events text; see `read(bytes:)`.
    public static func read(_ text: String) -> EventReport {
        read(bytes: Array(text.utf8))
    }
}

/// Accumulates one sandbox's events into a `RunReport`.
struct RunReportBuilder {
    private var run: RunReport
    private var eventSyscalls: [String: Int] = [:]
    private var endSyscalls: [String: Int]?
    private var eventStacked = 0
    private var endStacked = 0
    private var domainIndex: [String: Int] = [:]
    private var connectionIndex: [String: Int] = [:]

    init(sandboxId: String) { run = RunReport(sandboxId: sandboxId) }

    /// Adds one event; returns false for a type this reader does not know.
    mutating func add(type: String, _ e: JSONObject) -> Bool {
        if run.actor == nil, let a = e["actor"]?.stringValue { run.actor = a }
        guard let kind = EventType(rawValue: type) else { return false }
        switch kind {
        case .sandboxStart: start(e)
        case .sandboxEnd: end(e)
        case .syscallDenied:
            eventSyscalls[e["syscall"]?.stringValue ?? "?", default: 0] += 1
        case .dnsQuery: dns(e)
        case .netDenied: net(e)
        case .limitHit:
            run.limits.append(.init(
                limit: e["limit"]?.stringValue ?? "?", value: e["value"]?.doubleValue,
                count: Int(e["count"]?.int64Value ?? 1), detail: nil))
        case .timeout:
            run.limits.append(.init(
                limit: "timeout", value: e["after_s"]?.doubleValue, count: 1,
                detail: e["signal"]?.stringValue))
        case .sandboxWarning:
            run.warnings.append(.init(code: e["code"]?.stringValue ?? "?", message: e["message"]?.stringValue ?? "", step: nil))
            run.unenforcedLimits += e["limits"]?.arrayValue?.compactMap(\.stringValue) ?? []
        case .sandboxError:
            var message = e["message"]?.stringValue ?? ""
            if let n = e["errno_name"]?.stringValue, !message.hasInfix(n) { message += " (\(n))" }
            run.errors.append(.init(code: e["code"]?.stringValue ?? "?", message: message, step: e["step"]?.stringValue))
        case .eventsSuppressed:
            if let t = e["suppressed_type"]?.stringValue {
                run.suppressed[t, default: 0] += Int(e["count"]?.int64Value ?? 0)
            }
        case .seccompStacked:
            // `count` numbers the filters; a capped event leaves a gap.
            eventStacked = max(eventStacked + 1, Int(e["count"]?.int64Value ?? 0))
        case .sandboxReady, .signalForwarded:
            break
        }
        return true
    }

    private mutating func start(_ e: JSONObject) {
        run.name = e["name"]?.stringValue
        run.command = e["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        run.profile = e["profile"]?.objectValue?["name"]?.stringValue
        let policy = e["policy"]?.objectValue
        run.networkMode = policy?["network"]?.stringValue
        run.allowRules = policy?["egress"]?.objectValue?["allow"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let m = e["masked"]?.objectValue {
            run.masks = .init(
                count: Int(m["count"]?.int64Value ?? 0),
                paths: m["paths"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                unmask: m["unmask"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                unmaskedCount: Int(m["unmasked_count"]?.int64Value ?? 0),
                unmasked: m["unmasked"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }

    private mutating func end(_ e: JSONObject) {
        run.exitReason = e["exit_reason"]?.stringValue
        run.exitStatus = e["exit_status"]?.int64Value.map(Int.init)
        run.signal = e["signal"]?.stringValue
        run.durationMs = e["duration_ms"]?.doubleValue
        run.peakMemoryBytes = e["peak_memory_bytes"]?.int64Value
        run.cpuTimeMs = e["cpu_time_ms"]?.doubleValue
        run.pidsPeak = e["pids_peak"]?.int64Value
        if let by = e["denials"]?.objectValue?["by_syscall"]?.objectValue {
            var counts: [String: Int] = [:]
            for m in by { counts[m.key] = Int(m.value.int64Value ?? 0) }
            endSyscalls = counts
        }
        endStacked = Int(e["denials"]?.objectValue?["stacked_filters"]?.int64Value ?? 0)
        if let s = e["network"]?.objectValue?["suggested_allow"]?.arrayValue {
            run.suggestedAllow = s.compactMap(\.stringValue)
        }
        run.suggestedAllowTruncated = e["network"]?.objectValue?["suggested_allow_truncated"]?.boolValue ?? false
    }

    private mutating func dns(_ e: JSONObject) {
        let name = e["name"]?.stringValue ?? "?"
        let decision = e["decision"]?.stringValue ?? "?"
        // Names compare case-insensitively (as the proxy does); the first
        // spelling seen is the one shown.
        let key = decision + " " + name.lowercased()
        if let i = domainIndex[key] {
            run.domains[i].count += 1
            if run.domains[i].rule == nil { run.domains[i].rule = e["rule"]?.stringValue }
            if run.domains[i].reason == nil { run.domains[i].reason = e["reason"]?.stringValue }
        } else {
            domainIndex[key] = run.domains.count
            run.domains.append(.init(
                name: name, decision: decision, count: 1,
                rule: e["rule"]?.stringValue, reason: e["reason"]?.stringValue))
        }
    }

    private mutating func net(_ e: JSONObject) {
        let proto = e["proto"]?.stringValue ?? "?"
        let dst = e["dst"]?.stringValue ?? "?"
        let port = e["port"]?.int64Value.map(Int.init)
        let enforced = e["enforced"]?.boolValue ?? true
        let key = "\(enforced) \(proto) \(dst) \(port.map(String.init) ?? "-")"
        if let i = connectionIndex[key] {
            run.connections[i].count += 1
            if run.connections[i].name == nil { run.connections[i].name = e["name"]?.stringValue }
        } else {
            connectionIndex[key] = run.connections.count
            run.connections.append(.init(
                proto: proto, dst: dst, port: port, name: e["name"]?.stringValue,
                enforced: enforced, count: 1))
        }
    }

    /// `sandbox.end`'s per-syscall totals include events a rate cap
    /// dropped, so they win over counting `syscall.denied` lines.
    func finish() -> RunReport {
        var out = run
        let counts = endSyscalls ?? eventSyscalls
        out.deniedSyscalls = counts.filter { $0.value > 0 }
            .map { RunReport.SyscallCount(name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        out.stackedFilters = max(eventStacked, endStacked)
        return out
    }
}

/// The sandbox's own life: `sandbox.ready`, `sandbox.warning`,
/// `sandbox.error`, `sandbox.end` (`sandbox.start` is built by StartEvent in
/// StockadeCore, from the plan).
extension Event {
    /// `sandbox.ready`: the workload was exec'd.
    public static func ready(setupMs: Double, pid: Int32) -> Event {
        Event(.sandboxReady, ["setup_ms": .double(setupMs), "pid": .int(Int64(pid))])
    }

    /// `sandbox.warning`; `limits` only with `limits_not_enforced`.
    public static func warning(code: String, message: String, limits: [String]? = nil) -> Event {
        var fields: JSONObject = ["code": .string(code), "message": .string(message)]
        if let limits { fields["limits"] = .array(limits.map { .string($0) }) }
        return Event(.sandboxWarning, fields)
    }

    /// `sandbox.error`; `errno` 0 means no system call failed.
    public static func error(step: String, code: String, errno: Int32 = 0, message: String) -> Event {
        var fields: JSONObject = ["step": .string(step), "code": .string(code)]
        if errno != 0 {
            fields["errno"] = .int(Int64(errno))
            fields["errno_name"] = .string(SystemNames.errnoName(errno))
        }
        fields["message"] = .string(message)
        return Event(.sandboxError, fields)
    }

    /// `sandbox.end`'s `denials`.
    public struct Denials: Sendable {
        public var syscalls: Int
        /// Per system call name, in the order to write them.
        public var bySyscall: [(name: String, count: Int)]
        public var limits: Int
        /// Written only when above 0.
        public var stackedFilters: Int

        public init(syscalls: Int = 0, bySyscall: [(name: String, count: Int)] = [], limits: Int = 0, stackedFilters: Int = 0) {
            self.syscalls = syscalls
            self.bySyscall = bySyscall
            self.limits = limits
            self.stackedFilters = stackedFilters
        }

        var json: JSONValue {
            var by = JSONObject()
            for (name, count) in bySyscall { by[name] = .int(Int64(count)) }
            var o: JSONObject = ["syscalls": .int(Int64(syscalls)), "by_syscall": .object(by), "limits": .int(Int64(limits))]
            if stackedFilters > 0 { o["stacked_filters"] = .int(Int64(stackedFilters)) }
            return .object(o)
        }
    }

    /// `sandbox.end`'s `network`: the egress totals.
    public struct NetworkTotals: Equatable, Sendable {
        public var audit: Bool
        public var queriesAllowed: Int
        public var queriesDenied: Int
        public var packetsDenied: Int
        public var connectionsRelayed: Int
        /// Audit mode only.
        public var suggestedAllow: [String]?
        /// Audit mode only: the suggestion hit its cap and left names out.
        public var suggestedAllowTruncated: Bool

        public init(audit: Bool, queriesAllowed: Int, queriesDenied: Int, packetsDenied: Int, connectionsRelayed: Int, suggestedAllow: [String]? = nil,
                    suggestedAllowTruncated: Bool = false) {
            self.audit = audit
            self.queriesAllowed = queriesAllowed
            self.queriesDenied = queriesDenied
            self.packetsDenied = packetsDenied
            self.connectionsRelayed = connectionsRelayed
            self.suggestedAllow = suggestedAllow
            self.suggestedAllowTruncated = suggestedAllowTruncated
        }

        public var json: JSONObject {
            var o: JSONObject = [
                "mode": .string(audit ? "audit" : "filtered"),
                "queries_allowed": .int(Int64(queriesAllowed)),
                "queries_denied": .int(Int64(queriesDenied)),
                "packets_denied": .int(Int64(packetsDenied)),
                "connections_relayed": .int(Int64(connectionsRelayed)),
            ]
            if let suggestedAllow { o["suggested_allow"] = .array(suggestedAllow.map { .string($0) }) }
            if suggestedAllowTruncated { o["suggested_allow_truncated"] = .bool(true) }
            return o
        }
    }

    /// `sandbox.end` (the log adds `events_suppressed` and `chain`).
    public static func end(
        reason: ExitReason, status: Int32, signal: Int32? = nil, durationMs: Double,
        peakMemoryBytes: UInt64? = nil, cpuTimeMs: Double, pidsPeak: UInt64? = nil,
        denials: Denials, network: NetworkTotals? = nil
    ) -> Event {
        var fields: JSONObject = ["exit_reason": .string(reason.rawValue), "exit_status": .int(Int64(status))]
        if let signal { fields["signal"] = .string(SystemNames.signalName(signal)) }
        fields["duration_ms"] = .double(durationMs)
        if let peakMemoryBytes { fields["peak_memory_bytes"] = .uint(peakMemoryBytes) }
        fields["cpu_time_ms"] = .double(cpuTimeMs)
        if let pidsPeak { fields["pids_peak"] = .uint(pidsPeak) }
        fields["denials"] = denials.json
        if let network { fields["network"] = .object(network.json) }
        return Event(.sandboxEnd, fields)
    }
}

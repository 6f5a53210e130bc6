/// What the watch loop sees the workload do or meet: `syscall.denied`,
/// `seccomp.stacked`, `limit.hit`, `timeout`, `signal.forwarded`, and the
/// log's own `events.suppressed`.
extension Event {
    /// `syscall.denied`; `family` and `netlinkProtocol` for a denied `socket`.
    public static func syscallDenied(
        syscall: String, nr: Int64, arch: String, errno: Int32, pid: Int64,
        family: String? = nil, netlinkProtocol: String? = nil
    ) -> Event {
        var fields: JSONObject = [
            "syscall": .string(syscall),
            "nr": .int(nr),
            "arch": .string(arch),
            "errno": .string(SystemNames.errnoName(errno)),
            "pid": .int(pid),
        ]
        if let family { fields["family"] = .string(family) }
        if let netlinkProtocol { fields["protocol"] = .string(netlinkProtocol) }
        return Event(.syscallDenied, fields)
    }

    /// `seccomp.stacked`: `syscall` is `seccomp` or `prctl`; `count` so far.
    public static func seccompStacked(syscall: String, pid: Int64, count: Int) -> Event {
        Event(.seccompStacked, ["syscall": .string(syscall), "pid": .int(pid), "count": .int(Int64(count))])
    }

    /// The limits `limit.hit` names.
    public enum Limit: String, Sendable {
        case memory, pids, cpu
    }

    /// `limit.hit`; a nil `value` is written as null.
    public static func limitHit(_ limit: Limit, value: UInt64?, count: Int) -> Event {
        Event(.limitHit, ["limit": .string(limit.rawValue), "value": value.map { .uint($0) } ?? .null, "count": .int(Int64(count))])
    }

    /// The two phases of a timeout and the signal each sends.
    public enum TimeoutPhase: String, Sendable {
        case term, kill
        var signal: String { self == .term ? "SIGTERM" : "SIGKILL" }
    }

    /// `timeout`: `afterSeconds` since the workload started.
    public static func timeout(afterSeconds: Double, phase: TimeoutPhase) -> Event {
        Event(.timeout, ["after_s": .double(afterSeconds), "signal": .string(phase.signal), "phase": .string(phase.rawValue)])
    }

    /// `signal.forwarded`.
    public static func signalForwarded(_ signal: Int32) -> Event {
        Event(.signalForwarded, ["signal": .string(SystemNames.signalName(signal))])
    }

    /// `events.suppressed`: `count` events of `type` were not written.
    public static func suppressed(_ type: EventType, count: Int) -> Event {
        Event(.eventsSuppressed, ["suppressed_type": .string(type.rawValue), "count": .int(Int64(count))])
    }
}

/// What the sandbox refused during a run, for `--fail-on-deny`. Audit-mode
/// findings are not counted: nothing was refused.
public struct DenialCounts: Equatable, Sendable {
    /// `syscall.denied`, rate-capped ones included.
    public var syscalls: Int
    /// `dns.query` with `decision: deny`.
    public var queries: Int
    /// `net.denied` with `enforced: true`.
    public var packets: Int

    /// Seccomp filters the workload installed on top of the sandbox's
    /// (`seccomp.stacked`). Allowed, but counted: a stacked filter's ERRNO
    /// rules outrank the sandbox's notifications, so denials after it could
    /// be hidden from the log, and a run that hides its denials must not pass.
    public var stackedFilters: Int

    public init(syscalls: Int = 0, queries: Int = 0, packets: Int = 0, stackedFilters: Int = 0) {
        self.syscalls = syscalls
        self.queries = queries
        self.packets = packets
        self.stackedFilters = stackedFilters
    }

    public var total: Int { syscalls + queries + packets + stackedFilters }
}

/// `--fail-on-deny`: a CI step whose workload passed but ran into a wall
/// fails, so a policy regression (a new dependency host, a build tool that
/// suddenly wants `ptrace`) is seen rather than silently worked around.
///
/// Only a run that ended `exit` with status 0 is changed, to status 1; any
/// other status already fails the step and is kept, so it still says what
/// happened (a timeout stays 124). The `sandbox.warning` with code
/// `fail_on_deny` tells this 1 from the workload's own.
public enum FailOnDeny {
    /// The status a passing run gets when it had denials.
    public static let status: Int32 = 1
    /// `sandbox.warning.code` written when the status was changed.
    public static let warningCode = "fail_on_deny"

    /// The status to exit with instead of `status`, or nil to keep it.
    public static func override(reason: ExitReason, status: Int32, denials: DenialCounts) -> Int32? {
        guard reason == .exit, status == 0, denials.total > 0 else { return nil }
        return Self.status
    }

    /// The warning's message, naming what was denied.
    public static func message(_ d: DenialCounts) -> String {
        var parts: [String] = []
        if d.syscalls > 0 { parts.append("\(d.syscalls) system call\(d.syscalls == 1 ? "" : "s")") }
        if d.queries > 0 { parts.append("\(d.queries) DNS quer\(d.queries == 1 ? "y" : "ies")") }
        if d.packets > 0 { parts.append("\(d.packets) packet\(d.packets == 1 ? "" : "s")") }
        var text = "the workload exited 0 but the sandbox denied \(parts.joined(separator: ", "))"
        if parts.isEmpty { text = "the workload exited 0" }
        if d.stackedFilters > 0 {
            text += "\(parts.isEmpty ? " but" : "; and it") installed \(d.stackedFilters) seccomp filter\(d.stackedFilters == 1 ? "" : "s") of its own, which can hide denials"
        }
        return text + "; --fail-on-deny exits \(status)"
    }
}

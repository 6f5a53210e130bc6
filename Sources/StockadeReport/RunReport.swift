import StockadeEvents

/// What one sandbox did, distilled from its audit events: the facts a CI
/// summary shows. Built by `EventReport.read`; rendered by
/// `ReportMarkdown`, `ReportTable` and `ProfileSuggestion`.
public struct RunReport: Equatable, Sendable {
    /// A DNS name and how often it was asked, with one decision.
    public struct DomainCount: Equatable, Sendable {
        public var name: String
        /// `allow`, `deny` or `audit`, as in `dns.query.decision`.
        public var decision: String
        public var count: Int
        /// The allow rule that matched, for allowed names (the first one seen).
        public var rule: String?
        /// Why it was denied (the first reason seen).
        public var reason: String?
    }

    /// One destination of `net.denied` events and how often it was seen.
    public struct ConnectionCount: Equatable, Sendable {
        public var proto: String
        public var dst: String
        public var port: Int?
        public var name: String?
        /// `false` in audit mode: the connection was let through.
        public var enforced: Bool
        public var count: Int
    }

    /// A system call the filter refused, and how often.
    public struct SyscallCount: Equatable, Sendable {
        public var name: String
        public var count: Int
    }

    /// A `limit.hit` or `timeout` event, as one line.
    public struct LimitCount: Equatable, Sendable {
        /// `memory`, `pids`, `cpu`, or `timeout`.
        public var limit: String
        /// The limit's value, or the seconds after which a timeout fired.
        public var value: Double?
        public var count: Int
        /// For timeouts, the signal sent.
        public var detail: String?
    }

    /// A `sandbox.warning` or `sandbox.error`.
    public struct Notice: Equatable, Sendable {
        public var code: String
        public var message: String
        /// For errors: the step that failed.
        public var step: String?
    }

    public var sandboxId: String
    public var actor: String?
    public var name: String?
    public var command: [String] = []
    public var profile: String?
    /// `policy.network` of `sandbox.start`.
    public var networkMode: String?
    /// `policy.egress.allow` of `sandbox.start`.
    public var allowRules: [String] = []

    /// Absent when the log has no `sandbox.end` (the supervisor was killed, or the log was cut).
    public var exitReason: String?
    public var exitStatus: Int?
    public var signal: String?
    public var durationMs: Double?
    public var peakMemoryBytes: Int64?
    public var cpuTimeMs: Double?
    public var pidsPeak: Int64?

    /// Denied system calls, by count (descending), then name.
    public var deniedSyscalls: [SyscallCount] = []

    public var domains: [DomainCount] = []
    public var connections: [ConnectionCount] = []
    public var limits: [LimitCount] = []
    public var warnings: [Notice] = []
    public var errors: [Notice] = []
    /// `events.suppressed`: type → count.
    public var suppressed: [String: Int] = [:]
    /// `sandbox.end.network.suggested_allow`, when the run was in audit mode.
    public var suggestedAllow: [String]?
    /// Limits a `sandbox.warning` `limits_not_enforced` named: asked for, not enforced.
    public var unenforcedLimits: [String] = []
    /// `sandbox.start.masked`: workspace paths masked (read as empty) and
    /// lifted by unmask, relative to the workspace; nil when nothing was scanned.
    public var masks: MaskSummary?

    /// `sandbox.start.masked`, as the report shows it.
    public struct MaskSummary: Equatable, Sendable {
        public var count: Int
        public var paths: [String]
        public var unmask: [String]
        public var unmaskedCount: Int
        public var unmasked: [String]
    }
    /// Seccomp filters the workload stacked on the sandbox's: the largest
    /// of `sandbox.end.denials.stacked_filters` and the `seccomp.stacked`
    /// counts (events may be rate-capped; the end's count is not).
    public var stackedFilters = 0
    /// `sandbox.end.network.suggested_allow_truncated`: the run's suggestion
    /// reached its bound and left names out.
    public var suggestedAllowTruncated = false

    public init(sandboxId: String) { self.sandboxId = sandboxId }

    /// Allowed names, in first-seen order.
    public var allowedDomains: [DomainCount] { domains.filter { $0.decision == "allow" } }
    /// Denied names, and in audit mode the names that would have been denied.
    public var deniedDomains: [DomainCount] { domains.filter { $0.decision != "allow" } }
    /// Total denied system calls.
    public var syscallDenials: Int { deniedSyscalls.reduce(0) { $0 + $1.count } }

    /// Whether the sandbox enforced a denial: a system call refused, a DNS
    /// query answered without upstream, or a packet dropped. Audit-mode
    /// findings (`decision: audit`, `enforced: false`) are not denials.
    public var hasEnforcedDenial: Bool {
        syscallDenials > 0
            || stackedFilters > 0
            || domains.contains { $0.decision == "deny" }
            || connections.contains { $0.enforced }
    }

    /// Whether the run succeeded: `sandbox.end` says exit 0.
    public var succeeded: Bool { exitReason == "exit" && exitStatus == 0 }
}

/// The reports of one events file: one per sandbox id, in order of first
/// appearance (several supervisors may append to one file), plus what could
/// not be read.
public struct EventReport: Equatable, Sendable {
    public var runs: [RunReport]
    /// Lines that are not a JSON object with a string `sandbox` and `type`.
    public var unparseableLines: Int
    /// Events of types this reader does not know (a newer schema); ignored.
    public var unknownEvents: Int

    public init(runs: [RunReport] = [], unparseableLines: Int = 0, unknownEvents: Int = 0) {
        self.runs = runs
        self.unparseableLines = unparseableLines
        self.unknownEvents = unknownEvents
    }
}

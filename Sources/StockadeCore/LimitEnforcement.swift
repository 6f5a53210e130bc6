import StockadeCgroups

/// The cgroup limits a sandbox can ask for.
public enum LimitKind: String, CaseIterable, Equatable, Sendable {
    case memory, pids, cpus

    /// The command-line option that sets it.
    public var option: String {
        switch self {
        case .memory: "--memory"
        case .pids: "--pids-limit"
        case .cpus: "--cpus"
        }
    }
}

/// Whether the cgroup limits a sandbox asks for can be enforced on this host
/// by this caller, and what happens when they cannot. Limits are never
/// silently unenforced: a command-line limit fails the run, a profile limit
/// is a `sandbox.warning` (or fails with `--require-limits`).
public enum LimitEnforcement {
    /// Where the limits will be enforced, or why they cannot be.
    public enum Means: Equatable, Sendable {
        /// No memory, pids or cpus limit asked for.
        case nothingAsked
        /// A sandbox cgroup in this layout: root on v1 or v2, or rootless in
        /// a cgroup v2 subtree delegated to the caller.
        case cgroup
        /// Not here; `reason` says why, `remedy` what would make it work.
        case unenforceable(reason: String, remedy: String)
    }

    public static func requested(_ spec: SandboxSpec) -> [LimitKind] {
        LimitKind.allCases.filter {
            switch $0 {
            case .memory: spec.memoryBytes != nil
            case .pids: spec.pids != nil
            case .cpus: spec.cpus != nil
            }
        }
    }

    /// Pure: from the spec and the detected layout. `CgroupLayout.detect`
    /// only reports `.unified` when the caller's own v2 cgroup is writable
    /// (delegated) and offers memory and pids, so a rootless caller there
    /// gets its limits; v1 hierarchies are root's.
    public static func means(_ spec: SandboxSpec, layout: CgroupLayout) -> Means {
        guard !requested(spec).isEmpty else { return .nothingAsked }
        switch layout {
        case .unavailable(let reason):
            return .unenforceable(reason: "no usable cgroup hierarchy (\(reason))",
                                  remedy: "run where cgroup v1 has memory and pids hierarchies, or cgroup v2 offers them to the supervisor's cgroup")
        case .unified:
            return .cgroup
        case .v1:
            guard spec.rootless else { return .cgroup }
            return .unenforceable(reason: "this host keeps memory and pids on cgroup v1, which only root can write",
                                  remedy: "run as root (sudo sandbox-run), or on a cgroup v2 host inside a systemd-delegated subtree (systemd-run --user --scope -p Delegate=yes sandbox-run …)")
        }
    }

    /// What to do about limits that cannot be enforced.
    public enum Verdict: Equatable, Sendable {
        /// Exit 125: a command-line limit, or `require` is set.
        case fail(String)
        /// Run, with a `sandbox.warning` naming each limit.
        case warn(limits: [LimitKind], message: String)
    }

    public static func verdict(_ spec: SandboxSpec, reason: String, remedy: String) -> Verdict {
        let asked = requested(spec)
        let fromCommandLine = asked.filter { spec.commandLineLimits.contains($0) }
        if !fromCommandLine.isEmpty {
            let options = fromCommandLine.map(\.option).joined(separator: ", ")
            return .fail("\(options) cannot be enforced: \(reason); \(remedy), or drop \(options)")
        }
        let names = asked.map(\.rawValue).joined(separator: ", ")
        if spec.requireLimits {
            return .fail("the profile's \(names) limit\(asked.count == 1 ? "" : "s") cannot be enforced and limits are required (--require-limits or limits.require): \(reason); \(remedy)")
        }
        return .warn(limits: asked, message: "not enforced: \(names) (\(reason)); \(remedy)")
    }

    /// `sandbox.warning` code for profile limits that are not enforced.
    public static let warningCode = "limits_not_enforced"
}

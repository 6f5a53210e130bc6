import StockadeSeccomp

/// One step of building the sandbox's filesystem, in execution order.
public enum MountStep: Equatable, Sendable {
    /// A host path (canonical, resolved by the parent) bound at `destination`.
    case bind(source: String, destination: String, readOnly: Bool, isFile: Bool, device: Bool)
    case tmpfs(destination: String, options: String, readOnly: Bool)
    case proc(destination: String)
    case devpts(destination: String)
    case symlink(target: String, at: String)
    /// Cover an existing path with an empty read-only file or directory.
    /// `optional`: a missing or unreachable path is skipped (nothing to hide).
    case hide(path: String, isFile: Bool, optional: Bool)
    case remountReadOnly(path: String)
    /// A fresh read-only sysfs (needs the sandbox's own network namespace).
    case sysfs(destination: String)
    /// The sandbox's own cgroup directories, read-only. A placeholder: the
    /// supervisor replaces it with concrete steps once the cgroup exists
    /// (`CgroupView.expand`).
    case cgroupView(destination: String)

    public var destination: String {
        switch self {
        case .bind(_, let d, _, _, _), .tmpfs(let d, _, _), .proc(let d), .devpts(let d): return d
        case .symlink(_, let at): return at
        case .hide(let p, _, _), .remountReadOnly(let p): return p
        case .sysfs(let d), .cgroupView(let d): return d
        }
    }
}

/// One rlimit resolved to its resource number.
public struct ResolvedRlimit: Equatable, Sendable {
    public var name: String
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
}

public enum Namespace: String, Equatable, Sendable, CaseIterable {
    case user, mount, pid, uts, ipc, cgroup, net
}

/// The ordered, fully resolved description of a sandbox: what the supervisor
/// and the C child execute. Built by `Planner.plan` without side effects, so
/// it can be printed (`--dry-run`) and tested without root.
public struct Plan: Equatable, Sendable {
    public var spec: SandboxSpec
    public var namespaces: [Namespace]
    public var mounts: [MountStep]
    public var rlimits: [ResolvedRlimit]
    public var seccomp: CompiledSeccompFilter
    public var argv: [String]
    public var environment: [String]
    public var cwd: String
    public var loopbackUp: Bool
    /// Paths the mask globs matched inside the workspace (already in `mounts`).
    public var maskedPaths: [String]
    /// What each bind source and the workspace resolved to (`--dry-run`).
    public var resolvedPaths: [ResolvedPath] = []
    /// The Landlock ruleset derived from `mounts` (LandlockPlan.swift).
    public var landlock: LandlockPlan = LandlockPlan()
    /// Paths a mask glob matched but an `unmask` glob lifted for this run.
    public var unmaskedPaths: [String] = []
    /// Identities of bind sources planning already read (the workspace the
    /// mask scan walked), by source path: the bind must reach the same
    /// objects, or the masks were computed for another tree (BindSource).
    public var scannedBindSources: [String: FileIdentity] = [:]
    /// Where the egress files (resolv.conf, hosts) are, for `--net
    /// filtered`/`audit`; nil otherwise. Decided once, here: the mount steps
    /// bind from it and the egress runtime writes and checks there, so every
    /// bind source has a recorded identity (BindSource).
    public var egressFiles: OwnedDirectory? = nil
}

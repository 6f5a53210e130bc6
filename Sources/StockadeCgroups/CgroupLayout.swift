/// The cgroup controllers Stockade uses.
public enum CgroupController: String, CaseIterable, Hashable, Comparable, Sendable {
    case memory, pids, cpu, cpuacct

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One mounted cgroup hierarchy and the supervisor's place in it.
public struct CgroupHierarchy: Equatable, Hashable, Sendable {
    /// Where the hierarchy is mounted, e.g. `/sys/fs/cgroup/memory`.
    public var mount: String
    /// The supervisor's cgroup relative to that mount, always starting with
    /// `/` (`/` itself for the mount's root), e.g. `/process_api/696a…`.
    public var ownPath: String

    public init(mount: String, ownPath: String) {
        self.mount = mount
        self.ownPath = ownPath
    }

    /// The directory of the supervisor's own cgroup in this hierarchy.
    public var directory: String {
        ownPath == "/" ? mount : mount + ownPath
    }
}

/// Which cgroup interface this host offers the supervisor.
public enum CgroupLayout: Equatable, Sendable {
    /// cgroup v2 with memory and pids available to (and writable in) the
    /// supervisor's own cgroup: every sandbox gets one directory.
    case unified(mount: String, ownPath: String)
    /// cgroup v1: one hierarchy per controller (co-mounted controllers share
    /// one). `unifiedMount` is the cgroup2 mount of a hybrid host, kept only
    /// so `summary` can say so; Stockade puts nothing there.
    case v1(controllers: [CgroupController: CgroupHierarchy], unifiedMount: String?)
    /// No usable hierarchy; sandboxes that ask for limits must fail.
    case unavailable(reason: String)

    /// `v2`, `v1`, `hybrid` (v1 controllers beside a cgroup2 mount) or `none`.
    public var summary: String {
        switch self {
        case .unified: return "v2"
        case .v1(_, let unified): return unified == nil ? "v1" : "hybrid"
        case .unavailable: return "none"
        }
    }

    /// The supervisor's own cgroup directory per controller; the same
    /// directory for every controller on v2.
    public var ownDirectories: [CgroupController: String] {
        switch self {
        case .unified(let mount, let ownPath):
            let dir = CgroupHierarchy(mount: mount, ownPath: ownPath).directory
            return Dictionary(uniqueKeysWithValues: CgroupController.allCases.map { ($0, dir) })
        case .v1(let controllers, _):
            return controllers.mapValues(\.directory)
        case .unavailable:
            return [:]
        }
    }

    /// Distinct own directories, sorted (co-mounted v1 controllers and v2 give one each).
    public var distinctOwnDirectories: [String] {
        Array(Set(ownDirectories.values)).sorted()
    }
}

/// Names Stockade gives the directories it creates.
public enum CgroupNaming {
    /// Prefix of every sandbox cgroup: `stockade-<sandboxId>`.
    public static let sandboxPrefix = "stockade-"
    /// Prefix of the v2 leaf the supervisor moves itself into when the
    /// "no internal processes" rule forbids enabling controllers while it
    /// sits in its own cgroup: `stockade.supervisor.<pid>`. A different
    /// separator keeps it out of the janitor's `stockade-*` sweep.
    public static let supervisorLeafPrefix = "stockade.supervisor."

    public static func directoryName(sandboxId: String) -> String {
        sandboxPrefix + sandboxId
    }

    /// The sandbox id in a directory name, or `nil` when it is not ours.
    public static func sandboxId(fromDirectoryName name: String) -> String? {
        guard name.hasPrefix(sandboxPrefix) else { return nil }
        let id = String(name.dropFirst(sandboxPrefix.count))
        return isValidSandboxId(id) ? id : nil
    }

    /// Whether `id` has the shape `SandboxID.generate` gives every real run:
    /// exactly 10 lowercase hex digits. The sweep takes only such names, so
    /// a unit or slice that happens to be called `stockade-ci.service` or
    /// `stockade-agents.slice` is never mistaken for a sandbox and killed.
    public static func isGeneratedSandboxId(_ id: String) -> Bool {
        id.utf8.count == 10 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A sandbox id must be a single safe path component.
    public static func isValidSandboxId(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 200, id != ".", id != ".." else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }
}

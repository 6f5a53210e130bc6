import Glibc

/// The cgroup (one directory per v1 hierarchy, or one v2 directory) that
/// holds one sandbox, named `stockade-<sandboxId>` under the supervisor's
/// own cgroup.
///
/// Lifecycle: `create` (limits written, fail closed) → `attach(pid:)` the
/// child before it is released to exec → `stats()` at the end →
/// `destroy()` (kills anything left, removes the directories).
public struct SandboxCgroup: Equatable, Sendable {
    public let sandboxId: String
    /// True on cgroup v2.
    public let unified: Bool
    /// The sandbox's directory for each controller it has. Co-mounted v1
    /// controllers (and every controller on v2) share a directory.
    public let directories: [CgroupController: String]

    public init(sandboxId: String, unified: Bool, directories: [CgroupController: String]) {
        self.sandboxId = sandboxId
        self.unified = unified
        self.directories = directories
    }

    /// Every distinct directory of this sandbox, sorted.
    public var paths: [String] {
        Array(Set(directories.values)).sorted()
    }

    /// Creates the sandbox's cgroup directories and writes `limits`.
    ///
    /// v1: a directory in the memory and pids hierarchies the host has (for
    /// their limits, peaks and OOM/limit counters), and in cpu and cpuacct
    /// only when a CPU limit is set. Every hierarchy joined costs a mkdir, a
    /// migration and an rmdir per sandbox; without a CPU limit the CPU time
    /// comes from the sandbox init's `wait4` rusage, which covers every
    /// process the init reaped (all of them: it is the pid namespace's reaper).
    /// v2: one directory; memory and pids (and cpu when a CPU limit is set)
    /// are enabled in the supervisor's cgroup's `cgroup.subtree_control` if
    /// they are not already — see `enableControllers` for the "no internal
    /// processes" rule.
    ///
    /// `.unavailable` always throws (step `detect`); a caller with no limits
    /// to enforce may choose not to call `create` at all on such hosts.
    ///
    /// Fails closed: a limit asked for whose controller is missing, an
    /// existing directory of the same name, or any failed write throws, and
    /// every directory made by this call is removed first. Enabling
    /// controllers in the supervisor's own cgroup is not undone (other
    /// sandboxes may rely on it, and it grants nothing).
    public static func create(sandboxId: String, limits: CgroupLimits, layout: CgroupLayout) throws(CgroupError) -> SandboxCgroup {
        guard CgroupNaming.isValidSandboxId(sandboxId) else {
            throw CgroupError(step: "validate", path: sandboxId, errno: 0,
                              message: "sandbox id must be [A-Za-z0-9._-]+ and one path component")
        }
        try limits.validate()
        let name = CgroupNaming.directoryName(sandboxId: sandboxId)

        let cgroup: SandboxCgroup
        switch layout {
        case .unavailable(let reason):
            throw CgroupError(step: "detect", path: "/sys/fs/cgroup", errno: ENOTSUP, message: reason)
        case .v1(let hierarchies, _):
            let missing = limits.requiredControllers.subtracting(hierarchies.keys).sorted()
            if let first = missing.first {
                throw CgroupError(step: "controller_missing", path: first.rawValue, errno: ENOENT,
                                  message: "a limit needs the \(first.rawValue) controller, which has no v1 hierarchy here")
            }
            let joined = hierarchies.filter { limits.v1Hierarchies.contains($0.key) }
            cgroup = SandboxCgroup(sandboxId: sandboxId, unified: false,
                                   directories: joined.mapValues { $0.directory + "/" + name })
        case .unified(let mount, let ownPath):
            let base = CgroupHierarchy(mount: mount, ownPath: ownPath).directory
            var needed: Set<CgroupController> = [.memory, .pids]
            if limits.cpus != nil { needed.insert(.cpu) }
            try enableControllers(needed, in: base, isRoot: ownPath == "/")
            let directory = base + "/" + name
            cgroup = SandboxCgroup(sandboxId: sandboxId, unified: true,
                                   directories: Dictionary(uniqueKeysWithValues: CgroupController.allCases.map { ($0, directory) }))
        }

        var created: [String] = []
        do throws(CgroupError) {
            for directory in cgroup.paths {
                if let error = CgroupFS.mkdir(directory) {
                    let hint = error.rawValue == EEXIST ? "exists already: a leftover of this sandbox id? (gc removes leftovers)" : ""
                    throw CgroupError(step: "mkdir", path: directory, errno: error.rawValue, message: hint)
                }
                created.append(directory)
            }
            for write in limits.plannedWrites(unified: cgroup.unified) {
                guard let directory = cgroup.directories[write.controller] else { continue }
                let path = directory + "/" + write.file
                if write.onlyIfPresent && !CgroupFS.exists(path) { continue }
                if let error = CgroupFS.write(path, write.value) {
                    throw CgroupError(step: "write_limit", path: path, errno: error.rawValue, message: "value \(write.value)")
                }
            }
        } catch {
            // Nothing has joined yet, so plain rmdir suffices.
            for directory in created.reversed() { _ = CgroupFS.rmdir(directory) }
            throw error
        }
        return cgroup
    }

    /// Moves `pid` (all its threads) into every directory of this sandbox.
    ///
    /// Call it while the child still waits for its "go", so that nothing it
    /// runs escapes the limits. On failure the process may already be in
    /// some of the directories; the caller must kill it (fail closed).
    public func attach(pid: Int32) throws(CgroupError) {
        for directory in paths {
            let path = directory + "/cgroup.procs"
            if let error = CgroupFS.write(path, "\(pid)") {
                throw CgroupError(step: "attach", path: path, errno: error.rawValue, message: "pid \(pid)")
            }
        }
    }
}

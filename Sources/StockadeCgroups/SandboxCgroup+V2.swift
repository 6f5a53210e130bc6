import Glibc

extension SandboxCgroup {
    /// Makes `controllers` available to children of `base` by writing them
    /// to `base/cgroup.subtree_control`.
    ///
    /// cgroup v2's "no internal processes" rule (cgroup-v2.rst): a non-root
    /// cgroup that has member processes cannot enable controllers for its
    /// children (EBUSY). A supervisor started in a delegated cgroup (systemd
    /// `Delegate=yes`) is such a member. Then, as systemd's delegation
    /// guide recommends, the supervisor moves itself into a leaf
    /// `stockade.supervisor.<pid>` beside the sandboxes and retries. If
    /// other processes still sit in `base`, it moves back, removes the leaf
    /// and fails: Stockade never moves processes it does not own.
    static func enableControllers(_ controllers: Set<CgroupController>, in base: String, isRoot: Bool) throws(CgroupError) {
        let availablePath = base + "/cgroup.controllers"
        let availableText: String
        switch CgroupFS.read(availablePath) {
        case .success(let text): availableText = text
        case .failure(let error):
            throw CgroupError(step: "enable_controllers", path: availablePath, errno: error.rawValue)
        }
        let available = words(availableText)
        for controller in controllers.sorted() where !available.contains(controller.rawValue) {
            throw CgroupError(step: "controller_missing", path: availablePath, errno: ENOENT,
                              message: "the \(controller.rawValue) controller is not available to this cgroup")
        }
        let subtreePath = base + "/cgroup.subtree_control"
        let enabled = words(CgroupFS.readIfPresent(subtreePath) ?? "")
        let missing = controllers.map(\.rawValue).filter { !enabled.contains($0) }.sorted()
        if missing.isEmpty { return }
        let request = missing.map { "+" + $0 }.joined(separator: " ")

        guard let error = CgroupFS.write(subtreePath, request) else { return }
        guard error.rawValue == EBUSY, !isRoot else {
            throw CgroupError(step: "enable_controllers", path: subtreePath, errno: error.rawValue, message: request)
        }

        let leaf = base + "/" + CgroupNaming.supervisorLeafPrefix + "\(getpid())"
        if let mkdirError = CgroupFS.mkdir(leaf), mkdirError.rawValue != EEXIST {
            throw CgroupError(step: "move_self", path: leaf, errno: mkdirError.rawValue)
        }
        if let moveError = CgroupFS.write(leaf + "/cgroup.procs", "\(getpid())") {
            _ = CgroupFS.rmdir(leaf)
            throw CgroupError(step: "move_self", path: leaf + "/cgroup.procs", errno: moveError.rawValue)
        }
        guard let retryError = CgroupFS.write(subtreePath, request) else { return }
        _ = CgroupFS.write(base + "/cgroup.procs", "\(getpid())")
        _ = CgroupFS.rmdir(leaf)
        throw CgroupError(step: "enable_controllers", path: subtreePath, errno: retryError.rawValue,
                          message: "other processes share the supervisor's cgroup (no internal processes rule); start the supervisor in a cgroup of its own")
    }

    private static func words(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }
}

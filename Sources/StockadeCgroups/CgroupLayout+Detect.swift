extension CgroupLayout {
    /// Detects the layout for the calling process from `/proc/self/mountinfo`
    /// and `/proc/self/cgroup`, preferring v2 when it is usable.
    public static func detect() -> CgroupLayout {
        guard case .success(let mountinfo) = CgroupFS.read("/proc/self/mountinfo") else {
            return .unavailable(reason: "cannot read /proc/self/mountinfo")
        }
        guard case .success(let cgroup) = CgroupFS.read("/proc/self/cgroup") else {
            return .unavailable(reason: "cannot read /proc/self/cgroup")
        }
        return resolve(mountInfo: mountinfo, procSelfCgroup: cgroup) { directory in
            // Delegatable means we may create children and write subtree_control.
            guard CgroupFS.isWritableDirectory(directory) else { return nil }
            return CgroupFS.readIfPresent(directory + "/cgroup.controllers")
        }
    }

    /// Pure decision behind `detect()`.
    ///
    /// - Parameter unifiedControllers: the text of `cgroup.controllers` in a
    ///   v2 directory, or `nil` if it is unreadable or the directory is not
    ///   writable by us (not delegated).
    ///
    /// v2 is chosen when the supervisor's v2 cgroup (ignoring a
    /// `stockade.supervisor.<pid>` leaf we moved ourselves into earlier)
    /// offers both `memory` and `pids`. Otherwise every v1 hierarchy of a
    /// controller Stockade uses, in which the supervisor's cgroup is visible,
    /// is taken.
    public static func resolve(
        mountInfo: String,
        procSelfCgroup: String,
        unifiedControllers: (String) -> String?
    ) -> CgroupLayout {
        let mounts = ProcParsers.mountInfo(mountInfo)
        let memberships = ProcParsers.procCgroup(procSelfCgroup)
        let unifiedMounts = mounts.filter { $0.fsType == "cgroup2" }

        if let v2 = memberships.first(where: { $0.hierarchyId == 0 && $0.controllers.isEmpty }) {
            for mount in unifiedMounts {
                guard let relative = ProcParsers.relativePath(cgroupPath: v2.path, mountRoot: mount.root) else { continue }
                let own = stripSupervisorLeaf(relative)
                let directory = CgroupHierarchy(mount: mount.mountPoint, ownPath: own).directory
                guard let text = unifiedControllers(directory) else { continue }
                let available = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
                if available.contains("memory") && available.contains("pids") {
                    return .unified(mount: mount.mountPoint, ownPath: own)
                }
            }
        }

        var controllers: [CgroupController: CgroupHierarchy] = [:]
        for mount in mounts where mount.fsType == "cgroup" {
            for controller in CgroupController.allCases where mount.superOptions.contains(controller.rawValue) {
                guard controllers[controller] == nil,
                      let membership = memberships.first(where: {
                          $0.hierarchyId != 0 && $0.controllers.contains(controller.rawValue)
                      }),
                      let relative = ProcParsers.relativePath(cgroupPath: membership.path, mountRoot: mount.root)
                else { continue }
                controllers[controller] = CgroupHierarchy(mount: mount.mountPoint, ownPath: relative)
            }
        }
        if !controllers.isEmpty {
            return .v1(controllers: controllers, unifiedMount: unifiedMounts.first?.mountPoint)
        }
        if unifiedMounts.isEmpty {
            return .unavailable(reason: "no cgroup v1 hierarchy for memory/pids/cpu and no cgroup2 mount")
        }
        return .unavailable(reason: "cgroup2 is mounted but memory and pids are not available to (or not delegated to) the supervisor's cgroup, and no v1 hierarchy holds them")
    }

    /// `/a/b/stockade.supervisor.123` → `/a/b`: the leaf is the supervisor's
    /// own hiding place, sandboxes go beside it.
    static func stripSupervisorLeaf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        let last = path[path.index(after: slash)...]
        guard last.hasPrefix(CgroupNaming.supervisorLeafPrefix) else { return path }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }
}

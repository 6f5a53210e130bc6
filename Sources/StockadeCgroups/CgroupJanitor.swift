/// Finds and removes sandbox cgroups whose supervisor died without
/// cleaning up (the `gc` verb). Only `stockade-*` directories directly under
/// the supervisor's own cgroups are considered, and only those are touched.
public enum CgroupJanitor {
    /// Directories named `stockade-<id>` under this supervisor's cgroups, sorted.
    public static func leftovers(layout: CgroupLayout) -> [String] {
        var found: Set<String> = []
        for base in layout.distinctOwnDirectories {
            for name in CgroupFS.subdirectories(base) where CgroupNaming.sandboxId(fromDirectoryName: name) != nil {
                found.insert(base + "/" + name)
            }
        }
        return found.sorted()
    }

    /// Kills the processes of, and removes, every leftover whose owner is not
    /// alive; returns the directories removed. Also removes empty
    /// `stockade.supervisor.<pid>` leaves (rmdir fails harmlessly on busy ones).
    public static func removeLeftovers(layout: CgroupLayout, isOwnerAlive: (String) -> Bool) -> [String] {
        var ids: Set<String> = []
        for path in leftovers(layout: layout) {
            let name = String(path[path.index(after: path.lastIndex(of: "/")!)...])
            if let id = CgroupNaming.sandboxId(fromDirectoryName: name) { ids.insert(id) }
        }
        var removed: [String] = []
        for id in ids.sorted() where !isOwnerAlive(id) {
            // Its owner's lock on the directory outranks the registry, which
            // may not be the one the owner wrote to.
            guard let cgroup = SandboxCgroup.existing(sandboxId: id, layout: layout), !cgroup.isOwnerHoldingLock else { continue }
            do {
                try cgroup.destroy()
                removed.append(contentsOf: cgroup.paths)
            } catch {
                removed.append(contentsOf: cgroup.paths.filter { !CgroupFS.exists($0) })
            }
        }
        if case .unified = layout, let base = layout.distinctOwnDirectories.first {
            for name in CgroupFS.subdirectories(base) where name.hasPrefix(CgroupNaming.supervisorLeafPrefix) {
                if CgroupFS.rmdir(base + "/" + name) == nil { removed.append(base + "/" + name) }
            }
        }
        return removed.sorted()
    }
}

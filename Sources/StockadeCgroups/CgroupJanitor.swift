/// Finds and removes sandbox cgroups whose supervisor died without
/// cleaning up (the `gc` verb as root; rootless `gc` sweeps no cgroups).
/// `stockade-<id>` directories with a generated id anywhere in the host's
/// hierarchies that the effective user owns are considered (a dead
/// supervisor's own cgroup may be another session's or CI job's:
/// `SandboxCgroup.findAll`), and only those are touched. Empty
/// `stockade.supervisor.<pid>` leaves are removed only under the caller's
/// own cgroup, not searched for elsewhere.
public enum CgroupJanitor {
    /// Kills the processes of, and removes, every leftover whose owner is not
    /// alive; returns the directories removed. Also removes empty
    /// `stockade.supervisor.<pid>` leaves directly under the caller's own v2
    /// cgroup (rmdir fails harmlessly on busy ones).
    public static func removeLeftovers(layout: CgroupLayout, isOwnerAlive: (String) -> Bool) -> [String] {
        sweep(layout: layout, isOwnerAlive: isOwnerAlive).removed
    }

    /// `removeLeftovers`, and whether the search stopped at
    /// `SandboxCgroup.findMaxDirectories` (then some leftovers may remain).
    public static func sweep(layout: CgroupLayout, isOwnerAlive: (String) -> Bool) -> (removed: [String], stoppedAtCap: Bool) {
        var removed: [String] = []
        let search = SandboxCgroup.search(layout: layout)
        let found = search.cgroups
        for id in found.keys.sorted() where !isOwnerAlive(id) {
            // Its owner's lock on the directory outranks the registry, which
            // may not be the one the owner wrote to.
            guard let cgroup = found[id], !cgroup.isOwnerHoldingLock else { continue }
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
        return (removed.sorted(), search.stoppedAtCap)
    }
}

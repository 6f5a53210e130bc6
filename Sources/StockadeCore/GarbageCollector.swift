import StockadeCgroups

/// `gc`: cgroups and registry entries of dead supervisors. A sandbox's
/// network (its nft table, routes and listeners) lives in the sandbox's own
/// network namespace and dies with it; the only network-related thing gc
/// removes is the lease directory of the older veth design
/// (``LegacyLeaseDirectory``).
public enum GarbageCollector {
    /// Forgets a dead supervisor's entry, relative to the directory the
    /// scan opened. Returns what was removed, for `gc` to print.
    static func collect(_ claim: SandboxRegistry.Claim) -> [String] {
        claim.removeEntry()
        return ["registry entry \(claim.entry.id)"]
    }

    /// The cheap pass every root start makes: objects of registry entries
    /// whose supervisor is dead (killed with SIGKILL), found by id, and
    /// `.new-` files such a supervisor left half-registered.
    public static func collectDeadEntries(layout: CgroupLayout, registry: SandboxRegistry = .default(rootless: false)) {
        // Dead means nobody holds the entry's lock, whatever pid namespace
        // its supervisor ran in; the claim keeps it ours while we clean.
        let scan = registry.scan()
        guard !scan.dead.isEmpty else { return }
        // The cgroup hierarchy is the machine's, whatever the namespace, and
        // a dead supervisor's directories sit under its own cgroup, which
        // may be another session's: looked for everywhere (only when some
        // supervisor died, so a normal start walks nothing).
        let cgroups = SandboxCgroup.findAll(layout: layout)
        for claim in scan.dead {
            defer { claim.release() }
            if let cg = cgroups[claim.entry.id] {
                guard !cg.isOwnerHoldingLock else { continue }
                // One kill and one rmdir, no EBUSY retries, and the entry
                // goes whatever the outcome: this runs before every root
                // start, and an entry kept for a directory that will not go
                // would make each later start walk the hierarchies and wait
                // on it again. `gc`'s sweep finds cgroups without entries.
                _ = try? cg.destroy(retryBusy: false)
            }
            _ = collect(claim)
        }
    }

    public static func run(rootless: Bool) -> (removed: [String], left: [String]) {
        let registry = SandboxRegistry.default(rootless: rootless)
        let scan = registry.scan()
        let alive = Set(scan.alive.map(\.id))
        var removed: [String] = []
        var left: [String] = []
        for claim in scan.dead {
            removed += collect(claim)
            claim.release()
        }
        removed += scan.removedTemporaries.map { "half-written registry entry \($0)" }
        if !rootless {
            let layout = CgroupLayout.detect()
            // A cgroup without a live registry entry belongs to a dead
            // supervisor (the entry is written before the cgroup is made).
            let sweep = CgroupJanitor.sweep(layout: layout, isOwnerAlive: { id in
                // Also asked now, for a sandbox that registered after the listing above.
                alive.contains(id) || registry.isAlive(SandboxRegistry.Entry(id: id, pid: 0, startTicks: 0, name: nil))
            })
            removed += sweep.removed.map { "cgroup \($0)" }
            if sweep.stoppedAtCap {
                left.append("cgroup search stopped after \(SandboxCgroup.findMaxDirectories) directories; some leftovers may remain")
            }
            removed += LegacyLeaseDirectory.remove()
        }
        return (removed, left)
    }
}

import Glibc
import StockadeTestSupport
import Testing
@testable import StockadeCgroups

/// What the sweep (`findAll`, `CgroupJanitor`) must leave alone, in the
/// real hierarchy under a parent cgroup each test makes and removes.
extension LiveCgroupTests {
    /// A systemd unit or slice whose name starts with `stockade-` is not a
    /// sandbox: the sweep neither kills it nor stops there, and a sandbox
    /// below it is still found.
    @Test func sweepLeavesStockadeNamedUnitsAloneAndLooksBelowThem() throws {
        let parentName = "tgc-units-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let parentLayout = layout.movedBelow(parentName) else { return }
        let parents = parentLayout.distinctOwnDirectories
        for parent in parents { #expect(mkdir(parent, 0o755) == 0, "mkdir \(parent): \(errno)") }
        defer { for parent in parents { rmdir(parent) } }
        // Root-owned, as a unit's cgroup is; `create` takes any valid id.
        let service = try SandboxCgroup.create(sandboxId: "foo.service", limits: CgroupLimits(), layout: parentLayout)
        defer { try? service.destroy() }
        let slice = try SandboxCgroup.create(sandboxId: "x.slice", limits: CgroupLimits(), layout: parentLayout)
        defer { try? slice.destroy() }
        // A process in the slice (the service has a child cgroup, which v2
        // forbids next to processes once controllers are enabled).
        let unit = try GatedShell("exec /bin/sleep 30")
        defer { unit.killAndReap() }
        try slice.attach(pid: unit.pid)
        unit.release()

        let id = generatedSandboxId()
        guard let belowService = layout.movedBelow(parentName + "/stockade-foo.service") else { return }
        let sandbox = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(pids: 8), layout: belowService)
        defer { try? sandbox.destroy() }

        let found = SandboxCgroup.findAll(layout: layout)
        #expect(found["foo.service"] == nil)
        #expect(found["x.slice"] == nil)
        #expect(found[id] == sandbox, "the sandbox below stockade-foo.service must be found")

        // No registry entry claims the units (nor the sandbox); everything
        // else (other tests' and helpers' sandboxes) counts as alive.
        let unclaimed: Set = [id, "foo.service", "x.slice"]
        let removed = CgroupJanitor.removeLeftovers(layout: layout) { !unclaimed.contains($0) }
        for path in service.paths + slice.paths {
            #expect(pathExists(path), "\(path) was removed")
            #expect(!removed.contains(path))
        }
        #expect(unit.isRunning, "the sweep killed the process of stockade-x.slice")
        for path in sandbox.paths {
            #expect(removed.contains(path))
            #expect(!pathExists(path), "\(path) is left behind")
        }
    }

    /// Only the effective user's sandbox directories are taken: one owned
    /// by another uid is neither found nor removed, and its process lives.
    @Test func sweepLeavesAnotherUsersSandboxAlone() throws {
        let parentName = "tgc-owner-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let parentLayout = layout.movedBelow(parentName) else { return }
        let parents = parentLayout.distinctOwnDirectories
        for parent in parents { #expect(mkdir(parent, 0o755) == 0, "mkdir \(parent): \(errno)") }
        defer { for parent in parents { rmdir(parent) } }
        let id = generatedSandboxId()
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(pids: 8), layout: parentLayout)
        defer { try? cgroup.destroy() }
        let child = try GatedShell("exec /bin/sleep 30")
        defer { child.killAndReap() }
        try cgroup.attach(pid: child.pid)
        child.release()
        for path in cgroup.paths { #expect(chown(path, 65534, 65534) == 0, "chown \(path): \(errno)") }

        #expect(SandboxCgroup.findAll(layout: layout)[id] == nil)
        let removed = CgroupJanitor.removeLeftovers(layout: layout) { $0 != id }
        for path in cgroup.paths {
            #expect(!removed.contains(path))
            #expect(pathExists(path), "\(path) was removed")
        }
        #expect(child.isRunning, "the sweep killed another user's sandbox")
    }
}

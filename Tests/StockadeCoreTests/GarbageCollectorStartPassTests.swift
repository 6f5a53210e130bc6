import Foundation
import Glibc
import StockadeCgroups
import StockadeTestSupport
import Testing
@testable import StockadeCore

/// The pass every root start makes: a dead entry whose cgroup will not go
/// is dropped after one attempt, so later starts do not walk and wait for it
/// again (gc's sweep still finds the cgroup). Real cgroups: needs root.
@Suite(.enabled(if: getuid() == 0, "needs root to create cgroups; skipped as non-root"))
struct GarbageCollectorStartPassTests {
    @Test func aDeadEntryIsDroppedEvenWhenItsCgroupCannotBeRemoved() throws {
        let layout = CgroupLayout.detect()
        let parentName = "tgc-start-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let parentLayout = layout.movedBelow(parentName) else {
            print("no cgroups on this host; skipped")
            return
        }
        let parents = parentLayout.distinctOwnDirectories
        for parent in parents { #expect(mkdir(parent, 0o755) == 0, "mkdir \(parent): \(errno)") }
        defer { for parent in parents { rmdir(parent) } }
        let id = generatedSandboxId()
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(), layout: parentLayout)
        defer { try? cgroup.destroy() }
        // A child cgroup makes every rmdir of the sandbox's directories EBUSY.
        let busy = cgroup.paths.map { $0 + "/busy" }
        for path in busy { #expect(mkdir(path, 0o755) == 0, "mkdir \(path): \(errno)") }
        defer { for path in busy { rmdir(path) } }

        let dir = RegistryLockTests.TempDir()
        let registry = SandboxRegistry(location: OwnedDirectory(base: dir.path, components: ["reg", "sandboxes"], owner: getuid(),
                                                                mode: 0o700, privateMode: true))
        try registry.register(id: "bbbbbbbbbb", name: nil).release()  // makes the directories
        // A supervisor killed with SIGKILL: its entry, nobody holding the lock.
        try "1 5 \n".write(toFile: registry.directory + "/" + id, atomically: false, encoding: .utf8)

        GarbageCollector.collectDeadEntries(layout: layout, registry: registry)
        #expect(!FileManager.default.fileExists(atPath: registry.directory + "/" + id), "the dead entry was kept")
        for path in cgroup.paths { #expect(pathExists(path), "\(path) could not have been removed") }
    }

    func pathExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

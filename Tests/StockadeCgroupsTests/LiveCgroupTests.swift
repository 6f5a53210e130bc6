import Glibc
import StockadeTestSupport
import Testing
@testable import StockadeCgroups

/// Real cgroups on this machine. Needs root (CI is root); each test creates
/// its own uniquely named cgroup and removes it even when it fails.
/// Serialized: the machine has two cores shared with other work.
@Suite(.serialized, .enabled(if: isRoot, "needs root to create cgroups; skipped as non-root"))
struct LiveCgroupTests {
    let layout = CgroupLayout.detect()

    @Test func detectMatchesThisHost() throws {
        print("cgroup layout: \(layout.summary) \(layout)")
        #expect(layout.summary != "none")
        if case .v1(let controllers, _) = layout {
            let own = ProcParsers.procCgroup(readFile("/proc/self/cgroup") ?? "")
            let memoryPath = own.first { $0.controllers.contains("memory") }?.path
            #expect(controllers[.memory]?.ownPath == memoryPath)
        }
    }

    @Test func limitsReadBackAttachAndDestroy() throws {
        let id = uniqueSandboxId("limits")
        let limits = CgroupLimits(memoryBytes: 64 << 20, pids: 16, cpus: 0.5)
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: limits, layout: layout)
        defer { try? cgroup.destroy() }
        for path in cgroup.paths {
            #expect(pathExists(path), "\(path) should exist")
            #expect(path.hasSuffix("/stockade-" + id))
        }
        func value(_ controller: CgroupController, _ file: String) -> String? {
            cgroup.directories[controller].flatMap { readFile($0 + "/" + file) }?
                .split(separator: "\n").first.map(String.init)
        }
        if cgroup.unified {
            #expect(value(.memory, "memory.max") == "67108864")
            #expect(value(.pids, "pids.max") == "16")
            #expect(value(.cpu, "cpu.max") == "50000 100000")
        } else {
            #expect(value(.memory, "memory.limit_in_bytes") == "67108864")
            if let memsw = value(.memory, "memory.memsw.limit_in_bytes") {
                #expect(memsw == "67108864")
            }
            #expect(value(.pids, "pids.max") == "16")
            #expect(value(.cpu, "cpu.cfs_period_us") == "100000")
            #expect(value(.cpu, "cpu.cfs_quota_us") == "50000")
        }

        let child = try GatedShell("exec /bin/sleep 30")
        var reaped = false
        defer { if !reaped { child.killAndReap() } }
        try cgroup.attach(pid: child.pid)
        for path in cgroup.paths {
            let procs = CgroupFileParsers.pids(readFile(path + "/cgroup.procs") ?? "")
            #expect(procs.contains(child.pid), "\(child.pid) should be in \(path)")
        }
        #expect(cgroup.processes() == [child.pid])
        child.release()
        #expect(cgroup.stats().cpuUsageNanos != nil)

        try cgroup.destroy()
        let status = child.wait(seconds: 10)
        reaped = true
        #expect(status?.signal == SIGKILL, "destroy should SIGKILL the sleeper, got \(String(describing: status))")
        for path in cgroup.paths {
            #expect(!pathExists(path), "\(path) should be gone")
        }
        try cgroup.destroy()  // idempotent: already gone is fine
    }

    @Test func memoryLimitOOMKills() throws {
        let id = uniqueSandboxId("oom")
        let limit: UInt64 = 32 << 20
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(memoryBytes: limit), layout: layout)
        defer { try? cgroup.destroy() }
        // Builds and touches 128 MiB of bytes.
        let child = try GatedShell("exec /usr/bin/python3 -c \"b = b'x' * (128 << 20); print(len(b))\"")
        var reaped = false
        defer { if !reaped { child.killAndReap() } }
        try cgroup.attach(pid: child.pid)
        child.release()
        let status = child.wait(seconds: 60)
        reaped = true
        #expect(status?.signal == SIGKILL, "expected OOM kill, got \(String(describing: status))")
        let stats = cgroup.stats()
        print("oom stats: \(stats)")
        #expect((stats.oomKills ?? 0) >= 1)
        #expect(stats.memoryPeakBytes != nil)
        #expect((stats.memoryPeakBytes ?? .max) <= limit + 4096)
    }

    @Test func pidsLimitRefusesForks() throws {
        let id = uniqueSandboxId("pids")
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(pids: 8), layout: layout)
        defer { try? cgroup.destroy() }
        let child = try GatedShell("i=0; while [ $i -lt 20 ]; do /bin/sleep 5 & i=$((i+1)); done; wait")
        var reaped = false
        defer { if !reaped { child.killAndReap() } }
        try cgroup.attach(pid: child.pid)
        child.release()
        _ = child.wait(seconds: 30)
        reaped = true
        let stats = cgroup.stats()
        print("pids stats: \(stats)")
        #expect((stats.pidsLimitHits ?? 0) >= 1)
        if let peak = stats.pidsPeak { #expect(peak <= 8) }
        // What the kernel holds in the group, not only its counters: never more than the limit.
        #expect(cgroup.processes().count <= 8)
        try cgroup.destroy()  // kills the sleeps the shell left behind
        for path in cgroup.paths { #expect(!pathExists(path)) }
    }

    @Test func failedLimitWriteRemovesEverything() throws {
        let id = uniqueSandboxId("fail")
        // pids.max above PID_MAX_LIMIT (4194304) is EINVAL: the last write fails.
        #expect {
            let leaked = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(memoryBytes: 64 << 20, pids: 10_000_000),
                                                  layout: layout)
            try? leaked.destroy()
        } throws: { error in
            guard let error = error as? CgroupError else { return false }
            return error.step == "write_limit" && error.path.hasSuffix("pids.max") && error.errno == EINVAL
        }
        for dir in layout.distinctOwnDirectories {
            #expect(!pathExists(dir + "/stockade-" + id))
        }
    }

    @Test func existingDirectoryIsNotAdopted() throws {
        let id = generatedSandboxId()
        let first = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(pids: 4), layout: layout)
        defer { try? first.destroy() }
        #expect(throws: CgroupError.self) {
            _ = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(pids: 4), layout: layout)
        }
        // The failed attempt must not have removed the first sandbox's directories.
        for path in first.paths { #expect(pathExists(path)) }
        #expect(SandboxCgroup.findAll(layout: layout)[id] == first)
    }

    @Test func janitorRemovesOnlyDeadOwners() throws {
        let id = generatedSandboxId()
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(), layout: layout)
        defer { try? cgroup.destroy() }
        let child = try GatedShell("exec /bin/sleep 30")
        var reaped = false
        defer { if !reaped { child.killAndReap() } }
        try cgroup.attach(pid: child.pid)
        child.release()

        let found = SandboxCgroup.findAll(layout: layout).values.flatMap(\.paths)
        for path in cgroup.paths { #expect(found.contains(path)) }

        // Everyone else's sandboxes always count as alive: never touch them.
        let keptAlive = CgroupJanitor.removeLeftovers(layout: layout) { _ in true }
        #expect(keptAlive.allSatisfy { !$0.contains(id) })
        for path in cgroup.paths { #expect(pathExists(path)) }

        let removed = CgroupJanitor.removeLeftovers(layout: layout) { $0 != id }
        #expect(removed == cgroup.paths)
        for path in cgroup.paths { #expect(!pathExists(path)) }
        let status = child.wait(seconds: 10)
        reaped = true
        #expect(status?.signal == SIGKILL)
    }
}

extension LiveCgroupTests {
    /// A supervisor killed in another session or CI job left its sandbox
    /// under that job's cgroup, not under ours: gc must still find it, and
    /// every hierarchy's directory with it (the hole that leaked v1 memory
    /// directories while their pids twins at the hierarchy root were found).
    @Test func janitorFindsDeadSandboxesUnderOtherCgroups() throws {
        let id = generatedSandboxId()
        let other = "tgc-other-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let elsewhere = layout.movedBelow(other) else { return }
        let parents = elsewhere.distinctOwnDirectories
        for parent in parents { #expect(mkdir(parent, 0o755) == 0, "mkdir \(parent): \(errno)") }
        defer { for parent in parents { rmdir(parent) } }
        let cgroup = try SandboxCgroup.create(sandboxId: id, limits: CgroupLimits(memoryBytes: 64 << 20, pids: 8), layout: elsewhere)
        defer { try? cgroup.destroy() }

        #expect(Set(cgroup.paths).isSubset(of: Set(SandboxCgroup.findAll(layout: layout).values.flatMap(\.paths))))
        #expect(SandboxCgroup.findAll(layout: layout)[id] == cgroup)
        let removed = CgroupJanitor.removeLeftovers(layout: layout) { $0 != id }
        for path in cgroup.paths {
            #expect(removed.contains(path))
            #expect(!pathExists(path), "\(path) is left behind")
        }
    }
}

import StockadeTestSupport
import Testing
@testable import StockadeCgroups

@Suite struct LayoutParsingTests {
    @Test func mountInfoFieldsAndOptionalTags() {
        let entries = ProcParsers.mountInfo(Fixtures.v1MountInfo)
        #expect(entries.count == 5)
        #expect(entries[2] == MountInfoEntry(root: "/", mountPoint: "/sys/fs/cgroup/cpu,cpuacct",
                                             fsType: "cgroup", superOptions: ["rw", "cpu", "cpuacct"]))
    }

    @Test func mountInfoUnescapesOctal() {
        let entries = ProcParsers.mountInfo("41 31 0:38 /a\\040b /mnt/my\\040cg\\134x rw - cgroup2 cgroup2 rw\n")
        #expect(entries.first?.root == "/a b")
        #expect(entries.first?.mountPoint == "/mnt/my cg\\x")
    }

    @Test func mountInfoSkipsMalformedLines() {
        #expect(ProcParsers.mountInfo("garbage\n1 2 3\n\n").isEmpty)
    }

    @Test func procCgroupKeepsColonsInPath() {
        let entries = ProcParsers.procCgroup("0::/a:b\n4:cpu,cpuacct:/x\nbad\n")
        #expect(entries == [
            ProcCgroupEntry(hierarchyId: 0, controllers: [], path: "/a:b"),
            ProcCgroupEntry(hierarchyId: 4, controllers: ["cpu", "cpuacct"], path: "/x"),
        ])
    }

    @Test func hybridHostUsesV1PerController() {
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.hybridMountInfo, procSelfCgroup: Fixtures.hybridProcCgroup) { dir in
            dir == "/sys/fs/cgroup/unified" ? "hugetlb\n" : nil
        }
        #expect(layout == .v1(controllers: [
            .memory: CgroupHierarchy(mount: "/sys/fs/cgroup/memory", ownPath: "/process_api/696a5e3fd10a38c2270643a73eaaee89"),
            .pids: CgroupHierarchy(mount: "/sys/fs/cgroup/pids", ownPath: "/"),
            .cpu: CgroupHierarchy(mount: "/sys/fs/cgroup/cpu", ownPath: "/"),
            .cpuacct: CgroupHierarchy(mount: "/sys/fs/cgroup/cpuacct", ownPath: "/"),
        ], unifiedMount: "/sys/fs/cgroup/unified"))
        #expect(layout.summary == "hybrid")
        #expect(layout.ownDirectories[.memory] == "/sys/fs/cgroup/memory/process_api/696a5e3fd10a38c2270643a73eaaee89")
        #expect(layout.ownDirectories[.pids] == "/sys/fs/cgroup/pids")
    }

    @Test func pureV1SharesCoMountedHierarchy() {
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.v1MountInfo, procSelfCgroup: Fixtures.v1ProcCgroup) { _ in nil }
        #expect(layout.summary == "v1")
        let cpu = CgroupHierarchy(mount: "/sys/fs/cgroup/cpu,cpuacct", ownPath: "/user.slice")
        #expect(layout == .v1(controllers: [
            .memory: CgroupHierarchy(mount: "/sys/fs/cgroup/memory", ownPath: "/user.slice"),
            .pids: CgroupHierarchy(mount: "/sys/fs/cgroup/pids", ownPath: "/user.slice/user-0.slice/session-1.scope"),
            .cpu: cpu, .cpuacct: cpu,
        ], unifiedMount: nil))
        #expect(layout.distinctOwnDirectories.count == 3)
    }

    @Test func pureV2WhenMemoryAndPidsDelegated() {
        var asked: [String] = []
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.v2MountInfo, procSelfCgroup: Fixtures.v2ProcCgroup) { dir in
            asked.append(dir)
            return "cpuset cpu io memory pids\n"
        }
        #expect(asked == ["/sys/fs/cgroup/system.slice/stockade.service"])
        #expect(layout == .unified(mount: "/sys/fs/cgroup", ownPath: "/system.slice/stockade.service"))
        #expect(layout.summary == "v2")
    }

    @Test func v2LeafOfSupervisorIsSkipped() {
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.v2MountInfo,
                                          procSelfCgroup: "0::/system.slice/stockade.service/stockade.supervisor.42\n") { _ in "memory pids" }
        #expect(layout == .unified(mount: "/sys/fs/cgroup", ownPath: "/system.slice/stockade.service"))
        #expect(CgroupLayout.stripSupervisorLeaf("/stockade.supervisor.1") == "/")
        #expect(CgroupLayout.stripSupervisorLeaf("/a/b") == "/a/b")
    }

    @Test func v2WithoutMemoryIsUnavailable() {
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.v2MountInfo, procSelfCgroup: Fixtures.v2ProcCgroup) { _ in "cpu io pids" }
        guard case .unavailable(let reason) = layout else {
            Issue.record("expected unavailable, got \(layout)")
            return
        }
        #expect(reason.contains("memory"))
        #expect(layout.summary == "none")
    }

    @Test func v2NotDelegatedIsUnavailable() {
        // nil stands for "not writable by us".
        let layout = CgroupLayout.resolve(mountInfo: Fixtures.v2MountInfo, procSelfCgroup: Fixtures.v2ProcCgroup) { _ in nil }
        #expect(layout.summary == "none")
    }

    @Test func containerMountRootIsStripped() {
        let mountInfo = "35 30 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        let layout = CgroupLayout.resolve(mountInfo: mountInfo, procSelfCgroup: "3:memory:/docker/abc/job\n") { _ in nil }
        #expect(layout == .v1(controllers: [.memory: CgroupHierarchy(mount: "/sys/fs/cgroup/memory", ownPath: "/job")],
                              unifiedMount: nil))
        #expect(ProcParsers.relativePath(cgroupPath: "/docker/abc", mountRoot: "/docker/abc") == "/")
        #expect(ProcParsers.relativePath(cgroupPath: "/docker/abcd", mountRoot: "/docker/abc") == nil)
        #expect(ProcParsers.relativePath(cgroupPath: "/../x", mountRoot: "/docker/abc") == nil)
    }

    @Test func noCgroupsAtAll() {
        let layout = CgroupLayout.resolve(mountInfo: "22 27 0:21 / /proc rw - proc proc rw\n", procSelfCgroup: "") { _ in nil }
        #expect(layout.summary == "none")
    }

    @Test func sandboxIdNaming() {
        #expect(CgroupNaming.directoryName(sandboxId: "ab12") == "stockade-ab12")
        #expect(CgroupNaming.sandboxId(fromDirectoryName: "stockade-ab12") == "ab12")
        #expect(CgroupNaming.sandboxId(fromDirectoryName: "stockade.supervisor.42") == nil)
        #expect(CgroupNaming.sandboxId(fromDirectoryName: "other") == nil)
        for bad in ["", ".", "..", "a/b", "a b", "x\n"] {
            #expect(!CgroupNaming.isValidSandboxId(bad))
        }
    }

    /// The sweep takes only ids `SandboxID.generate` can make: a unit or
    /// slice named `stockade-…` is not a sandbox.
    @Test func onlyGeneratedIdsAreSwept() {
        #expect(CgroupNaming.isGeneratedSandboxId("0123456789"))
        #expect(CgroupNaming.isGeneratedSandboxId("abcdef0a9f"))
        #expect(CgroupNaming.isGeneratedSandboxId(generatedSandboxId()))
        for other in ["ci.service", "agents.slice", "foo", "ABCDEF0123", "abcdef012", "abcdef01234", "abcdefg123", "",
                      "0123456789.scope", "tgc-1-2"] {
            #expect(!CgroupNaming.isGeneratedSandboxId(other), "\(other)")
        }
    }
}

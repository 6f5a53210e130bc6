import StockadeCgroups
import StockadeProfile
import Testing
@testable import StockadeCore

@Suite("/sys and cgroup view")
struct SysViewTests {
    @Test func privateNetworkGetsAFreshSysfsWithMasks() throws {
        let p = try Planner(fs: PlannerTests.fs).plan(PlannerTests.spec())
        let sys = p.mounts.filter { $0.destination.hasPrefix("/sys") }
        #expect(sys.first == .sysfs(destination: "/sys"))
        #expect(sys.contains(.hide(path: "/sys/firmware", isFile: false, optional: true)))
        #expect(sys.contains(.hide(path: "/sys/devices/virtual/powercap", isFile: false, optional: true)))
        #expect(sys.contains(.hide(path: "/sys/power", isFile: false, optional: true)))
        // Mount points are empty in a fresh sysfs: no cover needed.
        #expect(!sys.contains(.hide(path: "/sys/kernel/security", isFile: false, optional: true)))
        #expect(sys.last == .cgroupView(destination: "/sys/fs/cgroup"))
        // After /dev and before anything deeper under /sys.
        let sysIndex = try #require(p.mounts.firstIndex(of: .sysfs(destination: "/sys")))
        let devIndex = try #require(p.mounts.firstIndex(where: { $0.destination == "/dev" }))
        #expect(devIndex < sysIndex)
    }

    @Test func hostNetworkBindsTheHostsSysAndCoversItsMountPoints() throws {
        let p = try Planner(fs: PlannerTests.fs).plan(PlannerTests.spec { $0.network = .host })
        #expect(p.mounts.contains(.bind(source: "/sys", destination: "/sys", readOnly: true, isFile: false, device: false)))
        #expect(!p.mounts.contains(.sysfs(destination: "/sys")))
        for m in SysView.masks {
            #expect(p.mounts.contains(.hide(path: m.path, isFile: false, optional: true)))
        }
    }

    @Test func fallbackCoversTheMountPointsRelativeToSys() {
        let covers = SysView.fallbackCovers(destination: "/sys")
        #expect(covers.contains("kernel/security"))
        #expect(covers.contains("kernel/debug"))
        #expect(!covers.contains("firmware"))  // an ordinary hide op covers it in every case
        #expect(covers.allSatisfy { !$0.hasPrefix("/") && !$0.contains("..") })
    }

    @Test func everyMaskHasAReason() {
        for m in SysView.masks {
            #expect(m.path.hasPrefix("/sys/"))
            #expect(m.reason.count > 20)
        }
    }

    @Test func v1ViewBindsOnlyTheSandboxsOwnDirectories() {
        let layout = CgroupLayout.v1(controllers: [
            .memory: CgroupHierarchy(mount: "/sys/fs/cgroup/memory", ownPath: "/svc"),
            .pids: CgroupHierarchy(mount: "/sys/fs/cgroup/pids", ownPath: "/"),
            .cpu: CgroupHierarchy(mount: "/sys/fs/cgroup/cpu,cpuacct", ownPath: "/"),
            .cpuacct: CgroupHierarchy(mount: "/sys/fs/cgroup/cpu,cpuacct", ownPath: "/"),
        ], unifiedMount: "/sys/fs/cgroup/unified")
        let cg = SandboxCgroup(sandboxId: "x", unified: false, directories: [
            .memory: "/sys/fs/cgroup/memory/svc/stockade-x",
            .pids: "/sys/fs/cgroup/pids/stockade-x",
            .cpu: "/sys/fs/cgroup/cpu,cpuacct/stockade-x",
            .cpuacct: "/sys/fs/cgroup/cpu,cpuacct/stockade-x",
        ])
        let steps = CgroupView.steps(destination: "/sys/fs/cgroup", cgroup: cg, layout: layout)
        #expect(steps == [
            .tmpfs(destination: "/sys/fs/cgroup", options: "mode=0755,size=16k", readOnly: false),
            .bind(source: "/sys/fs/cgroup/cpu,cpuacct/stockade-x", destination: "/sys/fs/cgroup/cpu,cpuacct", readOnly: true, isFile: false, device: false),
            .bind(source: "/sys/fs/cgroup/memory/svc/stockade-x", destination: "/sys/fs/cgroup/memory", readOnly: true, isFile: false, device: false),
            .bind(source: "/sys/fs/cgroup/pids/stockade-x", destination: "/sys/fs/cgroup/pids", readOnly: true, isFile: false, device: false),
            .symlink(target: "cpu,cpuacct", at: "/sys/fs/cgroup/cpu"),
            .symlink(target: "cpu,cpuacct", at: "/sys/fs/cgroup/cpuacct"),
            .remountReadOnly(path: "/sys/fs/cgroup"),
        ])
    }

    @Test func v2ViewIsTheSandboxsDirectory() {
        let layout = CgroupLayout.unified(mount: "/sys/fs/cgroup", ownPath: "/a")
        let dir = "/sys/fs/cgroup/a/stockade-x"
        let cg = SandboxCgroup(sandboxId: "x", unified: true, directories: [.memory: dir, .pids: dir])
        #expect(CgroupView.steps(destination: "/sys/fs/cgroup", cgroup: cg, layout: layout)
            == [.bind(source: dir, destination: "/sys/fs/cgroup", readOnly: true, isFile: false, device: false)])
    }

    @Test func noCgroupIsAnEmptyReadOnlyDirectory() {
        let mounts: [MountStep] = [.proc(destination: "/proc"), .cgroupView(destination: "/sys/fs/cgroup")]
        #expect(CgroupView.expand(mounts, cgroup: nil, layout: .unavailable(reason: "x")) == [
            .proc(destination: "/proc"),
            .tmpfs(destination: "/sys/fs/cgroup", options: "mode=0755,size=4k", readOnly: true),
        ])
    }
}

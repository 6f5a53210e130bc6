import StockadeCgroups
import StockadeSeccomp
import Testing
@testable import StockadeCore

@Suite("Limit enforcement decision")
struct LimitEnforcementUnitTests {
    func spec(rootless: Bool, memory: UInt64? = 100 << 20, pids: Int? = nil, cli: [LimitKind] = [], require: Bool = false) -> SandboxSpec {
        SandboxSpec(id: "abc", actor: "t", command: ["true"], cwd: "/", profileName: "default", workspace: nil,
                    workspaceMode: .none, uid: 1000, gid: 1000, hostname: "h", rootless: rootless,
                    memoryBytes: memory, pids: pids, seccomp: SeccompPolicy(),
                    commandLineLimits: cli, requireLimits: require)
    }
    let v1 = CgroupLayout.v1(controllers: [.memory: CgroupHierarchy(mount: "/sys/fs/cgroup/memory", ownPath: "/")], unifiedMount: "/sys/fs/cgroup/unified")
    let delegated = CgroupLayout.unified(mount: "/sys/fs/cgroup", ownPath: "/user.slice/user-1000.slice/user@1000.service/app.slice")

    @Test func whereLimitsCanBeEnforced() {
        #expect(LimitEnforcement.means(spec(rootless: false), layout: v1) == .cgroup)
        #expect(LimitEnforcement.means(spec(rootless: false), layout: delegated) == .cgroup)
        // Rootless: only in a delegated v2 subtree (detect() reports .unified only when it is writable).
        #expect(LimitEnforcement.means(spec(rootless: true), layout: delegated) == .cgroup)
        guard case .unenforceable = LimitEnforcement.means(spec(rootless: true), layout: v1) else {
            Issue.record("rootless on v1 must be unenforceable")
            return
        }
        guard case .unenforceable = LimitEnforcement.means(spec(rootless: false), layout: .unavailable(reason: "x")) else {
            Issue.record("no hierarchy must be unenforceable")
            return
        }
        #expect(LimitEnforcement.means(spec(rootless: true, memory: nil), layout: v1) == .nothingAsked)
    }

    @Test func commandLineFailsProfileWarnsRequireFails() {
        let cli = LimitEnforcement.verdict(spec(rootless: true, pids: 10, cli: [.memory]), reason: "R", remedy: "do X")
        guard case .fail(let m) = cli else { Issue.record("command-line limit must fail"); return }
        #expect(m.contains("--memory") && m.contains("R") && m.contains("do X") && !m.contains("--pids-limit"))

        let profile = LimitEnforcement.verdict(spec(rootless: true, pids: 10), reason: "R", remedy: "do X")
        guard case .warn(let limits, let w) = profile else { Issue.record("profile limit must warn"); return }
        #expect(limits == [.memory, .pids])
        #expect(w.hasPrefix("not enforced: memory, pids"))

        guard case .fail = LimitEnforcement.verdict(spec(rootless: true, require: true), reason: "R", remedy: "do X") else {
            Issue.record("require must fail")
            return
        }
    }

    /// A rootless caller in a systemd user service (rootless podman's shape):
    /// its v2 cgroup is writable and offers memory and pids, so limits are
    /// enforced there; without the delegation they are not.
    @Test func delegatedV2SubtreeIsUsedRootless() {
        let mountinfo = "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
        let own = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope"
        let delegatedDir = "/sys/fs/cgroup" + own
        let layout = CgroupLayout.resolve(mountInfo: mountinfo, procSelfCgroup: "0::\(own)\n") { dir in
            dir == delegatedDir ? "cpuset cpu io memory pids\n" : nil
        }
        #expect(layout == .unified(mount: "/sys/fs/cgroup", ownPath: own))
        #expect(LimitEnforcement.means(spec(rootless: true, pids: 64), layout: layout) == .cgroup)

        let notDelegated = CgroupLayout.resolve(mountInfo: mountinfo, procSelfCgroup: "0::\(own)\n") { _ in nil }
        guard case .unenforceable = LimitEnforcement.means(spec(rootless: true), layout: notDelegated) else {
            Issue.record("an undelegated v2 cgroup must not be used")
            return
        }
    }
}

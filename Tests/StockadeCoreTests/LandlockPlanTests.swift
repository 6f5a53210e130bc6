import StockadeEvents
import StockadeProfile
import Testing
@testable import StockadeCore

/// The Landlock ruleset is derived from the mount plan and masked by the
/// kernel's ABI: both pure, so every kernel can be played here.
@Suite("Landlock plan")
struct LandlockPlanTests {
    func plan(_ edit: (inout SandboxSpec) -> Void = { _ in }) throws -> Plan {
        try Planner(fs: PlannerTests.fs).plan(PlannerTests.spec(edit))
    }

    func rule(_ p: Plan, _ path: String) -> LandlockRule? {
        p.landlock.rules.first { $0.path == path }
    }

    @Test func systemPathsAreReadAndExecuteOnly() throws {
        let p = try plan()
        #expect(rule(p, "/usr")?.access == .readExecute)
        #expect(rule(p, "/etc")?.access == .readExecute)
        #expect(rule(p, "/usr")?.access.contains(.writeFile) == false)
    }

    @Test func workspaceAndTmpfsAreWritable() throws {
        let p = try plan()
        #expect(rule(p, "/home/u/app")?.access == .readWrite)
        #expect(rule(p, "/tmp")?.access == .readWrite)
        #expect(rule(p, "/dev/shm")?.access == .readWrite)
        // Device nodes are nodev everywhere else: no mknod, no device ioctls.
        #expect(LandlockAccess.readWrite.isDisjoint(with: [.makeChar, .makeBlock, .ioctlDev]))
    }

    @Test func readOnlyWorkspaceIsReadOnly() throws {
        let p = try plan { $0.workspaceMode = .readOnly }
        #expect(rule(p, "/home/u/app")?.access == .readExecute)
    }

    @Test func noWorkspaceNoRule() throws {
        let p = try plan { $0.workspaceMode = .none; $0.workspace = nil }
        #expect(rule(p, "/home/u/app") == nil)
    }

    @Test func writableBindIsWritable() throws {
        let p = try plan { $0.binds.append(BindRequest(source: "/home/u/app/src", destination: "/data", writable: true)) }
        #expect(rule(p, "/data")?.access == .readWrite)
        #expect(rule(p, "/data")?.isDirectory == true)
    }

    @Test func devicesAreFilesWithIoctl() throws {
        let p = try plan()
        let null = try #require(rule(p, "/dev/null"))
        #expect(!null.isDirectory)
        #expect(null.access == [.readFile, .writeFile, .truncate, .ioctlDev])
        #expect(null.access.isSubset(of: .fileRights))
        #expect(rule(p, "/dev/pts")?.access.contains(.ioctlDev) == true)
    }

    /// /dev is a tmpfs made read-only after its nodes are bound: its rule
    /// follows the remount.
    @Test func remountReadOnlyNarrowsTheRule() throws {
        let p = try plan()
        let dev = try #require(rule(p, "/dev"))
        #expect(!dev.access.contains(.writeFile))
        #expect(!dev.access.contains(.makeReg))
        #expect(dev.access.contains(.readDir))
    }

    @Test func symlinksAndCoversGetNoRule() throws {
        let p = try plan()
        #expect(rule(p, "/lib") == nil)          // usrmerge symlink
        #expect(rule(p, "/etc/shadow") == nil)   // hide
        #expect(rule(p, "/dev/ptmx") == nil)     // symlink into /dev/pts
    }

    /// `/` may be listed and nothing more: no file right reaches down from it.
    @Test func theRootMayOnlyBeListed() throws {
        let root = try #require(rule(try plan(), "/"))
        #expect(root.access == [.readDir])
    }

    @Test func everyPlannedMountOfAKindIsCovered() throws {
        let p = try plan()
        for step in p.mounts {
            switch step {
            case .bind(_, let d, _, _, _), .tmpfs(let d, _, _), .proc(let d), .devpts(let d):
                #expect(rule(p, d) != nil, "no Landlock rule for mount at \(d)")
            default: continue
            }
        }
    }

    @Test func laterMountAtTheSamePathWins() {
        let steps: [MountStep] = [
            .bind(source: "/srv", destination: "/srv", readOnly: false, isFile: false, device: false),
            .tmpfs(destination: "/srv", options: "", readOnly: true),
        ]
        let lp = LandlockPlan.derive(from: steps, required: false)
        #expect(lp.rules.filter { $0.path == "/srv" } == [LandlockRule(path: "/srv", access: .readExecute, isDirectory: true)])
    }

    @Test func requiredFollowsTheSpec() throws {
        #expect(try plan().landlock.required == false)
        #expect(try plan { $0.requireLandlock = true }.landlock.required == true)
    }

    // MARK: ABI → what is enforced

    @Test(arguments: [
        (0, UInt64(0)), (1, UInt64(0x1FFF)), (2, UInt64(0x3FFF)), (3, UInt64(0x7FFF)),
        (4, UInt64(0x7FFF)), (5, UInt64(0xFFFF)), (6, UInt64(0xFFFF)), (7, UInt64(0xFFFF)), (9, UInt64(0xFFFF)),
    ])
    func handledRightsByABI(abi: Int, mask: UInt64) {
        #expect(LandlockAccess.handled(abi: abi).rawValue == mask)
    }

    @Test func scopesFromABI6() {
        #expect(LandlockScope.handled(abi: 5).isEmpty)
        #expect(LandlockScope.handled(abi: 6) == [.abstractUnixSocket, .signal])
        #expect(LandlockScope.handled(abi: 7).rawValue == 3)
    }

    @Test func completeFromABI6() throws {
        let lp = try plan().landlock
        for abi in 0...5 { #expect(!lp.enforcement(abi: abi).complete, "ABI \(abi)") }
        for abi in 6...8 { #expect(lp.enforcement(abi: abi).complete, "ABI \(abi)") }
    }

    @Test func rulesAreMaskedToTheHandledRightsAndToFileRights() throws {
        let lp = try plan().landlock
        for abi in 1...7 {
            let e = lp.enforcement(abi: abi)
            #expect(e.rules.count == lp.rules.count)
            for r in e.rules {
                #expect(r.access.isSubset(of: e.handled), "ABI \(abi) \(r.path)")
                if !r.isDirectory { #expect(r.access.isSubset(of: .fileRights)) }
            }
        }
        // ABI 1 knows neither refer nor truncate: the workspace rule drops them.
        let ws = lp.enforcement(abi: 1).rules.first { $0.path == "/home/u/app" }
        #expect(ws?.access.contains(.refer) == false)
        #expect(ws?.access.contains(.writeFile) == true)
    }

    @Test func noLandlockMeansNoRules() throws {
        let e = try plan().landlock.enforcement(abi: 0)
        #expect(e.abi == 0 && e.rules.isEmpty && e.handled.isEmpty && e.scopes.isEmpty)
        #expect(e.shortfall?.code == .landlockUnavailable)
    }

    @Test func partialNamesWhatIsMissing() throws {
        let e = try plan().landlock.enforcement(abi: 3)
        let s = try #require(e.shortfall)
        #expect(s.code == .landlockPartial)
        #expect(s.message.contains("ioctl_dev"))
        #expect(s.message.contains("scope abstract_unix_socket"))
        #expect(s.message.contains("scope signal"))
        #expect(!s.message.contains("truncate"))
        #expect(try plan().landlock.enforcement(abi: 7).shortfall == nil)
    }

    @Test func startEventFieldsMatchTheSchema() throws {
        let p = try plan { $0.requireLandlock = true }
        let e = p.landlock.enforcement(abi: 5)
        let f = e.eventFields
        #expect(f["abi"] == .int(5))
        #expect(f["scopes"] == .array([]))
        #expect(f["complete"] == .bool(false))
        #expect(f["required"] == .bool(true))
        #expect(f["fs_rights"]?.arrayValue?.count == 16)
    }

    @Test func dryRunShowsTheRuleset() throws {
        let json = PlanRenderer.json(try plan())
        let ll = try #require(json.objectValue?["landlock"]?.objectValue)
        let rules = try #require(ll["rules"]?.arrayValue)
        #expect(rules.contains { $0.objectValue?["path"] == .string("/usr") })
        #expect(ll["scopes"] == .array([.string("abstract_unix_socket"), .string("signal")]))
    }
}

import Glibc
import StockadeProfile
import Testing
@testable import StockadeCore
import StockadeSystem

/// Under sudo the workload may run only as the caller or nobody (issue 9, item 8).
@Suite("sudo caller identity")
struct SudoCallerIdentityTests {
    struct Users: UserDatabase {
        func uid(named: String) -> (uid: UInt32, gid: UInt32)? {
            ["alice": (1001, 1001), "root": (0, 0), "nobody": (65534, 65534)][named].map { ($0.0, $0.1) }
        }
        func gid(named: String) -> UInt32? { ["shadow": 42, "dev": 60, "alice": 1001][named] }
        func groups(ofMember user: String) -> [UInt32] { user == "alice" ? [60] : [] }
    }

    func build(_ edit: (inout LaunchOverrides) -> Void = { _ in }, env: [(String, String)]) throws -> SandboxSpec {
        var o = LaunchOverrides()
        o.command = ["/usr/bin/sh"]
        edit(&o)
        let host = HostContext(uid: 0, gid: 0, cwd: "/work/app", environment: env, users: Users())
        return try SpecBuilder(fs: FakeFileSystem(["/work/app/x": .file])).build(profile: Profile(name: "p"), overrides: o, host: host, id: "id1")
    }

    static let sudo = [("SUDO_UID", "1001"), ("SUDO_GID", "1001"), ("SUDO_USER", "alice")]

    @Test func callerIsRecorded() throws {
        let s = try build(env: Self.sudo)
        #expect(s.uid == 1001 && s.gid == 1001)
        #expect(s.caller == SudoCaller(uid: 1001, gid: 1001, groups: [1001, 60]))
        #expect(try build(env: []).caller == nil)
        #expect(try build(env: [("SUDO_UID", "0")]).caller == nil)
    }

    @Test func onlyTheCallersIdsOrNobody() throws {
        #expect(throws: PlanError.self) { try build({ $0.user = "root" }, env: Self.sudo) }
        #expect(throws: PlanError.self) { try build({ $0.user = "2000" }, env: Self.sudo) }
        #expect(throws: PlanError.self) { try build({ $0.group = "shadow" }, env: Self.sudo) }
        #expect(try build({ $0.group = "dev" }, env: Self.sudo).gid == 60)
        #expect(try build({ $0.user = "nobody" }, env: Self.sudo).uid == 65534)
        #expect(try build({ $0.user = "alice" }, env: Self.sudo).uid == 1001)
        // Plain root keeps full authority.
        #expect(try build({ $0.group = "shadow" }, env: []).gid == 42)
        #expect(try build({ $0.user = "2000" }, env: []).uid == 2000)
    }

    @Test func groupMembershipIsReadFromTheGroupFile() throws {
        let path = "/tmp/stockade-group-\(getpid())"
        _ = FileIO.writeFile(path, "dev:x:60:bob,alice\nshadow:x:42:\nalices:x:70:alice2\n", flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { unlink(path) }
        let db = SystemUserDatabase(passwdPath: "/nonexistent", groupPath: path)
        #expect(db.groups(ofMember: "alice") == [60])
        #expect(db.groups(ofMember: "") == [])
    }
}

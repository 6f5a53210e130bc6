import StockadeProfile
import StockadeSeccomp
import Testing
@testable import StockadeCore

struct FakeUsers: UserDatabase {
    func uid(named: String) -> (uid: UInt32, gid: UInt32)? { named == "alice" ? (1001, 1001) : nil }
    func gid(named: String) -> UInt32? { named == "staff" ? 50 : nil }
}

@Suite("Spec builder")
struct SpecBuilderTests {
    static let fs = FakeFileSystem(["/work/app/x": .file, "/usr/bin/sh": .file])

    func host(uid: UInt32 = 0, env: [(String, String)] = []) -> HostContext {
        HostContext(uid: uid, gid: uid, cwd: "/work/app", environment: env, users: FakeUsers())
    }

    func build(_ profile: Profile = Profile(name: "p"), _ edit: (inout LaunchOverrides) -> Void = { _ in }, host: HostContext? = nil) throws -> SandboxSpec {
        var o = LaunchOverrides()
        o.command = ["/usr/bin/sh"]
        edit(&o)
        return try SpecBuilder(fs: Self.fs).build(profile: profile, overrides: o, host: host ?? self.host(), id: "id1")
    }

    @Test func environmentIsScrubbedToTheAllowlist() throws {
        let h = host(env: [("PATH", "/usr/bin"), ("GITHUB_TOKEN", "ghp_secret_value"), ("LANG", "C"), ("PWD", "/work/app"), ("LC_ALL", "C")])
        var profile = Profile(name: "p")
        profile.env.pass = ["LC_*"]
        profile.env.set = [EnvAssignment(name: "HOME", value: "/tmp")]
        let s = try build(profile, host: h)
        #expect(s.environment.map(\.name) == ["PATH", "LANG", "LC_ALL", "HOME"])
        #expect(s.scrubbedNames == ["GITHUB_TOKEN", "PWD"])
        #expect(s.secretValues == ["ghp_secret_value"])
    }

    @Test func cliEnvOverridesAndPasses() throws {
        let h = host(env: [("FOO", "bar1"), ("BAZ", "qux1")])
        let s = try build(Profile(name: "p"), { $0.envPass = ["FOO"]; $0.envSet = [EnvAssignment(name: "BAZ", value: "set")] }, host: h)
        #expect(s.environment.contains(EnvAssignment(name: "FOO", value: "bar1")))
        #expect(s.environment.contains(EnvAssignment(name: "BAZ", value: "set")))
    }

    @Test func userSelection() throws {
        // --user wins; names resolve; sudo caller next; never root.
        #expect(try build(Profile(name: "p"), { $0.user = "alice" }).uid == 1001)
        #expect(try build(Profile(name: "p"), { $0.user = "2000" }).uid == 2000)
        #expect(try build(host: host(env: [("SUDO_UID", "1500"), ("SUDO_GID", "1500")])).uid == 1500)
        #expect(throws: PlanError.self) { try build(Profile(name: "p"), { $0.user = "0" }) }
        #expect(throws: PlanError.self) { try build(Profile(name: "p"), { $0.user = "nobody-here" }) }
        #expect(try build(Profile(name: "p"), { $0.user = "alice"; $0.group = "staff" }).gid == 50)
    }

    @Test func rootlessRunsAsItself() throws {
        let s = try build(host: host(uid: 1234))
        #expect(s.uid == 1234 && s.rootless)
        #expect(throws: PlanError.self) { try build(Profile(name: "p"), { $0.user = "alice" }, host: host(uid: 1234)) }
    }

    @Test func overridesBeatTheProfile() throws {
        var profile = Profile(name: "p")
        profile.limits.memoryBytes = 1 << 30
        profile.limits.timeoutSeconds = 60
        profile.network.mode = NetworkMode.none
        let s = try build(profile, { $0.memoryBytes = 1 << 20; $0.network = .host })
        #expect(s.memoryBytes == 1 << 20)
        #expect(s.timeoutSeconds == 60)
        #expect(s.network == .host)
        #expect(s.killAfterSeconds == 5)
    }

    @Test func workspaceDefaultsToCwdAndMustExist() throws {
        #expect(try build().workspace == "/work/app")
        #expect(throws: PlanError.self) { try build(Profile(name: "p"), { $0.workspace = "/missing" }) }
        #expect(try build(Profile(name: "p"), { $0.workspaceMode = WorkspaceMode.none }).workspace == nil)
    }

    @Test func hostRootCannotBeTheWorkspace() throws {
        let fs = FakeFileSystem(["/usr/bin/sh": .file, "/etc/passwd": .file, "/proc/1/status": .file])
        for dir in ["/", "/etc", "/usr", "/proc/1"] {
            var o = LaunchOverrides()
            o.command = ["/usr/bin/sh"]
            o.workspace = dir
            #expect(throws: PlanError.self, "\(dir) accepted") {
                try SpecBuilder(fs: fs).build(profile: Profile(name: "p"), overrides: o, host: host(), id: "x")
            }
        }
    }

    @Test func secretCandidates() {
        #expect(SpecBuilder.isSecretCandidate(name: "API_KEY", value: "abcd"))
        #expect(!SpecBuilder.isSecretCandidate(name: "PWD", value: "/x"))
        #expect(!SpecBuilder.isSecretCandidate(name: "SSL_CERT_FILE", value: "/etc/ssl/cert.pem"))
        #expect(SpecBuilder.isSecretCandidate(name: "DB_URL", value: "/db?password=x"))
    }
}

import StockadeProfile
import StockadeSeccomp
import StockadeEvents
import Testing
@testable import StockadeCore

@Suite("Planner")
struct PlannerTests {
    static let fs = FakeFileSystem([
        "/usr/bin/sh": .file, "/etc/passwd": .file, "/etc/shadow": .file, "/etc/ssh": .directory,
        "/lib": .symlink(target: "usr/lib"), "/usr/lib/libc.so": .file,
        "/home/u/app/.env": .file, "/home/u/app/src/main.c": .file, "/home/u/app/keys/server.pem": .file,
        "/home/u/app/.git/config": .file, "/home/u/app/link.pem": .symlink(target: "/etc/passwd"),
        "/dev/null": .special, "/dev/zero": .special, "/dev/full": .special, "/dev/random": .special,
        "/dev/urandom": .special, "/dev/tty": .special,
    ])

    static func spec(_ edit: (inout SandboxSpec) -> Void = { _ in }) -> SandboxSpec {
        var s = SandboxSpec(
            id: "abc123", actor: "test", command: ["/usr/bin/sh", "-c", "true"], cwd: "/home/u/app",
            profileName: "t", workspace: "/home/u/app", workspaceMode: .readWrite,
            binds: [BindRequest(source: "/usr", destination: "/usr", writable: false),
                    BindRequest(source: "/etc", destination: "/etc", writable: false),
                    BindRequest(source: "/lib", destination: "/lib", writable: false)],
            tmpfs: ["/tmp"], hide: ["/etc/shadow", "/etc/ssh", "/etc/absent"], mask: [".env*", "*.pem", ".git/config"],
            uid: 1000, gid: 1000, hostname: "box",
            environment: [EnvAssignment(name: "PATH", value: "/usr/bin")],
            seccomp: SeccompPolicy(defaultAction: .deny(errno: 1), rules: [SeccompRule(name: "read", action: .allow)]))
        edit(&s)
        return s
    }

    func plan(_ s: SandboxSpec) throws -> Plan {
        try Planner(fs: Self.fs).plan(s)
    }

    @Test func namespacesIncludeNetUnlessHost() throws {
        #expect(try plan(Self.spec()).namespaces == [.user, .mount, .pid, .uts, .ipc, .cgroup, .net])
        #expect(try plan(Self.spec { $0.network = .host }).namespaces.contains(.net) == false)
        #expect(try plan(Self.spec()).loopbackUp)
    }

    @Test func parentsAreMountedBeforeChildren() throws {
        let p = try plan(Self.spec())
        let dests = p.mounts.map(\.destination)
        for (i, d) in dests.enumerated() {
            for (j, e) in dests.enumerated() where j > i {
                // Nothing later may be a parent of something earlier, except covers and remounts.
                if case .hide = p.mounts[j] { continue }
                if case .remountReadOnly = p.mounts[j] { continue }
                #expect(!(d.hasPrefix(e + "/")), "\(e) mounted after its child \(d)")
            }
        }
    }

    @Test func symlinkedSystemPathsBecomeSymlinks() throws {
        let p = try plan(Self.spec())
        #expect(p.mounts.contains(.symlink(target: "usr/lib", at: "/lib")))
        #expect(p.mounts.contains(.bind(source: "/usr", destination: "/usr", readOnly: true, isFile: false, device: false)))
    }

    @Test func workspaceIsReadWriteOrReadOnly() throws {
        #expect(try plan(Self.spec()).mounts.contains(.bind(source: "/home/u/app", destination: "/home/u/app", readOnly: false, isFile: false, device: false)))
        let ro = try plan(Self.spec { $0.workspaceMode = .readOnly })
        #expect(ro.mounts.contains(.bind(source: "/home/u/app", destination: "/home/u/app", readOnly: true, isFile: false, device: false)))
        let none = try plan(Self.spec { $0.workspaceMode = .none })
        #expect(!none.mounts.contains { $0.destination == "/home/u/app" })
    }

    @Test func masksMatchBaseNamesAndAnchoredPathsButNotSymlinks() throws {
        let p = try plan(Self.spec())
        #expect(p.maskedPaths == ["/home/u/app/.env", "/home/u/app/.git/config", "/home/u/app/keys/server.pem"])
        #expect(p.mounts.contains(.hide(path: "/home/u/app/.env", isFile: true, optional: true)))
        #expect(!p.maskedPaths.contains("/home/u/app/link.pem"))
    }

    @Test func hidesSkipMissingPathsAndCoverDirectories() throws {
        let p = try plan(Self.spec())
        #expect(p.mounts.contains(.hide(path: "/etc/shadow", isFile: true, optional: true)))
        #expect(p.mounts.contains(.hide(path: "/etc/ssh", isFile: false, optional: true)))
        #expect(!p.mounts.contains { $0.destination == "/etc/absent" })
    }

    @Test func hidingASymlinkIsAnError() throws {
        #expect(throws: PlanError.self) { try plan(Self.spec { $0.hide = ["/lib"] }) }
    }

    @Test func minimalDev() throws {
        let p = try plan(Self.spec())
        for node in ["null", "zero", "full", "random", "urandom", "tty"] {
            #expect(p.mounts.contains(.bind(source: "/dev/\(node)", destination: "/dev/\(node)", readOnly: false, isFile: true, device: true)))
        }
        #expect(p.mounts.contains(.devpts(destination: "/dev/pts")))
        #expect(p.mounts.contains(.remountReadOnly(path: "/dev")))
        #expect(p.mounts.contains(.proc(destination: "/proc")))
    }

    @Test func missingBindSourceFails() {
        #expect(throws: PlanError(code: .bindSourceMissing, subject: "/nope", message: "bind source does not exist")) {
            try plan(Self.spec { $0.binds.append(BindRequest(source: "/nope", destination: "/nope", writable: true)) })
        }
    }

    @Test func coreDumpsOffByDefaultAndRlimitsValidated() throws {
        let p = try plan(Self.spec())
        #expect(p.rlimits.contains { $0.name == "core" && $0.soft == 0 && $0.hard == 0 })
        #expect(throws: PlanError.self) {
            try plan(Self.spec { $0.rlimits = [RlimitSetting(name: "bogus", soft: 1, hard: 1)] })
        }
        #expect(throws: PlanError.self) {
            try plan(Self.spec { $0.rlimits = [RlimitSetting(name: "nofile", soft: 10, hard: 5)] })
        }
    }

    @Test func seccompFilterChangesWithPolicy() throws {
        let a = try plan(Self.spec())
        let b = try plan(Self.spec { $0.seccomp.rules.append(SeccompRule(name: "getcwd", action: .allow)) })
        #expect(a.seccomp.bpf != b.seccomp.bpf)
        #expect(a.seccomp.digest != b.seccomp.digest)
    }

    @Test func emptyCommandIsRejected() {
        #expect(throws: PlanError.self) { try plan(Self.spec { $0.command = [] }) }
    }

    @Test func dryRunRenderingNamesEveryMount() throws {
        let p = try plan(Self.spec())
        let json = JSONPrettyPrinter().render(PlanRenderer.json(p))
        #expect(json.contains("\"ro-bind\""))
        #expect(json.contains("/home/u/app/.env"))
        #expect(json.contains("\"namespaces\""))
    }

    /// `--dry-run` shows the allowlist a filtered run would enforce, and
    /// nothing for a run without egress rules.
    @Test func dryRunRenderingShowsTheEgressAllowlist() throws {
        let filtered = try plan(Self.spec {
            $0.network = .filtered
            $0.egress.allow = ["pypi.org", "*.example.com:8443"]
            $0.egress.dnsUpstreams = ["192.0.2.53"]
            $0.egress.allowECH = ["pypi.org"]
        })
        guard case .object(let root) = PlanRenderer.json(filtered), case .object(let egress)? = root["egress"] else {
            Issue.record("no egress object in the filtered plan"); return
        }
        #expect(egress["allow"] == .array([.string("pypi.org"), .string("*.example.com:8443")]))
        #expect(egress["dns_upstreams"] == .array([.string("192.0.2.53")]))
        #expect(egress["allow_ech"] == .array([.string("pypi.org")]))
        guard case .object(let none) = PlanRenderer.json(try plan(Self.spec())) else { return }
        #expect(none["egress"] == .null)
    }
}

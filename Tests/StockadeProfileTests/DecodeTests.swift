import Foundation
import StockadeProfile
import StockadeSeccomp
import Testing

@Suite("Decoding a good profile")
struct DecodeTests {
    static let full = """
    name: agent
    description: "An agent"
    extends: [default, ./base.yaml]
    actor: myrepo/agents/toast
    filesystem:
      read_only: [/usr, /etc/, //bin, /usr]
      read_write: [/srv/out]
      tmpfs: [/tmp]
      hide: [/etc/shadow]
      mask: [".env*", "*.pem", ".git/config"]
      workspace: ro
    env:
      pass: [PATH, "LC_*"]
      set: {PAGER: cat, HOME: /tmp, N: 1}
      secret: [GITHUB_TOKEN]
    process: {user: 1000, group: nogroup, hostname: box}
    limits:
      memory: 2g
      pids: 512
      cpus: 1.5
      timeout: 1h30m
      kill_after: 500ms
      rlimits: {nofile: 4096, core: 0, fsize: 1g, nproc: unlimited, stack: {soft: 8m, hard: unlimited}}
    network: {mode: host}
    seccomp:
      default: {errno: ENOSYS}
      allow: [read, write, read]
      deny: [{name: ptrace, errno: EACCES}, mount]
      socket_families: [unix, AF_INET6, local]
    """

    @Test func everyKey() throws {
        let doc = try ProfileLoader.decode(yaml: Self.full, path: "/x/agent.yaml")
        #expect(doc.declaredName == "agent")
        #expect(doc.extends.map(\.reference) == ["default", "./base.yaml"])
        #expect(doc.extends[1] == ProfileReference(reference: "./base.yaml", line: 3, column: 20, field: "extends[1]"))
        let p = doc.profile
        #expect(p.name == "agent")
        #expect(p.description == "An agent")
        #expect(p.actor == "myrepo/agents/toast")
        #expect(p.filesystem == FilesystemSection(readOnly: ["/usr", "/etc", "/bin"], readWrite: ["/srv/out"], tmpfs: ["/tmp"],
                                                  hide: ["/etc/shadow"], mask: [".env*", "*.pem", ".git/config"], workspace: .readOnly))
        #expect(p.env.pass == ["PATH", "LC_*"])
        #expect(p.env.set == [EnvAssignment(name: "PAGER", value: "cat"), EnvAssignment(name: "HOME", value: "/tmp"),
                              EnvAssignment(name: "N", value: "1")])
        #expect(p.env.secret == ["GITHUB_TOKEN"])
        #expect(p.process == ProcessSection(user: "1000", group: "nogroup", hostname: "box"))
        #expect(p.limits.memoryBytes == 2 << 30)
        #expect(p.limits.pids == 512)
        #expect(p.limits.cpus == 1.5)
        #expect(p.limits.timeoutSeconds == 5400)
        #expect(p.limits.killAfterSeconds == 0.5)
        #expect(p.limits.rlimits == [
            RlimitSetting(name: "nofile", soft: 4096, hard: 4096),
            RlimitSetting(name: "core", soft: 0, hard: 0),
            RlimitSetting(name: "fsize", soft: 1 << 30, hard: 1 << 30),
            RlimitSetting(name: "nproc", soft: nil, hard: nil),
            RlimitSetting(name: "stack", soft: 8 << 20, hard: nil),
        ])
        #expect(p.network.mode == .host)
        #expect(p.seccomp.policy == SeccompPolicy(defaultAction: .deny(errno: 38), rules: [
            SeccompRule(name: "read", action: .allow),
            SeccompRule(name: "write", action: .allow),
            SeccompRule(name: "ptrace", action: .deny(errno: 13)),
            SeccompRule(name: "mount", action: .deny(errno: 1)),
        ], socketFamilies: [1, 10]))
        #expect(p.sources.count == 1)
        #expect(p.sources[0].path == "/x/agent.yaml")
    }

    @Test func nameDefaultsToFileBaseName() throws {
        let doc = try ProfileLoader.decode(yaml: "description: hi\n", path: "dir/my-profile.yml")
        #expect(doc.declaredName == nil)
        #expect(doc.profile.name == "my-profile")
        #expect(doc.profile.seccomp.policy == nil)
        #expect(doc.profile.limits == LimitsSection())
    }

    @Test func seccompDefaultSpellings() throws {
        for (text, action) in [("deny", SeccompAction.deny(errno: 1)), ("deny-enosys", .deny(errno: 38)), ("kill", .killProcess),
                               ("{errno: 13}", .deny(errno: 13)), ("{errno: eperm}", .deny(errno: 1))] {
            let doc = try ProfileLoader.decode(yaml: "seccomp:\n  default: \(text)\n", path: "p.yaml")
            #expect(doc.profile.seccomp.policy?.defaultAction == action)
        }
    }

    @Test func sourceHashIsSHA256OfBytes() throws {
        let doc = try ProfileLoader.decode(yaml: "name: a\n", path: "/p/a.yaml")
        // printf 'name: a\n' | sha256sum
        #expect(doc.profile.sources[0].sha256 == "1e7e5f3c45fc71cc0d92ffd6a4136ce35256118f2cb9a940b09a9e336022a571")
    }

    @Test func rendererIsSortedAndStable() throws {
        let doc = try ProfileLoader.decode(yaml: Self.full, path: "/x/agent.yaml")
        let json = ProfileRenderer.json(doc.profile)
        #expect(json == ProfileRenderer.json(doc.profile))
        #expect(json.contains("\"actor\" : \"myrepo/agents/toast\""))
        #expect(json.contains("/srv/out"))
        let back = try JSONDecoder().decode(Profile.self, from: Data(json.utf8))
        #expect(back == doc.profile)
        let actorIndex = json.range(of: "\"actor\"")!.lowerBound
        let nameIndex = json.range(of: "\"name\" : \"agent\"")!.lowerBound
        #expect(actorIndex < nameIndex)
    }
}

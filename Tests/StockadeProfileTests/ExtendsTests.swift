import Foundation
import StockadeProfile
import StockadeSeccomp
import Testing

@Suite("extends: loading and merging")
struct ExtendsTests {
    @Test func listsAppendScalarsOverride() throws {
        let dir = TempDir()
        dir.write("lib/base.yaml", """
        actor: base-actor
        filesystem:
          read_only: [/usr, /etc]
          workspace: ro
        env:
          pass: [PATH]
          set: {HOME: /tmp, PAGER: less}
        limits:
          memory: 1g
          pids: 100
          rlimits: {nofile: 1024, core: 0}
        seccomp:
          default: kill
          allow: [read, write, ptrace]
          socket_families: [unix]
        """)
        let child = dir.write("child.yaml", """
        extends: base
        filesystem:
          read_only: [/etc, /opt]
          workspace: rw
        env:
          pass: [PATH, TERM]
          set: {PAGER: cat, EDITOR: true}
        limits:
          pids: 200
          rlimits: {nofile: 4096}
        seccomp:
          default: deny
          allow: [close]
          deny: [ptrace]
          socket_families: [inet, unix]
        """)
        let profile = try ProfileLoader(searchPaths: [dir.path + "/lib"]).load(child)
        #expect(profile.name == "child")
        #expect(profile.actor == "base-actor")
        #expect(profile.filesystem.readOnly == ["/usr", "/etc", "/opt"])
        #expect(profile.filesystem.workspace == .readWrite)
        #expect(profile.env.pass == ["PATH", "TERM"])
        #expect(profile.env.set == [EnvAssignment(name: "HOME", value: "/tmp"), EnvAssignment(name: "PAGER", value: "cat"),
                                    EnvAssignment(name: "EDITOR", value: "true")])
        #expect(profile.limits.memoryBytes == 1 << 30)
        #expect(profile.limits.pids == 200)
        #expect(profile.limits.rlimits == [RlimitSetting(name: "nofile", soft: 4096, hard: 4096), RlimitSetting(name: "core", soft: 0, hard: 0)])
        #expect(profile.seccomp.policy == SeccompPolicy(defaultAction: .deny(errno: 1), rules: [
            SeccompRule(name: "read", action: .allow),
            SeccompRule(name: "write", action: .allow),
            SeccompRule(name: "close", action: .allow),
            SeccompRule(name: "ptrace", action: .deny(errno: 1)),
        ], socketFamilies: [1, 2]))
        #expect(profile.sources.map { ($0.path as NSString).lastPathComponent } == ["base.yaml", "child.yaml"])
    }

    @Test func multipleParentsAndDiamond() throws {
        let dir = TempDir()
        dir.write("root.yaml", "env:\n  pass: [ROOT]\n")
        dir.write("a.yaml", "extends: root\nenv:\n  pass: [A]\nlimits: {pids: 1}\n")
        dir.write("b.yaml", "extends: root\nenv:\n  pass: [B]\nlimits: {pids: 2}\n")
        let leaf = dir.write("leaf.yaml", "extends: [a, b]\nenv:\n  pass: [LEAF]\n")
        let profile = try ProfileLoader(searchPaths: []).load(leaf)
        #expect(profile.env.pass == ["ROOT", "A", "B", "LEAF"])
        #expect(profile.limits.pids == 2)
        #expect(profile.sources.map { ($0.path as NSString).lastPathComponent } == ["root.yaml", "a.yaml", "b.yaml", "leaf.yaml"])
    }

    @Test func ociReplacesInheritedPolicy() throws {
        let dir = TempDir()
        dir.write("base.yaml", "seccomp:\n  allow: [read]\n  socket_families: [unix]\n")
        dir.write("sec/p.json", #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["write", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]}"#)
        let child = dir.write("child.yaml", "extends: ./base.yaml\nseccomp:\n  oci: sec/p.json\n")
        let profile = try ProfileLoader(searchPaths: []).load(child)
        #expect(profile.seccomp.policy == SeccompPolicy(defaultAction: .deny(errno: 1), rules: [SeccompRule(name: "write", action: .allow)]))
        #expect(profile.seccomp.skippedSyscalls == ["no_such_call"])
        #expect(profile.sources.map { ($0.path as NSString).lastPathComponent } == ["base.yaml", "child.yaml", "p.json"])
    }

    @Test func cycleIsAnError() {
        let dir = TempDir()
        let a = dir.write("a.yaml", "extends: b\n")
        let b = dir.write("b.yaml", "name: b\nextends: [a]\n")
        let error = loadError(ProfileLoader(searchPaths: []), a)
        #expect(error == ProfileError(code: .extendsCycle, file: b, line: 2, column: 11, field: "extends[0]",
                                      message: "extends cycle: \(a) → \(b) → \(dir.path)/a.yaml"))
    }

    @Test func selfCycle() {
        let dir = TempDir()
        let a = dir.write("a.yaml", "extends: ./a.yaml\n")
        #expect(loadError(ProfileLoader(searchPaths: []), a)?.code == .extendsCycle)
    }

    @Test func parentNotFoundListsWhereItLooked() {
        let dir = TempDir()
        let a = dir.write("a.yaml", "\nextends: missing\n")
        let error = loadError(ProfileLoader(searchPaths: ["/nonexistent-stockade"]), a)
        #expect(error == ProfileError(code: .notFound, file: a, line: 2, column: 10, field: "extends",
                                      message: "no profile named \"missing\"; looked in: \(dir.path)/missing.yaml, /nonexistent-stockade/missing.yaml"))
    }

    @Test func topLevelNotFound() {
        let error = loadError(ProfileLoader(searchPaths: ["/nonexistent-a", "/nonexistent-b"]), "agentx")
        #expect(error == ProfileError(code: .notFound, file: "agentx",
                                      message: "no profile named \"agentx\"; looked in: /nonexistent-a/agentx.yaml, /nonexistent-b/agentx.yaml"))
        #expect(loadError(ProfileLoader(searchPaths: []), "./nope.yaml")?.code == .notFound)
        #expect(loadError(ProfileLoader(searchPaths: []), "bad name")?.code == .notFound)
    }

    @Test func errorInParentNamesTheParentFile() {
        let dir = TempDir()
        let base = dir.write("base.yaml", "limits:\n  memory: lots\n")
        let child = dir.write("child.yaml", "extends: base\n")
        let error = loadError(ProfileLoader(searchPaths: []), child)
        #expect(error?.file == base)
        #expect(error?.line == 2)
        #expect(error?.field == "limits.memory")
    }

    @Test func searchPathOrderAndHashOfBytes() throws {
        let first = TempDir()
        let second = TempDir()
        first.write("p.yaml", "description: first\n")
        second.write("p.yaml", "description: second\n")
        let profile = try ProfileLoader(searchPaths: [first.path, second.path]).load("p")
        #expect(profile.description == "first")
        #expect(profile.sources == [ProfileSource(path: first.path + "/p.yaml",
                                                  sha256: "a58ee4660ea14264420cd1d204356ce2ccdf26d10f35b2128cfbb7d594a8c907")])
    }
}

import StockadeProfile
import Testing

@Suite("Agent definitions")
struct AgentDefinitionTests {
    func decode(_ yaml: String) throws(ProfileError) -> AgentDefinition {
        try AgentDefinition.decode(yaml: yaml, file: "a.yaml", name: "a")
    }

    @Test func fullDefinition() throws {
        let d = try decode("""
            command: [/opt/agent/bin/agent, --serve]
            profile: agent
            workspace: /srv/agents/a
            actor: reviewer-bot
            net: filtered
            allow: [api.github.com, "*.githubusercontent.com:443"]
            presets: python
            allow_ech: [api.github.com, "*.githubusercontent.com", api.github.com]
            timeout: 12h
            kill_after: 10s
            memory: 2g
            pids: 512
            cpus: 1.5
            env:
              pass: [LANG, LC_*]
              set: {AGENT_MODE: service, EMPTY: ""}
            events: journal
            """)
        var expected = AgentDefinition(name: "a", command: ["/opt/agent/bin/agent", "--serve"])
        expected.profile = "agent"
        expected.workspace = "/srv/agents/a"
        expected.actor = "reviewer-bot"
        expected.network = .filtered
        expected.allowDomains = ["api.github.com", "*.githubusercontent.com:443"]
        expected.allowPresets = ["python"]
        expected.timeoutSeconds = 12 * 3600
        expected.killAfterSeconds = 10
        expected.memoryBytes = 2 << 30
        expected.pids = 512
        expected.cpus = 1.5
        expected.envPass = ["LANG", "LC_*"]
        expected.envSet = [EnvAssignment(name: "AGENT_MODE", value: "service"), EnvAssignment(name: "EMPTY", value: "")]
        expected.events = "journal"
        expected.allowECH = ["api.github.com", "*.githubusercontent.com"]
        #expect(d == expected)
    }

    @Test func minimalDefinition() throws {
        let d = try decode("command: [./agent]\n")
        #expect(d.command == ["./agent"])
        #expect(d.profile == nil && d.events == nil && d.network == nil)
    }

    func failure(_ yaml: String) -> ProfileError? {
        do { _ = try decode(yaml); return nil } catch { return error }
    }

    @Test func unknownKeyNamesFileLineAndKey() {
        let e = failure("command: [x]\nworkspaces: /tmp\n")
        #expect(e?.code == .unknownKey)
        #expect(e?.line == 2 && e?.column == 1)
        #expect(e?.description.hasPrefix("a.yaml:2:1: workspaces: unknown key") == true)
    }

    @Test(arguments: [
        ("profile: agent\n", ProfileError.Code.invalidValue, "command"),
        ("command: ./agent\n", .wrongType, "command"),
        ("command: []\n", .invalidValue, "command"),
        ("command: [x]\nworkspace: src\n", .relativePath, "workspace"),
        ("command: [x]\nnet: open\n", .invalidValue, "net"),
        ("command: [x]\nallow: [\"bad domain\"]\n", .invalidValue, "allow[0]"),
        ("command: [x]\ntimeout: forever\n", .invalidValue, "timeout"),
        ("command: [x]\nallow_ech: [\"example.com:443\"]\n", .invalidValue, "allow_ech[0]"),
        ("command: [x]\nallow_ech: [\"a.*.example.com\"]\n", .invalidValue, "allow_ech[0]"),
        ("command: [x]\nallow_ech: {a: b}\n", .wrongType, "allow_ech"),
        ("command: [x]\nmemory: 1k\n", .invalidValue, "memory"),
        ("command: [x]\npids: 0\n", .invalidValue, "pids"),
        ("command: [x]\ncpus: lots\n", .wrongType, "cpus"),
        ("command: [x]\nenv: {pass: [\"1X\"]}\n", .invalidValue, "env.pass[0]"),
        ("command: [x]\nenv: {keep: [A]}\n", .unknownKey, "env.keep"),
        ("command: [x]\nevents: \"fd:x\"\n", .invalidValue, "events"),
        ("command: [x]\ncommand: [y]\n", .duplicateKey, "command"),
    ])
    func rejects(_ yaml: String, _ code: ProfileError.Code, _ field: String) {
        let e = failure(yaml)
        #expect(e?.code == code, "\(yaml): \(String(describing: e))")
        #expect(e?.field == field, "\(yaml): \(String(describing: e))")
    }

    @Test func syntaxErrorsHavePositions() {
        let e = failure("command: [x\n")
        #expect(e?.code == .syntax)
        #expect((e?.line ?? 0) > 0)
    }

    @Test func loadReadsNameDotYamlAndRejectsPathNames() throws {
        let dir = TempDir()
        dir.write("bot.yaml", "command: [/bin/true]\n")
        let d = try AgentDefinition.load(name: "bot", directory: dir.path)
        #expect(d.name == "bot" && d.command == ["/bin/true"])
        for bad in ["../bot", ".hidden", "a/b", ""] {
            #expect(throws: ProfileError.self) { try AgentDefinition.load(name: bad, directory: dir.path) }
        }
        #expect((try? AgentDefinition.load(name: "missing", directory: dir.path)) == nil)
    }
}

@Suite("Shipped agent example")
struct ShippedAgentExampleTests {
    @Test func exampleDecodes() throws {
        let path = shippedProfilesDirectory.replacingOccurrences(of: "/profiles", with: "/systemd")
        let d = try AgentDefinition.load(name: "example-agent", directory: path)
        #expect(d.command.first == "/opt/reviewer/bin/reviewer")
        #expect(d.network == .filtered && d.events == "journal" && d.killAfterSeconds == 10)
    }
}

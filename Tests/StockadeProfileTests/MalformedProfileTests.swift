import StockadeProfile
import Testing

/// One malformed profile and the exact error position it must produce.
struct Malformed: CustomTestStringConvertible, Sendable {
    var yaml: String
    var code: ProfileError.Code
    var line: Int
    var column: Int
    var field: String
    var testDescription: String { "\(code.rawValue) \(field)" }

    init(_ yaml: String, _ code: ProfileError.Code, _ line: Int, _ column: Int, _ field: String) {
        self.yaml = yaml
        self.code = code
        self.line = line
        self.column = column
        self.field = field
    }
}

let malformedProfiles: [Malformed] = [
    // top level and syntax
    .init("bogus: 1\n", .unknownKey, 1, 1, "bogus"),
    .init("name: a\nname: b\n", .duplicateKey, 2, 1, "name"),
    .init("<<: {name: x}\n", .unknownKey, 1, 1, "<<"),
    .init("? [a, b]\n: c\n", .wrongType, 1, 3, ""),
    .init("- a\n- b\n", .wrongType, 1, 1, ""),
    .init("", .wrongType, 1, 1, ""),
    .init("limits: [unclosed\n", .syntax, 2, 1, ""),
    .init("limits:\n\tmemory: 1g\n", .syntax, 2, 1, ""),
    .init("name: \"bad name\"\n", .invalidValue, 1, 7, "name"),
    .init("description: [a]\n", .wrongType, 1, 14, "description"),
    .init("actor: \"\"\n", .invalidValue, 1, 8, "actor"),
    .init("extends: {a: 1}\n", .wrongType, 1, 10, "extends"),
    .init("extends: [base, \"\"]\n", .invalidValue, 1, 17, "extends[1]"),
    // limits
    .init("limits:\n  memory: lots\n", .invalidValue, 2, 11, "limits.memory"),
    .init("limits:\n  memory: [1]\n", .wrongType, 2, 11, "limits.memory"),
    .init("limits: {memory: 1k}\n", .invalidValue, 1, 18, "limits.memory"),
    .init("limits:\n  pids: -1\n", .invalidValue, 2, 9, "limits.pids"),
    .init("limits:\n  pids: many\n", .wrongType, 2, 9, "limits.pids"),
    .init("limits:\n  cpus: 0\n", .invalidValue, 2, 9, "limits.cpus"),
    .init("limits:\n  timeout: soon\n", .invalidValue, 2, 12, "limits.timeout"),
    .init("limits:\n  timeout: 0s\n", .invalidValue, 2, 12, "limits.timeout"),
    .init("limits:\n  kill_after: -1s\n", .invalidValue, 2, 15, "limits.kill_after"),
    .init("limits:\n  swap: 1g\n", .unknownKey, 2, 3, "limits.swap"),
    .init("limits:\n  rlimits:\n    nofiles: 10\n", .unknownRlimit, 3, 5, "limits.rlimits.nofiles"),
    .init("limits:\n  rlimits:\n    nofile: {soft: 10, hard: 5}\n", .invalidValue, 3, 13, "limits.rlimits.nofile"),
    .init("limits:\n  rlimits:\n    nofile: 1k\n", .invalidValue, 3, 13, "limits.rlimits.nofile"),
    .init("limits:\n  rlimits:\n    core: {soft: 0}\n", .invalidValue, 3, 11, "limits.rlimits.core"),
    .init("limits:\n  rlimits:\n    core: {soft: 0, hard: 0, max: 1}\n", .unknownKey, 3, 30, "limits.rlimits.core.max"),
    // filesystem
    .init("filesystem:\n  read_only: [usr]\n", .relativePath, 2, 15, "filesystem.read_only[0]"),
    .init("filesystem:\n  read_only: /usr\n", .wrongType, 2, 14, "filesystem.read_only"),
    .init("filesystem:\n  hide: [/etc/../root]\n", .invalidValue, 2, 10, "filesystem.hide[0]"),
    .init("filesystem:\n  mask: [/abs]\n", .relativePath, 2, 10, "filesystem.mask[0]"),
    .init("filesystem:\n  mask: [\"a/../../x\"]\n", .invalidValue, 2, 10, "filesystem.mask[0]"),
    .init("filesystem:\n  workspace: readwrite\n", .invalidValue, 2, 14, "filesystem.workspace"),
    .init("filesystem:\n  tmpfs: [/tmp, ~]\n", .wrongType, 2, 17, "filesystem.tmpfs[1]"),
    .init("filesystem:\n  read_only: [/usr]\n  read_only: [/etc]\n", .duplicateKey, 3, 3, "filesystem.read_only"),
    // env and process
    .init("env:\n  pass: [\"1BAD\"]\n", .invalidValue, 2, 10, "env.pass[0]"),
    .init("env:\n  pass: [\"*\"]\n", .invalidValue, 2, 10, "env.pass[0]"),
    .init("env:\n  set: {HOME: ~}\n", .wrongType, 2, 15, "env.set.HOME"),
    .init("env:\n  set: {\"A-B\": x}\n", .invalidValue, 2, 9, "env.set.A-B"),
    .init("env:\n  secret: GITHUB_TOKEN\n", .wrongType, 2, 11, "env.secret"),
    .init("process:\n  user: \"Bad User\"\n", .invalidValue, 2, 9, "process.user"),
    .init("process:\n  hostname: \"-x\"\n", .invalidValue, 2, 13, "process.hostname"),
    .init("process:\n  uid: 1\n", .unknownKey, 2, 3, "process.uid"),
    // network
    .init("network:\n  mode: open\n", .invalidValue, 2, 9, "network.mode"),
    .init("network:\n  allow: [\"*\"]\n", .invalidValue, 2, 11, "network.allow[0]"),
    .init("network:\n  allow:\n    - pypi.org:99999\n", .invalidValue, 3, 7, "network.allow[0]"),
    .init("network:\n  allow: [com]\n", .invalidValue, 2, 11, "network.allow[0]"),
    .init("network:\n  dns_upstream: dns.example\n", .invalidValue, 2, 17, "network.dns_upstream"),
    .init("network:\n  allow_private: [10.0.0.0/33]\n", .invalidValue, 2, 19, "network.allow_private[0]"),
    .init("network:\n  presets: [py/thon]\n", .invalidValue, 2, 13, "network.presets[0]"),
    .init("network: none\n", .wrongType, 1, 10, "network"),
    // seccomp
    .init("seccomp:\n  allow: [read, frobnicate]\n", .unknownSyscall, 2, 17, "seccomp.allow[1]"),
    .init("seccomp:\n  allow: [socketcall]\n", .unknownSyscall, 2, 11, "seccomp.allow[0]"),
    .init("seccomp:\n  default: allow\n", .invalidValue, 2, 12, "seccomp.default"),
    .init("seccomp:\n  default: {errno: EWHAT}\n", .unknownErrno, 2, 20, "seccomp.default.errno"),
    .init("seccomp:\n  deny: [{name: ptrace, errno: EPERM, x: 1}]\n", .unknownKey, 2, 39, "seccomp.deny[0].x"),
    .init("seccomp:\n  deny: [{errno: EPERM}]\n", .invalidValue, 2, 10, "seccomp.deny[0]"),
    .init("seccomp:\n  socket_families: [inet, ipx9]\n", .unknownSocketFamily, 2, 27, "seccomp.socket_families[1]"),
    .init("seccomp:\n  oci: x.json\n  allow: [read]\n", .conflictingKeys, 2, 3, "seccomp.oci"),
    .init("seccomp:\n  allow: [ptrace]\n  deny: [ptrace]\n", .invalidValue, 3, 10, "seccomp.deny[0]"),
    .init("seccomp:\n  oci: /nonexistent/stockade-missing.json\n", .notFound, 2, 8, "seccomp.oci"),
]

@Suite("Malformed profiles")
struct MalformedProfileTests {
    @Test(arguments: malformedProfiles)
    func rejected(_ example: Malformed) {
        let error = decodeError(example.yaml, path: "profiles/x.yaml")
        #expect(error != nil, "accepted: \(example.yaml)")
        guard let error else { return }
        #expect(error.file == "profiles/x.yaml")
        #expect(error.code == example.code, "\(error)")
        #expect(error.line == example.line, "\(error)")
        #expect(error.column == example.column, "\(error)")
        #expect(error.field == example.field, "\(error)")
        #expect(!error.message.isEmpty)
    }

    @Test func atLeastThirtyCases() {
        #expect(malformedProfiles.count >= 30)
    }

    @Test func exactErrorsAndDescriptions() {
        let memory = decodeError("name: x\nlimits:\n  cpus: 2\n\n\n\n  memory: lots\n", path: "profiles/x.yaml")
        #expect(memory == ProfileError(code: .invalidValue, file: "profiles/x.yaml", line: 7, column: 11,
                                       field: "limits.memory", message: "expected a size like 512m or 2g, got \"lots\""))
        #expect(memory?.description == "profiles/x.yaml:7:11: limits.memory: expected a size like 512m or 2g, got \"lots\"")

        let unknown = decodeError("network:\n  mod: none\n", path: "p.yaml")
        #expect(unknown == ProfileError(code: .unknownKey, file: "p.yaml", line: 2, column: 3, field: "network.mod",
                                        message: "unknown key \"mod\"; expected one of: mode, allow, presets, dns_upstream, allow_private, dns_timeout, allow_ech"))

        let syscall = decodeError("seccomp:\n  allow: [frobnicate]\n", path: "p.yaml")
        #expect(syscall == ProfileError(code: .unknownSyscall, file: "p.yaml", line: 2, column: 11, field: "seccomp.allow[0]",
                                        message: "unknown syscall \"frobnicate\" (not an x86_64 syscall libseccomp knows)"))

        let relative = decodeError("filesystem:\n  read_write: [out]\n", path: "p.yaml")
        #expect(relative == ProfileError(code: .relativePath, file: "p.yaml", line: 2, column: 16,
                                         field: "filesystem.read_write[0]", message: "expected an absolute path, got \"out\""))

        let whole = ProfileError(code: .notFound, file: "nope", message: "gone")
        #expect(whole.description == "nope: gone")
    }

    @Test func codesAreStableSnakeCase() {
        for code in ProfileError.Code.allCases {
            #expect(code.rawValue == code.rawValue.lowercased())
            #expect(!code.rawValue.contains(" "))
        }
        #expect(ProfileError.Code.unknownKey.rawValue == "unknown_key")
        #expect(ProfileError.Code.extendsCycle.rawValue == "extends_cycle")
    }
}

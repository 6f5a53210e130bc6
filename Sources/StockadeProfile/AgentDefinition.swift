#if canImport(Glibc)
import Glibc
#endif
import StockadeEvents
import StockadeSystem

/// A long-lived agent, as `sandbox-run agent NAME` runs it: the file
/// `/etc/stockade/agents/NAME.yaml`. Every key maps onto a `sandbox-run`
/// option; unknown keys are errors, with the file, line and column.
///
/// ```yaml
/// command: [/opt/agent/bin/agent, --serve]
/// profile: agent
/// workspace: /srv/agents/reviewer
/// actor: reviewer-bot
/// net: filtered
/// allow: [api.github.com, "*.githubusercontent.com"]
/// presets: [python]
/// allow_ech: [api.github.com]
/// timeout: 12h
/// memory: 2g
/// pids: 512
/// cpus: 1.5
/// env:
///   pass: [LANG, GITHUB_TOKEN]
///   set: {AGENT_MODE: service}
/// events: journal
/// ```
public struct AgentDefinition: Equatable, Sendable {
    public static let keys = [
        "command", "profile", "workspace", "actor", "allow", "presets", "net",
        "timeout", "kill_after", "memory", "pids", "cpus", "env", "events",
        "allow_ech",
    ]
    /// Where `sandbox-run agent NAME` looks unless told otherwise.
    public static let defaultDirectory = "/etc/stockade/agents"

    /// The file's base name; also the sandbox name in events.
    public var name: String
    /// argv of the workload; required, non-empty.
    public var command: [String]
    public var profile: String?
    /// Absolute path of the writable workspace.
    public var workspace: String?
    public var actor: String?
    public var allowDomains: [String] = []
    public var allowPresets: [String] = []
    public var network: NetworkMode?
    public var timeoutSeconds: Double?
    public var killAfterSeconds: Double?
    public var memoryBytes: UInt64?
    public var pids: Int?
    public var cpus: Double?
    public var envPass: [String] = []
    public var envSet: [EnvAssignment] = []
    /// An `--events` sink (`journal`, a path, `fd:N`…), checked at decode time.
    public var events: String?
    /// Names an Encrypted ClientHello may claim (`--allow-ech`): the grammar
    /// of `network.allow_ech` (`ECHAllowance.parse`); coverage by an allow
    /// rule is checked when the run is planned, as for the command line.
    public var allowECH: [String] = []

    public init(name: String, command: [String]) {
        self.name = name
        self.command = command
    }

    /// An agent name is a file name: letters, digits, `-`, `_`, `.`, `@`,
    /// not starting with `.` (no paths, no hidden files), at most 64 bytes.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "@")
        }
    }

    /// Reads `DIR/NAME.yaml`.
    public static func load(name: String, directory: String = defaultDirectory) throws(ProfileError) -> AgentDefinition {
        guard isValidName(name) else {
            throw ProfileError(code: .invalidValue, file: name, message: "not an agent name (letters, digits, - _ . @; not starting with .)")
        }
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + name + ".yaml"
        // A regular file only; non-blocking, so a FIFO in its place cannot hang the read.
        guard let data = FileIO.readFile(path, limit: ProfileDecoder.maxBytes + 1, nonBlocking: true, accept: { $0.st_mode & S_IFMT == S_IFREG }) else {
            throw ProfileError(code: .notFound, file: path, message: "cannot read the agent definition")
        }
        guard data.count <= ProfileDecoder.maxBytes else {
            throw ProfileError(code: .invalidValue, file: path, message: "file is larger than \(ProfileDecoder.maxBytes) bytes; not an agent definition")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProfileError(code: .unreadable, file: path, message: "the file is not UTF-8 text")
        }
        return try decode(yaml: text, file: path, name: name)
    }

    /// Strict decoding of a definition's text; `file` names it in errors.
    public static func decode(yaml: String, file: String, name: String) throws(ProfileError) -> AgentDefinition {
        let reader = YAMLReader(file: file)
        let root: YAMLNode?
        do {
            root = try YAMLComposer.parse(yaml)
        } catch {
            throw ProfileError(code: error.code, file: file, line: error.line, column: error.column, message: error.message)
        }
        guard let root else {
            throw ProfileError(code: .wrongType, file: file, line: 1, column: 1, message: "expected a mapping of agent keys, got an empty document")
        }
        var def = AgentDefinition(name: name, command: [])
        var sawCommand = false
        for entry in try reader.mapping(root, "", allowed: keys) {
            let v = entry.value, f = entry.field
            switch entry.key {
            case "command":
                def.command = try reader.stringList(v, f, what: "program arguments").map { $0.0 }
                guard !def.command.isEmpty, !def.command[0].isEmpty else {
                    throw reader.error(.invalidValue, at: v, f, "expected at least the program to run")
                }
                sawCommand = true
            case "profile":
                def.profile = try reader.string(v, f, what: "a profile name or path")
            case "workspace":
                let path = try reader.string(v, f, what: "an absolute path")
                guard path.hasPrefix("/") else { throw reader.error(.relativePath, at: v, f, "expected an absolute path, got \(reader.quoted(path))") }
                def.workspace = path
            case "actor":
                def.actor = try reader.string(v, f, what: "an actor id")
            case "allow":
                for (domain, node, field) in try reader.stringOrList(v, f, what: "domain rules") {
                    if let problem = NetworkSyntax.domainRuleProblem(domain) {
                        throw reader.error(.invalidValue, at: node, field, problem)
                    }
                    def.allowDomains.append(domain)
                }
            case "presets":
                for (preset, node, field) in try reader.stringOrList(v, f, what: "preset names") {
                    guard NetworkSyntax.isPresetName(preset) else {
                        throw reader.error(.invalidValue, at: node, field, "not a preset name: \(reader.quoted(preset))")
                    }
                    def.allowPresets.append(preset)
                }
            case "net":
                let text = try reader.string(v, f, what: "a network mode")
                guard let mode = NetworkMode(rawValue: text) else {
                    throw reader.error(.invalidValue, at: v, f, "expected none, filtered, audit or host, got \(reader.quoted(text))")
                }
                def.network = mode
            case "timeout", "kill_after":
                let text = try reader.string(v, f, what: "a duration")
                guard let s = DurationParser.parse(text), s > 0 || (entry.key == "kill_after" && s == 0) else {
                    throw reader.error(.invalidValue, at: v, f, "expected a duration like 90s, 20m or 1h30m, got \(reader.quoted(text))")
                }
                if entry.key == "timeout" { def.timeoutSeconds = s } else { def.killAfterSeconds = s }
            case "memory":
                let text = try reader.string(v, f, what: "a size")
                guard let b = ByteSize.parse(text), b >= 1 << 20 else {
                    throw reader.error(.invalidValue, at: v, f, "expected a size of at least 1m like 512m or 2g, got \(reader.quoted(text))")
                }
                def.memoryBytes = b
            case "pids":
                let n = try reader.integer(v, f, what: "a positive integer")
                guard n > 0 else { throw reader.error(.invalidValue, at: v, f, "expected a positive integer, got \(n)") }
                def.pids = n
            case "cpus":
                let n = try reader.number(v, f, what: "a number of CPUs")
                guard n > 0 else { throw reader.error(.invalidValue, at: v, f, "expected a positive number like 1.5, got \(n)") }
                def.cpus = n
            case "env":
                try decodeEnv(v, f, reader: reader, into: &def)
            case "events":
                let text = try reader.string(v, f, what: "an event sink")
                guard EventSinkSpec.parse(text) != nil else {
                    throw reader.error(.invalidValue, at: v, f, "expected journal, stderr, fd:N, none or a file path, got \(reader.quoted(text))")
                }
                def.events = text
            case "allow_ech":
                for (text, node, field) in try reader.stringOrList(v, f, what: "names like example.com or *.example.com") {
                    if let problem = NetworkSyntax.echEntryProblem(text) {
                        throw reader.error(.invalidValue, at: node, field, "\(problem), got \(reader.quoted(text))")
                    }
                    if !def.allowECH.contains(text) { def.allowECH.append(text) }
                }
            default:
                break  // `mapping(allowed:)` already rejected it
            }
        }
        guard sawCommand else {
            throw ProfileError(code: .invalidValue, file: file, line: 1, column: 1, field: "command", message: "the agent definition needs a command (a list: [program, args...])")
        }
        return def
    }

    private static func decodeEnv(_ node: YAMLNode, _ field: String, reader: YAMLReader, into def: inout AgentDefinition) throws(ProfileError) {
        for entry in try reader.mapping(node, field, allowed: ["pass", "set"]) {
            if entry.key == "pass" {
                for (name, n, f) in try reader.stringOrList(entry.value, entry.field, what: "variable names") {
                    let bare = name.hasSuffix("*") ? String(name.dropLast()) : name
                    guard isVariableName(bare) else { throw reader.error(.invalidValue, at: n, f, "not a variable name (NAME or PREFIX*): \(reader.quoted(name))") }
                    def.envPass.append(name)
                }
            } else {
                for item in try reader.mapping(entry.value, entry.field, allowed: nil) {
                    guard isVariableName(item.key) else { throw reader.error(.invalidValue, at: item.keyNode, item.field, "not a variable name: \(reader.quoted(item.key))") }
                    def.envSet.append(EnvAssignment(name: item.key, value: try reader.string(item.value, item.field, what: "a value")))
                }
            }
        }
    }

    static func isVariableName(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == UInt8(ascii: "_") || (f | 0x20 >= 97 && f | 0x20 <= 122) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }
    }
}

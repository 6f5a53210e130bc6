import StockadeSeccomp

/// Decodes one profile file strictly: every unknown key, wrong type or bad
/// value is a `ProfileError` with the file, line, column and field.
struct ProfileDecoder {
    static let topLevelKeys = ["name", "description", "extends", "actor", "filesystem", "env", "process", "limits", "network", "seccomp", "events"]
    /// Profiles are small; a cap keeps a wrong `--profile` (a log, a binary) cheap to reject.
    static let maxBytes = 1 << 20

    let reader: YAMLReader
    /// Directory of the file, for `seccomp.oci` paths relative to it.
    let directory: String

    init(path: String) {
        reader = YAMLReader(file: path)
        let dir = FilePath.directory(path)
        directory = dir.isEmpty ? "." : dir
    }

    func decode(yaml: String) throws(ProfileError) -> ProfileDocument {
        guard yaml.utf8.count <= Self.maxBytes else {
            throw ProfileError(code: .invalidValue, file: reader.file, message: "file is larger than \(Self.maxBytes) bytes; not a profile")
        }
        let root: YAMLNode?
        do {
            root = try YAMLComposer.parse(yaml)
        } catch {
            throw ProfileError(code: error.code, file: reader.file, line: error.line, column: error.column,
                               message: error.message)
        }
        guard let root else {
            throw ProfileError(code: .wrongType, file: reader.file, line: 1, column: 1,
                               message: "expected a mapping of profile keys, got an empty document")
        }
        let base = FilePath.deletingExtension(FilePath.lastComponent(reader.file))
        var document = ProfileDocument(path: reader.file, declaredName: nil, extends: [],
                                       profile: Profile(name: base), seccomp: nil)
        for entry in try reader.mapping(root, "", allowed: Self.topLevelKeys) {
            switch entry.key {
            case "name":
                let name = try reader.string(entry.value, entry.field, what: "a profile name")
                guard PathRules.isProfileName(name) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field,
                                       "expected letters, digits, \"-\", \"_\" or \".\", got \(reader.quoted(name))")
                }
                document.declaredName = name
                document.profile.name = name
            case "description":
                document.profile.description = try reader.string(entry.value, entry.field)
            case "actor":
                let actor = try reader.string(entry.value, entry.field, what: "an actor identity")
                guard !actor.isEmpty, !actor.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected a non-empty identity without control characters")
                }
                document.profile.actor = actor
            case "extends":
                for (ref, node, field) in try reader.stringOrList(entry.value, entry.field, what: "a profile name or path") {
                    guard !ref.isEmpty else {
                        throw reader.error(.invalidValue, at: node, field, "expected a profile name or path, got an empty string")
                    }
                    document.extends.append(ProfileReference(reference: ref, line: node.mark?.line ?? 0,
                                                             column: node.mark?.column ?? 0, field: field))
                }
            case "filesystem":
                document.profile.filesystem = try filesystem(entry)
            case "env":
                document.profile.env = try env(entry)
            case "process":
                document.profile.process = try process(entry)
            case "limits":
                document.profile.limits = try limits(entry)
            case "network":
                document.profile.network = try network(entry, echEntries: &document.echEntries)
            case "seccomp":
                let fragment = try seccomp(entry)
                document.seccomp = fragment
                document.profile.seccomp = SeccompSection(policy: fragment.applied(to: nil),
                                                          skippedSyscalls: fragment.oci?.skippedSyscalls ?? [])
            case "events":
                document.profile.events = try events(entry)
            default:
                break
            }
        }
        return document
    }

    // MARK: filesystem

    private func filesystem(_ section: YAMLReader.Entry) throws(ProfileError) -> FilesystemSection {
        var fs = FilesystemSection()
        let keys = ["read_only", "read_write", "tmpfs", "hide", "mask", "workspace", "require_landlock", "unmask"]
        for entry in try reader.mapping(section.value, section.field, allowed: keys) {
            switch entry.key {
            case "read_only": fs.readOnly = try absolutePaths(entry)
            case "read_write": fs.readWrite = try absolutePaths(entry)
            case "tmpfs": fs.tmpfs = try absolutePaths(entry)
            case "hide": fs.hide = try absolutePaths(entry)
            case "mask":
                fs.mask = try workspaceGlobs(entry)
            case "unmask":
                fs.unmask = try workspaceGlobs(entry)
            case "workspace":
                let text = try reader.string(entry.value, entry.field, what: "rw, ro or none")
                guard let mode = WorkspaceMode(rawValue: text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected rw, ro or none, got \(reader.quoted(text))")
                }
                fs.workspace = mode
            case "require_landlock":
                let text = try reader.string(entry.value, entry.field, what: "true or false")
                guard text == "true" || text == "false" else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected true or false, got \(reader.quoted(text))")
                }
                fs.requireLandlock = text == "true"
            default: break
            }
        }
        return fs
    }

    private func workspaceGlobs(_ entry: YAMLReader.Entry) throws(ProfileError) -> [String] {
        var globs: [String] = []
        for (glob, node, field) in try reader.stringList(entry.value, entry.field, what: "globs") {
            if let problem = PathRules.maskGlobProblem(glob) {
                throw reader.error(glob.hasPrefix("/") ? .relativePath : .invalidValue, at: node, field, problem)
            }
            globs.appendUnique(glob)
        }
        return globs
    }

    private func absolutePaths(_ entry: YAMLReader.Entry) throws(ProfileError) -> [String] {
        var paths: [String] = []
        for (path, node, field) in try reader.stringList(entry.value, entry.field, what: "absolute paths") {
            switch PathRules.absolute(path) {
            case .ok(let normalized): paths.appendUnique(normalized)
            case .relative:
                throw reader.error(.relativePath, at: node, field, "expected an absolute path, got \(reader.quoted(path))")
            case .invalid(let why):
                throw reader.error(.invalidValue, at: node, field, why)
            }
        }
        return paths
    }

    // MARK: env, process, network

    private func env(_ section: YAMLReader.Entry) throws(ProfileError) -> EnvSection {
        var env = EnvSection()
        for entry in try reader.mapping(section.value, section.field, allowed: ["pass", "set", "secret"]) {
            switch entry.key {
            case "pass", "secret":
                var names: [String] = []
                for (name, node, field) in try reader.stringList(entry.value, entry.field, what: "variable names") {
                    guard PathRules.isEnvPattern(name, allowStar: true) else {
                        throw reader.error(.invalidValue, at: node, field,
                                           "expected a variable name like HOME or a prefix like LC_*, got \(reader.quoted(name))")
                    }
                    names.appendUnique(name)
                }
                if entry.key == "pass" { env.pass = names } else { env.secret = names }
            case "set":
                for item in try reader.mapping(entry.value, entry.field, allowed: nil) {
                    guard PathRules.isEnvPattern(item.key, allowStar: false) else {
                        throw reader.error(.invalidValue, at: item.keyNode, item.field,
                                           "expected a variable name like HOME, got \(reader.quoted(item.key))")
                    }
                    let value = try reader.string(item.value, item.field)
                    env.set.append(EnvAssignment(name: item.key, value: value))
                }
            default: break
            }
        }
        return env
    }

    private func process(_ section: YAMLReader.Entry) throws(ProfileError) -> ProcessSection {
        var process = ProcessSection()
        for entry in try reader.mapping(section.value, section.field, allowed: ["user", "group", "hostname"]) {
            let text = try reader.string(entry.value, entry.field)
            switch entry.key {
            case "user", "group":
                guard PathRules.isUserOrGroup(text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field,
                                       "expected a numeric id or a \(entry.key) name like nobody, got \(reader.quoted(text))")
                }
                if entry.key == "user" { process.user = text } else { process.group = text }
            case "hostname":
                guard PathRules.isHostname(text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field,
                                       "expected a host name (letters, digits, \"-\", \".\", at most 64), got \(reader.quoted(text))")
                }
                process.hostname = text
            default: break
            }
        }
        return process
    }

    private func network(_ section: YAMLReader.Entry, echEntries: inout [ProfileReference]) throws(ProfileError) -> NetworkSection {
        var network = NetworkSection()
        let keys = ["mode", "allow", "presets", "dns_upstream", "allow_private", "dns_timeout", "allow_ech"]
        for entry in try reader.mapping(section.value, section.field, allowed: keys) {
            switch entry.key {
            case "mode":
                let text = try reader.string(entry.value, entry.field, what: "none, filtered, audit or host")
                guard let mode = NetworkMode(rawValue: text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected none, filtered, audit or host, got \(reader.quoted(text))")
                }
                network.mode = mode
            case "allow":
                for (text, node, field) in try reader.stringList(entry.value, entry.field, what: "a domain like api.github.com, *.example.com or host:8443") {
                    if let problem = NetworkSyntax.domainRuleProblem(text) {
                        throw reader.error(.invalidValue, at: node, field, "\(problem), got \(reader.quoted(text))")
                    }
                    network.allow.appendUnique(text)
                }
            case "presets":
                for (text, node, field) in try reader.stringList(entry.value, entry.field, what: "a preset name") {
                    guard NetworkSyntax.isPresetName(text) else {
                        throw reader.error(.invalidValue, at: node, field, "expected a preset name like python or node, got \(reader.quoted(text))")
                    }
                    network.presets.appendUnique(text)
                }
            case "dns_upstream":
                let text = try reader.string(entry.value, entry.field, what: "ADDR or ADDR:PORT")
                guard NetworkSyntax.isUpstream(text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected an IP address with an optional :PORT ([v6]:PORT for IPv6), got \(reader.quoted(text))")
                }
                network.dnsUpstream = text
            case "allow_private":
                for (text, node, field) in try reader.stringList(entry.value, entry.field, what: "a CIDR like 10.0.0.0/8") {
                    if let problem = NetworkSyntax.cidrProblem(text) {
                        throw reader.error(.invalidValue, at: node, field, "\(problem), got \(reader.quoted(text))")
                    }
                    network.allowPrivate.appendUnique(text)
                }
            case "dns_timeout":
                let text = try reader.string(entry.value, entry.field, what: "seconds, like 2 or 0.5")
                guard let seconds = NetworkSyntax.parseDNSTimeout(text) else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected seconds from 0.1 to 30, like 2 or 0.5, got \(reader.quoted(text))")
                }
                network.dnsTimeoutSeconds = seconds
            case "allow_ech":
                for (text, node, field) in try reader.stringList(entry.value, entry.field, what: "a name like example.com or *.example.com") {
                    if let problem = NetworkSyntax.echEntryProblem(text) {
                        throw reader.error(.invalidValue, at: node, field, "\(problem), got \(reader.quoted(text))")
                    }
                    if !network.allowECH.contains(text) {
                        network.allowECH.append(text)
                        echEntries.append(ProfileReference(reference: text, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, field: field))
                    }
                }
            default:
                break
            }
        }
        return network
    }
}

extension Array where Element: Equatable {
    /// Appends unless already present: lists in profiles behave as ordered sets.
    mutating func appendUnique(_ element: Element) {
        if !contains(element) { append(element) }
    }

    mutating func appendUnique(contentsOf elements: [Element]) {
        for element in elements { appendUnique(element) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeProfile
import StockadeSeccomp
import StockadeSystem

/// What the command line says, on top of the profile. `nil`/empty: not said.
public struct LaunchOverrides: Equatable, Sendable {
    public var command: [String] = []
    public var name: String?
    public var actor: String?
    public var workspace: String?
    public var workspaceMode: WorkspaceMode?
    public var binds: [BindRequest] = []
    public var tmpfs: [String] = []
    public var hide: [String] = []
    public var envPass: [String] = []
    public var envSet: [EnvAssignment] = []
    public var user: String?
    public var group: String?
    public var hostname: String?
    public var timeoutSeconds: Double?
    public var killAfterSeconds: Double?
    public var memoryBytes: UInt64?
    public var pids: Int?
    public var cpus: Double?
    public var network: NetworkMode?
    public var allowDomains: [String] = []
    public var allowPresets: [String] = []
    public var dnsUpstream: String?
    /// `--require-landlock`.
    public var requireLandlock: Bool?
    /// `--require-limits`: nil leaves it to the profile.
    public var requireLimits: Bool?
    public var dnsTimeoutSeconds: Double?
    /// `--unmask GLOB`: lift a mask for this run.
    public var unmask: [String] = []
    /// `--allow-ech NAME`: names an Encrypted ClientHello may claim.
    public var allowECH: [String] = []

    public init() {}
}

/// The invoking process's situation: who, where, and its environment.
public struct HostContext: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var cwd: String
    public var environment: [(name: String, value: String)]
    public var users: any UserDatabase

    public init(uid: UInt32, gid: UInt32, cwd: String, environment: [(name: String, value: String)], users: any UserDatabase) {
        self.uid = uid
        self.gid = gid
        self.cwd = cwd
        self.environment = environment
        self.users = users
    }

    public static func current() -> HostContext {
        var env: [(String, String)] = []
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                env.append((String(s[..<eq]), String(s[s.index(after: eq)...])))
            }
            p += 1
        }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let cwd = getcwd(&buf, buf.count) != nil ? cString(buf) : "/"
        return HostContext(uid: getuid(), gid: getgid(), cwd: cwd, environment: env, users: SystemUserDatabase())
    }

    func value(of name: String) -> String? {
        environment.last(where: { $0.name == name })?.value
    }
}

/// Looks names up in the host's user and group databases.
public protocol UserDatabase: Sendable {
    func uid(named: String) -> (uid: UInt32, gid: UInt32)?
    func gid(named: String) -> UInt32?
    /// Groups whose member list names `user` (its supplementary groups).
    func groups(ofMember user: String) -> [UInt32]
}

extension UserDatabase {
    public func groups(ofMember user: String) -> [UInt32] { [] }
}

/// Reads `/etc/passwd` and `/etc/group` directly rather than through NSS
/// (`getpwnam`/`getgrnam`): a statically linked launcher cannot load NSS
/// modules, and the sandbox only maps local accounts anyway.
public struct SystemUserDatabase: UserDatabase {
    var passwdPath = "/etc/passwd"
    var groupPath = "/etc/group"

    public init() {}

    init(passwdPath: String, groupPath: String) {
        self.passwdPath = passwdPath
        self.groupPath = groupPath
    }

    public func uid(named name: String) -> (uid: UInt32, gid: UInt32)? {
        // name:password:uid:gid:gecos:home:shell
        guard let fields = Self.entry(named: name, in: passwdPath, minimumFields: 4),
              let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
        return (uid, gid)
    }

    public func groups(ofMember user: String) -> [UInt32] {
        guard !user.isEmpty, !user.contains(":"), !user.contains(","), let text = FileIO.readText(groupPath, limit: FileIO.smallFileLimit) else { return [] }
        var out: [UInt32] = []
        for line in text.split(whereSeparator: { $0 == "\n" }) {
            // name:password:gid:member,member
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, let gid = UInt32(fields[2]) else { continue }
            if fields[3].split(separator: ",").contains(where: { $0 == user }) { out.append(gid) }
        }
        return out
    }

    public func gid(named name: String) -> UInt32? {
        // name:password:gid:members
        guard let fields = Self.entry(named: name, in: groupPath, minimumFields: 3) else { return nil }
        return UInt32(fields[2])
    }

    /// The fields of the first line whose first field is `name`.
    static func entry(named name: String, in path: String, minimumFields: Int) -> [Substring]? {
        guard !name.isEmpty, !name.contains(":"), let text = FileIO.readText(path, limit: FileIO.smallFileLimit) else { return nil }
        for line in text.split(whereSeparator: { $0 == "\n" }) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= minimumFields, fields[0] == name { return fields }
        }
        return nil
    }

}

/// Merges profile, overrides and host context into a fully explicit spec.
public struct SpecBuilder: Sendable {
    public static let defaultPass = ["PATH", "HOME", "LANG", "TERM"]

    /// The service manager's variables address the supervisor, never the
    /// workload: with `NOTIFY_SOCKET` a workload could report readiness or
    /// stop the watchdog, with `LISTEN_*` claim descriptors it does not
    /// have. They are dropped even when a profile or `--env` passes or sets them.
    public static func isServiceManagerVariable(_ name: String) -> Bool {
        name == "NOTIFY_SOCKET" || name.hasPrefix("WATCHDOG_") || name.hasPrefix("LISTEN_")
    }
    public static let nobody: UInt32 = 65534
    /// Directories that can never be the workspace.
    public static let forbiddenWorkspaces: Set<String> = ["/", "/proc", "/sys", "/dev", "/run", "/boot", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/var", "/root"]
    public var fs: any HostFileSystem
    /// Resolves `presets:` names to allow rules; nil: presets are an error.
    public var presets: PresetLoader?

    public init(fs: any HostFileSystem = LiveHostFileSystem(), presets: PresetLoader? = nil) {
        self.fs = fs
        self.presets = presets
    }

    /// `--allow-domain`/`--allow-preset` imply `filtered` unless the mode was
    /// chosen explicitly; asking for both `none` and an allowlist is a conflict.
    func networkMode(profile: Profile, overrides o: LaunchOverrides) throws(PlanError) -> NetworkMode {
        let wantsAllow = !o.allowDomains.isEmpty || !o.allowPresets.isEmpty
        if let explicit = o.network {
            if wantsAllow && (explicit == .none || explicit == .host) {
                throw PlanError(code: .conflictingOptions, subject: "--net", message: "--net \(explicit.rawValue) conflicts with --allow-domain/--allow-preset (they need --net filtered or audit)")
            }
            return explicit
        }
        if wantsAllow { return profile.network.mode == .audit ? .audit : .filtered }
        return profile.network.mode ?? .none
    }

    func egress(profile: Profile, overrides o: LaunchOverrides, presets loader: PresetLoader?) throws(PlanError) -> EgressPolicy {
        var rules = profile.network.allow
        for d in o.allowDomains {
            if let problem = NetworkSyntax.domainRuleProblem(d) {
                throw PlanError(code: .invalidDomain, subject: "--allow-domain \(d)", message: problem)
            }
            if !rules.contains(d) { rules.append(d) }
        }
        var sources: [ProfileSource] = []
        for name in profile.network.presets + o.allowPresets {
            guard let loader else {
                throw PlanError(code: .presetUnavailable, subject: name, message: "presets cannot be resolved here")
            }
            do {
                let preset = try loader.load(name)
                for r in preset.rules where !rules.contains(r) { rules.append(r) }
                sources.append(preset.source)
            } catch {
                throw PlanError(code: PlanError.Code(error.code), subject: "preset \(name)", message: error.message)
            }
        }
        let upstreamText = o.dnsUpstream ?? profile.network.dnsUpstream
        var upstreams: [String] = []
        if let u = upstreamText {
            guard NetworkSyntax.isUpstream(u) else {
                throw PlanError(code: .invalidDNSUpstream, subject: "--dns-upstream \(u)", message: "expected an IP address with an optional :PORT ([v6]:PORT for IPv6)")
            }
            upstreams = [u]
        }
        var policy = EgressPolicy(allow: rules, presetSources: sources, dnsUpstreams: upstreams, allowPrivate: profile.network.allowPrivate)
        policy.dnsTimeoutSeconds = o.dnsTimeoutSeconds ?? profile.network.dnsTimeoutSeconds
        policy.allowECH = try ECHOptIn.entries(profile: profile.network.allowECH, commandLine: o.allowECH, rules: rules)
        return policy
    }

    public func build(profile: Profile, overrides o: LaunchOverrides, host: HostContext, id: String) throws(PlanError) -> SandboxSpec {
        let rootless = host.uid != 0

        // Workspace: flag, else the current directory; canonical, same path inside.
        let mode = o.workspaceMode ?? profile.filesystem.workspace ?? .readWrite
        var workspace: String? = nil
        if mode != .none {
            let raw = absolute(o.workspace ?? host.cwd, cwd: host.cwd)
            // Walked without following any symlink a workload could have planted.
            let canon: String
            do { canon = try fs.resolve(raw).path } catch {
                throw PlanError.refused(error, missingCode: .workspaceMissing, what: "workspace")
            }
            guard fs.kind(of: canon) == .directory else {
                throw PlanError(code: .workspaceNotDirectory, subject: raw, message: "workspace must be a directory")
            }
            // The workspace is bound whole (read-write by default): the host's
            // root or a kernel filesystem there would undo every other wall.
            if Self.forbiddenWorkspaces.contains(canon) || canon.hasPrefix("/proc/") || canon.hasPrefix("/sys/") || canon.hasPrefix("/dev/") {
                throw PlanError(code: .workspaceForbidden, subject: raw, message: "refusing \(canon) as the workspace (it would expose the host); cd into a project directory or pass --workspace DIR")
            }
            workspace = canon
        }

        // Profile paths that this host lacks are skipped (/lib64 on some
        // distributions); paths named on the command line must exist.
        var binds: [BindRequest] = []
        for p in profile.filesystem.readOnly where fs.kind(of: p) != .missing {
            binds.append(BindRequest(source: p, destination: p, writable: false))
        }
        for p in profile.filesystem.readWrite where fs.kind(of: p) != .missing {
            binds.append(BindRequest(source: p, destination: p, writable: true))
        }
        for b in o.binds {
            guard b.source.hasPrefix("/"), b.destination.hasPrefix("/") else {
                throw PlanError(code: .relativePath, subject: b.source, message: "bind paths must be absolute")
            }
            guard fs.kind(of: b.source) != .missing else {
                throw PlanError(code: .bindSourceMissing, subject: b.source, message: "bind source does not exist")
            }
            binds.append(b)
        }

        let (uid, gid) = try identity(profile: profile, overrides: o, host: host, workspace: workspace)

        // Environment: an allowlist of names, then fixed assignments.
        let patterns = Self.defaultPass + profile.env.pass + o.envPass
        var environment: [EnvAssignment] = []
        var scrubbed: [String] = []
        var secrets: [String] = []
        for (name, value) in host.environment {
            if Self.matches(name, patterns) && !Self.isServiceManagerVariable(name) {
                environment.removeAll { $0.name == name }
                environment.append(EnvAssignment(name: name, value: value))
            } else {
                scrubbed.append(name)
                if Self.isSecretCandidate(name: name, value: value) { secrets.append(value) }
            }
        }
        for a in profile.env.set + o.envSet where !Self.isServiceManagerVariable(a.name) {
            environment.removeAll { $0.name == a.name }
            environment.append(a)
        }
        for name in profile.env.secret {
            if let v = host.value(of: name) { secrets.append(v) }
            if let v = environment.last(where: { $0.name == name })?.value { secrets.append(v) }
        }
        // Short values (`1`, `en`) would redact half of every event.
        secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted()

        var cwd = host.cwd
        if let ws = workspace, o.workspace != nil, !isInside(host.cwd, ws) {
            cwd = ws
        }

        var spec = SandboxSpec(
            id: id, name: o.name, actor: o.actor ?? profile.actor ?? defaultActor(host: host),
            command: o.command, cwd: cwd,
            profileName: profile.name, profileSources: profile.sources,
            workspace: workspace, workspaceMode: mode, binds: binds,
            tmpfs: profile.filesystem.tmpfs + o.tmpfs,
            hide: profile.filesystem.hide + o.hide,
            mask: profile.filesystem.mask,
            uid: uid, gid: gid,
            hostname: o.hostname ?? profile.process.hostname ?? "stockade",
            rootless: rootless,
            environment: environment, scrubbedNames: Array(Set(scrubbed)).sorted(), secretValues: secrets,
            memoryBytes: o.memoryBytes ?? profile.limits.memoryBytes,
            pids: o.pids ?? profile.limits.pids,
            cpus: o.cpus ?? profile.limits.cpus,
            rlimits: profile.limits.rlimits,
            timeoutSeconds: o.timeoutSeconds ?? profile.limits.timeoutSeconds,
            killAfterSeconds: o.killAfterSeconds ?? profile.limits.killAfterSeconds ?? 5,
            network: try networkMode(profile: profile, overrides: o),
            egress: try egress(profile: profile, overrides: o, presets: presets),
            seccomp: profile.effectiveSeccompPolicy,
            commandLineLimits: LimitKind.allCases.filter {
                switch $0 {
                case .memory: o.memoryBytes != nil
                case .pids: o.pids != nil
                case .cpus: o.cpus != nil
                }
            },
            requireLimits: o.requireLimits ?? profile.limits.require ?? false
        )
        spec.caller = SudoCaller.from(host: host)
        spec.requireLandlock = o.requireLandlock ?? profile.filesystem.requireLandlock ?? false
        var unmask = profile.filesystem.unmask
        for glob in o.unmask where !unmask.contains(glob) { unmask.append(glob) }
        spec.unmask = unmask
        spec.eventRateLimits = profile.events.resolved()
        return spec
    }

    /// Who the workload runs as. Rootless: yourself (the only id you may map).
    /// As root: `--user`, else the sudo caller, else the profile's user, else
    /// the workspace's owner when not root, else nobody. Never uid 0.
    func identity(profile: Profile, overrides o: LaunchOverrides, host: HostContext, workspace: String?) throws(PlanError) -> (UInt32, UInt32) {
        if host.uid != 0 {
            if let u = o.user ?? profile.process.user, try resolveUser(u, host: host).0 != host.uid {
                throw PlanError(code: .userNotPermitted, subject: "user", message: "only root can run the workload as another user (you are uid \(host.uid))")
            }
            return (host.uid, host.gid)
        }
        var uid: UInt32
        var gid: UInt32
        if let u = o.user {
            (uid, gid) = try resolveUser(u, host: host)
        } else if let s = host.value(of: "SUDO_UID"), let u = UInt32(s), u != 0 {
            uid = u
            gid = host.value(of: "SUDO_GID").flatMap { UInt32($0) } ?? u
        } else if let u = profile.process.user {
            (uid, gid) = try resolveUser(u, host: host)
        } else if let ws = workspace, let owner = ownerOf(ws), owner.0 != 0 {
            (uid, gid) = owner
        } else {
            (uid, gid) = (Self.nobody, Self.nobody)
        }
        if let g = o.group ?? profile.process.group {
            if let n = UInt32(g) { gid = n } else if let n = host.users.gid(named: g) { gid = n } else {
                throw PlanError(code: .unknownGroup, subject: "group", message: "no group named \(g)")
            }
        }
        if let caller = SudoCaller.from(host: host) {
            try SudoCaller.check(uid: uid, gid: gid, caller: caller)
        }
        guard uid != 0 else {
            throw PlanError(code: .rootWorkload, subject: "user", message: "refusing to run the workload as uid 0; choose an unprivileged --user")
        }
        if gid == 0 {
            // gid 0 inside would be the host's root group on every file.
            if o.group != nil || profile.process.group != nil {
                throw PlanError(code: .rootWorkload, subject: "group", message: "refusing to run the workload with gid 0; choose an unprivileged --group")
            }
            gid = Self.nobody
        }
        return (uid, gid)
    }

    private func resolveUser(_ u: String, host: HostContext) throws(PlanError) -> (UInt32, UInt32) {
        if let n = UInt32(u) { return (n, n) }
        guard let found = host.users.uid(named: u) else {
            throw PlanError(code: .unknownUser, subject: "user", message: "no user named \(u)")
        }
        return found
    }

    private func ownerOf(_ path: String) -> (UInt32, UInt32)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    private func defaultActor(host: HostContext) -> String {
        if let u = host.value(of: "SUDO_USER") { return u }
        if let u = host.value(of: "USER") { return u }
        return "uid:\(host.uid)"
    }

    /// Scrubbed variables whose values describe the session, not a secret;
    /// redacting them would blank paths like `cwd` out of every event.
    static let sessionVariables: Set<String> = [
        "PWD", "OLDPWD", "SHELL", "SHLVL", "_", "USER", "LOGNAME", "HOSTNAME", "MAIL",
        "COLUMNS", "LINES", "DISPLAY", "EDITOR", "VISUAL", "PAGER", "LESS", "TMPDIR",
    ]

    /// A scrubbed value is treated as a secret unless it belongs to a session
    /// variable or is a bare absolute path (paths are where, not what).
    static func isSecretCandidate(name: String, value: String) -> Bool {
        if sessionVariables.contains(name) || name.hasPrefix("XDG_") || name.hasPrefix("LC_") { return false }
        if value.hasPrefix("/") && !value.contains(where: { $0 == " " || $0 == "=" || $0 == "@" || $0 == "?" }) { return false }
        return true
    }

    static func matches(_ name: String, _ patterns: [String]) -> Bool {
        patterns.contains { p in
            p.hasSuffix("*") ? name.hasPrefix(String(p.dropLast())) : p == name
        }
    }
}

func absolute(_ path: String, cwd: String) -> String {
    path.hasPrefix("/") ? path : (cwd == "/" ? "/" + path : cwd + "/" + path)
}

func isInside(_ path: String, _ dir: String) -> Bool {
    path == dir || path.hasPrefix(dir == "/" ? "/" : dir + "/")
}

/// The text of a NUL-terminated C buffer.
func cString(_ buf: [CChar]) -> String {
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// A sandbox profile after decoding, `extends:` resolution and merging.
///
/// Scalars are optional: `nil` means "this profile (chain) did not say", and
/// the spec builder in StockadeCore fills in the documented default. Lists
/// accumulate along the `extends:` chain (parent first, duplicates removed).
public struct Profile: Equatable, Sendable, Codable {
    /// `name:` or, when absent, the file name without extension.
    public var name: String
    public var description: String?
    /// Identity recorded in every event (`--actor` overrides).
    public var actor: String?
    public var filesystem: FilesystemSection
    public var env: EnvSection
    public var process: ProcessSection
    public var limits: LimitsSection
    public var network: NetworkSection
    public var seccomp: SeccompSection
    /// Every file that contributed, base first, with the SHA-256 of its bytes.
    public var sources: [ProfileSource]
    /// `events:` rate limits.
    public var events = EventsSection()

    public init(
        name: String, description: String? = nil, actor: String? = nil,
        filesystem: FilesystemSection = .init(), env: EnvSection = .init(),
        process: ProcessSection = .init(), limits: LimitsSection = .init(),
        network: NetworkSection = .init(), seccomp: SeccompSection = .init(),
        sources: [ProfileSource] = []
    ) {
        self.name = name
        self.description = description
        self.actor = actor
        self.filesystem = filesystem
        self.env = env
        self.process = process
        self.limits = limits
        self.network = network
        self.seccomp = seccomp
        self.sources = sources
    }
}

public struct ProfileSource: Equatable, Sendable, Codable {
    public var path: String
    /// Lowercase hex SHA-256 of the file's bytes exactly as read.
    public var sha256: String
    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// How the workspace directory appears inside the sandbox (same path as outside).
public enum WorkspaceMode: String, Equatable, Sendable, Codable, CaseIterable {
    case readWrite = "rw"
    case readOnly = "ro"
    case none
}

public struct FilesystemSection: Equatable, Sendable, Codable {
    /// Absolute host paths bound read-only at the same path (`read_only:`).
    public var readOnly: [String] = []
    /// Absolute host paths bound read-write at the same path (`read_write:`).
    public var readWrite: [String] = []
    /// Absolute paths that get a fresh tmpfs (`tmpfs:`).
    public var tmpfs: [String] = []
    /// Absolute paths covered so they read as empty (`hide:`): files become
    /// empty, directories become empty read-only directories.
    public var hide: [String] = []
    /// Globs matched inside the workspace (`mask:`): a pattern without `/`
    /// matches a base name at any depth; one with `/` is anchored at the
    /// workspace root. Matches are covered like `hide:`.
    public var mask: [String] = []
    /// `workspace:` rw | ro | none.
    public var workspace: WorkspaceMode?
    /// `require_landlock:` a missing or partial Landlock fails the start.
    public var requireLandlock: Bool?
    /// Globs that lift a `mask:` for the runs of this profile (`unmask:`),
    /// matched like `mask:`; every lifted path is reported.
    public var unmask: [String] = []

    public init(readOnly: [String] = [], readWrite: [String] = [], tmpfs: [String] = [],
                hide: [String] = [], mask: [String] = [], workspace: WorkspaceMode? = nil) {
        self.readOnly = readOnly
        self.readWrite = readWrite
        self.tmpfs = tmpfs
        self.hide = hide
        self.mask = mask
        self.workspace = workspace
    }
}

public struct EnvSection: Equatable, Sendable, Codable {
    /// Names passed through from the caller's environment (`pass:`); a
    /// trailing `*` matches a prefix (`LC_*`).
    public var pass: [String] = []
    /// Variables set to fixed values (`set:`), in file order.
    public var set: [EnvAssignment] = []
    /// Names whose values must never appear in events even if passed (`secret:`).
    public var secret: [String] = []

    public init(pass: [String] = [], set: [EnvAssignment] = [], secret: [String] = []) {
        self.pass = pass
        self.set = set
        self.secret = secret
    }
}

public struct EnvAssignment: Equatable, Sendable, Codable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct ProcessSection: Equatable, Sendable, Codable {
    /// `user:` a uid number or a user name from the host's /etc/passwd.
    public var user: String?
    /// `group:` a gid number or a group name.
    public var group: String?
    /// `hostname:` the UTS name inside.
    public var hostname: String?

    public init(user: String? = nil, group: String? = nil, hostname: String? = nil) {
        self.user = user
        self.group = group
        self.hostname = hostname
    }
}

public struct LimitsSection: Equatable, Sendable, Codable {
    /// `memory:` bytes (YAML accepts `512m`, `2g`, plain bytes).
    public var memoryBytes: UInt64?
    /// `pids:` maximum number of tasks.
    public var pids: Int?
    /// `cpus:` CPU bandwidth in CPUs (`1.5`).
    public var cpus: Double?
    /// `timeout:` wall-clock seconds (YAML accepts `90s`, `20m`, `1h`).
    public var timeoutSeconds: Double?
    /// `kill_after:` seconds between SIGTERM and SIGKILL.
    public var killAfterSeconds: Double?
    /// `rlimits:` name (nofile, fsize, core, nproc, stack, as, cpu, memlock, ...) → value.
    public var rlimits: [RlimitSetting] = []
    /// `require:` a limit this host cannot enforce (memory, pids, cpus) ends
    /// the run with 125 instead of a warning (`--require-limits`).
    public var require: Bool?

    public init(memoryBytes: UInt64? = nil, pids: Int? = nil, cpus: Double? = nil,
                timeoutSeconds: Double? = nil, killAfterSeconds: Double? = nil,
                rlimits: [RlimitSetting] = [], require: Bool? = nil) {
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
        self.timeoutSeconds = timeoutSeconds
        self.killAfterSeconds = killAfterSeconds
        self.rlimits = rlimits
        self.require = require
    }
}

public struct RlimitSetting: Equatable, Sendable, Codable {
    /// Lowercase resource name without `RLIMIT_`: `nofile`, `core`, `fsize`…
    public var name: String
    /// Soft and hard limit; `nil` means unlimited (RLIM_INFINITY).
    public var soft: UInt64?
    public var hard: UInt64?
    public init(name: String, soft: UInt64?, hard: UInt64?) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }
}

public enum NetworkMode: String, Equatable, Sendable, Codable, CaseIterable {
    /// Own network namespace with only loopback.
    case none
    /// Own network namespace, egress only to addresses the DNS proxy resolved
    /// for allowlisted names (and their ports).
    case filtered
    /// Like `filtered`, but nothing is dropped: every query and connection
    /// the allowlist would have denied becomes an event.
    case audit
    /// The host's network: an explicit, evented opt-out.
    case host
}

public struct NetworkSection: Equatable, Sendable, Codable {
    public var mode: NetworkMode?
    /// Allowed names: `api.github.com`, `*.githubusercontent.com`,
    /// `internal.example.com:8443` (default ports 80 and 443).
    public var allow: [String] = []
    /// Ecosystem presets (`python`, `node`, …): reviewed allowlists shipped
    /// under `profiles/presets/`.
    public var presets: [String] = []
    /// Where the DNS proxy forwards (`ADDR[:PORT]`); default: the host's
    /// resolvers from /etc/resolv.conf.
    public var dnsUpstream: String?
    /// Private or link-local ranges (CIDR) answers may point into; without
    /// this such answers are stripped (DNS rebinding).
    public var allowPrivate: [String] = []
    /// Seconds the DNS proxy waits for its upstreams before SERVFAIL; nil: 2.
    public var dnsTimeoutSeconds: Double?
    /// Names (or `*.suffix`) an Encrypted ClientHello may claim as its outer
    /// name (`ECHAllowance`); each must be covered by an allow rule.
    public var allowECH: [String] = []

    public init(mode: NetworkMode? = nil, allow: [String] = [], presets: [String] = [],
                dnsUpstream: String? = nil, allowPrivate: [String] = []) {
        self.mode = mode
        self.allow = allow
        self.presets = presets
        self.dnsUpstream = dnsUpstream
        self.allowPrivate = allowPrivate
    }
}

import StockadeSeccomp

public struct SeccompSection: Equatable, Sendable, Codable {
    /// The policy: from `seccomp:` in YAML, or imported from an OCI/Docker
    /// seccomp JSON named by `seccomp: {oci: PATH}`. `nil`: not said.
    public var policy: SeccompPolicy?
    /// Syscall names an imported OCI file named that libseccomp does not
    /// know for x86_64; they were skipped, not enforced. Empty otherwise.
    public var skippedSyscalls: [String]
    public init(policy: SeccompPolicy? = nil, skippedSyscalls: [String] = []) {
        self.policy = policy
        self.skippedSyscalls = skippedSyscalls
    }
}

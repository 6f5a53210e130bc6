import StockadeEvents
import StockadeProfile
import StockadeSeccomp

/// A bind mount request: `source` on the host appears at `destination` inside.
public struct BindRequest: Equatable, Sendable, Codable {
    public var source: String
    public var destination: String
    public var writable: Bool
    public init(source: String, destination: String, writable: Bool) {
        self.source = source
        self.destination = destination
        self.writable = writable
    }
}

/// Everything a sandbox will be, fully explicit: the profile chain merged,
/// CLI overrides applied, every default filled in. Nothing here is implicit,
/// so `plan()` needs no other input than the host's filesystem facts.
public struct SandboxSpec: Equatable, Sendable {
    public var id: String
    public var name: String?
    public var actor: String
    public var command: [String]
    public var cwd: String

    public var profileName: String
    public var profileSources: [ProfileSource]

    /// Canonical absolute path, or nil when `workspace: none`.
    public var workspace: String?
    public var workspaceMode: WorkspaceMode
    public var binds: [BindRequest]
    public var tmpfs: [String]
    public var hide: [String]
    public var mask: [String]

    public var uid: UInt32
    public var gid: UInt32
    public var hostname: String
    /// True when the invoking user is not root: uid must map to itself,
    /// setgroups is denied, and cgroup limits are unavailable.
    public var rootless: Bool

    /// Final environment of the workload, in order.
    public var environment: [EnvAssignment]
    /// Names of caller variables that were not passed (values never kept).
    public var scrubbedNames: [String]
    /// Values that must never appear in events.
    public var secretValues: [String]

    public var memoryBytes: UInt64?
    public var pids: Int?
    public var cpus: Double?
    public var rlimits: [RlimitSetting]
    public var timeoutSeconds: Double?
    public var killAfterSeconds: Double

    public var network: NetworkMode
    /// Egress rules for `filtered` and `audit`.
    public var egress: EgressPolicy
    public var seccomp: SeccompPolicy
    /// The user behind `sudo`: bind sources are opened with its identity and
    /// the workload may run only as it or nobody. nil: plain root or rootless.
    public var caller: SudoCaller? = nil
    /// A missing or partial Landlock is a setup failure, not a warning.
    public var requireLandlock: Bool = false
    /// Limits given on the command line: one that cannot be enforced fails
    /// the run (125) rather than warning.
    public var commandLineLimits: [LimitKind]
    /// Any limit that cannot be enforced fails the run (`--require-limits`, `limits.require`).
    public var requireLimits: Bool
    /// Globs lifting `mask` matches for this run (`unmask:` and `--unmask`).
    public var unmask: [String] = []
    /// Per-type caps on events the workload can provoke (the profile's
    /// `events: rate_limits:` over `EventRateLimit.defaults`).
    public var eventRateLimits: [EventType: EventRateLimit] = EventRateLimit.defaults

    public init(
        id: String, name: String? = nil, actor: String, command: [String], cwd: String,
        profileName: String, profileSources: [ProfileSource] = [],
        workspace: String?, workspaceMode: WorkspaceMode, binds: [BindRequest] = [],
        tmpfs: [String] = [], hide: [String] = [], mask: [String] = [],
        uid: UInt32, gid: UInt32, hostname: String, rootless: Bool = false,
        environment: [EnvAssignment] = [], scrubbedNames: [String] = [], secretValues: [String] = [],
        memoryBytes: UInt64? = nil, pids: Int? = nil, cpus: Double? = nil,
        rlimits: [RlimitSetting] = [], timeoutSeconds: Double? = nil, killAfterSeconds: Double = 5,
        network: NetworkMode = .none, egress: EgressPolicy = EgressPolicy(), seccomp: SeccompPolicy,
        commandLineLimits: [LimitKind] = [], requireLimits: Bool = false
    ) {
        self.id = id
        self.name = name
        self.actor = actor
        self.command = command
        self.cwd = cwd
        self.profileName = profileName
        self.profileSources = profileSources
        self.workspace = workspace
        self.workspaceMode = workspaceMode
        self.binds = binds
        self.tmpfs = tmpfs
        self.hide = hide
        self.mask = mask
        self.uid = uid
        self.gid = gid
        self.hostname = hostname
        self.rootless = rootless
        self.environment = environment
        self.scrubbedNames = scrubbedNames
        self.secretValues = secretValues
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
        self.rlimits = rlimits
        self.timeoutSeconds = timeoutSeconds
        self.killAfterSeconds = killAfterSeconds
        self.network = network
        self.egress = egress
        self.seccomp = seccomp
        self.commandLineLimits = commandLineLimits
        self.requireLimits = requireLimits
    }

    /// The PATH the workload's command is looked up with.
    public var searchPath: String? {
        environment.last(where: { $0.name == "PATH" })?.value
    }
}

/// What `--net filtered`/`audit` allows: names (with ports), where the DNS
/// proxy forwards, and which private ranges answers may point into.
public struct EgressPolicy: Equatable, Sendable {
    /// `api.github.com`, `*.example.com`, `host:8443`, in order, deduplicated.
    public var allow: [String]
    /// Preset files that contributed rules.
    public var presetSources: [ProfileSource]
    /// `ADDR[:PORT]`; empty: the host's resolvers from /etc/resolv.conf.
    public var dnsUpstreams: [String]
    public var allowPrivate: [String]
    /// Seconds the DNS proxy waits for upstreams before SERVFAIL; nil: 2.
    public var dnsTimeoutSeconds: Double?
    /// Names (or `*.suffix`) an Encrypted ClientHello may claim as its outer
    /// name, each covered by an allow rule (`ECHAllowance`).
    public var allowECH: [String] = []

    public init(allow: [String] = [], presetSources: [ProfileSource] = [], dnsUpstreams: [String] = [], allowPrivate: [String] = []) {
        self.allow = allow
        self.presetSources = presetSources
        self.dnsUpstreams = dnsUpstreams
        self.allowPrivate = allowPrivate
    }
}

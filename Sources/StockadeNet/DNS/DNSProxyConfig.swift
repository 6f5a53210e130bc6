import StockadeAddress

/// Limits on what a query under a wildcard rule may look like.
///
/// A wildcard such as `*.example.com` lets the workload choose the left
/// labels freely, and the upstream resolver carries them to whoever runs
/// `example.com`'s name servers: a covert channel. These limits bound its
/// bandwidth. Exact rules are not subject to them (their names are fixed).
public struct ExfiltrationBudget: Sendable, Equatable {
    /// Longest single label allowed in the part the wildcard matched.
    public var maxLabelLength: Int
    /// Longest whole name, in presentation-form bytes without the trailing dot.
    public var maxNameLength: Int
    /// Distinct names one wildcard rule may resolve within any sliding minute.
    public var maxDistinctNamesPerMinute: Int

    public init(maxLabelLength: Int = 48, maxNameLength: Int = 160, maxDistinctNamesPerMinute: Int = 120) {
        self.maxLabelLength = maxLabelLength
        self.maxNameLength = maxNameLength
        self.maxDistinctNamesPerMinute = maxDistinctNamesPerMinute
    }
}

/// Everything the DNS proxy decides with. Plain data, built by the planner.
public struct DNSProxyConfig: Sendable {
    /// Names that may be resolved, and the ports their addresses open.
    public var allowlist: DomainAllowlist
    /// Which answer addresses may reach the allow sets.
    public var rebinding: RebindingPolicy
    /// Query types forwarded for allowlisted names; others get REFUSED.
    public var allowedQueryTypes: Set<DNSRecordType>
    /// Audit mode: nothing is denied, every decision says what would have been.
    public var auditMode: Bool
    /// Shortest and longest set-element timeout, in seconds; the TTL is clamped into it.
    public var minTimeoutSeconds: UInt32
    public var maxTimeoutSeconds: UInt32
    public var exfiltration: ExfiltrationBudget
    /// Sustained queries per second for the whole sandbox, and the burst above it.
    public var queriesPerSecond: Double
    public var queryBurst: Double
    /// Most queries awaiting an upstream answer at once; beyond it, SERVFAIL.
    public var maxPending: Int
    /// How long a forwarded query waits for upstream before its client gets
    /// SERVFAIL (`upstream_timeout`), in seconds, all attempts and upstreams
    /// included (`--dns-timeout`).
    public var upstreamTimeoutSeconds: Double
    /// EDNS payload size the proxy advertises upstream and to clients (RFC 9715's 1232).
    public var ednsPayloadSize: UInt16

    /// Types a web client needs: addresses, aliases and service bindings.
    public static let defaultQueryTypes: Set<DNSRecordType> = [.a, .aaaa, .cname, .https, .svcb]

    public init(
        allowlist: DomainAllowlist,
        rebinding: RebindingPolicy = RebindingPolicy(),
        extraQueryTypes: Set<DNSRecordType> = [],
        auditMode: Bool = false,
        minTimeoutSeconds: UInt32 = 60,
        maxTimeoutSeconds: UInt32 = 3600,
        exfiltration: ExfiltrationBudget = ExfiltrationBudget(),
        queriesPerSecond: Double = 50,
        queryBurst: Double = 100,
        maxPending: Int = 1024,
        upstreamTimeoutSeconds: Double = 2,
        ednsPayloadSize: UInt16 = 1232
    ) {
        self.allowlist = allowlist
        self.rebinding = rebinding
        self.allowedQueryTypes = Self.defaultQueryTypes.union(extraQueryTypes)
        self.auditMode = auditMode
        self.minTimeoutSeconds = min(minTimeoutSeconds, maxTimeoutSeconds)
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.exfiltration = exfiltration
        self.queriesPerSecond = queriesPerSecond
        self.queryBurst = queryBurst
        // IDs are 16 bits and must stay findable by random probing.
        self.maxPending = max(1, min(maxPending, 16384))
        self.upstreamTimeoutSeconds = max(0.05, upstreamTimeoutSeconds.isFinite ? upstreamTimeoutSeconds : 2)
        self.ednsPayloadSize = max(512, ednsPayloadSize)
    }
}

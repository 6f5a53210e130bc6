/// A per-type cap on events: a token bucket that holds `burst` events and
/// refills `perSecond` a second. An event that finds the bucket empty is
/// not written; it is counted and summarised in `events.suppressed`.
///
/// `perSecond: 0` is a plain total: at most `burst` events of the type in
/// the whole run.
public struct EventRateLimit: Equatable, Sendable, Hashable, Codable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = max(0, perSecond)
        self.burst = max(0, burst)
    }

    /// The caps a run gets unless its profile says otherwise (`events:
    /// rate_limits:`): every type the workload can provoke at will. With
    /// these, a run writes at most 10 such lines a second after the bursts,
    /// plus one `events.suppressed` per written line at worst; see
    /// docs/events.md for the hourly bound.
    public static let defaults: [EventType: EventRateLimit] = [
        .dnsQuery: EventRateLimit(perSecond: 5, burst: 200),
        .netDenied: EventRateLimit(perSecond: 2, burst: 100),
        .syscallDenied: EventRateLimit(perSecond: 2, burst: 100),
        .seccompStacked: EventRateLimit(perSecond: 1, burst: 10),
    ]
}

/// The state of one bucket. Pure: the caller passes the monotonic time.
struct TokenBucket: Equatable, Sendable {
    let limit: EventRateLimit
    private(set) var tokens: Double
    private(set) var refilledAt: Double?

    init(_ limit: EventRateLimit) {
        self.limit = limit
        self.tokens = Double(limit.burst)
    }

    /// Takes one token if there is one.
    mutating func take(now: Double) -> Bool {
        if let last = refilledAt, now > last {
            tokens = min(Double(limit.burst), tokens + (now - last) * limit.perSecond)
        }
        refilledAt = max(now, refilledAt ?? now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

import StockadeEvents

/// `events:` — how much the audit log may hold of what the workload provokes.
public struct EventsSection: Equatable, Sendable, Codable {
    /// `rate_limits:` entries, in file order; a later entry (or a child
    /// profile's) for the same type replaces an earlier one.
    public var rateLimits: [EventRateSetting] = []

    public init(rateLimits: [EventRateSetting] = []) {
        self.rateLimits = rateLimits
    }

    /// Event types a profile may cap: the ones a workload can make happen
    /// (and any other that is not part of a run's frame). `sandbox.start`,
    /// `sandbox.ready`, `sandbox.error`, `sandbox.end` and
    /// `events.suppressed` are written once or summarise the caps.
    public static let cappableTypes: [EventType] = EventType.allCases.filter {
        ![.sandboxStart, .sandboxReady, .sandboxError, .sandboxEnd, .eventsSuppressed].contains($0)
    }

    /// `EventRateLimit.defaults` with this section's settings laid over.
    public func resolved() -> [EventType: EventRateLimit] {
        var out = EventRateLimit.defaults
        for setting in rateLimits {
            guard let type = EventType(rawValue: setting.type) else { continue }
            out[type] = setting.limit
        }
        return out
    }
}

/// One `rate_limits:` entry: a type and its bucket, or nil for `unlimited`.
public struct EventRateSetting: Equatable, Sendable, Codable {
    public var type: String
    public var limit: EventRateLimit?

    public init(type: String, limit: EventRateLimit?) {
        self.type = type
        self.limit = limit
    }
}

import StockadeAddress

/// The allow rules that would let an audit run (`--net audit`) pass: every
/// name the allowlist refused, and `name:port` for each connection to a name
/// on a port outside ``DomainRule/defaultPorts`` (the bare name covers those).
///
/// The one implementation of the audit suggestion: the egress runtime builds
/// `sandbox.end`'s `network.suggested_allow` with it as the run goes, and
/// `report --suggest` rebuilds the same list from the `dns.query` and
/// `net.denied` events when a log has no end event, so the two cannot drift.
///
/// Bounded, because in the supervisor every name comes from the workload:
/// at most `maxNames` names and `maxPortsPerName` ports per name. What does
/// not fit is dropped and `truncated` says so. Dropping only ever makes the
/// suggestion smaller, never the allowlist in force.
public struct SuggestedAllowlist: Sendable, Equatable {
    /// Names kept by default: far more than any honest run reaches.
    public static let defaultMaxNames = 4096
    /// Ports kept per name by default.
    public static let defaultMaxPortsPerName = 32

    public let maxNames: Int
    public let maxPortsPerName: Int
    /// Ports used per name (lowercase text); empty when only the query was seen.
    private var ports: [String: Set<UInt16>] = [:]
    /// Something was dropped for a cap: the rules are incomplete.
    public private(set) var truncated = false

    public init(maxNames: Int = defaultMaxNames, maxPortsPerName: Int = defaultMaxPortsPerName) {
        self.maxNames = max(1, maxNames)
        self.maxPortsPerName = max(1, maxPortsPerName)
    }

    /// A name the allowlist refused (audit mode answered it anyway).
    /// Returns false when it did not fit.
    @discardableResult
    public mutating func noteRefusedName(_ name: String) -> Bool {
        let key = Self.key(name)
        if ports[key] != nil { return true }
        guard ports.count < maxNames else {
            truncated = true
            return false
        }
        ports[key] = []
        return true
    }

    /// A connection to `name` on `port` that the allowlist would refuse.
    /// Returns false when it did not fit.
    @discardableResult
    public mutating func noteConnection(name: String, port: UInt16) -> Bool {
        guard noteRefusedName(name) else { return false }
        let key = Self.key(name)
        if ports[key]!.contains(port) { return true }
        guard ports[key]!.count < maxPortsPerName else {
            truncated = true
            return false
        }
        ports[key]!.insert(port)
        return true
    }

    /// Names held (for the bound's tests and the limits' docs).
    public var nameCount: Int { ports.count }

    /// The rules, sorted: `name` when no port was seen or one of the default
    /// ports was, and `name:port` for every other port.
    public var rules: [String] {
        var out: [String] = []
        let defaults = Set(DomainRule.defaultPorts)
        for (name, p) in ports {
            if p.isEmpty || !p.isDisjoint(with: defaults) { out.append(name) }
            for port in p.subtracting(defaults) { out.append("\(name):\(port)") }
        }
        return out.sorted()
    }

    /// DNS compares names ASCII case-insensitively (RFC 4343): one rule per name.
    static func key(_ name: String) -> String {
        var text = name.lowercased()
        if text.count > 1, text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Why an allowlist entry was rejected; each case carries the input text.
public enum DomainRuleError: Error, Equatable, Sendable {
    case empty(String)
    /// A character outside letters, digits, `-` and `_` (IDNs must be written as `xn--` A-labels).
    case invalidCharacter(String, character: String)
    /// Non-ASCII text: an internationalized name must be written as its `xn--` A-label.
    case nonASCII(String)
    case emptyLabel(String)
    case labelTooLong(String)
    case nameTooLong(String)
    /// `*` anywhere but as the whole leftmost label, or `*` alone.
    case misplacedWildcard(String)
    /// `*.com`: a wildcard over a single label would allow a whole top-level domain.
    case wildcardTooBroad(String)
    case invalidPort(String, port: String)
    /// A label starting or ending with `-`.
    case badHyphen(String)
    /// An address (`10.0.0.1`), not a name: addresses are not DNS rules.
    case addressLiteral(String)
    /// `com`, `localhost`: a single label is a top-level domain or a
    /// search-list shorthand, never what an allowlist means.
    case singleLabel(String)
    /// `example.com:443` in `allow_ech`/`--allow-ech`: ports belong to the allow rule.
    case portInECHEntry(String, port: String)

    /// What was expected, phrased for `<message>, got "<text>"` in profile
    /// errors and after `--allow-domain 'x':` on the command line.
    public var message: String {
        switch self {
        case .empty: "expected a domain name like api.github.com"
        case .invalidCharacter(_, let c): "expected letters, digits, '-' and '_' in names ('*' only as a leading `*.`), found '\(c)'"
        case .nonASCII: "expected an ASCII name (write an internationalized name as its xn-- A-label)"
        case .emptyLabel: "expected no empty label (two dots in a row, or a leading dot)"
        case .labelTooLong: "expected labels of 1 to 63 characters"
        case .nameTooLong: "expected a domain name of at most 253 characters"
        case .misplacedWildcard: "expected '*' only as the whole leftmost label, as in *.example.com"
        case .wildcardTooBroad: "expected a wildcard over at least two labels (*.com would allow a whole top-level domain)"
        case .invalidPort(_, let port): "expected ports between 1 and 65535 after ':', separated by ',' (got '\(port)')"
        case .badHyphen: "expected labels that do not start or end with '-'"
        case .addressLiteral: "expected a domain name, not an address (allow_private takes address ranges)"
        case .singleLabel: "expected a domain with at least two labels (a bare `*` or TLD would allow too much)"
        case .portInECHEntry: "expected a name or *.suffix without ports (the allow rule covering it says which ports)"
        }
    }

    /// Stable snake_case code.
    public var code: String {
        switch self {
        case .empty: "empty"
        case .invalidCharacter: "invalid_character"
        case .nonASCII: "non_ascii"
        case .emptyLabel: "empty_label"
        case .labelTooLong: "label_too_long"
        case .nameTooLong: "name_too_long"
        case .misplacedWildcard: "misplaced_wildcard"
        case .wildcardTooBroad: "wildcard_too_broad"
        case .invalidPort: "invalid_port"
        case .badHyphen: "bad_hyphen"
        case .addressLiteral: "address_literal"
        case .singleLabel: "single_label"
        case .portInECHEntry: "port_in_ech_entry"
        }
    }
}

/// One allowlist entry: an exact name or a `*.suffix` wildcard, with ports.
///
/// A wildcard `*.example.com` matches names *below* `example.com` at any
/// depth (`a.example.com`, `a.b.example.com`) but **not** `example.com`
/// itself — list the bare name too if it is wanted. That is what `*`
/// suggests to a reader, and it keeps the apex from being allowed by
/// accident.
public struct DomainRule: Hashable, Sendable, CustomStringConvertible {
    /// What names the rule covers.
    public enum Pattern: Hashable, Sendable {
        case exact(DNSName)
        case wildcard(suffix: DNSName)
    }

    /// Ports used when an entry names none.
    public static let defaultPorts: [UInt16] = [80, 443]

    public let pattern: Pattern
    /// Destination ports allowed to the resolved addresses; sorted, unique.
    public let ports: [UInt16]

    /// The rule as it would be written (`*.example.com:443`, ports only when not the default).
    ///
    /// Built once here: every DNS query record names its rule.
    public let description: String

    public init(pattern: Pattern, ports: [UInt16] = DomainRule.defaultPorts) {
        self.pattern = pattern
        self.ports = Array(Set(ports)).sorted()
        self.description = Self.text(pattern, self.ports)
    }

    /// Parses `api.github.com`, `*.githubusercontent.com`,
    /// `internal.example.com:8443` or `host.example.com:80,8080`.
    ///
    /// Names are ASCII letters, digits, `-` and `_` (for `_service` labels),
    /// labels 1–63 bytes, at least two labels, at most 253 characters; one
    /// trailing dot is allowed. This is the one grammar of allow rules:
    /// profiles, `check`, the command line and the runtime all call it
    /// (through `NetworkSyntax.domainRuleProblem` in StockadeProfile).
    public init(parsing text: String) throws(DomainRuleError) {
        let trimmed = text.trimmingASCIISpaces()
        guard !trimmed.isEmpty else { throw .empty(text) }
        var host = Substring(trimmed)
        var ports = Self.defaultPorts
        if let colon = trimmed.firstIndex(of: ":") {
            host = trimmed[..<colon]
            let list = trimmed[trimmed.index(after: colon)...]
            ports = []
            for part in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = UInt16(part), port > 0 else {
                    throw .invalidPort(text, port: String(part))
                }
                ports.append(port)
            }
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty else { throw .empty(text) }
        guard host.utf8.count <= 253 else { throw .nameTooLong(text) }
        var labels = host.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        var wildcard = false
        if labels.first == [UInt8(ascii: "*")] {
            wildcard = true
            labels.removeFirst()
            guard !labels.isEmpty else { throw .misplacedWildcard(text) }
            guard labels.count >= 2 else { throw .wildcardTooBroad(text) }
        }
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel(text) }
            guard label.count <= DNSName.maxLabelLength else { throw .labelTooLong(text) }
            for byte in label where !Self.isNameByte(byte) {
                if byte == UInt8(ascii: "*") { throw .misplacedWildcard(text) }
                if byte >= 0x80 { throw .nonASCII(text) }
                throw .invalidCharacter(text, character: String(decoding: [byte], as: UTF8.self))
            }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { throw .badHyphen(text) }
        }
        guard labels.count >= 2 else { throw .singleLabel(text) }
        // No top-level domain is all digits (RFC 3696 §2); such an entry is an address.
        if let tld = labels.last, tld.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { throw .addressLiteral(text) }
        let name = DNSName(uncheckedLabels: labels).lowercased
        self.init(pattern: wildcard ? .wildcard(suffix: name) : .exact(name), ports: ports)
    }

    /// Whether `name` is covered (labels compared case-insensitively, never as text).
    public func matches(_ name: DNSName) -> Bool {
        switch pattern {
        case .exact(let exact): name == exact
        case .wildcard(let suffix): name.isStrictSubdomain(of: suffix)
        }
    }

    public var isWildcard: Bool {
        if case .wildcard = pattern { return true }
        return false
    }

    private static func text(_ pattern: Pattern, _ ports: [UInt16]) -> String {
        let host: String
        switch pattern {
        case .exact(let n): host = n.description
        case .wildcard(let s): host = "*." + s.description
        }
        if ports == Self.defaultPorts { return host }
        return host + ":" + ports.map(String.init).joined(separator: ",")
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}

/// A set of rules; the most specific match wins.
public struct DomainAllowlist: Sendable {
    public let rules: [DomainRule]
    private let exact: [DNSName: DomainRule]
    /// Wildcards, longest suffix first.
    private let wildcards: [DomainRule]

    /// Rules with the same pattern are merged (their ports united).
    public init(_ rules: [DomainRule]) {
        var ports: [DomainRule.Pattern: Set<UInt16>] = [:]
        var order: [DomainRule.Pattern] = []
        for rule in rules {
            if ports[rule.pattern] == nil { order.append(rule.pattern) }
            ports[rule.pattern, default: []].formUnion(rule.ports)
        }
        let merged = order.map { DomainRule(pattern: $0, ports: Array(ports[$0]!)) }
        self.rules = merged
        var exact: [DNSName: DomainRule] = [:]
        var wildcards: [DomainRule] = []
        for rule in merged {
            switch rule.pattern {
            case .exact(let n): exact[n] = rule
            case .wildcard: wildcards.append(rule)
            }
        }
        self.exact = exact
        self.wildcards = wildcards.sorted { a, b in
            guard case .wildcard(let sa) = a.pattern, case .wildcard(let sb) = b.pattern else { return false }
            return sa.labels.count > sb.labels.count
        }
    }

    /// Parses each entry with `DomainRule(parsing:)`.
    public init(parsing entries: [String]) throws(DomainRuleError) {
        var rules: [DomainRule] = []
        for entry in entries { rules.append(try DomainRule(parsing: entry)) }
        self.init(rules)
    }

    /// The rule covering `name`: an exact rule if there is one, else the
    /// wildcard with the longest suffix; nil when nothing allows it.
    public func match(_ name: DNSName) -> DomainRule? {
        if let rule = exact[name] { return rule }
        return wildcards.first { $0.matches(name) }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        let u = Array(utf8)
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let last = u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: u[first...last], as: UTF8.self)
    }
}

/// The egress runtime's events: `dns.query` and `net.denied`.
extension Event {
    /// `dns.query`; `decision` is `allow`, `deny` or `audit`. Empty
    /// `answers`/`stripped` are left out.
    public static func dnsQuery(
        name: String, qtype: String, decision: String, reason: String? = nil, rule: String? = nil,
        answers: [String] = [], stripped: [String] = []
    ) -> Event {
        var fields: JSONObject = ["name": .string(name), "qtype": .string(qtype), "decision": .string(decision)]
        if let reason { fields["reason"] = .string(reason) }
        if let rule { fields["rule"] = .string(rule) }
        if !answers.isEmpty { fields["answers"] = .array(answers.map { .string($0) }) }
        if !stripped.isEmpty { fields["stripped"] = .array(stripped.map { .string($0) }) }
        return Event(.dnsQuery, fields)
    }

    /// `net.denied`: a dropped packet or a refused connection.
    public static func netDenied(
        proto: String, dst: String, port: UInt16? = nil, name: String? = nil, reason: String? = nil, enforced: Bool
    ) -> Event {
        var fields: JSONObject = ["proto": .string(proto), "dst": .string(dst)]
        if let port { fields["port"] = .int(Int64(port)) }
        if let name { fields["name"] = .string(name) }
        if let reason { fields["reason"] = .string(reason) }
        fields["enforced"] = .bool(enforced)
        return Event(.netDenied, fields)
    }
}

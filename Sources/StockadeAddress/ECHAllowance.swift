/// Which names may be reached with an Encrypted ClientHello: the
/// `network.allow_ech` entries and `--allow-ech` values.
///
/// An ECH ClientHello hides the real server name; only its outer name is
/// visible. GREASE ECH (sent on every connection by Chrome and other
/// BoringSSL clients) looks exactly the same, with the real name outside.
/// So an ECH ClientHello is admitted only for names opted in here, and then
/// only if its outer name passes every check a plain SNI would.
///
/// One entry is a name or a `*.suffix` wildcard in the allow-rule grammar
/// (`DomainRule(parsing:)`), without ports: the allow rule covering it says
/// which ports. This is the one parser for such entries: profiles, `check`,
/// the command line and the runtime all call `parse`.
public enum ECHAllowance {
    /// The entry's pattern, or what was expected.
    public static func parse(_ text: String) throws(DomainRuleError) -> DomainRule.Pattern {
        let rule = try DomainRule(parsing: text)
        if let colon = text.firstIndex(of: ":") {
            throw .portInECHEntry(text, port: String(text[text.index(after: colon)...]))
        }
        return rule.pattern
    }

    /// The entries as an allowlist (ports unused): `match` says whether a name
    /// is opted in.
    public static func allowlist(parsing entries: [String]) throws(DomainRuleError) -> DomainAllowlist {
        var rules: [DomainRule] = []
        for entry in entries { rules.append(DomainRule(pattern: try parse(entry))) }
        return DomainAllowlist(rules)
    }

    /// Whether every name `pattern` covers is also allowed by `allowlist`: an
    /// exact name must match a rule; `*.suffix` needs a wildcard rule over the
    /// same suffix or one of its parents (names listed one by one do not
    /// cover a wildcard).
    public static func isCovered(_ pattern: DomainRule.Pattern, by allowlist: DomainAllowlist) -> Bool {
        switch pattern {
        case .exact(let name):
            return allowlist.match(name) != nil
        case .wildcard(let suffix):
            return allowlist.rules.contains { rule in
                guard case .wildcard(let ruleSuffix) = rule.pattern else { return false }
                return suffix == ruleSuffix || suffix.isStrictSubdomain(of: ruleSuffix)
            }
        }
    }
}

import StockadeAddress
import StockadeProfile

/// Merges `network.allow_ech` and `--allow-ech` into the spec, refusing an
/// entry outside the grammar (`ECHAllowance.parse`, the one parser) or one no
/// allow rule covers.
enum ECHOptIn {
    static func entries(profile: [String], commandLine: [String], rules: [String]) throws(PlanError) -> [String] {
        let allowlist = DomainAllowlist(rules.compactMap { try? DomainRule(parsing: $0) })
        var entries: [String] = []
        for (text, fromCLI) in profile.map({ ($0, false) }) + commandLine.map({ ($0, true) }) {
            let subject = fromCLI ? "--allow-ech \(text)" : "network.allow_ech \(text)"
            let pattern: DomainRule.Pattern
            do {
                pattern = try ECHAllowance.parse(text)
            } catch {
                throw PlanError(code: .invalidDomain, subject: subject, message: error.message)
            }
            guard ECHAllowance.isCovered(pattern, by: allowlist) else {
                throw PlanError(code: .echNotAllowed, subject: subject,
                                message: "no allow rule covers \(text) (give --allow-domain for it; *.suffix needs a wildcard rule)")
            }
            if !entries.contains(text) { entries.append(text) }
        }
        return entries
    }
}

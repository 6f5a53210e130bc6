import Testing
@testable import StockadeAddress

/// The `allow_ech` entry grammar and its coverage by allow rules.
struct ECHAllowanceTests {
    @Test func entriesAreNamesOrWildcardsWithoutPorts() throws {
        #expect(try ECHAllowance.parse("Example.com.") == .exact(try DNSName(text: "example.com")))
        #expect(try ECHAllowance.parse("*.cdn.example") == .wildcard(suffix: try DNSName(text: "cdn.example")))
        for bad in ["example.com:443", "*.example.com:443", "example.com:", "10.0.0.1", "*.com", "*", "com", "", "a..b", "é.example"] {
            #expect(throws: DomainRuleError.self, "\(bad)") { _ = try ECHAllowance.parse(bad) }
        }
        do {
            _ = try ECHAllowance.parse("example.com:443")
        } catch {
            #expect(error.code == "port_in_ech_entry")
        }
    }

    @Test func coverageNeedsAnAllowRuleForEveryNameTheEntryCovers() throws {
        let allow = try DomainAllowlist(parsing: ["api.example", "*.cdn.example", "git.example:22"])
        func covered(_ text: String) throws -> Bool { ECHAllowance.isCovered(try ECHAllowance.parse(text), by: allow) }
        #expect(try covered("api.example"))
        #expect(try covered("git.example"))
        #expect(try covered("x.cdn.example"))
        #expect(try covered("*.cdn.example"))
        #expect(try covered("*.eu.cdn.example"))
        #expect(try !covered("cdn.example"))
        #expect(try !covered("*.other.example"))
        #expect(try !covered("*.api.example"))
        #expect(try !covered("other.example"))
    }
}

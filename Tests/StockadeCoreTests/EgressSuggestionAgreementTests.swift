import StockadeAddress
import StockadeProfile
import Testing
@testable import StockadeCore
@testable import StockadeNet

/// The runtime's side of `report --suggest`'s agreement: the egress ledger,
/// fed the records behind the events of `ReportFixtures.auditLog` (plus the
/// two extra lines of StockadeReportTests' `SuggestionAgreementTests`),
/// suggests exactly what the report's rebuild does from those events. Each
/// side is pinned to the same list, so drift in either breaks a test.
@Suite struct EgressSuggestionAgreementTests {
    static let client = DNSClient(transport: .udp, address: IPAddress("10.0.0.2")!, port: 5353)

    static func query(_ name: String, _ type: DNSRecordType, _ decision: DNSQueryRecord.Decision,
                      reason: DNSDenyReason? = nil, audit: Bool = false, answers: [String] = []) -> DNSQueryRecord {
        var r = DNSQueryRecord(name: try! DNSName(text: name), queryType: type, client: client, decision: decision,
                               reason: reason, wouldDeny: audit)
        r.addresses = answers.map { IPAddress($0)! }
        r.observed = r.addresses
        return r
    }

    static func relayed(_ destination: String, _ port: UInt16, _ name: String) -> RelayReport {
        RelayReport(destination: IPAddress(destination)!, port: port, reason: .sniMismatch, name: name, enforced: false)
    }

    /// What `SuggestionAgreementTests.theRebuiltSuggestionIsTheRuntimes` expects of the rebuild.
    static let reportSuggests: Set<String> = ["codeload.github.com", "git.internal.example:8443"]

    @Test func theLedgerSuggestsWhatTheReportRebuilds() {
        var ledger = EgressLedger()
        var now = 100.0
        func q(_ r: DNSQueryRecord) {
            now += 0.1
            let truncated = ledger.noteQuery(r, now: now)
            #expect(!truncated)
        }
        func c(_ r: RelayReport) {
            now += 0.1
            let noted = ledger.noteRefusal(r, now: now)
            #expect(!noted.truncated)
        }
        // seq 2-9 of the fixture, in order.
        q(Self.query("registry.npmjs.org", .a, .allow, answers: ["104.16.1.34"]))
        q(Self.query("registry.npmjs.org", .aaaa, .allow))
        q(Self.query("codeload.github.com", .a, .allow, reason: .notAllowlisted, audit: true, answers: ["140.82.121.9"]))
        c(Self.relayed("140.82.121.9", 443, "codeload.github.com"))
        q(Self.query("git.internal.example", .a, .allow, reason: .notAllowlisted, audit: true, answers: ["203.0.113.7"]))
        c(Self.relayed("203.0.113.7", 8443, "git.internal.example"))
        c(Self.relayed("203.0.113.7", 8443, "git.internal.example"))
        q(Self.query("telemetry.example.net", .txt, .deny, reason: .queryTypeNotAllowed))
        // The extra lines: a packet the table dropped (NFLOG, not the relay:
        // never suggested) and another case of a name already suggested.
        q(Self.query("CodeLoad.GitHub.com", .a, .allow, reason: .notAllowlisted, audit: true))
        #expect(Set(ledger.suggestion.rules) == Self.reportSuggests)
        #expect(!ledger.suggestion.truncated)
    }

    /// Refused connections name the destination by the last answer when
    /// they carry no name of their own (a plain TCP port), as the events do.
    @Test func anUnnamedConnectionIsSuggestedUnderTheNameItsAddressWasGiven() {
        var ledger = EgressLedger()
        _ = ledger.noteQuery(Self.query("db.internal.example", .a, .allow, reason: .notAllowlisted, audit: true,
                                        answers: ["203.0.113.9"]), now: 1)
        let unnamed = RelayReport(destination: IPAddress("203.0.113.9")!, port: 5432, reason: .notResolved, name: nil, enforced: false)
        let noted = ledger.noteRefusal(unnamed, now: 2)
        #expect(noted.name == "db.internal.example")
        #expect(Set(ledger.suggestion.rules) == ["db.internal.example:5432"])
    }
}

import StockadeProfile
import Testing
@testable import StockadeReport

/// `report --suggest` rebuilds audit mode's suggestion with the runtime's own
/// `SuggestedAllowlist`, from the same inputs the runtime counts.
@Suite struct SuggestionAgreementTests {
    static let extra = [
        // A UDP packet the table dropped (enforced even in audit mode): the
        // runtime does not suggest it, so neither does the rebuild.
        #"{"v":1,"ts":"2026-11-22T05:02:54.300000Z","sandbox":"a1b2c3d4e5","seq":8,"type":"net.denied","actor":"a","proto":"udp","dst":"203.0.113.7","port":9001,"name":"git.internal.example","enforced":true}"#,
        // Another case of a name already suggested: one rule.
        #"{"v":1,"ts":"2026-11-22T05:02:54.400000Z","sandbox":"a1b2c3d4e5","seq":8,"type":"dns.query","actor":"a","name":"CodeLoad.GitHub.com","qtype":"A","decision":"audit","reason":"not_allowlisted"}"#,
    ]

    static func log(cut: Bool) -> String {
        var lines = ReportFixtures.auditLog.split(separator: "\n").map(String.init)
        let end = lines.firstIndex { $0.contains(#""type":"sandbox.end""#) }!
        lines.insert(contentsOf: extra, at: end)
        if cut { lines.removeAll { $0.contains(#""type":"sandbox.end""#) } }
        return lines.joined(separator: "\n")
    }

    @Test func theRebuiltSuggestionIsTheRuntimes() throws {
        let run = try #require(EventReport.read(Self.log(cut: true)).runs.first)
        let rebuilt = ProfileSuggestion.rebuiltSuggestion(run)
        // The runtime's side: StockadeCoreTests' EgressSuggestionAgreementTests
        // feeds the records behind these same events to the egress ledger
        // and expects this same list.
        #expect(rebuilt == ["codeload.github.com", "git.internal.example:8443"])
        // And the end event's list, as the fixture's runtime wrote it.
        let full = try #require(EventReport.read(Self.log(cut: false)).runs.first)
        #expect(ProfileSuggestion.allowlist(for: full).rules == ProfileSuggestion.allowlist(for: run).rules)
    }

    @Test func aTruncatedSuggestionIsSaidToBeIncomplete() {
        let log = ReportFixtures.auditLog.replacingOccurrences(
            of: #""suggested_allow":["codeload.github.com","git.internal.example:8443"]"#,
            with: #""suggested_allow":["codeload.github.com","git.internal.example:8443"],"suggested_allow_truncated":true"#)
        #expect(log != ReportFixtures.auditLog)
        let report = EventReport.read(log)
        #expect(report.runs.first?.suggestedAllowTruncated == true)
        #expect(ProfileSuggestion.yaml(report).contains("# this list is incomplete."))
        #expect(!ProfileSuggestion.yaml(EventReport.read(ReportFixtures.auditLog)).contains("incomplete"))
    }
}

import Foundation
import StockadeProfile
import Testing
@testable import StockadeReport

/// `report --suggest` offers only rules the loader accepts.
@Suite struct SuggestedRulesGrammarTests {
    @Test func suggestionsOutsideTheGrammarAreSkipped() throws {
        let log = ReportFixtures.auditLog.replacingOccurrences(
            of: #""suggested_allow":["codeload.github.com","git.internal.example:8443"]"#,
            with: #""suggested_allow":["localhost","10.0.0.1","ok.example.com","*.com"]"#)
        #expect(log != ReportFixtures.auditLog)
        let yaml = ProfileSuggestion.yaml(EventReport.read(log))
        let doc = try ProfileLoader.decode(yaml: yaml, path: "/tmp/suggested.yaml")
        #expect(doc.profile.network.allow == ["ok.example.com", "registry.npmjs.org"])
        for skipped in ["localhost", "10.0.0.1", "*.com"] {
            #expect(yaml.contains("# skipped, not a valid rule: \(skipped)"), "\(skipped)")
        }
    }
}

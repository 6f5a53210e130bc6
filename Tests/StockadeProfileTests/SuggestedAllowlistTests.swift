import StockadeProfile
import Testing

@Suite struct SuggestedAllowlistTests {
    @Test func defaultPortsAreCoveredByTheBareName() {
        var s = SuggestedAllowlist()
        s.noteRefusedName("Only.Queried.ORG")
        s.noteConnection(name: "web.org", port: 443)
        s.noteConnection(name: "git.org", port: 22)
        s.noteConnection(name: "both.org", port: 80)
        s.noteConnection(name: "both.org", port: 8443)
        s.noteConnection(name: "BOTH.org.", port: 8443)
        #expect(s.rules == ["both.org", "both.org:8443", "git.org:22", "only.queried.org", "web.org"])
        #expect(!s.truncated)
    }

    @Test func namesAndPortsAreBounded() {
        var s = SuggestedAllowlist(maxNames: 10, maxPortsPerName: 3)
        for i in 0..<1000 { s.noteConnection(name: "n\(i).org", port: UInt16(1000 + i % 7)) }
        for p in 1...100 { s.noteConnection(name: "n0.org", port: UInt16(p)) }
        #expect(s.nameCount == 10)
        #expect(s.truncated)
        #expect(s.rules.filter { $0.hasPrefix("n0.org:") }.count == 3)
        // A name already held still takes ports under its own cap.
        var t = SuggestedAllowlist(maxNames: 1)
        t.noteRefusedName("a.org")
        let fitted = t.noteRefusedName("b.org")
        #expect(!fitted)
        let kept = t.noteConnection(name: "a.org", port: 22)
        #expect(kept)
        #expect(t.rules == ["a.org:22"])
    }
}

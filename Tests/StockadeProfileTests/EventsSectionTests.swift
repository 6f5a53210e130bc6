import StockadeEvents
import StockadeProfile
import Testing

/// `events: rate_limits:` decodes strictly, merges by type, and lays over
/// the defaults.
@Suite struct EventsSectionTests {
    @Test func decodesBucketsAndUnlimited() throws {
        let doc = try ProfileLoader.decode(yaml: """
        events:
          rate_limits:
            dns.query:
              per_second: 20
              burst: 500
            syscall.denied: unlimited
            net.denied: {per_second: 0, burst: 7}
        """, path: "p.yaml")
        let limits = doc.profile.events.resolved()
        #expect(limits[.dnsQuery] == EventRateLimit(perSecond: 20, burst: 500))
        #expect(limits[.syscallDenied] == nil)
        #expect(limits[.netDenied] == EventRateLimit(perSecond: 0, burst: 7))
        #expect(limits[.seccompStacked] == EventRateLimit.defaults[.seccompStacked])
    }

    @Test func errorsNameTheField() {
        let cases: [(String, String)] = [
            ("events:\n  rate_limits:\n    sandbox.end: unlimited\n", "events.rate_limits.sandbox.end"),
            ("events:\n  rate_limits:\n    no.such: unlimited\n", "events.rate_limits.no.such"),
            ("events:\n  rate_limits:\n    dns.query: lots\n", "events.rate_limits.dns.query"),
            ("events:\n  rate_limits:\n    dns.query:\n      burst: 5\n", "events.rate_limits.dns.query"),
            ("events:\n  rate_limits:\n    dns.query:\n      per_second: -1\n      burst: 5\n", "events.rate_limits.dns.query.per_second"),
            ("events:\n  rate_limits:\n    dns.query:\n      per_second: 1\n      burst: 0\n", "events.rate_limits.dns.query.burst"),
            ("events:\n  sink: stderr\n", "events.sink"),
        ]
        for (yaml, field) in cases {
            let error = decodeError(yaml)
            #expect(error != nil, "\(yaml)")
            #expect(error?.field == field, "\(yaml): \(String(describing: error))")
        }
    }

    @Test func childEntriesReplaceTheParentsForTheirType() throws {
        let dir = TempDir()
        dir.write("base.yaml", "events:\n  rate_limits:\n    dns.query: unlimited\n    net.denied: {per_second: 1, burst: 1}\n")
        let child = dir.write("child.yaml", "extends: base.yaml\nevents:\n  rate_limits:\n    dns.query: {per_second: 3, burst: 4}\n")
        let profile = try ProfileLoader(searchPaths: []).load(child)
        let limits = profile.events.resolved()
        #expect(limits[.dnsQuery] == EventRateLimit(perSecond: 3, burst: 4))
        #expect(limits[.netDenied] == EventRateLimit(perSecond: 1, burst: 1))
    }
}

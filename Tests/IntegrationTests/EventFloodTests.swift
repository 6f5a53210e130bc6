import Foundation
import StockadeEvents
import Testing

/// A DNS flood from inside a real sandbox: the log stays bounded by the
/// per-type cap, and every query is still counted.
@Suite("Event volume", .enabled(if: NetworkWorld.available()))
struct EventFloodTests {
    /// 400 lookups of names not on the allowlist (each an A and an AAAA
    /// query, all answered by the proxy without any upstream).
    static let flood = ["/usr/bin/python3", "-c",
                        "import socket\nfor i in range(400):\n    try: socket.getaddrinfo('n%d.flood.test' % i, 80)\n    except Exception: pass"]

    static func totals(_ r: Harness.Result) -> (lines: Int64, suppressed: Int64, counted: Int64) {
        let lines = Int64(r.events("dns.query").count)
        let suppressed = r.events("events.suppressed").filter { $0["suppressed_type"] == "dns.query" }
            .reduce(Int64(0)) { $0 + ($1["count"]?.int64Value ?? 0) }
        let network = r.end?["network"]?.objectValue
        let counted = (network?["queries_allowed"]?.int64Value ?? 0) + (network?["queries_denied"]?.int64Value ?? 0)
        return (lines, suppressed, counted)
    }

    @Test("with the default caps, dns.query lines stay within burst + rate x duration; the rest is summarised")
    func defaultCap() throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            let r = try w.run(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test"]) + ["--"] + Self.flood, cwd: ws)
            #expect(r.status == 0, "\(r.stderr) \(r.end.map { "\($0)" } ?? "no end")")
            let t = Self.totals(r)
            #expect(t.counted >= 400, "\(r.transcript)")
            // A bound on what the log holds, computed from the run's own
            // length: not a timing assertion, since a slower run only
            // raises the allowance.
            let limit = EventRateLimit.defaults[.dnsQuery]!
            let seconds = (r.end?["duration_ms"]?.doubleValue ?? 0) / 1000
            #expect(Double(t.lines) <= Double(limit.burst) + limit.perSecond * (seconds + 1))
            #expect(t.lines + t.suppressed == t.counted, "every query is a line or counted")
        }
    }

    @Test("a profile's cap is exact: 30 lines, the rest in events.suppressed")
    func profileCap() throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            let profile = NSTemporaryDirectory() + "stockade-dnscap-\(UUID().uuidString).yaml"
            try "extends: default\nevents:\n  rate_limits:\n    dns.query:\n      per_second: 0\n      burst: 30\n"
                .write(toFile: profile, atomically: false, encoding: .utf8)
            defer { unlink(profile) }
            let r = try w.run(inHost: ["--profile", profile, "--workspace", ws] + w.netArgs(allow: ["allowed.test"]) + ["--"] + Self.flood, cwd: ws)
            #expect(r.status == 0, "\(r.stderr) \(r.end.map { "\($0)" } ?? "no end")")
            let t = Self.totals(r)
            #expect(t.lines == 30)
            #expect(t.suppressed == t.counted - 30)
            #expect(r.end?["events_suppressed"]?.int64Value == t.suppressed)
        }
    }
}

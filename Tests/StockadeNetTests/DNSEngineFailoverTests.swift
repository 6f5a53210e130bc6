import StockadeAddress
import Testing
@testable import StockadeNet

/// The engine's side of upstream failures, without sockets: which upstream
/// each attempt goes to, when the client gets SERVFAIL, and with what reason.
@Suite struct DNSEngineFailoverTests {
    static func engine(upstreams: Int, timeout: Double = 2) -> DNSProxyEngine {
        var e = DNSProxyEngine(config: DNSProxyConfig(
            allowlist: try! DomainAllowlist(parsing: ["api.github.com"]), queriesPerSecond: 1000, queryBurst: 1000,
            upstreamTimeoutSeconds: timeout))
        e.upstreamCount = upstreams
        return e
    }

    @Test func attemptsWalkTheUpstreamsThenTimeOut() {
        var e = Self.engine(upstreams: 3)
        let up = DNSEngineTests.forward(&e, query("api.github.com"))
        #expect(e.retransmissions(now: at(0.5)).isEmpty)
        let second = e.retransmissions(now: at(0.7))
        #expect(second.map(\.upstream) == [1] && second.first?.query == up)
        #expect(e.retransmissions(now: at(1.0)).isEmpty)
        #expect(e.retransmissions(now: at(1.4)).map(\.upstream) == [2])
        // Three attempts for three upstreams: no fourth; SERVFAIL at 2 s.
        #expect(e.retransmissions(now: at(1.9)).isEmpty)
        #expect(e.expire(now: at(1.95)).isEmpty)
        let failed = e.expire(now: at(2.0))
        #expect(failed.count == 1 && failed.first?.record.reason == .upstreamTimeout)
        #expect(failed.first?.record.responseCode == .servFail)
    }

    @Test func oneUpstreamGetsTheQueryTwice() {
        var e = Self.engine(upstreams: 1)
        _ = DNSEngineTests.forward(&e, query("api.github.com"))
        #expect(e.retransmissions(now: at(1.0)).map(\.upstream) == [0])
        #expect(e.retransmissions(now: at(1.9)).isEmpty)
        #expect(e.nextDeadline == at(2))
    }

    @Test func anUpstreamErrorMovesOnOrFailsAtOnce() {
        var e = Self.engine(upstreams: 2, timeout: 60)
        _ = DNSEngineTests.forward(&e, query("api.github.com", id: 1))
        _ = DNSEngineTests.forward(&e, query("api.github.com", id: 2))
        let first = e.upstreamFailed(0, now: at(0.1))
        #expect(first.retries.map(\.upstream) == [1, 1] && first.failures.isEmpty)
        // An error on an upstream nobody waits on changes nothing.
        #expect(e.upstreamFailed(0, now: at(0.2)).retries.isEmpty)
        let last = e.upstreamFailed(1, now: at(0.3))
        #expect(last.retries.isEmpty && last.failures.count == 2)
        #expect(last.failures.allSatisfy { $0.record.reason == .upstreamError })
        #expect(e.pendingCount == 0)
    }

    @Test func theQuestionGoesUpstreamInLowercase() throws {
        var e = Self.engine(upstreams: 1)
        let up = DNSEngineTests.forward(&e, query("aPi.GITHUB.com"))
        let sent = try DNSMessage.parse(up)
        #expect(sent.questions[0].name.labels == [Array("api".utf8), Array("github".utf8), Array("com".utf8)])
        // The upstream's answer (lowercase question) settles the pending query,
        // and the client's reply carries the question as asked.
        guard case .reply(let reply) = e.handleUpstreamReply(upstreamReply(to: up, answers: [aRecord("api.github.com", "140.82.112.6")]), now: at(0.1)) else {
            Issue.record("no reply")
            return
        }
        let r = try DNSMessage.parse(reply.bytes)
        #expect(r.questions[0].name.labels == [Array("aPi".utf8), Array("GITHUB".utf8), Array("com".utf8)])
    }
}

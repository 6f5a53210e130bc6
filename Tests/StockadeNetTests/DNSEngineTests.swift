import StockadeAddress
import Testing
@testable import StockadeNet

@Suite struct DNSEngineTests {
    static func engine(
        _ rules: [String] = ["api.github.com", "*.githubusercontent.com", "internal.example.com:8443"],
        audit: Bool = false, allowPrivate: [String] = [], budget: ExfiltrationBudget = ExfiltrationBudget(),
        qps: Double = 1000, burst: Double = 1000, maxPending: Int = 1024
    ) -> DNSProxyEngine {
        let config = DNSProxyConfig(
            allowlist: try! DomainAllowlist(parsing: rules),
            rebinding: RebindingPolicy(allowPrivate: allowPrivate.map { try! CIDR($0) }),
            auditMode: audit, minTimeoutSeconds: 60, maxTimeoutSeconds: 3600, exfiltration: budget,
            queriesPerSecond: qps, queryBurst: burst, maxPending: maxPending)
        return DNSProxyEngine(config: config, ids: .seeded(42))
    }

    /// Forwards `q` and returns the bytes sent upstream.
    static func forward(_ e: inout DNSProxyEngine, _ q: [UInt8], now: DNSInstant = at(0)) -> [UInt8] {
        let d = e.handleQuery(q, from: testClient, now: now)
        guard case .forward(let upstream, _) = d.action else {
            Issue.record("expected forward, got \(d.action)")
            return []
        }
        return upstream
    }

    @Test func deniedNameIsAnsweredLocallyNXDOMAINAndNeverForwarded() throws {
        var e = Self.engine()
        let asked = query("EVIL.Example.NET", id: 0x4242, edns: true)
        let d = e.handleQuery(asked, from: testClient, now: at(0))
        guard case .reply(let bytes) = d.action else { Issue.record("not a local reply"); return }
        let reply = try DNSMessage.parse(bytes)
        #expect(reply.header.id == 0x4242 && reply.header.isResponse)
        #expect(reply.header.responseCode == .nxDomain)
        #expect(reply.questions[0].name.labels == name("EVIL.Example.NET").labels)
        #expect(reply.opt != nil)
        #expect(e.pendingCount == 0)
        #expect(d.record?.decision == .deny && d.record?.reason == .notAllowlisted)
        #expect(d.record?.eventFields["name"] == .string("EVIL.Example.NET"))
    }

    @Test func nxdomainEchoesTheQuestionBytesExactly() throws {
        var e = Self.engine()
        let asked = query("wWw.NoPe.Org")
        guard case .reply(let bytes) = e.handleQuery(asked, from: testClient, now: at(0)).action else { Issue.record("unexpected decision"); return }
        // Same bytes after the header, for the question section.
        #expect(Array(bytes[12...]) == Array(asked[12...]))
    }

    @Test func allowedQueryIsRebuiltWithAFreshID() throws {
        var e = Self.engine()
        let asked = hex("""
            7777 0130 0001 0001 0000 0001
            03 617069 06 676974687562 03 636f6d 00 0001 0001
            00 0001 0001 00000000 0004 01020304
            00 0029 1000 00008000 0008 0008 0004 0001 1800
            """)  // smuggles an answer record and an ECS option
        let up = try DNSMessage.parse(Self.forward(&e, asked))
        #expect(up.header.id != 0x7777)
        #expect(up.questions == [DNSQuestion(name: name("api.github.com"), type: .a)])
        #expect(up.answers.isEmpty && up.authorities.isEmpty)
        #expect(up.additionals.count == 1 && up.opt?.data == .opaque([]))
        #expect(up.opt!.ttl & 0x8000 != 0)  // DO kept
        #expect(!up.header.zero)
        #expect(e.pendingCount == 1)
    }

    @Test func answerYieldsInsertionsThenReplyWithClientID() throws {
        var e = Self.engine()
        let asked = query("Api.GitHub.com", id: 0x0102)
        let up = Self.forward(&e, asked)
        let answer = upstreamReply(to: up, answers: [aRecord("api.github.com", "140.82.112.6", ttl: 30),
                                                      aRecord("api.github.com", "140.82.112.5", ttl: 99_999)])
        guard case .reply(let r) = e.handleUpstreamReply(answer, now: at(0.1)) else { Issue.record("no reply"); return }
        #expect(r.client == testClient)
        #expect(r.insertions == [
            DNSSetInsertion(address: IPAddress("140.82.112.6")!, ports: [80, 443], timeoutSeconds: 60, name: name("api.github.com")),
            DNSSetInsertion(address: IPAddress("140.82.112.5")!, ports: [80, 443], timeoutSeconds: 3600, name: name("api.github.com")),
        ])
        let reply = try DNSMessage.parse(r.bytes)
        #expect(reply.header.id == 0x0102)
        #expect(reply.questions[0].name.labels[0] == Array("Api".utf8))
        #expect(reply.answers.count == 2)
        #expect(r.record.decision == .allow && r.record.addresses.count == 2)
        #expect(e.pendingCount == 0)
        #expect(try DNSMessage.parse(r.failureBytes).header.responseCode == .servFail)
        // The same answer again (a cached re-ask) yields insertions again, refreshing timeouts.
        let up2 = Self.forward(&e, asked, now: at(10))
        guard case .reply(let r2) = e.handleUpstreamReply(
            upstreamReply(to: up2, answers: [aRecord("api.github.com", "140.82.112.6", ttl: 120)]), now: at(10))
        else { Issue.record("unexpected decision"); return }
        #expect(r2.insertions.map(\.timeoutSeconds) == [120])
    }

    @Test func followsCNAMEChainAndDropsUnrelatedRecords() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("raw.githubusercontent.com"))
        let answer = upstreamReply(to: up, answers: [
            cnameRecord("raw.githubusercontent.com", "github.map.fastly.net"),
            cnameRecord("github.map.fastly.net", "edge.fastly.net"),
            aRecord("edge.fastly.net", "185.199.108.133", ttl: 200),
            aRecord("edge.fastly.net", "185.199.108.133", ttl: 500),
            aRecord("unrelated.example", "1.2.3.4"),
        ])
        guard case .reply(let r) = e.handleUpstreamReply(answer, now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.count == 1)
        #expect(r.insertions[0].timeoutSeconds == 500)
        #expect(r.insertions[0].name == name("raw.githubusercontent.com"))
        let reply = try DNSMessage.parse(r.bytes)
        #expect(reply.answers.count == 4)
        #expect(!reply.answers.contains { $0.name == name("unrelated.example") })
    }

    @Test func cnameLoopTerminates() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("api.github.com"))
        let answer = upstreamReply(to: up, answers: [
            cnameRecord("api.github.com", "b.example"), cnameRecord("b.example", "api.github.com"),
        ])
        guard case .reply(let r) = e.handleUpstreamReply(answer, now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.isEmpty)
    }

    @Test func rebindingAnswersAreStripped() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("api.github.com"))
        let answer = upstreamReply(to: up, answers: [
            aRecord("api.github.com", "169.254.169.254"), aRecord("api.github.com", "127.0.0.1"),
            aRecord("api.github.com", "10.0.0.8"), aRecord("api.github.com", "140.82.112.6"),
        ])
        guard case .reply(let r) = e.handleUpstreamReply(answer, now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.map(\.address) == [IPAddress("140.82.112.6")!])
        #expect(r.record.rebound.count == 3)
        let reply = try DNSMessage.parse(r.bytes)
        #expect(reply.answers.map(\.data) == [.a(IPv4Address("140.82.112.6")!)])

        let up6 = Self.forward(&e, query("api.github.com", .aaaa))
        guard case .reply(let r6) = e.handleUpstreamReply(upstreamReply(to: up6, answers: [
            aaaaRecord("api.github.com", "::ffff:127.0.0.1"), aaaaRecord("api.github.com", "fe80::1"),
        ]), now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r6.insertions.isEmpty && r6.record.rebound.count == 2)
    }

    @Test func declaredPrivateRangePasses() throws {
        var e = Self.engine(["internal.example.com:8443"], allowPrivate: ["10.20.0.0/16"])
        let up = Self.forward(&e, query("internal.example.com"))
        guard case .reply(let r) = e.handleUpstreamReply(upstreamReply(to: up, answers: [
            aRecord("internal.example.com", "10.20.1.1"), aRecord("internal.example.com", "10.30.1.1"),
        ]), now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.map(\.address) == [IPAddress("10.20.1.1")!])
        #expect(r.insertions[0].ports == [8443])
    }

    @Test func truncatedAnswerAsksForTCPRetry() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("api.github.com"))
        let tc = upstreamReply(to: up, answers: [], truncated: true)
        guard case .retryOverTCP(let again, let id) = e.handleUpstreamReply(tc, over: .udp, now: at(0)) else {
            Issue.record("no retry"); return
        }
        #expect(again == up && e.pendingCount == 1)
        let full = upstreamReply(to: up, answers: [aRecord("api.github.com", "140.82.112.6")])
        guard case .reply(let r) = e.handleUpstreamReply(full, over: .tcp, now: at(0.2)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.count == 1)
        #expect(id == (try DNSMessage.parse(up)).header.id)
    }

    @Test func spoofedOrMismatchedRepliesAreDroppedAndKeepThePending() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("api.github.com"))
        var wrongID = upstreamReply(to: up, answers: [aRecord("api.github.com", "1.1.1.1")])
        wrongID[0] ^= 0xFF
        guard case .drop(.unknownID) = e.handleUpstreamReply(wrongID, now: at(0)) else { Issue.record("accepted"); return }
        var other = try DNSMessage.parse(up)
        other.questions = [DNSQuestion(name: name("evil.example"), type: .a)]
        other.header.isResponse = true
        guard case .drop(.questionMismatch) = e.handleUpstreamReply(try other.serialize(), now: at(0)) else { Issue.record("unexpected decision"); return }
        guard case .drop(.malformed) = e.handleUpstreamReply(Array(up.prefix(14)), now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(e.pendingCount == 1)
        // The default budget is 2 s (DNSProxyConfig.upstreamTimeoutSeconds).
        #expect(e.expire(now: at(1.5)).isEmpty)
        let expired = e.expire(now: at(2.5))
        #expect(expired.count == 1 && expired[0].record.reason == .upstreamTimeout)
        #expect(e.pendingCount == 0)
    }

    @Test func refusesUndeclaredQueryTypes() throws {
        var e = Self.engine()
        let d = e.handleQuery(query("api.github.com", .txt), from: testClient, now: at(0))
        guard case .reply(let bytes) = d.action else { Issue.record("unexpected decision"); return }
        #expect(try DNSMessage.parse(bytes).header.responseCode == .refused)
        #expect(d.record?.reason == .queryTypeNotAllowed)
        for t in [DNSRecordType.a, .aaaa, .cname, .https, .svcb] {
            guard case .forward = e.handleQuery(query("api.github.com", t), from: testClient, now: at(0)).action else {
                Issue.record("\(t) not forwarded"); continue
            }
        }
    }

    @Test func malformedAndNonQueriesAreDroppedAndCounted() {
        var e = Self.engine()
        #expect(e.handleQuery([1, 2, 3], from: testClient, now: at(0)).action == .drop(.malformed))
        #expect(e.handleQuery(Packets.cnameChain, from: testClient, now: at(0)).action == .drop(.notAQuery))
        #expect(e.handleQuery(hex("0001 0100 0000 0000 0000 0000"), from: testClient, now: at(0)).action
            == .drop(.questionCount))
        #expect(e.counters.malformedQueries == 1 && e.counters.droppedQueries == 2)
    }

    @Test func rateLimitRefillsWithTheInjectedClock() {
        var e = Self.engine(qps: 2, burst: 3)
        let q = query("nope.example")
        for _ in 0..<3 { #expect(e.handleQuery(q, from: testClient, now: at(0)).action != .drop(.rateLimited)) }
        let limited = e.handleQuery(q, from: testClient, now: at(0))
        #expect(limited.action == .drop(.rateLimited) && limited.record?.reason == .rateLimited)
        #expect(e.handleQuery(q, from: testClient, now: at(0.5)).action != .drop(.rateLimited))
        #expect(e.handleQuery(q, from: testClient, now: at(0.5)).action == .drop(.rateLimited))
    }

    @Test func exfiltrationBudgetOnWildcards() {
        var e = Self.engine(budget: ExfiltrationBudget(maxLabelLength: 10, maxNameLength: 50, maxDistinctNamesPerMinute: 3))
        func reason(_ n: String, _ t: Double = 0) -> DNSDenyReason? {
            e.handleQuery(query(n), from: testClient, now: at(t)).record?.reason
        }
        #expect(reason("abcdefghijk.githubusercontent.com") == .exfilLabelTooLong)
        #expect(reason("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.githubusercontent.com") == .exfilNameTooLong)
        #expect(reason("n1.githubusercontent.com") == nil)
        #expect(reason("n2.githubusercontent.com") == nil)
        #expect(reason("N1.githubusercontent.com") == nil)  // same name, case folded
        #expect(reason("n3.githubusercontent.com") == nil)
        #expect(reason("n4.githubusercontent.com", 30) == .exfilNameBudget)
        #expect(reason("n2.githubusercontent.com", 30) == nil)  // already counted
        #expect(reason("n4.githubusercontent.com", 61) == nil)  // window slid
        // Exact rules have no budget.
        #expect(reason("api.github.com", 61) == nil)
    }

    @Test func auditModeForwardsEverythingAndSaysWhatWouldHaveBeenDenied() throws {
        var e = Self.engine(audit: true)
        let d = e.handleQuery(query("evil.example"), from: testClient, now: at(0))
        guard case .forward(let up, _) = d.action else { Issue.record("not forwarded"); return }
        #expect(d.record?.wouldDeny == true && d.record?.decision == .allow && d.record?.reason == .notAllowlisted)
        guard case .reply(let r) = e.handleUpstreamReply(
            upstreamReply(to: up, answers: [aRecord("evil.example", "1.2.3.4")]), now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r.insertions.isEmpty)  // unlisted names open nothing
        #expect(r.record.wouldDeny && r.record.reason == .notAllowlisted)

        let up2 = Self.forward(&e, query("api.github.com"))
        guard case .reply(let r2) = e.handleUpstreamReply(
            upstreamReply(to: up2, answers: [aRecord("api.github.com", "127.0.0.1")]), now: at(0)) else { Issue.record("unexpected decision"); return }
        #expect(r2.record.wouldDeny && r2.record.rebound == [IPAddress("127.0.0.1")!])
        #expect(try DNSMessage.parse(r2.bytes).answers.count == 1)
    }

    @Test func pendingTableIsCapped() throws {
        var e = Self.engine(maxPending: 2)
        _ = Self.forward(&e, query("api.github.com", id: 1))
        _ = Self.forward(&e, query("api.github.com", id: 2))
        let d = e.handleQuery(query("api.github.com", id: 3), from: testClient, now: at(1))
        guard case .reply(let bytes) = d.action else { Issue.record("not refused"); return }
        #expect(try DNSMessage.parse(bytes).header.responseCode == .servFail)
        #expect(d.record?.reason == .pendingFull)
        // After expiry there is room again.
        _ = Self.forward(&e, query("api.github.com", id: 4), now: at(10))
    }

    @Test func oversizedReplyIsTruncatedForUDPClients() throws {
        var e = Self.engine()
        let up = Self.forward(&e, query("api.github.com"))
        let many = (0..<60).map { aRecord("api.github.com", "140.82.\($0).1") }
        guard case .reply(let r) = e.handleUpstreamReply(upstreamReply(to: up, answers: many), now: at(0)) else { Issue.record("unexpected decision"); return }
        let reply = try DNSMessage.parse(r.bytes)
        #expect(r.bytes.count <= 512)
        #expect(reply.header.truncated && reply.answers.isEmpty)
        #expect(r.insertions.count == 60)
    }
}

import StockadeProfile
import Testing
@testable import StockadeCore
@testable import StockadeNet
import StockadeAddress

/// The egress runtime's tables stay bounded whatever the workload resolves,
/// and the bounds never turn a refusal into an allowed connection.
@Suite struct EgressLedgerTests {
    static let policy = RelayPolicy(allowlist: try! DomainAllowlist(parsing: ["*.example.com"]), allowPrivate: [])
    static let small = EgressLedger.Limits(bindings: 256, namedAddresses: 128, setElements: 128, suggestedNames: 64)

    /// A public address for number `i` (1.x.y.z).
    static func address(_ i: Int) -> IPAddress {
        .v4(IPv4Address(1, UInt8((i >> 16) & 0xff), UInt8((i >> 8) & 0xff), UInt8(i & 0xff)))
    }

    static func name(_ i: Int) -> DNSName { try! DNSName(text: "n\(i).example.com") }

    static func insertion(_ i: Int, ttl: UInt32 = 3600) -> DNSSetInsertion {
        DNSSetInsertion(address: address(i), ports: [443], timeoutSeconds: ttl, name: name(i))
    }

    static func decide(_ ledger: EgressLedger, _ i: Int, now: Double) -> RelayDecision {
        policy.decide(destination: address(i), port: 443, claim: .named("n\(i).example.com"),
                      bindings: ledger.bindings, hostAddresses: [], now: now)
    }

    static func check(_ ledger: EgressLedger) {
        let s = ledger.sizes
        #expect(s.bindings <= small.bindings)
        #expect(s.namedAddresses <= small.namedAddresses)
        #expect(s.setElements <= small.setElements)
        #expect(s.suggestedNames <= small.suggestedNames)
    }

    @Test func manyLongLivedNamesStayBoundedAndFailClosed() {
        var ledger = EgressLedger(limits: Self.small)
        var now = 1000.0
        var admitted: [Int] = []
        var refused: [Int] = []
        for i in 0..<20_000 {
            now += 0.001
            if let pending = ledger.prepare([Self.insertion(i)], now: now) {
                ledger.confirm(pending, now: now)
                admitted.append(i)
            } else {
                refused.append(i)
            }
            if i % 997 == 0 { Self.check(ledger) }
        }
        Self.check(ledger)
        // The TTLs (an hour) outlive the run: the table filled, then every
        // further answer was refused rather than bound.
        #expect(admitted.count == Self.small.bindings)
        #expect(ledger.refusedAnswers == refused.count)
        for i in admitted.prefix(50) + admitted.suffix(50) {
            #expect(Self.decide(ledger, i, now: now) == .allow(name: "n\(i).example.com"))
        }
        for i in refused.prefix(50) + refused.suffix(50) {
            #expect(Self.decide(ledger, i, now: now) == .deny(.notResolved, name: "n\(i).example.com"), "\(i)")
        }
        // A name already bound is refreshed although the table is full.
        #expect(ledger.prepare([Self.insertion(admitted[0])], now: now) != nil)
        #expect(ledger.sizes.bindings <= Self.small.bindings)
        // Another name's claim on an admitted address is still refused.
        let other = Self.policy.decide(destination: Self.address(admitted[0]), port: 443, claim: .named("n1.example.com"),
                                       bindings: ledger.bindings, hostAddresses: [], now: now)
        #expect(other == .deny(.notResolved, name: "n1.example.com"))
    }

    @Test func expiredEntriesMakeRoom() {
        var ledger = EgressLedger(limits: Self.small)
        var now = 1000.0
        for i in 0..<20_000 {
            now += 0.1  // 2,000 s: short TTLs expire many times over
            guard let pending = ledger.prepare([Self.insertion(i, ttl: 5)], now: now) else {
                Issue.record("answer \(i) refused although older bindings expired")
                return
            }
            ledger.confirm(pending, now: now)
            #expect(Self.decide(ledger, i, now: now) == .allow(name: "n\(i).example.com"))
            if i % 997 == 0 { Self.check(ledger) }
        }
        Self.check(ledger)
        // Long expired: refused, whether or not its entry was pruned yet.
        #expect(Self.decide(ledger, 10, now: now) == .deny(.notResolved, name: "n10.example.com"))
    }

    @Test func namesOfAddressesAndSetExpiriesAreCapped() {
        var ledger = EgressLedger(limits: .init(bindings: 1 << 20, namedAddresses: 128, setElements: 128, suggestedNames: 64))
        var now = 1000.0
        for i in 0..<10_000 {
            now += 0.001  // later answers expire later: the oldest go first
            ledger.confirm(ledger.prepare([Self.insertion(i)], now: now)!, now: now)
            #expect(ledger.sizes.namedAddresses <= 128 && ledger.sizes.setElements <= 128)
        }
        // The newest address is named; a dropped name costs only detail.
        #expect(ledger.name(of: Self.address(9_999), now: now) == Self.name(9_999))
        // A cached expiry skips the kernel round trip; an evicted one does not.
        #expect(ledger.prepare([Self.insertion(9_999)], now: now)?.elements.isEmpty == true)
        #expect(ledger.prepare([Self.insertion(0)], now: now)?.elements.count == 1)
    }

    @Test func auditSuggestionIsCappedAndSaysSoOnce() {
        var ledger = EgressLedger(limits: Self.small)
        var truncations = 0
        for i in 0..<5_000 {
            var r = DNSQueryRecord(name: try! DNSName(text: "x\(i).other.org"), queryType: .a,
                                   client: DNSClient(transport: .udp, address: Self.address(1), port: 5353),
                                   decision: .allow, reason: .notAllowlisted, wouldDeny: true)
            r.observed = [Self.address(100_000 + i)]
            if ledger.noteQuery(r, now: 1000) { truncations += 1 }
            let report = RelayReport(destination: Self.address(100_000 + i), port: 8443, reason: .notResolved, name: nil, enforced: false)
            if ledger.noteRefusal(report, now: 1000).truncated { truncations += 1 }
        }
        Self.check(ledger)
        #expect(truncations == 1)
        #expect(ledger.suggestion.truncated)
        let rules = ledger.suggestion.rules
        #expect(rules.contains("x0.other.org:8443") && !rules.contains("x0.other.org"))
        #expect(!rules.contains { $0.hasPrefix("x4999.") })
    }

    @Test func enforcedRefusalsAreNotSuggested() {
        var ledger = EgressLedger(limits: Self.small)
        let r = RelayReport(destination: Self.address(7), port: 22, reason: .localAddress, name: "a.example.com", enforced: true)
        #expect(ledger.noteRefusal(r, now: 1).name == "a.example.com")
        #expect(ledger.suggestion.rules.isEmpty)
    }
}

import Testing
@testable import StockadeCore
@testable import StockadeNet
import StockadeAddress

/// The set elements the ledger asks the kernel for. The kernel keeps the
/// last timeout given to an element, even a shorter one, both within one
/// batch and when a live element is added again: an element must carry
/// the longest life any live name on it still needs.
@Suite struct EgressLedgerSetElementTests {
    static let cdn = IPAddress.v4(IPv4Address(2, 2, 2, 2))

    static func insertion(_ name: String, _ address: IPAddress = cdn, ttl: UInt32) -> DNSSetInsertion {
        DNSSetInsertion(address: address, ports: [443], timeoutSeconds: ttl, name: try! DNSName(text: name))
    }

    /// One wake-up answers b.example (300 s) then a.example (120 s) with
    /// one CDN address: one element, with the longer timeout, and both
    /// names bound.
    @Test func twoNamesOnOneAddressGiveOneElementWithTheLongerTimeout() throws {
        var ledger = EgressLedger()
        let now = 1000.0
        let pendingPrepared = ledger.prepare([Self.insertion("b.example", ttl: 300),
                                                   Self.insertion("a.example", ttl: 120)], now: now)
        let pending = try #require(pendingPrepared)
        #expect(pending.elements == [NftSetElement(address: Self.cdn, port: 443, timeoutMilliseconds: 300_000)])
        #expect(pending.refreshed.count == 1)
        #expect(pending.refreshed.first?.1 == now + 300)
        #expect(ledger.bindings.isBound(try DNSName(text: "a.example"), to: Self.cdn, now: now + 100))
        #expect(ledger.bindings.isBound(try DNSName(text: "b.example"), to: Self.cdn, now: now + 250))
    }

    /// The remembered expiry of a.example's element is evicted (the cap;
    /// the workload chooses the TTLs); a later short answer for b.example on
    /// the same address must not cut the element's life below a.example's.
    @Test func aShortAnswerAfterEvictionKeepsTheLongerLife() throws {
        var ledger = EgressLedger(limits: EgressLedger.Limits(setElements: 4))
        let firstPrepared = ledger.prepare([Self.insertion("a.example", ttl: 300)], now: 0)
        let first = try #require(firstPrepared)
        ledger.confirm(first, now: 0)
        for i in 1...4 {
            let other = IPAddress.v4(IPv4Address(3, 3, 3, UInt8(i)))
            let pPrepared = ledger.prepare([Self.insertion("n\(i).example", other, ttl: 3600)], now: 0)
            let p = try #require(pPrepared)
            ledger.confirm(p, now: 0)
        }
        #expect(ledger.sizes.setElements < 5)  // a.example's expiry went first
        let laterPrepared = ledger.prepare([Self.insertion("b.example", ttl: 60)], now: 10)
        let later = try #require(laterPrepared)
        #expect(later.elements == [NftSetElement(address: Self.cdn, port: 443, timeoutMilliseconds: 290_000)])
    }

    /// The other way round: a longer answer for a second name extends the
    /// element past the first name's life.
    @Test func aLongerAnswerForAnotherNameExtendsTheElement() throws {
        var ledger = EgressLedger()
        let firstPrepared = ledger.prepare([Self.insertion("a.example", ttl: 60)], now: 0)
        let first = try #require(firstPrepared)
        ledger.confirm(first, now: 0)
        let laterPrepared = ledger.prepare([Self.insertion("b.example", ttl: 300)], now: 10)
        let later = try #require(laterPrepared)
        #expect(later.elements == [NftSetElement(address: Self.cdn, port: 443, timeoutMilliseconds: 300_000)])
        // And an element already known to last long enough is not re-added.
        ledger.confirm(later, now: 10)
        let againPrepared = ledger.prepare([Self.insertion("a.example", ttl: 60)], now: 20)
        let again = try #require(againPrepared)
        #expect(again.elements.isEmpty)
    }
}

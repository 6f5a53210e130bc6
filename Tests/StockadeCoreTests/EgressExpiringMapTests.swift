import Testing
@testable import StockadeCore

/// The bounded cache behind the egress ledger: expiry, the cap, and the
/// cost of staying under it when the workload chooses the TTLs.
@Suite struct EgressExpiringMapTests {
    @Test func expiredEntriesAreNeverReturned() {
        var m = ExpiringMap<Int, String>(capacity: 8)
        m.set(1, "a", expires: 10, now: 0)
        #expect(m.value(1, now: 10) == "a")
        #expect(m.expiry(1, now: 5) == 10)
        #expect(m.value(1, now: 10.5) == nil)
        #expect(m.expiry(1, now: 10.5) == nil)
    }

    @Test func theCapHoldsAndTheSoonestToExpireGo() {
        var m = ExpiringMap<Int, Int>(capacity: 100)
        for i in 0..<100 { m.set(i, i, expires: 1000 + Double(i), now: 0) }
        m.set(100, 100, expires: 5000, now: 0)
        #expect(m.count <= 100)
        #expect(m.value(0, now: 0) == nil)  // expired soonest: evicted
        #expect(m.value(99, now: 0) == 99)
        #expect(m.value(100, now: 0) == 100)
        #expect(m.evicted > 0)
    }

    /// Answers whose TTLs make exactly one entry expire before each new
    /// one: a scan at the cap would free a single slot every time and every
    /// insertion would scan the whole table. The scan must leave room for a
    /// quarter of the capacity, so scans stay one per `capacity / 4`
    /// insertions (plus the once-a-second sweeps).
    @Test func shortTTLsAtTheCapDoNotMakeEveryInsertionScan() {
        let capacity = 400
        var m = ExpiringMap<Int, Int>(capacity: capacity)
        let step = 0.0001
        for i in 0..<capacity { m.set(i, i, expires: Double(i) * step, now: 0) }
        let before = m.scans
        let inserts = 4000
        for k in 0..<inserts {
            let now = Double(k) * step + step / 2
            let key = capacity + k
            m.set(key, key, expires: now + Double(capacity) * step, now: now)
            #expect(m.count <= capacity)
        }
        let seconds = Int(Double(inserts) * step) + 1
        #expect(m.scans - before <= inserts / (capacity / 4) + seconds + 1)
    }

    /// A second-due sweep and a full table in one call cost one scan, not
    /// two: the sweep is the cap's scan.
    @Test func oneScanWhenTheSweepIsDueAtTheCap() {
        var m = ExpiringMap<Int, Int>(capacity: 8)
        for i in 0..<8 { m.set(i, i, expires: 100, now: 0) }
        let before = m.scans
        m.set(8, 8, expires: 100, now: 2)
        #expect(m.scans - before == 1)
        #expect(m.count <= 8)
        #expect(m.value(8, now: 2) == 8)
    }
}

/// A dictionary whose entries expire, with a hard cap on its size.
///
/// The egress runtime keeps per-address bookkeeping fed by the workload's
/// DNS queries; a workload resolving millions of names must not grow the
/// supervisor. Expired entries are forgotten lazily (a lookup never returns
/// one) and in bulk at most once a second, so the cost per insertion stays
/// constant on average. At the cap, the quarter of the entries that expire
/// soonest go at once: one sort per `capacity / 4` insertions.
///
/// Only for caches whose loss is harmless: an entry that is dropped early
/// must cost a repeated round trip or a less detailed event, never an
/// allowed connection.
struct ExpiringMap<Key: Hashable, Value> {
    private struct Entry {
        var value: Value
        var expires: Double
    }

    let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var nextPrune: Double = 0
    /// Entries dropped before they expired, because of the cap.
    private(set) var evicted = 0

    init(capacity: Int) {
        self.capacity = max(4, capacity)
    }

    var count: Int { entries.count }

    /// The live value for `key`, if any.
    func value(_ key: Key, now: Double) -> Value? {
        guard let e = entries[key], e.expires >= now else { return nil }
        return e.value
    }

    /// When the live entry for `key` expires, if there is one.
    func expiry(_ key: Key, now: Double) -> Double? {
        guard let e = entries[key], e.expires >= now else { return nil }
        return e.expires
    }

    /// Stores `value` until `expires` (monotonic seconds).
    mutating func set(_ key: Key, _ value: Value, expires: Double, now: Double) {
        if now >= nextPrune { prune(now: now) }
        if entries[key] == nil, entries.count >= capacity {
            prune(now: now)
            if entries.count >= capacity { evictSoonest() }
        }
        entries[key] = Entry(value: value, expires: expires)
    }

    /// Forgets expired entries.
    mutating func prune(now: Double) {
        nextPrune = now + 1
        entries = entries.filter { $0.value.expires >= now }
    }

    private mutating func evictSoonest() {
        let drop = max(1, capacity / 4)
        let soonest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(drop)
        for (key, _) in soonest { entries[key] = nil }
        evicted += soonest.count
    }
}

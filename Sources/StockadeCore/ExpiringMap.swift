/// A dictionary whose entries expire, with a hard cap on its size.
///
/// The egress runtime keeps per-address bookkeeping fed by the workload's
/// DNS queries; a workload resolving millions of names must not grow the
/// supervisor. Expired entries are forgotten lazily (a lookup never returns
/// one) and in bulk when a second has passed or the cap is reached. A scan
/// at the cap always leaves room for `capacity / 4` new keys: what expiry
/// did not free, evicting the entries that expire soonest does. So there is
/// at most one scan (and sort) per `capacity / 4` insertions, whatever TTLs
/// the workload's answers carry: the cost per insertion stays constant on
/// average.
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
    /// Full scans of the entries so far (the cost the cap bounds; tests).
    private(set) var scans = 0

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
        // At most one scan per call: the once-a-second prune counts as the
        // cap's scan when both are due.
        let swept = now >= nextPrune
        if swept { prune(now: now) }
        if entries[key] == nil, entries.count >= capacity {
            if !swept { prune(now: now) }
            // Short TTLs could free a few entries per scan and make every
            // insertion scan; below this mark the next quarter are free.
            let mark = capacity - capacity / 4
            if entries.count > mark { evictSoonest(entries.count - mark) }
        }
        entries[key] = Entry(value: value, expires: expires)
    }

    /// Forgets expired entries.
    mutating func prune(now: Double) {
        nextPrune = now + 1
        scans += 1
        entries = entries.filter { $0.value.expires >= now }
    }

    private mutating func evictSoonest(_ drop: Int) {
        let soonest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(drop)
        for (key, _) in soonest { entries[key] = nil }
        evicted += soonest.count
    }
}

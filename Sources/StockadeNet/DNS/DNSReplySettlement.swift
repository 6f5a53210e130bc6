import StockadeAddress

/// Puts the set insertions of several ready replies in place with one
/// netlink round trip, and says which bytes each client gets.
///
/// The proxy reads every upstream answer waiting in one poll wake-up, then
/// settles them together: one batch of insertions instead of one per
/// answer. No reply may leave before its insertions are acknowledged; the
/// caller sends what `settle` returns only after it returns, so that
/// ordering holds for the whole batch.
enum DNSReplySettlement {
    /// What each reply became: the bytes to send, and whether its
    /// insertions failed (then `bytes` is its `failureBytes`, a SERVFAIL).
    struct Outcome: Equatable {
        var bytes: [UInt8]
        var failed: Bool
    }

    /// The outcome of each reply, in order: `bytes` when its insertions are
    /// in place (or it has none), else `failureBytes`.
    ///
    /// `apply` adds insertions and returns only once they are in place. It is
    /// called once with every reply's insertions (each (address, ports,
    /// name) once, with the longest timeout; two names sharing an address
    /// stay two insertions, and the caller must merge their set elements,
    /// as `EgressLedger.prepare` does). If that
    /// fails, each reply's insertions are tried on their own, so one bad
    /// answer costs only its own client a SERVFAIL, as it did when every
    /// answer had its own round trip.
    static func settle(_ replies: [DNSClientReply], apply: ([DNSSetInsertion]) -> Bool) -> [Outcome] {
        let needing = replies.indices.filter { !replies[$0].insertions.isEmpty }
        var out = replies.map { Outcome(bytes: $0.bytes, failed: false) }
        if needing.isEmpty || apply(merged(needing.map { replies[$0].insertions })) { return out }
        if needing.count == 1 {
            out[needing[0]] = Outcome(bytes: replies[needing[0]].failureBytes, failed: true)
            return out
        }
        for i in needing where !apply(replies[i].insertions) {
            out[i] = Outcome(bytes: replies[i].failureBytes, failed: true)
        }
        return out
    }

    /// The `dns.query` record of a reply whose insertions failed: the
    /// client got SERVFAIL and no address, so the event says so.
    static func failedRecord(_ record: DNSQueryRecord) -> DNSQueryRecord {
        var r = record
        r.decision = .deny
        r.reason = .allowSetFailed
        r.responseCode = .servFail
        r.addresses = []
        r.observed = []
        r.wouldDeny = false
        return r
    }

    /// The lists joined, each (address, ports, name) once, first-seen order,
    /// with the longest timeout any of them asked for. The name is part of
    /// the key: two allowed names answered with one address (a CDN) each
    /// need their own binding, or the relay refuses the second name.
    static func merged(_ lists: [[DNSSetInsertion]]) -> [DNSSetInsertion] {
        if lists.count == 1 { return lists[0] }
        struct Key: Hashable {
            var address: IPAddress
            var ports: [UInt16]
            var name: DNSName
        }
        var out: [DNSSetInsertion] = []
        var at: [Key: Int] = [:]
        for list in lists {
            for insertion in list {
                let key = Key(address: insertion.address, ports: insertion.ports, name: insertion.name)
                if let i = at[key] {
                    out[i].timeoutSeconds = max(out[i].timeoutSeconds, insertion.timeoutSeconds)
                } else {
                    at[key] = out.count
                    out.append(insertion)
                }
            }
        }
        return out
    }
}

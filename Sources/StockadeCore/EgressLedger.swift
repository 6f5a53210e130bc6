import StockadeNet
import StockadeProfile
import StockadeAddress

/// What the egress runtime remembers about one sandbox's DNS answers and
/// refusals, every table bounded (docs/network.md, "Resource bounds").
///
/// All of it is fed by the workload: every name it resolves adds entries.
/// The bounds keep the supervisor's memory flat whatever the workload does,
/// and each is fail-closed:
/// - `bindings` (name↔address, what the relay checks a claimed name
///   against): when full of live entries, a new answer is not bound and not
///   put in the kernel's sets; the proxy answers SERVFAIL. A name that finds
///   no room is never reachable, so nothing becomes allowed by the bound.
/// - `nameOf` (which name an address was last given for, to name the
///   destination in `net.denied`): losing an entry only makes an event
///   less detailed. It never takes part in a decision.
/// - `setExpiry` (when each set element expires, to skip re-adding what the
///   kernel already holds): losing an entry only costs a netlink round trip.
///   Re-adding a live element replaces its timeout, even with a shorter one,
///   so an element is always given the longest life its live bindings need
///   (`NameBindings.liveUntil`), not only the new answer's TTL.
/// - `suggestion` (audit mode): names past its cap are left out of
///   `suggested_allow`, which is marked `suggested_allow_truncated`.
struct EgressLedger {
    struct Limits: Sendable {
        /// Live (address, name) bindings. Far above what an honest run
        /// resolves within the longest TTL (an hour).
        var bindings = 65_536
        /// Addresses whose name is remembered for events.
        var namedAddresses = 16_384
        /// (address, port) set elements whose expiry is remembered.
        var setElements = 16_384
        /// Names in the audit suggestion.
        var suggestedNames = SuggestedAllowlist.defaultMaxNames
    }

    struct SetKey: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    /// The elements an answer needs in the kernel's sets, and the expiries
    /// to remember once they are in.
    struct Pending {
        var elements: [NftSetElement] = []
        /// Each element's expiry (its longest timeout), once per key.
        var refreshed: [(SetKey, Double)] = []
    }

    /// How long the name given for an address stays known when the answer
    /// carried no set timeout (audit-mode answers the allowlist refused).
    static let nameMemorySeconds: Double = 300

    let limits: Limits
    private(set) var bindings = NameBindings()
    private var nameOf: ExpiringMap<IPAddress, DNSName>
    /// Only the expiry matters: the map's own.
    private var setExpiry: ExpiringMap<SetKey, Void>
    private(set) var suggestion: SuggestedAllowlist
    /// Answers refused because the bindings were full of live entries.
    private(set) var refusedAnswers = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
        nameOf = ExpiringMap(capacity: limits.namedAddresses)
        setExpiry = ExpiringMap(capacity: limits.setElements)
        suggestion = SuggestedAllowlist(maxNames: limits.suggestedNames)
    }

    /// Binds the answer's addresses to its name and returns the set elements
    /// to add, before the proxy replies; nil when the bindings are full (the
    /// answer must fail: nothing was bound). `confirm` once the kernel has them.
    mutating func prepare(_ insertions: [DNSSetInsertion], now: Double) -> Pending? {
        // Only new pairs take room: a name already bound is refreshed even
        // when the table is full.
        // Pruning drops only expired bindings, which `isBound` already
        // ignores, so the count of new pairs holds across it.
        let added = insertions.reduce(0) { $0 + (bindings.isBound($1.name, to: $1.address, now: now) ? 0 : 1) }
        if bindings.count + added > limits.bindings {
            // At most once a second: a full table of live entries must not
            // turn every query into a scan.
            bindings.pruneIfDue(now: now)
        }
        guard bindings.count + added <= limits.bindings else {
            refusedAnswers += 1
            return nil
        }
        // One element per (address, port), in first-seen order: two names
        // answered with one address (a CDN) in one batch ask for it twice,
        // and the kernel keeps the LAST timeout of a repeated element, even
        // a shorter one.
        var order: [SetKey] = []
        var asked: [SetKey: UInt32] = [:]
        for i in insertions {
            let timeout = Double(i.timeoutSeconds)
            nameOf.set(i.address, i.name, expires: now + timeout + NameBindings.grace, now: now)
            bindings.record(name: i.name, address: i.address, ports: i.ports, timeoutSeconds: i.timeoutSeconds, now: now)
            for port in i.ports {
                let key = SetKey(address: i.address, port: port)
                if let t = asked[key] {
                    asked[key] = max(t, i.timeoutSeconds)
                } else {
                    asked[key] = i.timeoutSeconds
                    order.append(key)
                }
            }
        }
        var pending = Pending()
        for key in order {
            // Re-adding a live element sets its timeout, shorter or not: give
            // it what every live binding on it still needs, so a short answer
            // for one name never cuts another name's longer life (setExpiry
            // may have forgotten the element is already there).
            var milliseconds = UInt64(asked[key]!) * 1000
            if let live = bindings.liveUntil(key.address, port: key.port, now: now) {
                let left = ((live - NameBindings.grace - now) * 1000).rounded()
                if left > Double(milliseconds) { milliseconds = UInt64(left) }
            }
            let until = now + Double(milliseconds) / 1000
            if let known = setExpiry.expiry(key, now: now), known >= until - 1 { continue }
            pending.elements.append(NftSetElement(address: key.address, port: key.port, timeoutMilliseconds: milliseconds))
            pending.refreshed.append((key, until))
        }
        return pending
    }

    /// The kernel holds `pending`'s elements.
    mutating func confirm(_ pending: Pending, now: Double) {
        for (key, until) in pending.refreshed { setExpiry.set(key, (), expires: until, now: now) }
    }

    /// A `dns.query` record: remembers the names its addresses were given
    /// for, and in audit mode a name the allowlist refused.
    /// Returns true when this made the suggestion truncated.
    mutating func noteQuery(_ r: DNSQueryRecord, now: Double) -> Bool {
        let until = now + Self.nameMemorySeconds
        for a in r.addresses {
            nameOf.set(a, r.name, expires: max(until, nameOf.expiry(a, now: now) ?? now), now: now)
        }
        for a in r.observed {
            if nameOf.value(a, now: now) == nil || r.wouldDeny { nameOf.set(a, r.name, expires: until, now: now) }
        }
        guard r.decision != .deny, r.wouldDeny, r.reason == .notAllowlisted else { return false }
        let was = suggestion.truncated
        suggestion.noteRefusedName(r.name.description)
        return suggestion.truncated && !was
    }

    /// A relay refusal: the name to report (the claimed one, else the one
    /// the proxy last gave the address) and, when audit mode let the
    /// connection through, its place in the suggestion. `truncated` is true
    /// when this made the suggestion truncated.
    mutating func noteRefusal(_ r: RelayReport, now: Double) -> (name: String?, truncated: Bool) {
        let name = r.name ?? nameOf.value(r.destination, now: now)?.description
        guard !r.enforced, let name else { return (name, false) }
        let was = suggestion.truncated
        suggestion.noteConnection(name: name, port: r.port)
        return (name, suggestion.truncated && !was)
    }

    /// The name the proxy last gave `address`, for naming a dropped packet.
    func name(of address: IPAddress, now: Double) -> DNSName? {
        nameOf.value(address, now: now)
    }

    /// Sizes, for the bounds' tests.
    var sizes: (bindings: Int, namedAddresses: Int, setElements: Int, suggestedNames: Int) {
        (bindings.count, nameOf.count, setExpiry.count, suggestion.nameCount)
    }
}

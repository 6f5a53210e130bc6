import StockadeAddress

/// Which names the DNS proxy resolved to which addresses, in this sandbox, and
/// until when: the name↔address binding the relay checks a connection's claimed
/// name (TLS SNI, HTTP Host) against.
///
/// Fed from the same insertions that fill the nft sets, before the DNS answer
/// is sent, so a connection can never arrive before its binding. Names are
/// compared as DNS names (label by label, ASCII case-insensitively).
public struct NameBindings: Sendable {
    struct Binding: Sendable {
        var ports: Set<UInt16>
        var expires: Double
    }

    /// Extra life past the set element's timeout: the kernel may redirect a
    /// connection in the last moment of an element's life, and the relay
    /// judges it a little later.
    public static let grace: Double = 5

    private var table: [IPAddress: [DNSName: Binding]] = [:]
    private var nextPrune: Double = 0

    public init() {}

    /// Records that `name` resolved to `address`, opening `ports` for
    /// `timeoutSeconds` from `now` (a later answer can only extend it).
    public mutating func record(name: DNSName, address: IPAddress, ports: [UInt16], timeoutSeconds: UInt32, now: Double) {
        let until = now + Double(timeoutSeconds) + Self.grace
        var names = table[address] ?? [:]
        if names[name] == nil { count += 1 }
        var binding = names[name] ?? Binding(ports: [], expires: until)
        binding.ports.formUnion(ports)
        binding.expires = max(binding.expires, until)
        names[name] = binding
        table[address] = names
        pruneIfDue(now: now)
    }

    /// Whether `name` was resolved to `address` and the binding is still alive.
    public func isBound(_ name: DNSName, to address: IPAddress, now: Double) -> Bool {
        guard let binding = table[address]?[name] else { return false }
        return binding.expires >= now
    }

    /// The live names bound to `address` whose rule opened `port`, sorted by
    /// their text (deterministic events).
    public func names(boundTo address: IPAddress, port: UInt16, now: Double) -> [DNSName] {
        guard let names = table[address] else { return [] }
        return names.filter { $0.value.expires >= now && $0.value.ports.contains(port) }
            .map(\.key).sorted { $0.description < $1.description }
    }

    /// When the longest-lived live binding of `address` whose rule opened
    /// `port` expires (grace included), if there is one: the life the set
    /// element for (address, port) must keep.
    public func liveUntil(_ address: IPAddress, port: UInt16, now: Double) -> Double? {
        table[address]?.values.filter { $0.expires >= now && $0.ports.contains(port) }.map(\.expires).max()
    }

    /// Any live name bound to `address`, for naming a destination in an event.
    public func anyName(boundTo address: IPAddress, now: Double) -> DNSName? {
        table[address]?.filter { $0.value.expires >= now }.map(\.key).min { $0.description < $1.description }
    }

    /// `prune`, unless one ran less than a second ago: a caller that
    /// finds the table full on every query must not scan it every time.
    public mutating func pruneIfDue(now: Double) {
        if now >= nextPrune { prune(now: now) }
    }

    /// Forgets expired bindings (at most once a second from `record`).
    public mutating func prune(now: Double) {
        nextPrune = now + 1
        var kept = 0
        for (address, names) in table {
            let live = names.filter { $0.value.expires >= now }
            table[address] = live.isEmpty ? nil : live
            kept += live.count
        }
        count = kept
    }

    /// (address, name) pairs held, expired ones not yet pruned included;
    /// kept up to date so a caller can bound the table cheaply.
    public private(set) var count = 0
}

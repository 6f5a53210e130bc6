#if canImport(Glibc)
import Glibc
#endif

/// How the supervisor's file descriptors are shared between the DNS proxy's
/// TCP clients (one descriptor each) and the relay's connections (six: two
/// sockets, two pipes), from one limit, so the two together always fit in
/// RLIMIT_NOFILE (docs/network.md, "Resource bounds").
///
/// Past the limit accept(2) fails while the listener stays readable; both
/// servers cope (the proxy closes its idlest client, the relay rests its
/// listeners), but within the budget neither ever gets there, and each
/// refuses cleanly at its own cap: the proxy by closing its idlest client,
/// the relay by resetting the new connection.
struct EgressDescriptorBudget: Equatable, Sendable {
    /// The proxy's short TCP connections upstream (truncated answers
    /// retried) at once; beyond, the client gets SERVFAIL. Without a cap
    /// they were bounded only by the proxy's pending queries (1,024).
    static let upstreamTCPRetries = 64
    /// Kept for everything else: the event sink, the loop's own descriptors,
    /// netlink sockets, the proxy's listeners and upstream sockets, the
    /// cgroup and pidfd handles (192), and the proxy's TCP retries upstream.
    static let reserved = 192 + upstreamTCPRetries
    static let perRelayConnection = 6
    /// More would only add kernel memory: issue 10 asks for 1,000 DNS TCP
    /// clients at once, and 1,024 relayed connections cover any build.
    static let maxDNSTCPClients = 2048
    static let maxRelayConnections = 1024
    /// Below these the limit is too small for the runtime to be useful;
    /// accept's EMFILE handling then takes over.
    static let minDNSTCPClients = 16
    static let minRelayConnections = 16

    let descriptorLimit: Int
    let dnsTCPClients: Int
    let relayConnections: Int

    /// A fifth of what is left after `reserved` goes to the DNS proxy, the
    /// rest to the relay, each within its bounds.
    init(descriptorLimit: Int) {
        self.descriptorLimit = descriptorLimit
        let available = max(0, descriptorLimit - Self.reserved)
        dnsTCPClients = min(Self.maxDNSTCPClients, max(Self.minDNSTCPClients, available / 5))
        relayConnections = min(Self.maxRelayConnections,
                               max(Self.minRelayConnections, (available - dnsTCPClients) / Self.perRelayConnection))
    }

    /// Descriptors both servers can hold at their caps, the reserve included.
    var descriptorsAtCaps: Int {
        Self.reserved + dnsTCPClients + relayConnections * Self.perRelayConnection
    }

    /// The budget for this process: RLIMIT_NOFILE's soft limit, raised to
    /// the hard one first (the sandbox was already cloned with its own
    /// limits, so this widens only the supervisor's table).
    static func current() -> EgressDescriptorBudget {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return EgressDescriptorBudget(descriptorLimit: 1024) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return EgressDescriptorBudget(descriptorLimit: Int(min(limit.rlim_cur, 1 << 20)))
    }
}

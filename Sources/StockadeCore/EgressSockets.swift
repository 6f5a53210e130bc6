#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild

/// The sockets the sandbox's init makes inside its new network namespace for
/// the supervisor (`stk_make_net_sockets`), in this order. A socket keeps the
/// namespace it was made in, so the supervisor can configure and serve the
/// sandbox's network from its own namespace, root or not, without entering it.
enum EgressSocket: Int, CaseIterable {
    /// NETLINK_ROUTE: `lo` up, default routes through it.
    case route
    /// NETLINK_NETFILTER: the nft table, then set insertions.
    case nftables
    /// NETLINK_NETFILTER bound to the NFLOG group of the drop rule.
    case nflog
    /// The DNS proxy's listeners on ``EgressFiles/proxyAddress``.
    case dnsUDP
    case dnsTCP
    /// The relay's listeners on 127.0.0.1 and ::1.
    case relay4
    case relay6

    var spec: stk_net_socket {
        let stream = Int32(SOCK_STREAM.rawValue), datagram = Int32(SOCK_DGRAM.rawValue), raw = Int32(SOCK_RAW.rawValue)
        switch self {
        case .route: return stk_net_socket(domain: AF_NETLINK, type: raw, protocol: 0, optional: 0)
        case .nftables, .nflog: return stk_net_socket(domain: AF_NETLINK, type: raw, protocol: 12, optional: 0)
        case .dnsUDP: return stk_net_socket(domain: AF_INET, type: datagram, protocol: 0, optional: 0)
        case .dnsTCP, .relay4: return stk_net_socket(domain: AF_INET, type: stream, protocol: 0, optional: 0)
        // A kernel without IPv6 has no ::1: the sandbox is IPv4-only then.
        case .relay6: return stk_net_socket(domain: AF_INET6, type: stream, protocol: 0, optional: 1)
        }
    }

    static var specs: [stk_net_socket] { allCases.map(\.spec) }
}

internal import CMnl
import Synchronization

/// Sends ``RouteRequest``s over a `NETLINK_ROUTE` socket, one at a time, waiting for each
/// acknowledgement.
///
/// The socket decides the namespace: make it with
/// ``NetlinkSocket/open(netlinkProtocol:groups:inNamespaceAt:)`` to configure the
/// sandbox's side from the supervisor.
public final class RouteExecutor: Sendable {
    /// `NETLINK_ROUTE` (linux/netlink.h).
    public static let netlinkProtocol: Int32 = NETLINK_ROUTE

    public let socket: NetlinkSocket
    private let nextSequence = Mutex<UInt32>(1)

    public init(socket: NetlinkSocket) {
        self.socket = socket
    }

    /// Sends `request` and returns the kernel's reply messages before the acknowledgement.
    /// Throws step `kernel` with the errno and the request's text when it is refused.
    @discardableResult
    public func perform(_ request: RouteRequest) throws(NetlinkError) -> [NetlinkMessage] {
        let sequence = nextSequence.withLock { value in
            defer { value &+= 1 }
            return value
        }
        return try socket.request(try request.bytes(sequence: sequence), sequence: sequence, target: request.description)
    }

    /// The index of the interface `name` in the socket's namespace (`RTM_GETLINK`).
    public func interfaceIndex(named name: String) throws(NetlinkError) -> Int32 {
        let replies = try perform(.getLink(name: name))
        // ifinfomsg: family(1) pad(1) type(2) index(4) …
        guard let reply = replies.first(where: { $0.type == RT.newLink }), reply.payload.count >= 8 else {
            throw NetlinkError(step: .parse, errno: 0, target: "link show \(name): no link in reply")
        }
        return Int32(bitPattern: NetlinkBytes.u32(reply.payload, 4))
    }

    /// Brings the interface `name` up.
    public func setLinkUp(_ name: String) throws(NetlinkError) {
        try perform(.setLinkUp(name: name))
    }

    /// Adds the default route (IPv4 or IPv6) through the interface `name`.
    public func addDefaultRoute(ipv6: Bool, device name: String) throws(NetlinkError) {
        let index = try interfaceIndex(named: name)
        try perform(.addDefaultRouteToDevice(ipv6: ipv6, interfaceIndex: index))
    }
}

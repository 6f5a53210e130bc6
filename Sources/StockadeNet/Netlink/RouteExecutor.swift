import Synchronization

/// Sends ``RouteRequest``s over a `NETLINK_ROUTE` socket, one at a time, waiting for each
/// acknowledgement.
///
/// The socket decides the namespace: make it with
/// ``NetlinkSocket/open(netlinkProtocol:groups:inNamespaceAt:)`` to configure the
/// sandbox's side from the supervisor.
public final class RouteExecutor: Sendable {
    /// `NETLINK_ROUTE` (0).
    public static let netlinkProtocol: Int32 = 0

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

    /// Creates the veth pair `host`/`peer`, the peer placed in `peerNamespace`.
    public func createVethPair(host: String, peer: String, peerNamespace: LinkNamespace?) throws(NetlinkError) {
        try perform(.createVethPair(host: host, peer: peer, peerNamespace: peerNamespace))
    }

    /// Adds an IPv4 address to the interface named `interface`.
    public func addIPv4Address(_ address: UInt32, prefixLength: UInt8, interface: String) throws(NetlinkError) {
        let index = try interfaceIndex(named: interface)
        try perform(.addIPv4Address(interfaceIndex: index, address: address, prefixLength: prefixLength))
    }

    /// Brings the interface `name` up.
    public func setLinkUp(_ name: String) throws(NetlinkError) {
        try perform(.setLinkUp(name: name))
    }

    /// Adds the IPv4 default route via `gateway`.
    public func addDefaultRoute(via gateway: UInt32) throws(NetlinkError) {
        try perform(.addDefaultRoute(gateway: gateway))
    }

    /// Deletes the interface `name` (a veth goes with its peer).
    public func deleteLink(_ name: String) throws(NetlinkError) {
        try perform(.deleteLink(name: name))
    }
}

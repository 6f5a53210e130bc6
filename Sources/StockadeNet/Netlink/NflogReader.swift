/// Receives the packets the firewall logs to one NFLOG group.
///
/// Binding a group makes this socket its only listener in the socket's namespace; the
/// binding ends when the socket closes.
public final class NflogReader: Sendable {
    public let socket: NetlinkSocket
    public let group: UInt16

    /// How many bytes of each packet the kernel copies: enough for IPv6 + TCP headers.
    public static let copyRange: UInt32 = 128

    /// Binds `socket` (a `NETLINK_NETFILTER` socket in the host namespace of the
    /// firewall) to NFLOG `group` in packet-copy mode.
    public init(socket: NetlinkSocket, group: UInt16) throws(NetlinkError) {
        self.socket = socket
        self.group = group
        _ = try socket.request(Self.bindRequest(group: group, sequence: 1), sequence: 1, target: "nflog bind group \(group)")
    }

    /// The `NFULNL_MSG_CONFIG` message: `NFULA_CFG_CMD` bind, then `NFULA_CFG_MODE`
    /// copy-packet with ``copyRange``. Bytes are built by hand because they are few and
    /// fixed; the layout is `struct nfgenmsg` + attributes (nfnetlink_log.h).
    public static func bindRequest(group: UInt16, sequence: UInt32) -> [UInt8] {
        var payload: [UInt8] = [0 /* AF_UNSPEC */, 0 /* NFNETLINK_V0 */, UInt8(group >> 8), UInt8(group & 0xFF)]
        payload += attribute(type: 1 /* NFULA_CFG_CMD */, value: [1 /* NFULNL_CFG_CMD_BIND */])
        let range = copyRange
        payload += attribute(type: 2 /* NFULA_CFG_MODE */,
                             value: [UInt8(range >> 24), UInt8(range >> 16 & 0xFF), UInt8(range >> 8 & 0xFF), UInt8(range & 0xFF),
                                     2 /* NFULNL_COPY_PACKET */, 0])
        // Deliver each record at once (no batching, no flush timer): the
        // supervisor may be about to end the sandbox and read its last drops.
        payload += attribute(type: 4 /* NFULA_CFG_TIMEOUT */, value: [0, 0, 0, 0])
        payload += attribute(type: 5 /* NFULA_CFG_QTHRESH */, value: [0, 0, 0, 1])
        var message: [UInt8] = []
        appendLE(&message, UInt32(16 + payload.count))
        appendLE(&message, UInt16(0x0401))  // NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG
        appendLE(&message, UInt16(0x1 | 0x4))  // NLM_F_REQUEST | NLM_F_ACK
        appendLE(&message, sequence)
        appendLE(&message, UInt32(0))
        return message + payload
    }

    /// Waits up to the socket's receive timeout for the next datagram and returns the
    /// packets in it; an empty array when the timeout passed. `ENOBUFS` (the kernel
    /// dropped log records because the reader was slow) is thrown as step `receive`.
    public func next() throws(NetlinkError) -> [DroppedPacket] {
        do {
            guard let datagram = try socket.receive(wait: true, target: "nflog group \(group)") else { return [] }
            return NflogParser.packets(in: datagram)
        } catch where error.errno == 11 /* EAGAIN: receive timeout */ {
            return []
        }
    }

    private static func attribute(type: UInt16, value: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        appendLE(&bytes, UInt16(4 + value.count))
        appendLE(&bytes, type)
        bytes += value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    private static func appendLE<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

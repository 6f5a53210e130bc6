/// One netlink message inside a received datagram.
public struct NetlinkMessage: Equatable, Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    /// The bytes after the 16-byte header.
    public var payload: [UInt8]

    /// `NLMSG_ERROR`: also the acknowledgement, with error 0.
    public static let errorType: UInt16 = 2
    /// `NLMSG_DONE`.
    public static let doneType: UInt16 = 3

    /// For an `NLMSG_ERROR` message, the positive errno (0 for an acknowledgement).
    public var ackErrno: Int32? {
        guard type == Self.errorType, payload.count >= 4 else { return nil }
        return -Int32(bitPattern: NetlinkBytes.u32(payload, 0))
    }

    /// Splits a datagram into messages; stops at the first malformed header.
    public static func split(_ datagram: [UInt8]) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while datagram.count - offset >= 16 {
            let length = Int(NetlinkBytes.u32(datagram, offset))
            guard length >= 16, offset + length <= datagram.count else { break }
            messages.append(NetlinkMessage(
                type: NetlinkBytes.u16(datagram, offset + 4),
                flags: NetlinkBytes.u16(datagram, offset + 6),
                sequence: NetlinkBytes.u32(datagram, offset + 8),
                portID: NetlinkBytes.u32(datagram, offset + 12),
                payload: Array(datagram[(offset + 16)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
        return messages
    }
}

/// A netlink attribute (`struct nlattr`).
public struct NetlinkAttribute: Equatable, Sendable {
    /// The type with the nested and byte-order flag bits cleared.
    public var type: UInt16
    public var value: [UInt8]

    /// Attributes packed from `offset` to the end of `bytes`; stops at the first malformed one.
    public static func parse(_ bytes: [UInt8], from offset: Int = 0) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var cursor = offset
        while bytes.count - cursor >= 4 {
            let length = Int(NetlinkBytes.u16(bytes, cursor))
            guard length >= 4, cursor + length <= bytes.count else { break }
            attributes.append(NetlinkAttribute(type: NetlinkBytes.u16(bytes, cursor + 2) & 0x3FFF,
                                               value: Array(bytes[(cursor + 4)..<(cursor + length)])))
            cursor += (length + 3) & ~3
        }
        return attributes
    }
}

/// Host-order and network-order reads from byte arrays, bounds checked by the caller.
enum NetlinkBytes {
    static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8  // netlink headers are host order; x86_64 and arm64 are little endian
    }
    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(u16(bytes, offset)) | UInt32(u16(bytes, offset + 2)) << 16
    }
    static func be16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }
    static func be32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(be16(bytes, offset)) << 16 | UInt32(be16(bytes, offset + 2))
    }
}

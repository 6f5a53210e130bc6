import StockadeAddress

/// A packet the firewall logged to NFLOG before dropping it: what a `net.denied`
/// event reports.
public struct DroppedPacket: Hashable, Sendable {
    /// The rule's log prefix: `stk:<id>:<chain>` (see ``SandboxFirewall/logPrefix(chain:)``).
    public var prefix: String
    /// The netfilter hook (1 input, 2 forward), when the kernel reported it.
    public var hook: UInt8?
    /// Index of the interface the packet came in on.
    public var inInterfaceIndex: UInt32?
    public var source: IPAddress
    public var destination: IPAddress
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    public var ipProtocol: UInt8
    /// TCP/UDP ports; nil for other protocols and for non-first fragments.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(prefix: String, hook: UInt8?, inInterfaceIndex: UInt32?, source: IPAddress, destination: IPAddress,
                ipProtocol: UInt8, sourcePort: UInt16?, destinationPort: UInt16?) {
        self.prefix = prefix
        self.hook = hook
        self.inInterfaceIndex = inInterfaceIndex
        self.source = source
        self.destination = destination
        self.ipProtocol = ipProtocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// The sandbox id and chain encoded in ``prefix``, when it has the firewall's shape.
    public var sandboxAndChain: (id: String, chain: String)? {
        let parts = prefix.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "stk" else { return nil }
        return (String(parts[1]), String(parts[2]))
    }
}

/// Parses NFLOG (`nfnetlink_log`) messages. Pure: no socket, no privileges.
public enum NflogParser {
    /// `NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET`.
    static let packetMessageType: UInt16 = 0x0400
    static let attrPacketHeader: UInt16 = 1, attrInDevice: UInt16 = 4, attrPayload: UInt16 = 9, attrPrefix: UInt16 = 10

    /// Every logged packet in a datagram received on an NFLOG socket; messages that are
    /// not packets, or whose payload is not an IP header, are skipped.
    public static func packets(in datagram: [UInt8]) -> [DroppedPacket] {
        NetlinkMessage.split(datagram).compactMap(packet(from:))
    }

    /// One `NFULNL_MSG_PACKET` message.
    public static func packet(from message: NetlinkMessage) -> DroppedPacket? {
        guard message.type == packetMessageType, message.payload.count >= 4 else { return nil }
        var prefix = "", hook: UInt8?, inDevice: UInt32?, payload: [UInt8] = []
        for attribute in NetlinkAttribute.parse(message.payload, from: 4) {  // after struct nfgenmsg
            switch attribute.type {
            case attrPacketHeader where attribute.value.count >= 3: hook = attribute.value[2]
            case attrInDevice where attribute.value.count >= 4: inDevice = NetlinkBytes.be32(attribute.value, 0)
            case attrPayload: payload = attribute.value
            case attrPrefix: prefix = String(decoding: attribute.value.prefix { $0 != 0 }, as: UTF8.self)
            default: break
            }
        }
        guard let header = IPHeader(payload) else { return nil }
        return DroppedPacket(prefix: prefix, hook: hook, inInterfaceIndex: inDevice, source: header.source,
                             destination: header.destination, ipProtocol: header.ipProtocol,
                             sourcePort: header.ports?.source, destinationPort: header.ports?.destination)
    }
}

/// The parts of an IPv4/IPv6 header (and TCP/UDP ports) a denial event needs.
struct IPHeader: Equatable {
    var source: IPAddress
    var destination: IPAddress
    var ipProtocol: UInt8
    var ports: (source: UInt16, destination: UInt16)?

    static func == (lhs: IPHeader, rhs: IPHeader) -> Bool {
        lhs.source == rhs.source && lhs.destination == rhs.destination && lhs.ipProtocol == rhs.ipProtocol
            && lhs.ports?.source == rhs.ports?.source && lhs.ports?.destination == rhs.ports?.destination
    }

    init?(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        let transportOffset: Int
        switch first >> 4 {
        case 4:
            let headerLength = Int(first & 0x0F) * 4
            guard headerLength >= 20, bytes.count >= headerLength else { return nil }
            source = .v4(IPv4Address(value: NetlinkBytes.be32(bytes, 12)))
            destination = .v4(IPv4Address(value: NetlinkBytes.be32(bytes, 16)))
            ipProtocol = bytes[9]
            // Ports are only in the first fragment.
            let fragmentOffset = NetlinkBytes.be16(bytes, 6) & 0x1FFF
            transportOffset = fragmentOffset == 0 ? headerLength : -1
        case 6:
            guard bytes.count >= 40, let from = IPv6Address(bytes: Array(bytes[8..<24])),
                  let to = IPv6Address(bytes: Array(bytes[24..<40])) else { return nil }
            source = .v6(from)
            destination = .v6(to)
            ipProtocol = bytes[6]  // extension headers are not walked: ports stay nil behind them
            transportOffset = 40
        default:
            return nil
        }
        if transportOffset >= 0, ipProtocol == 6 || ipProtocol == 17, bytes.count >= transportOffset + 4 {
            ports = (NetlinkBytes.be16(bytes, transportOffset), NetlinkBytes.be16(bytes, transportOffset + 2))
        } else {
            ports = nil
        }
    }
}

import StockadeAddress

/// An IPv4 or IPv6 address as the firewall and the NFLOG reader carry it.
///
/// Kept minimal and byte-oriented on purpose: this layer only moves addresses into
/// netlink attributes and out of packet headers.
public enum NetAddress: Hashable, Sendable, CustomStringConvertible {
    /// IPv4, host byte order (`0x0A000001` is 10.0.0.1).
    case v4(UInt32)
    /// IPv6, sixteen bytes in network order.
    case v6([UInt8])

    /// Network-order bytes (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): return IPv4Subnet.bytes(of: value)
        case .v6(let bytes): return bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let value): return IPv4Subnet.dotted(value)
        case .v6(let bytes): return Self.formatV6(bytes)
        }
    }

    /// RFC 5952 text: lowercase, longest run (≥ 2) of zero groups as `::`.
    static func formatV6(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return "<bad v6>" }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var parts: [String] = []
        var index = 0
        var text = ""
        while index < 8 {
            if index == bestStart {
                text += parts.joined(separator: ":") + "::"
                parts = []
                index += bestLength
                continue
            }
            parts.append(String(groups[index], radix: 16))
            index += 1
        }
        return text + parts.joined(separator: ":")
    }
}

/// An IPv4 network: an address and a prefix length, host byte order.
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The network address (host bits cleared).
    public let network: UInt32
    public let prefixLength: UInt8

    /// Clears the host bits of `address`; nil for a prefix longer than 32.
    public init?(address: UInt32, prefixLength: UInt8) {
        guard prefixLength <= 32 else { return nil }
        self.prefixLength = prefixLength
        self.network = address & Self.mask(prefixLength)
    }

    /// Parses `a.b.c.d/n`; nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.parse(String(parts[0])),
              let length = UInt8(parts[1]) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// The netmask for a prefix length, host order.
    public static func mask(_ prefixLength: UInt8) -> UInt32 {
        prefixLength == 0 ? 0 : UInt32.max << (32 - UInt32(prefixLength))
    }

    public var mask: UInt32 { Self.mask(prefixLength) }
    /// Number of addresses in the network.
    public var size: UInt64 { UInt64(1) << (32 - UInt64(prefixLength)) }

    /// The `index`-th address of the network (0 is the network address itself).
    public func address(_ index: UInt32) -> UInt32 { network &+ index }

    public func contains(_ address: UInt32) -> Bool { address & mask == network }

    public var description: String { "\(Self.dotted(network))/\(prefixLength)" }

    public static func < (lhs: IPv4Subnet, rhs: IPv4Subnet) -> Bool {
        (lhs.network, lhs.prefixLength) < (rhs.network, rhs.prefixLength)
    }

    /// Parses a dotted quad into a host-order value.
    public static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    /// Dotted-quad text of a host-order value.
    public static func dotted(_ value: UInt32) -> String { IPv4Address(value: value).description }

    /// Network-order bytes of a host-order value.
    public static func bytes(of value: UInt32) -> [UInt8] { IPv4Address(value: value).byteArray }
}

/// Why a CIDR string was rejected.
public enum CIDRParseError: Error, Equatable, Sendable {
    case badAddress(String)
    case badPrefixLength(String)
    /// Bits set below the prefix (`10.0.0.1/8`): almost always a typo, so refused.
    case hostBitsSet(String)
}

/// A network prefix (`10.0.0.0/8`, `fd00::/8`).
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/length`; a bare address is a host prefix (/32 or /128).
    public init(_ text: String) throws(CIDRParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { throw .badAddress(text) }
        let maxLength = address.byteArray.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= maxLength, !parts[1].hasPrefix("+") else {
                throw .badPrefixLength(text)
            }
            length = n
        }
        guard Self.masked(address.byteArray, length) == address.byteArray else { throw .hostBitsSet(text) }
        network = address
        prefixLength = length
    }

    /// The prefix of `address` with the host bits cleared; nil for a length
    /// beyond the family's width. For addresses that are not typed by a person
    /// (the firewall's own ranges), where a host part is not a typo.
    public init?(clearingHostBitsOf address: IPAddress, prefixLength: Int) {
        let width = address.byteArray.count * 8
        guard prefixLength >= 0, prefixLength <= width else { return nil }
        let bytes = Self.masked(address.byteArray, prefixLength)
        network = bytes.count == 4
            ? .v4(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3])) : .v6(IPv6Address(bytes: bytes)!)
        self.prefixLength = prefixLength
    }

    /// The netmask, network order (4 or 16 bytes): what an nftables bitwise
    /// expression ANDs a header field with.
    public var maskBytes: [UInt8] { Self.masked([UInt8](repeating: 0xFF, count: network.byteArray.count), prefixLength) }

    /// Whether `address` lies inside; an IPv4-mapped IPv6 address is tested as its IPv4 form.
    public func contains(_ address: IPAddress) -> Bool {
        var candidate = address
        if case .v6(let v6) = address, case .v4 = network, let mapped = v6.mappedIPv4 { candidate = .v4(mapped) }
        let bytes = candidate.byteArray
        guard bytes.count == network.byteArray.count else { return false }
        return Self.masked(bytes, prefixLength) == network.byteArray
    }

    public var description: String { "\(network)/\(prefixLength)" }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<out.count {
            let bitsHere = max(0, min(8, length - i * 8))
            let mask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            out[i] &= mask
        }
        return out
    }
}

// inet_pton(3) and inet_ntop(3) are the only C this module calls: one parser
// and one formatter for both families.
import Glibc

/// An IPv4 address, stored in network byte order as four bytes.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    /// From a big-endian 32-bit value (`0x7F000001` is 127.0.0.1).
    public init(value: UInt32) {
        bytes = (UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }

    /// Parses dotted-quad text with `inet_pton(3)`; nil if it is not exactly that.
    public init?(_ text: String) {
        var raw = in_addr()
        guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
        self.init(value: UInt32(bigEndian: raw.s_addr))
    }

    /// The address as a big-endian 32-bit value.
    public var value: UInt32 {
        UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }

    public var byteArray: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }

    public static func == (l: IPv4Address, r: IPv4Address) -> Bool { l.value == r.value }
    public func hash(into h: inout Hasher) { h.combine(value) }
}

/// An IPv6 address, sixteen bytes in network order.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    /// From exactly sixteen bytes; nil otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses text with `inet_pton(3)` (`::1`, `fe80::1`, `::ffff:127.0.0.1`).
    public init?(_ text: String) {
        var raw = in6_addr()
        guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &raw) { Array($0) }
    }

    /// `::ffff:a.b.c.d` → the IPv4 address it stands for.
    public var mappedIPv4: IPv4Address? {
        guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPv4Address(bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// RFC 5952 text via `inet_ntop(3)`.
    public var description: String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { dst in
            for i in 0..<16 { dst[i] = bytes[i] }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Either family.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family's text form.
    public init?(_ text: String) {
        if let v4 = IPv4Address(text) { self = .v4(v4) } else if let v6 = IPv6Address(text) { self = .v6(v6) } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    /// The address bytes, network order.
    public var byteArray: [UInt8] {
        switch self {
        case .v4(let a): a.byteArray
        case .v6(let a): a.bytes
        }
    }
}

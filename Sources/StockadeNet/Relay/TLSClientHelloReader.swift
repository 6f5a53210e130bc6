/// Reads a TLS ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) from the
/// first bytes of a connection and says which server name it claims.
///
/// The hello may be fragmented over several handshake records (RFC 8446
/// §5.1 allows it, and a post-quantum key share makes it likely) and may
/// arrive a byte at a time, so every length is checked against what has
/// arrived: a short read is `.needMore`, a length that can never be
/// satisfied within `FirstFlight.maximumBytes` is `.malformed`. Nothing is
/// trusted: every field is bounds-checked before it is read.
enum TLSClientHelloReader {
    static let recordHeaderLength = 5
    static let handshakeRecord: UInt8 = 22
    static let clientHelloType: UInt8 = 1
    static let serverNameExtension: UInt16 = 0
    /// `encrypted_client_hello` (draft-ietf-tls-esni, IANA 0xfe0d).
    static let encryptedClientHelloExtension: UInt16 = 0xFE0D
    /// RFC 8446 §5.1: a record fragment is at most 2^14 bytes.
    static let maximumFragment = 1 << 14

    static func read(_ bytes: [UInt8], maximumBytes: Int) -> FirstFlightVerdict {
        guard !bytes.isEmpty else { return .needMore }
        // An SSLv2-compatible hello starts with a byte with the high bit set
        // (2-byte header); it cannot carry SNI and no current client sends it.
        guard bytes[0] == handshakeRecord else { return .refused(.malformed) }

        // Walk the records, collecting the handshake bytes, until the
        // ClientHello's declared length is covered.
        var handshake: [UInt8] = []
        var offset = 0
        var declared: Int? = nil
        while true {
            let available = bytes.count - offset
            if available >= 1, bytes[offset] != handshakeRecord { return .refused(.malformed) }
            if available >= 2, bytes[offset + 1] != 3 { return .refused(.malformed) }
            if available >= 3, bytes[offset + 2] < 1 || bytes[offset + 2] > 4 { return .refused(.malformed) }
            guard available >= recordHeaderLength else { return needMoreOrTooLong(bytes.count, maximumBytes) }
            let fragmentLength = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            // Zero-length handshake fragments are forbidden (RFC 8446 §5.1).
            guard fragmentLength >= 1, fragmentLength <= maximumFragment else { return .refused(.malformed) }
            guard offset + recordHeaderLength + fragmentLength <= maximumBytes else { return .refused(.malformed) }
            let fragmentStart = offset + recordHeaderLength
            let fragmentEnd = min(bytes.count, fragmentStart + fragmentLength)
            handshake.append(contentsOf: bytes[fragmentStart..<fragmentEnd])

            if declared == nil, handshake.count >= 4 {
                guard handshake[0] == clientHelloType else { return .refused(.malformed) }
                let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                // Each further record costs a 5-byte header: a hello that
                // cannot fit in the buffer with its headers is refused now.
                let records = (4 + length + maximumFragment - 1) / maximumFragment
                guard 4 + length + records * recordHeaderLength <= maximumBytes else { return .refused(.malformed) }
                declared = 4 + length
            }
            if let total = declared, handshake.count >= total {
                // Only the ClientHello belongs in the client's first
                // handshake flight: bytes after it in the same record are
                // a second message smuggled beside it.
                guard handshake.count == total, fragmentEnd == fragmentStart + fragmentLength else {
                    return .refused(.malformed)
                }
                return parseClientHello(handshake, from: 4, to: total)
            }
            guard fragmentEnd == fragmentStart + fragmentLength else { return needMoreOrTooLong(bytes.count, maximumBytes) }
            offset = fragmentEnd
        }
    }

    private static func needMoreOrTooLong(_ count: Int, _ maximumBytes: Int) -> FirstFlightVerdict {
        count >= maximumBytes ? .refused(.malformed) : .needMore
    }

    /// The ClientHello body, `h[start..<end]`, complete.
    static func parseClientHello(_ h: [UInt8], from start: Int, to end: Int) -> FirstFlightVerdict {
        var c = ByteCursor(h, start, end)
        // legacy_version: 0x0301 (TLS 1.0) to 0x0303 (1.2, and what 1.3 sends).
        guard let major = c.u8(), let minor = c.u8(), major == 3, minor >= 1, minor <= 3 else { return .refused(.malformed) }
        guard c.skip(32) else { return .refused(.malformed) }  // random
        guard let sessionIDLength = c.u8(), sessionIDLength <= 32, c.skip(Int(sessionIDLength)) else { return .refused(.malformed) }
        guard let suitesLength = c.u16(), suitesLength >= 2, suitesLength % 2 == 0, c.skip(Int(suitesLength)) else {
            return .refused(.malformed)
        }
        guard let compressionLength = c.u8(), compressionLength >= 1, c.skip(Int(compressionLength)) else {
            return .refused(.malformed)
        }
        // No extensions at all (a bare TLS 1.0-style hello): no SNI.
        if c.isAtEnd { return .refused(.noSNI) }
        guard let extensionsLength = c.u16(), Int(extensionsLength) == c.remaining else { return .refused(.malformed) }

        var sniStart = -1, sniEnd = -1
        var sawECH = false
        let verdict: FirstFlightVerdict? = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 1024) { seen in
            seen.initialize(repeating: 0)
            while !c.isAtEnd {
                guard let type = c.u16(), let length = c.u16(), c.remaining >= Int(length) else { return .refused(.malformed) }
                let word = Int(type >> 6), bit = UInt64(1) << UInt64(type & 63)
                // RFC 8446 §4.2: no extension type may appear twice.
                guard seen[word] & bit == 0 else { return .refused(.malformed) }
                seen[word] |= bit
                let dataStart = c.position
                _ = c.skip(Int(length))
                if type == serverNameExtension {
                    guard let (s, e) = hostName(h, dataStart, dataStart + Int(length)) else { return .refused(.malformed) }
                    sniStart = s
                    sniEnd = e
                } else if type == encryptedClientHelloExtension {
                    sawECH = true
                }
            }
            return nil
        }
        if let verdict { return verdict }
        guard sniStart >= 0 else { return .refused(.noSNI) }
        guard let name = FirstFlightName.normalized(h, sniStart, sniEnd) else { return .refused(.malformed) }
        return sawECH ? .encryptedHello(outerName: name) : .named(name)
    }

    /// The single host_name of a server_name extension (RFC 6066 §3):
    /// its bounds in `h`, or nil when the list is empty, inconsistent, or
    /// holds anything but exactly one host_name.
    static func hostName(_ h: [UInt8], _ start: Int, _ end: Int) -> (Int, Int)? {
        var c = ByteCursor(h, start, end)
        guard let listLength = c.u16(), Int(listLength) == c.remaining, listLength > 0 else { return nil }
        guard let nameType = c.u8(), nameType == 0, let nameLength = c.u16(), nameLength > 0 else { return nil }
        let nameStart = c.position
        guard c.skip(Int(nameLength)), c.isAtEnd else { return nil }
        return (nameStart, nameStart + Int(nameLength))
    }
}

/// A read position in `bytes[position..<end]`; every read checks the bound.
struct ByteCursor {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], _ start: Int, _ end: Int) {
        self.bytes = bytes
        self.position = max(0, start)
        self.end = min(end, bytes.count)
    }

    var remaining: Int { max(0, end - position) }
    var isAtEnd: Bool { position >= end }

    mutating func u8() -> UInt8? {
        guard position < end else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, remaining >= n else { return false }
        position += n
        return true
    }
}

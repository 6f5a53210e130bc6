/// The one check every name claimed by a first flight passes before it is
/// returned: the relay compares what comes out of here with allow rules and
/// with the names the DNS proxy resolved, so it must be a plain host name.
enum FirstFlightName {
    /// `bytes[start..<end]` as a lowercased host name without its trailing
    /// dot, or nil when it is not one.
    ///
    /// A host name here is 1–253 bytes (after dropping one trailing dot) of
    /// labels of 1–63 bytes made of ASCII letters, digits, `-` and `_`, no
    /// label starting or ending with `-`, and a last label that is not all
    /// digits (that would be an IPv4 literal, which RFC 6066 §3 forbids in
    /// SNI and which is an address, not a name). `_` is accepted because
    /// allow rules accept it (`_service` labels, DomainRule): a name that a
    /// rule can allow must be a name a client can claim. Anything else (NUL,
    /// non-ASCII, `*`, spaces, empty labels) is refused.
    static func normalized(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String? {
        guard start >= 0, end <= bytes.count, start < end else { return nil }
        var stop = end
        if bytes[stop - 1] == UInt8(ascii: ".") { stop -= 1 }
        let length = stop - start
        guard length >= 1, length <= 253 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(length)
        var labelStart = start
        var i = start
        var lastLabelAllDigits = true
        while i <= stop {
            if i == stop || bytes[i] == UInt8(ascii: ".") {
                let labelLength = i - labelStart
                guard labelLength >= 1, labelLength <= 63 else { return nil }
                guard bytes[labelStart] != UInt8(ascii: "-"), bytes[i - 1] != UInt8(ascii: "-") else { return nil }
                if i < stop { out.append(UInt8(ascii: ".")) }
                labelStart = i + 1
                i += 1
                continue
            }
            let b = bytes[i]
            guard isNameByte(b) else { return nil }
            if labelStart == i { lastLabelAllDigits = true }
            if b < 0x30 || b > 0x39 { lastLabelAllDigits = false }
            out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            i += 1
        }
        guard !lastLabelAllDigits else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` is a name `normalized` could have returned (tests use it
    /// to check that no input yields anything else).
    static func isNormalized(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let again = normalized(bytes, 0, bytes.count) else { return false }
        return again == text && bytes.last != UInt8(ascii: ".")
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}

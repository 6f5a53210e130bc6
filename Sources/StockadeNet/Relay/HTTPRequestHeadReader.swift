/// Reads an HTTP/1.x request head (RFC 9112 §2–§5) from the first bytes of
/// a connection and says which host it claims.
///
/// Strict on purpose: the relay admits a connection by what the head
/// claims, and the server behind it may read the same bytes differently
/// (request smuggling lives in that gap). So whatever two parsers could
/// disagree about is refused as `.malformed`: obsolete line folding, bare LF
/// or CR, NUL and other control bytes, whitespace before a header's colon,
/// more than one `Host:`, no `Host:`, or a request target whose authority
/// names another host than `Host:`.
///
/// The host may carry a `:port`, which is dropped (the relay already knows
/// the destination port). An IP literal (`[::1]`, `10.0.0.1`) is refused as
/// malformed: an address is not a name, and only names are allowed.
enum HTTPRequestHeadReader {
    static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), sp = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    static func read(_ bytes: [UInt8], maximumBytes: Int) -> FirstFlightVerdict {
        // Find the end of the head, refusing forbidden bytes on the way so a
        // non-HTTP stream (a ClientHello on port 80) is refused at once.
        var lineStart = 0
        var lines: [(Int, Int)] = []  // [start, end) of each line, without CRLF
        var i = 0
        var headEnd = -1
        var methodDone = false
        while i < bytes.count {
            if i >= maximumBytes { return .refused(.malformed) }
            let b = bytes[i]
            if b == cr {
                guard i + 1 < bytes.count else { break }
                guard bytes[i + 1] == lf else { return .refused(.malformed) }
                if i == lineStart {
                    // An empty line: the end of the head (or a leading empty line).
                    guard !lines.isEmpty else { return .refused(.malformed) }
                    headEnd = i + 2
                    break
                }
                lines.append((lineStart, i))
                i += 2
                lineStart = i
                continue
            }
            // Bare LF, NUL and other controls (HTAB aside) never belong in a head.
            guard b == tab || (b >= 0x20 && b != 0x7F) else { return .refused(.malformed) }
            if !methodDone {
                // The request line starts with a method token and one space.
                if b == sp, i > 0 { methodDone = true } else if !isTokenByte(b) { return .refused(.malformed) }
            }
            i += 1
        }
        guard headEnd >= 0 else { return bytes.count >= maximumBytes ? .refused(.malformed) : .needMore }
        guard headEnd <= maximumBytes, let requestLine = lines.first else { return .refused(.malformed) }

        guard let target = parseRequestLine(bytes, requestLine.0, requestLine.1) else { return .refused(.malformed) }
        var host: String? = nil
        for (start, end) in lines.dropFirst() {
            // A line starting with whitespace is obs-fold (RFC 9112 §5.2).
            guard bytes[start] != sp, bytes[start] != tab else { return .refused(.malformed) }
            var colon = start
            while colon < end, bytes[colon] != UInt8(ascii: ":") {
                guard isTokenByte(bytes[colon]) else { return .refused(.malformed) }
                colon += 1
            }
            guard colon < end, colon > start else { return .refused(.malformed) }
            guard isHost(bytes, start, colon) else { continue }
            guard host == nil else { return .refused(.malformed) }
            var vs = colon + 1, ve = end
            while vs < ve, bytes[vs] == sp || bytes[vs] == tab { vs += 1 }
            while ve > vs, bytes[ve - 1] == sp || bytes[ve - 1] == tab { ve -= 1 }
            guard let name = authorityName(bytes, vs, ve) else { return .refused(.malformed) }
            host = name
        }
        guard let host else { return .refused(.malformed) }
        if let (s, e) = target {
            guard let named = authorityName(bytes, s, e), named == host else { return .refused(.malformed) }
        }
        return .named(host)
    }

    /// `METHOD SP request-target SP HTTP/1.x`: nil when malformed, else the
    /// bounds of the authority the target names (nil for origin-form `/…`
    /// and asterisk-form `*`).
    static func parseRequestLine(_ b: [UInt8], _ start: Int, _ end: Int) -> (Int, Int)?? {
        var firstSpace = start
        while firstSpace < end, b[firstSpace] != sp {
            guard isTokenByte(b[firstSpace]) else { return nil }
            firstSpace += 1
        }
        guard firstSpace > start, firstSpace < end else { return nil }
        let version = Array("HTTP/1.".utf8)
        let versionLength = version.count + 1
        let targetStart = firstSpace + 1
        let targetEnd = end - versionLength - 1
        guard targetEnd > targetStart, b[targetEnd] == sp else { return nil }
        for k in 0..<version.count where b[targetEnd + 1 + k] != version[k] { return nil }
        let minor = b[end - 1]
        guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1") else { return nil }
        for k in targetStart..<targetEnd where b[k] <= 0x20 || b[k] >= 0x7F { return nil }

        let first = b[targetStart]
        if first == UInt8(ascii: "/") { return .some(nil) }
        if first == UInt8(ascii: "*") { return targetEnd - targetStart == 1 ? .some(nil) : nil }
        // absolute-form: http:// or https:// (case-insensitive), then the authority.
        for scheme in ["http://", "https://"] {
            let s = Array(scheme.utf8)
            guard targetEnd - targetStart > s.count else { continue }
            var same = true
            for k in 0..<s.count where b[targetStart + k] | 0x20 != s[k] | 0x20 { same = false }
            if same {
                let authorityStart = targetStart + s.count
                var authorityEnd = authorityStart
                while authorityEnd < targetEnd, b[authorityEnd] != UInt8(ascii: "/"), b[authorityEnd] != UInt8(ascii: "?"),
                      b[authorityEnd] != UInt8(ascii: "#") { authorityEnd += 1 }
                return .some((authorityStart, authorityEnd))
            }
        }
        // authority-form (CONNECT host:port): the whole target is the authority.
        return .some((targetStart, targetEnd))
    }

    /// The name in `host[:port]`, normalized; nil for IP literals, userinfo,
    /// bad ports or anything that is not a host name.
    static func authorityName(_ b: [UInt8], _ start: Int, _ end: Int) -> String? {
        guard start < end else { return nil }
        var hostEnd = end
        var k = start
        while k < end, b[k] != UInt8(ascii: ":") { k += 1 }
        if k < end {
            let portStart = k + 1
            guard portStart < end, end - portStart <= 5 else { return nil }
            var port = 0
            for d in b[portStart..<end] {
                guard d >= 0x30, d <= 0x39 else { return nil }
                port = port * 10 + Int(d - 0x30)
            }
            guard port >= 1, port <= 65535 else { return nil }
            hostEnd = k
        }
        return FirstFlightName.normalized(b, start, hostEnd)
    }

    static func isHost(_ b: [UInt8], _ start: Int, _ end: Int) -> Bool {
        guard end - start == 4 else { return false }
        return b[start] | 0x20 == UInt8(ascii: "h") && b[start + 1] | 0x20 == UInt8(ascii: "o")
            && b[start + 2] | 0x20 == UInt8(ascii: "s") && b[start + 3] | 0x20 == UInt8(ascii: "t")
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ c: UInt8) -> Bool {
        if (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) { return true }
        switch c {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

@testable import StockadeNet

/// Builds ClientHellos field by field, so tests can break one field at a time.
struct HelloBuilder {
    var legacyVersion: [UInt8] = [3, 3]
    var sessionID: [UInt8] = Array(repeating: 0xAB, count: 32)
    var cipherSuites: [UInt8] = [0x13, 0x01, 0x13, 0x02]
    var compression: [UInt8] = [0]
    var extensions: [(UInt16, [UInt8])] = []
    var omitExtensionsBlock = false

    init(sni: String? = nil) {
        if let sni { extensions.append((0, Self.serverName([(0, Array(sni.utf8))]))) }
        // supported_versions: TLS 1.3, 1.2.
        extensions.append((43, [4, 3, 4, 3, 3]))
    }

    static func serverName(_ entries: [(UInt8, [UInt8])]) -> [UInt8] {
        var list: [UInt8] = []
        for (type, name) in entries { list += [type] + u16(name.count) + name }
        return u16(list.count) + list
    }

    static func u16(_ n: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] }
    static func u24(_ n: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: n >> 16)] + u16(n) }

    /// The handshake message (type, 24-bit length, body).
    var handshake: [UInt8] {
        var body = legacyVersion + Array(repeating: 0x5A, count: 32)
        body += [UInt8(sessionID.count)] + sessionID
        body += Self.u16(cipherSuites.count) + cipherSuites
        body += [UInt8(compression.count)] + compression
        if !omitExtensionsBlock {
            var ext: [UInt8] = []
            for (type, data) in extensions { ext += Self.u16(Int(type)) + Self.u16(data.count) + data }
            body += Self.u16(ext.count) + ext
        }
        return [1] + Self.u24(body.count) + body
    }

    /// In one record.
    var bytes: [UInt8] { Self.records(handshake, fragment: 1 << 14) }

    /// `handshake` cut into records of at most `fragment` bytes.
    static func records(_ handshake: [UInt8], fragment: Int, version: [UInt8] = [3, 1]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < handshake.count {
            let piece = handshake[i..<min(handshake.count, i + fragment)]
            out += [22] + version + u16(piece.count) + piece
            i += fragment
        }
        return out
    }
}

/// The handshake bytes inside a one-record real ClientHello.
func handshakeOf(_ record: [UInt8]) -> [UInt8] { Array(record[5...]) }

func http(_ text: String) -> [UInt8] { Array(text.utf8) }

func inspectTLS(_ bytes: [UInt8]) -> FirstFlightVerdict { FirstFlight.inspect(bytes, expecting: .tls) }
func inspectHTTP(_ bytes: [UInt8]) -> FirstFlightVerdict { FirstFlight.inspect(bytes, expecting: .http) }

/// Every strict prefix is `.needMore`, the whole gives `expected`, and so
/// does the whole followed by more bytes (early data, a request body).
func checkPrefixes(_ bytes: [UInt8], _ proto: FirstFlightProtocol, _ expected: FirstFlightVerdict) -> String? {
    for n in 0..<bytes.count {
        let v = FirstFlight.inspect(Array(bytes[..<n]), expecting: proto)
        if v != .needMore { return "prefix of \(n)/\(bytes.count) bytes gave \(v)" }
    }
    let whole = FirstFlight.inspect(bytes, expecting: proto)
    if whole != expected { return "whole gave \(whole), expected \(expected)" }
    let more = FirstFlight.inspect(bytes + [0x17, 3, 3, 0, 1, 0xFF], expecting: proto)
    if more != expected { return "with trailing bytes gave \(more)" }
    return nil
}

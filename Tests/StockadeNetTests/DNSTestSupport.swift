import StockadeAddress
@testable import StockadeNet

/// Bytes from hex text; spaces and newlines ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.filter { !$0.properties.isWhitespace }.map { Character($0) }
    var out: [UInt8] = []
    var i = 0
    while i + 1 < digits.count {
        out.append(UInt8(String(digits[i...i + 1]), radix: 16)!)
        i += 2
    }
    return out
}

func name(_ text: String) -> DNSName { try! DNSName(text: text) }

enum Packets {
    /// `dig www.example.com` (A, RD+AD, EDNS 1232 with a cookie option).
    static let queryA = hex("""
        1234 0120 0001 0000 0000 0001
        03 777777 07 6578616d706c65 03 636f6d 00 0001 0001
        00 0029 04d0 00000000 000c 000a 0008 0102030405060708
        """)

    /// Reply for www.github.com A: CNAME to github.com (compressed into the question),
    /// then github.com A 140.82.121.3.
    static let cnameChain = hex("""
        abcd 8180 0001 0002 0000 0000
        03 777777 06 676974687562 03 636f6d 00 0001 0001
        c00c 0005 0001 00000e10 0002 c010
        c010 0001 0001 0000003c 0004 8c527903
        """)

    /// Reply for example.com AAAA 2606:2800:220:1:248:1893:25c8:1946 with an OPT.
    static let aaaa = hex("""
        0042 8180 0001 0001 0000 0001
        07 6578616d706c65 03 636f6d 00 001c 0001
        c00c 001c 0001 00005460 0010 26062800022000010248189325c81946
        00 0029 04d0 00000000 0000
        """)

    /// NXDOMAIN with an SOA in authority, names compressed inside the rdata.
    static let nxdomainSOA = hex("""
        0007 8183 0001 0000 0001 0000
        04 6e6f7065 07 6578616d706c65 03 636f6d 00 0001 0001
        c011 0006 0001 00000e10 0026
        02 6e73 c011 0a 686f73746d6173746572 c011
        78a1b2c3 00001c20 00000e10 00093a80 00000e10
        """)

    static let all = [queryA, cnameChain, aaaa, nxdomainSOA]
}

/// A query built with the serializer.
func query(_ qname: String, _ type: DNSRecordType = .a, id: UInt16 = 0x1111, edns: Bool = false) -> [UInt8] {
    var m = DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: name(qname), type: type)])
    if edns { m.additionals = [.opt(payloadSize: 1232)] }
    return try! m.serialize()
}

/// An upstream answer to the forwarded `forwarded` query.
func upstreamReply(
    to forwarded: [UInt8], answers: [DNSResourceRecord], rcode: DNSResponseCode = .noError, truncated: Bool = false
) -> [UInt8] {
    let q = try! DNSMessage.parse(forwarded)
    var r = DNSMessage(header: DNSHeader(
        id: q.header.id, isResponse: true, truncated: truncated, recursionAvailable: true, responseCode: rcode))
    r.questions = q.questions
    r.answers = answers
    return try! r.serialize()
}

func aRecord(_ owner: String, _ address: String, ttl: UInt32 = 300) -> DNSResourceRecord {
    DNSResourceRecord(name: name(owner), type: .a, ttl: ttl, data: .a(IPv4Address(address)!))
}

func aaaaRecord(_ owner: String, _ address: String, ttl: UInt32 = 300) -> DNSResourceRecord {
    DNSResourceRecord(name: name(owner), type: .aaaa, ttl: ttl, data: .aaaa(IPv6Address(address)!))
}

func cnameRecord(_ owner: String, _ target: String, ttl: UInt32 = 300) -> DNSResourceRecord {
    DNSResourceRecord(name: name(owner), type: .cname, ttl: ttl, data: .cname(name(target)))
}

let testClient = DNSClient(transport: .udp, address: IPAddress("10.0.0.2")!, port: 40000)

func at(_ seconds: Double) -> DNSInstant { DNSInstant(nanoseconds: UInt64(seconds * 1e9)) }


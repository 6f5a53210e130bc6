import StockadeAddress

/// The fixed 12-byte header, flags unpacked.
public struct DNSHeader: Equatable, Sendable {
    public var id: UInt16
    /// QR: this is a response.
    public var isResponse: Bool
    public var opcode: UInt8
    public var authoritative: Bool
    /// TC: the answer did not fit; ask again over TCP.
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// The Z bit; must be zero, kept so a parse/serialize round trip is exact.
    public var zero: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    public var responseCode: DNSResponseCode

    public init(
        id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, authoritative: Bool = false,
        truncated: Bool = false, recursionDesired: Bool = true, recursionAvailable: Bool = false,
        zero: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false,
        responseCode: DNSResponseCode = .noError
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode & 0x0F
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.zero = zero
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
    }

    /// Flags as the 16-bit header word.
    public var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0F) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if zero { f |= 0x0040 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(responseCode.rawValue)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.init(
            id: id, isResponse: f & 0x8000 != 0, opcode: UInt8((f >> 11) & 0x0F),
            authoritative: f & 0x0400 != 0, truncated: f & 0x0200 != 0,
            recursionDesired: f & 0x0100 != 0, recursionAvailable: f & 0x0080 != 0,
            zero: f & 0x0040 != 0, authenticData: f & 0x0020 != 0,
            checkingDisabled: f & 0x0010 != 0, responseCode: DNSResponseCode(rawValue: UInt8(f & 0x0F)))
    }
}

/// One entry of the question section.
public struct DNSQuestion: Hashable, Sendable {
    /// The name exactly as asked (case kept; equality folds ASCII case).
    public var name: DNSName
    public var type: DNSRecordType
    /// QCLASS; 1 is IN.
    public var qclass: UInt16
    public init(name: DNSName, type: DNSRecordType, qclass: UInt16 = 1) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

/// The SOA fields (RFC 1035 §3.3.13), names decompressed.
public struct DNSSOA: Equatable, Sendable {
    public var mname: DNSName
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32
}

/// Record data, decoded where the proxy needs it or where compression forces it.
public enum DNSRecordData: Equatable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    case soa(DNSSOA)
    /// Any other type, bytes as received (OPT options, TXT, HTTPS, SVCB…).
    /// Obsolete compressible types also land here and are never re-serialized
    /// by the proxy, because their pointers would dangle.
    case opaque([UInt8])
}

/// A resource record.
public struct DNSResourceRecord: Equatable, Sendable {
    public var name: DNSName
    public var type: DNSRecordType
    /// CLASS; for OPT, the requester's UDP payload size.
    public var rclass: UInt16
    /// TTL in seconds; for OPT, extended rcode, version and flags.
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSRecordType, rclass: UInt16 = 1, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.rclass = rclass
        self.ttl = ttl
        self.data = data
    }

    /// An EDNS(0) OPT pseudo-record (RFC 6891) with no options.
    public static func opt(payloadSize: UInt16, extendedRcode: UInt8 = 0, dnssecOK: Bool = false) -> DNSResourceRecord {
        let ttl = UInt32(extendedRcode) << 24 | (dnssecOK ? 0x8000 : 0)
        return DNSResourceRecord(name: .root, type: .opt, rclass: payloadSize, ttl: ttl, data: .opaque([]))
    }
}

/// A whole DNS message.
public struct DNSMessage: Equatable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// The EDNS OPT record, if the sender included one.
    public var opt: DNSResourceRecord? { additionals.first { $0.type == .opt } }

    /// Largest UDP reply the sender accepts: its EDNS payload size (at least
    /// 512), or 512 without EDNS (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
    public var maxUDPPayload: Int {
        guard let opt else { return 512 }
        return max(512, Int(opt.rclass))
    }
}

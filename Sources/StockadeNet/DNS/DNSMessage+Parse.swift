import StockadeAddress

extension DNSMessage {
    /// Smallest possible resource record: root name (1) + type, class, ttl, rdlength (10).
    static let minRecordSize = 11
    /// Smallest possible question: root name (1) + type, class (4).
    static let minQuestionSize = 5

    /// Parses a complete message from untrusted bytes.
    ///
    /// Total: for any input it returns or throws, in time linear in the
    /// input. Counts are checked against the bytes left before any loop,
    /// compression pointers must point strictly backwards (so no loops and
    /// no forward references), names and labels obey the RFC 1035 limits,
    /// and every read is bounds-checked. Trailing bytes are an error.
    public static func parse(_ bytes: [UInt8]) throws(DNSParseError) -> DNSMessage {
        var reader = DNSReader(bytes: bytes)
        let id = try reader.u16("header.id")
        let flags = try reader.u16("header.flags")
        let qd = Int(try reader.u16("header.qdcount"))
        let an = Int(try reader.u16("header.ancount"))
        let ns = Int(try reader.u16("header.nscount"))
        let ar = Int(try reader.u16("header.arcount"))
        let needed = qd * minQuestionSize + (an + ns + ar) * minRecordSize
        guard needed <= reader.remaining else {
            throw .countsExceedMessage(count: qd + an + ns + ar, remaining: reader.remaining)
        }
        var message = DNSMessage(header: DNSHeader(id: id, flags: flags))
        for _ in 0..<qd {
            let name = try reader.name()
            let type = try reader.u16("question.type")
            let qclass = try reader.u16("question.class")
            message.questions.append(DNSQuestion(name: name, type: DNSRecordType(type), qclass: qclass))
        }
        for _ in 0..<an { message.answers.append(try reader.record()) }
        for _ in 0..<ns { message.authorities.append(try reader.record()) }
        for _ in 0..<ar { message.additionals.append(try reader.record()) }
        guard reader.remaining == 0 else { throw .trailingBytes(offset: reader.offset) }
        return message
    }

    /// Reads only the ID and flags, for messages too damaged to parse whole.
    public static func peekHeader(_ bytes: [UInt8]) -> DNSHeader? {
        guard bytes.count >= 12 else { return nil }
        return DNSHeader(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }
}

/// A bounds-checked cursor over a message.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ field: String) throws(DNSParseError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(field: field, offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ field: String) throws(DNSParseError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(field: field, offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ field: String) throws(DNSParseError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated(field: field, offset: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func take(_ count: Int, _ field: String) throws(DNSParseError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(field: field, offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a possibly compressed name at the cursor.
    ///
    /// Each pointer must target an offset strictly before the start of the
    /// segment it ends (the name's start, then the previous pointer's
    /// target), so targets strictly decrease: no loops, no forward
    /// references. The jump count is bounded too, as a second fence.
    mutating func name() throws(DNSParseError) -> DNSName {
        var labels: [[UInt8]] = []
        var position = offset
        var segmentStart = offset
        var wireLength = 1
        var jumped = false
        var jumps = 0
        while true {
            guard position < bytes.count else { throw .truncated(field: "name", offset: position) }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { offset = position + 1 }
                    return DNSName(uncheckedLabels: labels)
                }
                let count = Int(length)
                guard position + 1 + count <= bytes.count else { throw .truncated(field: "label", offset: position) }
                wireLength += 1 + count
                guard wireLength <= DNSName.maxWireLength else { throw .nameTooLong(offset: position) }
                labels.append(Array(bytes[position + 1..<position + 1 + count]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated(field: "pointer", offset: position) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < segmentStart else { throw .badPointer(offset: position, target: target) }
                jumps += 1
                // A 255-byte name has at most 127 labels; more jumps than that cannot be legal.
                guard jumps <= 127 else { throw .pointerLoop(offset: position) }
                if !jumped { offset = position + 2 }
                jumped = true
                position = target
                segmentStart = target
            default:
                // 0x40 (extended label, RFC 6891 retired it) and 0x80 are reserved.
                throw .reservedLabelType(offset: position)
            }
        }
    }

    mutating func record() throws(DNSParseError) -> DNSResourceRecord {
        let name = try name()
        let type = DNSRecordType(try u16("record.type"))
        let rclass = try u16("record.class")
        let ttl = try u32("record.ttl")
        let length = Int(try u16("record.rdlength"))
        let start = offset
        guard remaining >= length else { throw .truncated(field: "record.rdata", offset: offset) }
        let end = start + length
        let data: DNSRecordData
        switch type.rawValue {
        case DNSRecordType.a.rawValue:
            guard length == 4 else { throw .badRData(type: type.rawValue, offset: start) }
            data = .a(IPv4Address(bytes[start], bytes[start + 1], bytes[start + 2], bytes[start + 3]))
            offset = end
        case DNSRecordType.aaaa.rawValue:
            guard length == 16, let v6 = IPv6Address(bytes: Array(bytes[start..<end])) else {
                throw .badRData(type: type.rawValue, offset: start)
            }
            data = .aaaa(v6)
            offset = end
        case DNSRecordType.cname.rawValue, DNSRecordType.ns.rawValue, DNSRecordType.ptr.rawValue:
            let target = try rdataName(end: end, type: type)
            data = type == .cname ? .cname(target) : type == .ns ? .ns(target) : .ptr(target)
        case DNSRecordType.mx.rawValue:
            guard length >= 3 else { throw .badRData(type: type.rawValue, offset: start) }
            let preference = try u16("mx.preference")
            data = .mx(preference: preference, exchange: try rdataName(end: end, type: type))
        case DNSRecordType.soa.rawValue:
            let mname = try rdataName(end: end, type: type, last: false)
            let rname = try rdataName(end: end, type: type, last: false)
            guard end - offset == 20 else { throw .badRData(type: type.rawValue, offset: start) }
            data = .soa(DNSSOA(
                mname: mname, rname: rname, serial: try u32("soa.serial"), refresh: try u32("soa.refresh"),
                retry: try u32("soa.retry"), expire: try u32("soa.expire"), minimum: try u32("soa.minimum")))
        default:
            data = .opaque(try take(length, "record.rdata"))
        }
        guard offset == end else { throw .badRData(type: type.rawValue, offset: start) }
        return DNSResourceRecord(name: name, type: type, rclass: rclass, ttl: ttl, data: data)
    }

    /// A name inside rdata: it must not run past the record's end, and if
    /// it is the last field, it must end exactly there.
    private mutating func rdataName(end: Int, type: DNSRecordType, last: Bool = true) throws(DNSParseError) -> DNSName {
        let start = offset
        let name = try name()
        guard offset <= end, !last || offset == end else { throw .badRData(type: type.rawValue, offset: start) }
        return name
    }
}

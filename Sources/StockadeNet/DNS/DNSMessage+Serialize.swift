import StockadeAddress

extension DNSMessage {
    /// Wire bytes for this message.
    ///
    /// Names are compressed against earlier names with exactly the same
    /// bytes (case-sensitive), so every name, the question's above all,
    /// comes out exactly as it went in. Throws `.tooLarge` above 65535 bytes
    /// or 65535 records in a section.
    public func serialize() throws(DNSParseError) -> [UInt8] {
        for count in [questions.count, answers.count, authorities.count, additionals.count] where count > 0xFFFF {
            throw .tooLarge(size: count)
        }
        var writer = DNSWriter()
        writer.bytes.reserveCapacity(512)
        writer.u16(header.id)
        writer.u16(header.flags)
        writer.u16(UInt16(questions.count))
        writer.u16(UInt16(answers.count))
        writer.u16(UInt16(authorities.count))
        writer.u16(UInt16(additionals.count))
        for q in questions {
            writer.name(q.name)
            writer.u16(q.type.rawValue)
            writer.u16(q.qclass)
        }
        for r in answers { writer.record(r) }
        for r in authorities { writer.record(r) }
        for r in additionals { writer.record(r) }
        guard writer.bytes.count <= 0xFFFF else { throw .tooLarge(size: writer.bytes.count) }
        return writer.bytes
    }
}

/// Appends wire data, remembering where name suffixes were written.
struct DNSWriter {
    var bytes: [UInt8] = []
    /// Suffixes already written and where, first occurrence only. Searched
    /// linearly while short: a message holds a handful of names, and
    /// comparing their labels costs far less than hashing them byte by byte.
    private var written: [(labels: ArraySlice<[UInt8]>, offset: Int)] = []
    /// Past `linearLimit` suffixes a table takes over, so a message of
    /// thousands of names (an upstream's, say) stays linear in time.
    private var table: [[[UInt8]]: Int]?
    private static let linearLimit = 32

    private func offset(of suffix: ArraySlice<[UInt8]>) -> Int? {
        if let table { return table[Array(suffix)] }
        for w in written where w.labels.count == suffix.count && w.labels.elementsEqual(suffix) { return w.offset }
        return nil
    }

    /// `known`: the suffix is already listed (only when not compressing).
    private mutating func remember(_ suffix: ArraySlice<[UInt8]>, at offset: Int, known: Bool) {
        if table != nil {
            table![Array(suffix)] = offset
            return
        }
        if known, let i = written.firstIndex(where: { $0.labels.count == suffix.count && $0.labels.elementsEqual(suffix) }) {
            written[i].offset = offset
            return
        }
        written.append((suffix, offset))
        if written.count > Self.linearLimit {
            var t: [[[UInt8]]: Int] = [:]
            for w in written { t[Array(w.labels)] = w.offset }
            table = t
            written = []
        }
    }

    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xFF))
    }

    mutating func u32(_ v: UInt32) {
        u16(UInt16(v >> 16))
        u16(UInt16(v & 0xFFFF))
    }

    mutating func name(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for i in 0..<labels.count {
            let suffix = labels[i...]
            let known = offset(of: suffix)
            if compress, let target = known {
                u16(0xC000 | UInt16(target))
                return
            }
            // Pointers hold 14 bits; later suffixes simply are not offered.
            if bytes.count < 0x3FFF { remember(suffix, at: bytes.count, known: known != nil) }
            bytes.append(UInt8(labels[i].count))
            bytes.append(contentsOf: labels[i])
        }
        bytes.append(0)
    }

    mutating func record(_ r: DNSResourceRecord) {
        name(r.name)
        u16(r.type.rawValue)
        u16(r.rclass)
        u32(r.ttl)
        let lengthAt = bytes.count
        u16(0)
        switch r.data {
        case .a(let v4): bytes.append(contentsOf: v4.byteArray)
        case .aaaa(let v6): bytes.append(contentsOf: v6.bytes)
        case .cname(let n), .ns(let n), .ptr(let n): name(n)
        case .mx(let preference, let exchange):
            u16(preference)
            name(exchange)
        case .soa(let soa):
            name(soa.mname)
            name(soa.rname)
            for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { u32(v) }
        case .opaque(let raw): bytes.append(contentsOf: raw)
        }
        let length = bytes.count - lengthAt - 2
        // An rdata over 65535 bytes makes the whole message too large; serialize() reports it.
        let clamped = UInt16(truncatingIfNeeded: min(length, 0xFFFF))
        bytes[lengthAt] = UInt8(clamped >> 8)
        bytes[lengthAt + 1] = UInt8(clamped & 0xFF)
    }
}

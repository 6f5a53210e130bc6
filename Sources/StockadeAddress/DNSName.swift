/// A domain name as DNS carries it: a sequence of labels, each raw bytes.
///
/// Names are never compared as joined text. A single label may contain a
/// `.` byte (`"a.b"` as one label is a different name from `a` then `b`), so
/// joining would let `api.github` + `com` masquerade as `api` + `github` +
/// `com`. Comparison and hashing fold ASCII letters only (RFC 4343); bytes
/// above 0x7F are compared exactly. The original bytes, case included, are
/// kept so a reply can echo the question exactly as it was asked.
public struct DNSName: Sendable, CustomStringConvertible {
    /// Longest label on the wire (RFC 1035 §2.3.4).
    public static let maxLabelLength = 63
    /// Longest name on the wire, counting length octets and the root (RFC 1035 §2.3.4).
    public static let maxWireLength = 255

    /// The labels, leftmost first, without the empty root label.
    public let labels: [[UInt8]]

    /// The root name (`.`).
    public static let root = DNSName(uncheckedLabels: [])

    /// Builds a name from raw labels, checking the wire limits.
    public init(labels: [[UInt8]]) throws(DNSNameError) {
        var wire = 1
        for label in labels {
            if label.isEmpty { throw .emptyLabel }
            if label.count > Self.maxLabelLength { throw .labelTooLong(length: label.count) }
            wire += 1 + label.count
        }
        if wire > Self.maxWireLength { throw .nameTooLong }
        self.labels = labels
    }

    /// For callers that already enforced the limits (the wire parser in StockadeNet).
    package init(uncheckedLabels: [[UInt8]]) { self.labels = uncheckedLabels }

    /// Parses dotted text of plain labels (`api.github.com`, optional trailing dot).
    ///
    /// No escapes: this is for names written in profiles and tests, where a
    /// dot always separates labels. Empty labels and over-long names throw.
    public init(text: String) throws(DNSNameError) {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        if bytes.isEmpty { self = .root; return }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map(Array.init)
        try self.init(labels: parts)
    }

    /// Length on the wire, uncompressed, including the root octet.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    /// Uncompressed wire form, original case kept.
    public var wireBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(wireLength)
        for label in labels {
            out.append(UInt8(label.count))
            out.append(contentsOf: label)
        }
        out.append(0)
        return out
    }

    /// Same labels with ASCII letters lowered; the form sets and budgets key on.
    public var lowercased: DNSName {
        DNSName(uncheckedLabels: labels.map { $0.map(asciiLower) })
    }

    /// Whether `self` ends with all of `suffix`'s labels and has at least one more.
    public func isStrictSubdomain(of suffix: DNSName) -> Bool {
        guard labels.count > suffix.labels.count else { return false }
        let offset = labels.count - suffix.labels.count
        for i in 0..<suffix.labels.count where !labelsEqual(labels[offset + i], suffix.labels[i]) {
            return false
        }
        return true
    }

    /// Presentation form for logs and events: a dot inside a label is `\.`,
    /// a backslash is `\\`, bytes outside printable ASCII are `\DDD`
    /// (RFC 1035 §5.1), so the text is unambiguous and never carries control bytes.
    public var description: String {
        if labels.isEmpty { return "." }
        var out = ""
        for (i, label) in labels.enumerated() {
            if i > 0 { out.append(".") }
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                    out.append("\\")
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                case 0x21...0x7E:
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    out.append("\\")
                    let d = Int(byte)
                    out.append(String(d / 100))
                    out.append(String(d / 10 % 10))
                    out.append(String(d % 10))
                }
            }
        }
        return out
    }
}

extension DNSName: Hashable {
    /// Case-insensitive for ASCII letters, label by label.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        for (a, b) in zip(lhs.labels, rhs.labels) where !labelsEqual(a, b) { return false }
        return true
    }

    /// The case-folded wire form, fed to the hasher in one call: one
    /// `combine` per byte cost more than the rest of a lookup.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
            var n = 0
            for label in labels {
                // Built by init(labels:) or the parser, a name fits in 255
                // bytes; anything longer is hashed by its first 256.
                guard n < buffer.count else { break }
                buffer[n] = UInt8(truncatingIfNeeded: label.count)
                n += 1
                for byte in label where n < buffer.count {
                    buffer[n] = asciiLower(byte)
                    n += 1
                }
            }
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<n])))
        }
    }
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

/// ASCII-only case folding (RFC 4343): UTF-8 bytes never fold.
func labelsEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where asciiLower(a[i]) != asciiLower(b[i]) { return false }
    return true
}

/// Why labels do not make a name (RFC 1035 §2.3.4 limits). The wire parser
/// reports the same faults with their offsets as `DNSParseError`.
public enum DNSNameError: Error, Equatable, Sendable {
    case emptyLabel
    /// A label above 63 bytes.
    case labelTooLong(length: Int)
    /// A name above 255 bytes on the wire.
    case nameTooLong
}

/// Replaces secret values wherever they occur in an event.
///
/// Secrets are the values of scrubbed environment variables and tokens the
/// caller names. Matching is on UTF-8 bytes, so it is exact (no Unicode
/// normalization) and finds every occurrence, including ones that overlap
/// or sit inside a longer word. All bytes covered by any occurrence of any
/// secret are replaced; adjacent or overlapping occurrences merge into one
/// marker, so no fragment of a secret survives between two markers.
///
/// Values shorter than `minimumLength` bytes are ignored: a secret like
/// `1` or `on` would otherwise turn every event into markers while
/// protecting nothing.
public struct Redactor: Sendable {
    /// What replaces a secret.
    public static let marker = "[REDACTED]"
    /// Shortest secret, in UTF-8 bytes, that is redacted.
    public static let minimumLength = 4

    private let secrets: [[UInt8]]

    public init(secrets: [String]) {
        var unique: [[UInt8]] = []
        for s in secrets {
            let bytes = Array(s.utf8)
            if bytes.count >= Self.minimumLength && !unique.contains(bytes) { unique.append(bytes) }
        }
        self.secrets = unique
    }

    /// Whether there is anything to redact at all.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every occurrence of every secret replaced by the marker.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        for secret in secrets where secret.count <= bytes.count {
            let first = secret[0]
            var i = 0
            while i + secret.count <= bytes.count {
                if bytes[i] == first && bytes[i..<(i + secret.count)].elementsEqual(secret) {
                    ranges.append(i..<(i + secret.count))
                }
                i += 1
            }
        }
        guard !ranges.isEmpty else { return text }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        var current = ranges[0]
        func flush(_ r: Range<Int>) {
            out.append(contentsOf: bytes[cursor..<r.lowerBound])
            out.append(contentsOf: Self.marker.utf8)
            cursor = r.upperBound
        }
        for r in ranges.dropFirst() {
            if r.lowerBound <= current.upperBound {
                current = current.lowerBound..<max(current.upperBound, r.upperBound)
            } else {
                flush(current)
                current = r
            }
        }
        flush(current)
        out.append(contentsOf: bytes[cursor...])
        // Both the text and every secret are valid UTF-8, and UTF-8 is
        // self-synchronizing, so a match always covers whole scalars.
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` with every string in it, at any depth, redacted, object keys included.
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .null, .bool, .int, .uint, .double: return value
        case let .string(s): return .string(redact(s))
        case let .array(items): return .array(items.map { redact($0) })
        case let .object(object): return .object(redact(object))
        }
    }

    /// `object` with every key and string value redacted, order kept.
    public func redact(_ object: JSONObject) -> JSONObject {
        guard !secrets.isEmpty else { return object }
        var out = JSONObject()
        for member in object.members {
            // A redacted key can collide with another; the later value wins, as with any set.
            out[redact(member.key)] = redact(member.value)
        }
        return out
    }
}

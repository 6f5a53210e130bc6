/// Compact, single-line JSON text for a `JSONValue`.
///
/// No Foundation: the supervisor keeps Foundation off its launch path, and
/// an encoder this small is easier to audit than a general one.
///
/// Guarantees, each relied on by JSON-lines readers:
/// - the output never contains a raw newline or other line break, so one
///   value is always exactly one line;
/// - members appear in insertion order, so output is deterministic;
/// - integers are written exactly; doubles use Swift's shortest round-trip
///   form and non-finite doubles become `null`;
/// - C0 controls, DEL and the C1 controls (U+0080–U+009F) are escaped as
///   `\u00XX`, and so are U+2028/U+2029: line-splitting tools (Python's
///   `splitlines`, JavaScript) treat NEL and those separators as line
///   breaks, and C1 codes can drive terminals when a log is `cat`ed.
///   Everything else non-ASCII is written as UTF-8.
public enum JSONEncoding {
    /// The value as one line of JSON, without a trailing newline.
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The object as one line of JSON, without a trailing newline.
    public static func encode(object: JSONObject) -> String {
        encode(.object(object))
    }

    /// Appends the encoding of `value` to `out` (UTF-8 bytes).
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case let .bool(b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .int(i):
            out.append(contentsOf: String(i).utf8)
        case let .uint(u):
            out.append(contentsOf: String(u).utf8)
        case let .double(d):
            writeDouble(d, into: &out)
        case let .string(s):
            writeString(s, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        // Swift's description is the shortest text that round-trips, and for
        // finite values it is already valid JSON ("1.0", "1e-05", "-0.0",
        // "1.7976931348623157e+308"): JSON allows a signed, zero-padded exponent.
        out.append(contentsOf: d.description.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22:
                out.append(contentsOf: #"\""#.utf8)
            case 0x5C:
                out.append(contentsOf: #"\\"#.utf8)
            case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                out.append(contentsOf: #"\u"#.utf8)
                out.append(hexDigits[Int((v >> 12) & 0xF)])
                out.append(hexDigits[Int((v >> 8) & 0xF)])
                out.append(hexDigits[Int((v >> 4) & 0xF)])
                out.append(hexDigits[Int(v & 0xF)])
            default:
                UTF8.encode(scalar) { out.append($0) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

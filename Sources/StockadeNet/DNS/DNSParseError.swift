/// Why a DNS message was rejected. Offsets are byte positions in the input.
///
/// The parser reads untrusted bytes from the workload and from upstream;
/// every malformed input ends in one of these, never a trap or a loop.
public enum DNSParseError: Error, Equatable, Sendable {
    /// The input ended in the middle of `field`.
    case truncated(field: String, offset: Int)
    /// A label length above 63.
    case labelTooLong(offset: Int, length: Int)
    /// A name above 255 bytes on the wire.
    case nameTooLong(offset: Int)
    /// An empty label where one is not allowed (text names).
    case emptyLabel(offset: Int)
    /// A compression pointer that does not point strictly backwards, or past the end.
    case badPointer(offset: Int, target: Int)
    /// More compression jumps than a legal name can need.
    case pointerLoop(offset: Int)
    /// A label type other than plain (0b00) or pointer (0b11) — 0x40/0x80 are reserved.
    case reservedLabelType(offset: Int)
    /// Section counts promise more records than the bytes could hold.
    case countsExceedMessage(count: Int, remaining: Int)
    /// A record's rdata does not fit its type (A not 4 bytes, a name not ending at rdlength…).
    case badRData(type: UInt16, offset: Int)
    /// Bytes left over after the last counted record.
    case trailingBytes(offset: Int)
    /// The message is too large to encode (over 65535 bytes, or a count above 65535).
    case tooLarge(size: Int)

    /// Stable snake_case code for events and counters.
    public var code: String {
        switch self {
        case .truncated: "truncated"
        case .labelTooLong: "label_too_long"
        case .nameTooLong: "name_too_long"
        case .emptyLabel: "empty_label"
        case .badPointer: "bad_pointer"
        case .pointerLoop: "pointer_loop"
        case .reservedLabelType: "reserved_label_type"
        case .countsExceedMessage: "counts_exceed_message"
        case .badRData: "bad_rdata"
        case .trailingBytes: "trailing_bytes"
        case .tooLarge: "too_large"
        }
    }
}

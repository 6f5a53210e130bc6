/// DNS over TCP framing: each message is preceded by its length as two
/// big-endian bytes (RFC 1035 §4.2.2, RFC 7766).
public enum DNSTCPFraming {
    /// Why a message could not be framed.
    public enum FramingError: Error, Equatable, Sendable {
        case messageTooLarge(size: Int)
    }

    /// The length prefix followed by `message`.
    public static func frame(_ message: [UInt8]) throws(FramingError) -> [UInt8] {
        guard message.count <= 0xFFFF else { throw .messageTooLarge(size: message.count) }
        return [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }
}

/// Reassembles length-prefixed messages from a TCP stream read in arbitrary pieces.
///
/// Holds at most one message plus its prefix (65537 bytes); a zero-length
/// frame comes out as an empty message, which the parser then rejects.
public struct DNSTCPDeframer: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Bytes received but not yet returned as a message.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds bytes just read from the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete message, or nil until more bytes arrive.
    public mutating func next() -> [UInt8]? {
        guard bufferedCount >= 2 else { return nil }
        let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
        guard bufferedCount >= 2 + length else { return nil }
        let message = Array(buffer[start + 2..<start + 2 + length])
        start += 2 + length
        // Compact once the consumed part dominates, so appends stay amortized O(1).
        if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return message
    }
}

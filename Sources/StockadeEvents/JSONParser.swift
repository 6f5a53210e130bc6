/// Why a text is not the JSON the parser accepts, and where.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Equatable, Sendable {
        case unexpectedEnd = "unexpected_end"
        case unexpectedByte = "unexpected_byte"
        case invalidUTF8 = "invalid_utf8"
        case invalidLiteral = "invalid_literal"
        case invalidNumber = "invalid_number"
        case numberOutOfRange = "number_out_of_range"
        case invalidEscape = "invalid_escape"
        case controlCharacterInString = "control_character_in_string"
        case loneSurrogate = "lone_surrogate"
        case duplicateKey = "duplicate_key"
        case tooDeep = "too_deep"
        case trailingData = "trailing_data"
    }

    public var reason: Reason
    /// Byte offset into the input where the problem was found.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}

/// A small, strict RFC 8259 parser for reading event lines back.
///
/// Strict on purpose: an audit reader must not guess. It rejects comments,
/// trailing commas, leading zeros, `NaN`, single quotes, raw control
/// characters in strings, lone surrogate escapes, invalid UTF-8, duplicate
/// object keys, numbers that overflow a double, nesting deeper than
/// `maxDepth`, and anything after the value but whitespace. It never traps:
/// every malformed input ends in a `JSONParseError`.
public struct JSONParser: Sendable {
    /// Deepest nesting of arrays and objects accepted; bounds recursion.
    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    /// Parses one complete JSON text.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        // withUTF8 only rethrows untyped errors, so carry the outcome out as a Result.
        var copy = text
        let result = copy.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parseValidated(buffer) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text given as UTF-8 bytes; invalid UTF-8 is rejected.
    public func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        if let bad = Self.firstInvalidUTF8Offset(array) {
            throw JSONParseError(.invalidUTF8, at: bad)
        }
        let result = array.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parseValidated(buffer) }
        }
        return try result.get()
    }

    /// Parses a text that must be a JSON object (an event line).
    public func parseObject(_ text: String) throws(JSONParseError) -> JSONObject {
        let value = try parse(text)
        guard case let .object(object) = value else {
            throw JSONParseError(.unexpectedByte, at: 0)
        }
        return object
    }

    private func parseValidated(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: buffer, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        if reader.position != buffer.count {
            throw JSONParseError(.trailingData, at: reader.position)
        }
        return value
    }

    /// Offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F  // excludes UTF-16 surrogates
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F  // nothing above U+10FFFF
            default: return i
            }
            guard i + length <= n else { return i }
            let b1 = bytes[i + 1]
            guard b1 >= lower && b1 <= upper else { return i }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 {
                return i
            }
            i += length
        }
        return nil
    }
}

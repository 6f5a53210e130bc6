/// The recursive-descent core of `JSONParser`, over already-valid UTF-8.
///
/// Every read checks bounds first; every path that cannot make progress
/// throws. Recursion depth is bounded by `maxDepth`.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private var atEnd: Bool { position >= bytes.count }

    private func fail(_ reason: JSONParseError.Reason) -> JSONParseError {
        JSONParseError(reason, at: position)
    }

    private func peek() throws(JSONParseError) -> UInt8 {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        return bytes[position]
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return .object(try readObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try readArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw fail(.unexpectedByte)
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw fail(.unexpectedEnd) }
        let start = word.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] {
            throw JSONParseError(.invalidLiteral, at: position + i)
        }
        position += count
    }

    private mutating func readObject(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        position += 1  // "{"
        var object = JSONObject()
        var seen = Set<String>()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return object
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw fail(.unexpectedByte) }
            let keyOffset = position
            let key = try readString()
            guard seen.insert(key).inserted else { throw JSONParseError(.duplicateKey, at: keyOffset) }
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw fail(.unexpectedByte) }
            position += 1
            skipWhitespace()
            let value = try readValue(depth: depth)
            object.appendUnchecked(key, value)
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return object
            default: throw fail(.unexpectedByte)
            }
        }
    }

    private mutating func readArray(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= maxDepth else { throw fail(.tooDeep) }
        position += 1  // "["
        var items: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try readValue(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return items
            default: throw fail(.unexpectedByte)
            }
        }
    }

    private mutating func readString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        var out: [UInt8] = []
        while true {
            let b = try peek()
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                // The input was validated as UTF-8 and escapes only add whole
                // scalars, so decoding cannot repair anything here.
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try readEscape(into: &out)
            case 0x00..<0x20:
                throw fail(.controlCharacterInString)
            default:
                out.append(b)
                position += 1
            }
        }
    }

    private mutating func readEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let c = try peek()
        position += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let start = position - 2
            let first = try readHex4()
            var scalarValue = UInt32(first)
            if (0xD800...0xDBFF).contains(first) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard bytes.count - position >= 6,
                      bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u")
                else { throw JSONParseError(.loneSurrogate, at: start) }
                position += 2
                let second = try readHex4()
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw JSONParseError(.loneSurrogate, at: start)
                }
                scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(first) {
                throw JSONParseError(.loneSurrogate, at: start)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw JSONParseError(.loneSurrogate, at: start)
            }
            UTF8.encode(scalar) { out.append($0) }
        default:
            position -= 1
            throw fail(.invalidEscape)
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw fail(.unexpectedEnd) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        // Integer part: "0" alone, or a non-zero digit followed by digits.
        guard !atEnd, isDigit(bytes[position]) else { throw fail(.invalidNumber) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if !atEnd, isDigit(bytes[position]) { throw fail(.invalidNumber) }
        } else {
            skipDigits()
        }
        if !atEnd, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard !atEnd, isDigit(bytes[position]) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        if !atEnd, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if !atEnd, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard !atEnd, isDigit(bytes[position]) else { throw fail(.invalidNumber) }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger {
            if let i = Int64(text) { return .int(i) }
            if let u = UInt64(text) { return .uint(u) }
        }
        // Integers beyond 64 bits fall through to a double, as in most readers.
        guard let d = Double(text), d.isFinite else {
            throw JSONParseError(.numberOutOfRange, at: start)
        }
        return .double(d)
    }

    private func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while !atEnd, isDigit(bytes[position]) { position += 1 }
    }
}

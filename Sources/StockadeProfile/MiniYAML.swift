/// A strict parser for the subset of YAML that profiles are written in.
///
/// Supported: one document (an optional leading `---`, an optional final
/// `...`), block mappings and sequences, flow sequences `[a, b]` and flow
/// mappings `{k: v}` (which may span lines), explicit keys (`? key`),
/// plain, single-quoted and double-quoted scalars on one line (with YAML's
/// escapes), and comments. Everything else that is valid YAML — anchors,
/// aliases, tags, block scalars (`|`, `>`), directives, several documents,
/// scalars continued on the next line — is an `unsupported` error with its
/// position, and malformed text a `syntax` error. Positions are 1-based and
/// count Unicode scalars, like libyaml's, so messages point where they did
/// when profiles were read with Yams.
///
/// The input is untrusted (any file named by `--profile`): the parser never
/// traps, bounds nesting at `maxDepth`, and does no work more than linear
/// in the input.
struct MiniYAML {
    static let maxDepth = 64

    /// The root node, or nil for a text with no content (only comments).
    static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        var parser = MiniYAML(bytes: Array(text.utf8))
        try parser.checkCharacters(text)
        return try parser.document()
    }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var column = 1

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: cursor

    private var mark: YAMLNode.Mark { YAMLNode.Mark(line: line, column: column) }
    private var atEnd: Bool { position >= bytes.count }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func advance() {
        guard position < bytes.count else { return }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && peek() != UInt8(ascii: "\n")) {
            line += 1
            column = 1
        } else if byte == UInt8(ascii: "\r") {
            // The "\n" of a "\r\n" pair ends the line.
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func isBreak(_ byte: UInt8?) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private func isBlank(_ byte: UInt8?) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Blank, line break or end of input after the current byte.
    private func blankOrEnd(at offset: Int) -> Bool {
        let byte = peek(offset)
        return byte == nil || isBlank(byte) || isBreak(byte)
    }

    private func isFlowIndicator(_ byte: UInt8?) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): return true
        default: return false
        }
    }

    private func fail(_ message: String, at where: YAMLNode.Mark? = nil, code: ProfileError.Code = .syntax) -> YAMLSyntaxError {
        let at = `where` ?? mark
        return YAMLSyntaxError(code: code, line: at.line, column: at.column, message: "invalid YAML: \(message)")
    }

    private func unsupported(_ message: String) -> YAMLSyntaxError {
        YAMLSyntaxError(code: .unsupported, line: line, column: column, message: "\(message) (not in the YAML subset profiles use)")
    }

    private mutating func skipBlanks() {
        while isBlank(peek()) { advance() }
    }

    /// Rejects characters YAML does not allow in a stream (C0/C1 controls,
    /// DEL, non-characters) and the Unicode line breaks the subset leaves out.
    private func checkCharacters(_ text: String) throws(YAMLSyntaxError) {
        var line = 1
        var column = 1
        var previousCR = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let bad: Bool
            switch value {
            case 0x09, 0x0A, 0x0D: bad = false
            case 0x00..<0x20, 0x7F, 0x80...0x9F, 0xFFFE, 0xFFFF, 0x2028, 0x2029: bad = true
            default: bad = false
            }
            if bad {
                let what = value < 0x80 || (value >= 0x80 && value <= 0x9F) ? "control character" : "character"
                let hex = String(value, radix: 16, uppercase: true)
                throw YAMLSyntaxError(code: .syntax, line: line, column: column,
                                      message: "invalid YAML: \(what) U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) is not allowed")
            }
            if value == 0x0A {
                if !previousCR { line += 1 }
                column = 1
            } else if value == 0x0D {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previousCR = value == 0x0D
        }
    }

    // MARK: document

    private mutating func document() throws(YAMLSyntaxError) -> YAMLNode? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        try skipToContent()
        if atEnd { return nil }
        if column == 1, peek() == UInt8(ascii: "%") {
            throw unsupported("directives (%YAML, %TAG) are not supported")
        }
        var root: YAMLNode?
        if atMarker("---") {
            let start = mark
            for _ in 0..<3 { advance() }
            skipBlanks()
            if atLineEnd() {
                try endLine()
                try skipToContent()
                if atEnd || atMarker("---") || atMarker("...") {
                    root = .scalar(.init(string: "", style: .plain, mark: start))
                }
            } else {
                root = try inlineNode(depth: 1)
                try endLine()
                try skipToContent()
            }
        } else if atMarker("...") {
            root = nil
        }
        if root == nil, !atEnd, !atMarker("...") {
            if atMarker("---") { throw unsupported("several documents in one file are not supported") }
            root = try blockNode(parentColumn: 0, depth: 1)
        }
        if atMarker("...") {
            for _ in 0..<3 { advance() }
            skipBlanks()
            try endLine()
            try skipToContent()
            if !atEnd { throw unsupported("several documents in one file are not supported") }
        }
        if atMarker("---") { throw unsupported("several documents in one file are not supported") }
        if !atEnd { throw fail("unexpected content (text continued on a new line is not supported; check the indentation)") }
        return root
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    private func atMarker(_ marker: StaticString) -> Bool {
        guard column == 1, position + 3 <= bytes.count else { return false }
        let text = marker.utf8Start
        for i in 0..<3 where bytes[position + i] != text[i] { return false }
        return blankOrEnd(at: 3)
    }

    /// Moves over blank lines, comment lines and indentation to the first
    /// character of the next content line (or to the end). Indentation is
    /// spaces only: a tab there is an error, as in libyaml.
    private mutating func skipToContent() throws(YAMLSyntaxError) {
        while !atEnd {
            while peek() == UInt8(ascii: " ") { advance() }
            if peek() == UInt8(ascii: "\t") {
                throw fail("found a tab character where indentation is expected; indent with spaces")
            }
            if peek() == UInt8(ascii: "#") {
                while !atEnd, !isBreak(peek()) { advance() }
            }
            if isBreak(peek()) {
                advance()
                continue
            }
            return
        }
    }

    private func atLineEnd() -> Bool {
        atEnd || isBreak(peek()) || peek() == UInt8(ascii: "#")
    }

    /// After a node on a line: blanks, then a comment (after a blank), a line break or the end.
    private mutating func endLine() throws(YAMLSyntaxError) {
        skipBlanks()
        if peek() == UInt8(ascii: "#"), position == 0 || isBlank(bytes[position - 1]) || isBreak(bytes[position - 1]) {
            while !atEnd, !isBreak(peek()) { advance() }
        }
        if atEnd { return }
        if isBreak(peek()) {
            advance()
            return
        }
        if peek() == UInt8(ascii: ":"), blankOrEnd(at: 1) {
            throw fail("mapping values are not allowed here (put nested mappings on their own lines, or use { })")
        }
        throw fail("expected the end of the line")
    }

    // MARK: block structure

    /// A node starting at the current content position, whose lines must be
    /// indented past `parentColumn`. Returns at the next content or the end.
    private mutating func blockNode(parentColumn: Int, depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        let start = mark
        if peek() == UInt8(ascii: "-"), blankOrEnd(at: 1) {
            return try blockSequence(depth: depth)
        }
        if peek() == UInt8(ascii: "?"), blankOrEnd(at: 1) {
            return try blockMapping(firstKey: nil, depth: depth)
        }
        let node = try inlineNode(depth: depth)
        skipBlanks()
        if peek() == UInt8(ascii: ":"), blankOrEnd(at: 1) {
            guard start.line == line else { throw fail("a mapping key must be on one line", at: start) }
            return try blockMapping(firstKey: node, depth: depth)
        }
        try endLine()
        try skipToContent()
        return node
    }

    private mutating func blockSequence(depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        let indent = column
        var items: [YAMLNode] = []
        while true {
            advance()  // "-"
            let afterDash = mark
            skipBlanks()
            if atLineEnd() {
                try endLine()
                try skipToContent()
                if !atEnd, !atMarker("---"), !atMarker("..."), column > indent {
                    items.append(try blockNode(parentColumn: indent, depth: depth + 1))
                } else {
                    items.append(.scalar(.init(string: "", style: .plain, mark: afterDash)))
                }
            } else {
                items.append(try blockNode(parentColumn: indent, depth: depth + 1))
            }
            if atEnd || atMarker("---") || atMarker("...") || column < indent { break }
            if column == indent {
                if peek() == UInt8(ascii: "-"), blankOrEnd(at: 1) { continue }
                break  // the parent mapping's next key
            }
            throw fail("unexpected indentation (text continued on a new line is not supported)")
        }
        return .sequence(.init(items: items, mark: start))
    }

    /// A block mapping at the current column; `firstKey` is already read
    /// (the cursor is on its `:`) unless the mapping starts with `? `.
    private mutating func blockMapping(firstKey: YAMLNode?, depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let indent = firstKey?.mark?.column ?? column
        let start = firstKey?.mark ?? mark
        var pairs: [(YAMLNode, YAMLNode)] = []
        var pendingKey = firstKey
        while true {
            var key: YAMLNode
            if let pending = pendingKey {
                key = pending
                pendingKey = nil
            } else if peek() == UInt8(ascii: "?"), blankOrEnd(at: 1) {
                advance()
                let afterMark = mark
                skipBlanks()
                if atLineEnd() {
                    try endLine()
                    try skipToContent()
                    if !atEnd, !atMarker("---"), !atMarker("..."), column > indent {
                        key = try blockNode(parentColumn: indent, depth: depth + 1)
                    } else {
                        key = .scalar(.init(string: "", style: .plain, mark: afterMark))
                    }
                } else {
                    key = try blockNode(parentColumn: indent, depth: depth + 1)
                }
                guard !atEnd, column == indent, peek() == UInt8(ascii: ":"), blankOrEnd(at: 1) else {
                    // An explicit key without a value.
                    pairs.append((key, .scalar(.init(string: "", style: .plain, mark: mark))))
                    if try nextEntry(indent: indent) { continue }
                    break
                }
            } else {
                if peek() == UInt8(ascii: "-"), blankOrEnd(at: 1) {
                    throw fail("expected a mapping key, found a list item")
                }
                let keyStart = mark
                key = try inlineNode(depth: depth + 1)
                skipBlanks()
                guard peek() == UInt8(ascii: ":"), blankOrEnd(at: 1) else {
                    throw fail("expected \":\" after the mapping key")
                }
                guard keyStart.line == line else { throw fail("a mapping key must be on one line", at: keyStart) }
            }
            advance()  // ":"
            let value = try blockValue(indent: indent, afterColon: mark, depth: depth)
            pairs.append((key, value))
            if try nextEntry(indent: indent) { continue }
            break
        }
        return .mapping(.init(pairs: pairs, mark: start))
    }

    /// Whether another entry of the block collection at `indent` follows.
    private mutating func nextEntry(indent: Int) throws(YAMLSyntaxError) -> Bool {
        if atEnd || atMarker("---") || atMarker("...") || column < indent { return false }
        if column == indent { return true }
        throw fail("unexpected indentation (text continued on a new line is not supported)")
    }

    /// The value after a block mapping's `:`: on the same line, on the
    /// following more-indented lines, a list at the key's own indentation, or empty.
    private mutating func blockValue(indent: Int, afterColon: YAMLNode.Mark, depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        skipBlanks()
        if atLineEnd() {
            try endLine()
            try skipToContent()
            if atEnd || atMarker("---") || atMarker("...") {
                return .scalar(.init(string: "", style: .plain, mark: afterColon))
            }
            if column > indent {
                return try blockNode(parentColumn: indent, depth: depth + 1)
            }
            if column == indent, peek() == UInt8(ascii: "-"), blankOrEnd(at: 1) {
                guard depth + 1 <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
                return try blockSequence(depth: depth + 1)
            }
            return .scalar(.init(string: "", style: .plain, mark: afterColon))
        }
        if peek() == UInt8(ascii: "-"), blankOrEnd(at: 1) {
            throw fail("a list cannot start on the line of its key; start it on the next line")
        }
        let value = try inlineNode(depth: depth + 1)
        try endLine()
        try skipToContent()
        return value
    }

    // MARK: nodes on one line, and flow collections

    /// A scalar or a flow collection at the cursor (block context).
    private mutating func inlineNode(depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        try flowOrScalar(inFlow: false, depth: depth)
    }

    private mutating func flowOrScalar(inFlow: Bool, depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        guard let byte = peek() else { throw fail("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "["): return try flowSequence(depth: depth)
        case UInt8(ascii: "{"): return try flowMapping(depth: depth)
        case UInt8(ascii: "\""): return try quoted(.doubleQuoted)
        case UInt8(ascii: "'"): return try quoted(.singleQuoted)
        case UInt8(ascii: "&"): throw unsupported("anchors (&name) are not supported")
        case UInt8(ascii: "*"): throw unsupported("aliases (*name) are not supported")
        case UInt8(ascii: "!"): throw unsupported("tags (!tag) are not supported")
        case UInt8(ascii: "|"), UInt8(ascii: ">"): throw unsupported("block scalars (| and >) are not supported")
        case UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            throw fail("found character \"\(Character(Unicode.Scalar(byte)))\" that cannot start a value; quote the value")
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","):
            throw fail(inFlow ? "expected a value" : "found \"\(Character(Unicode.Scalar(byte)))\" outside [ ] or { }")
        case UInt8(ascii: "#"):
            throw fail("expected a value, found a comment")
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            if blankOrEnd(at: 1) || (inFlow && isFlowIndicator(peek(1))) {
                let what = byte == UInt8(ascii: "-") ? "a list item" : byte == UInt8(ascii: "?") ? "an explicit key" : "a mapping value"
                throw fail("\(what) is not allowed here")
            }
            return plainScalar(inFlow: inFlow)
        default:
            if isBreak(byte) { throw fail("expected a value, found the end of the line") }
            return plainScalar(inFlow: inFlow)
        }
    }

    /// Up to the end of the line, a ` #` comment, a `: ` (or, in flow, a
    /// flow indicator or `:` before one); trailing blanks dropped.
    private mutating func plainScalar(inFlow: Bool) -> YAMLNode {
        let start = mark
        let begin = position
        var end = position
        while let byte = peek(), !isBreak(byte) {
            if isBlank(byte) {
                if peek(1) == UInt8(ascii: "#") { break }
                advance()
                continue
            }
            if byte == UInt8(ascii: ":"), blankOrEnd(at: 1) || (inFlow && isFlowIndicator(peek(1))) { break }
            if inFlow, isFlowIndicator(byte) { break }
            advance()
            end = position
        }
        let text = String(decoding: bytes[begin..<end], as: UTF8.self)
        return .scalar(.init(string: text, style: .plain, mark: start))
    }

    /// A quoted scalar on one line: in single quotes `''` stands for one quote;
    /// in double quotes a backslash starts an escape.
    private mutating func quoted(_ style: YAMLNode.Style) throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        let quote = UInt8(ascii: style == .singleQuoted ? "'" : "\"")
        advance()
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("unterminated quoted string", at: start) }
            if isBreak(byte) { throw unsupported("quoted strings continued on the next line are not supported") }
            if byte == quote {
                advance()
                if style == .singleQuoted, peek() == quote {
                    out.append(quote)
                    advance()
                    continue
                }
                break
            }
            if style == .doubleQuoted, byte == UInt8(ascii: "\\") {
                try escape(into: &out)
                continue
            }
            out.append(byte)
            advance()
        }
        return .scalar(.init(string: String(decoding: out, as: UTF8.self), style: style, mark: start))
    }

    /// One `\` escape of a double-quoted scalar (YAML 1.1/1.2, as libyaml reads them).
    private mutating func escape(into out: inout [UInt8]) throws(YAMLSyntaxError) {
        let at = mark
        advance()  // "\"
        guard let code = peek() else { throw fail("unterminated quoted string") }
        if isBreak(code) { throw unsupported("quoted strings continued on the next line are not supported") }
        advance()
        var scalar: UInt32
        switch code {
        case UInt8(ascii: "0"): scalar = 0
        case UInt8(ascii: "a"): scalar = 0x07
        case UInt8(ascii: "b"): scalar = 0x08
        case UInt8(ascii: "t"), 0x09: scalar = 0x09
        case UInt8(ascii: "n"): scalar = 0x0A
        case UInt8(ascii: "v"): scalar = 0x0B
        case UInt8(ascii: "f"): scalar = 0x0C
        case UInt8(ascii: "r"): scalar = 0x0D
        case UInt8(ascii: "e"): scalar = 0x1B
        case UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "'"):
            scalar = UInt32(code)
        case UInt8(ascii: "N"): scalar = 0x85
        case UInt8(ascii: "_"): scalar = 0xA0
        case UInt8(ascii: "L"): scalar = 0x2028
        case UInt8(ascii: "P"): scalar = 0x2029
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = code == UInt8(ascii: "x") ? 2 : code == UInt8(ascii: "u") ? 4 : 8
            scalar = 0
            for _ in 0..<digits {
                guard let digit = peek().flatMap(hexValue) else {
                    throw fail("expected \(digits) hexadecimal digits in the escape", at: at)
                }
                scalar = scalar << 4 | UInt32(digit)
                advance()
            }
        default:
            throw fail("unknown escape sequence \"\\\(Character(Unicode.Scalar(code)))\"", at: at)
        }
        guard let unicode = Unicode.Scalar(scalar) else {
            throw fail("escape names an invalid Unicode character", at: at)
        }
        out.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Blanks, line breaks and comments between flow tokens.
    private mutating func skipFlowSpace() {
        while let byte = peek() {
            if isBlank(byte) || isBreak(byte) {
                advance()
            } else if byte == UInt8(ascii: "#"), position == 0 || isBlank(bytes[position - 1]) || isBreak(bytes[position - 1]) {
                while !atEnd, !isBreak(peek()) { advance() }
            } else {
                return
            }
        }
    }

    private mutating func flowSequence(depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        advance()  // "["
        var items: [YAMLNode] = []
        while true {
            skipFlowSpace()
            if peek() == UInt8(ascii: "]") {
                advance()
                break
            }
            items.append(try flowOrScalar(inFlow: true, depth: depth + 1))
            skipFlowSpace()
            switch peek() {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "]"):
                advance()
                return .sequence(.init(items: items, mark: start))
            case UInt8(ascii: ":"):
                throw unsupported("key: value pairs directly inside [ ] are not supported; wrap them in { }")
            default:
                throw fail(atEnd ? "expected \",\" or \"]\", found the end of the file" : "expected \",\" or \"]\"")
            }
        }
        return .sequence(.init(items: items, mark: start))
    }

    private mutating func flowMapping(depth: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        advance()  // "{"
        var pairs: [(YAMLNode, YAMLNode)] = []
        while true {
            skipFlowSpace()
            if peek() == UInt8(ascii: "}") {
                advance()
                break
            }
            if peek() == UInt8(ascii: "?"), blankOrEnd(at: 1) {
                throw unsupported("explicit keys (?) inside { } are not supported")
            }
            let key = try flowOrScalar(inFlow: true, depth: depth + 1)
            skipFlowSpace()
            let value: YAMLNode
            if peek() == UInt8(ascii: ":") {
                advance()
                skipFlowSpace()
                if peek() == UInt8(ascii: ",") || peek() == UInt8(ascii: "}") {
                    value = .scalar(.init(string: "", style: .plain, mark: mark))
                } else {
                    value = try flowOrScalar(inFlow: true, depth: depth + 1)
                    skipFlowSpace()
                }
            } else {
                value = .scalar(.init(string: "", style: .plain, mark: mark))
            }
            pairs.append((key, value))
            switch peek() {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "}"):
                advance()
                return .mapping(.init(pairs: pairs, mark: start))
            default:
                throw fail(atEnd ? "expected \",\" or \"}\", found the end of the file" : "expected \",\" or \"}\"")
            }
        }
        return .mapping(.init(pairs: pairs, mark: start))
    }
}

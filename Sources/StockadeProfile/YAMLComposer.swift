import CYaml

/// Reads profile YAML with libyaml and composes the node tree from its
/// events (`yaml_parser_parse`).
///
/// Accepted: one document of full YAML 1.1 syntax as libyaml reads it —
/// block and flow collections, plain, quoted and block scalars (`|`, `>`,
/// with chomping and indentation indicators), multi-line scalars, comments.
/// Refused with their position: anchors, aliases and tags (`unsupported`:
/// a profile is policy, and a node that stands for another, or a type
/// named in the text, makes it read differently from how it looks),
/// directives and several documents (`unsupported`), nesting deeper than
/// `maxDepth`, control characters and the Unicode line breaks (`syntax`).
/// Tabs where indentation is expected are a `syntax` error (libyaml's own
/// rule, reworded).
///
/// The input is untrusted: libyaml is fuzzed upstream (OSS-Fuzz), the
/// composer never recurses, and nesting stops at `maxDepth` before the tree
/// grows. Callers bound the size (`ProfileDecoder.maxBytes`).
struct YAMLComposer {
    static let maxDepth = 64

    /// The root node, or nil for a text with no content (only comments).
    static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        try checkCharacters(text)
        // libyaml wants a pointer even for no input: keep one byte of storage.
        let count = text.utf8.count
        let bytes = count == 0 ? [0] : Array(text.utf8)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            throw YAMLSyntaxError(code: .syntax, line: 1, column: 1, message: "invalid YAML: libyaml could not start (out of memory)")
        }
        defer { yaml_parser_delete(parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLSyntaxError) -> YAMLNode? in
            yaml_parser_set_input_string(parser, buffer.baseAddress, count)
            var composer = YAMLComposer(text: text)
            return try composer.run(parser)
        }
    }

    /// A collection being read. Mutated in place at the top of the stack
    /// (`stack[last].items.append`), so appending never copies the array.
    private struct Frame {
        var isMapping: Bool
        var mark: YAMLNode.Mark
        var items: [YAMLNode] = []
        var pairs: [(YAMLNode, YAMLNode)] = []
        var pendingKey: YAMLNode?
    }

    private let text: String
    private var stack: [Frame] = []
    private var root: YAMLNode?
    private var documents = 0

    private init(text: String) {
        self.text = text
    }

    private mutating func run(_ parser: UnsafeMutablePointer<yaml_parser_t>) throws(YAMLSyntaxError) -> YAMLNode? {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) != 0 else {
                throw parserError(parser.pointee)
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return root }
            try handle(event)
        }
    }

    private static func mark(_ mark: yaml_mark_t) -> YAMLNode.Mark {
        YAMLNode.Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private mutating func handle(_ event: yaml_event_t) throws(YAMLSyntaxError) {
        let at = Self.mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            let start = event.data.document_start
            if start.version_directive != nil || start.tag_directives.start != start.tag_directives.end {
                throw unsupported("directives (%YAML, %TAG) are not supported", at: at)
            }
            if documents > 1 { throw unsupported("several documents in one file are not supported", at: at) }
        case YAML_ALIAS_EVENT:
            throw unsupported("aliases (*name) are not supported; write the value out", at: at)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            try refuseAnchorAndTag(anchor: scalar.anchor, tag: scalar.tag, at: at)
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            try add(.scalar(.init(string: value, style: Self.style(scalar.style), mark: at)))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            try refuseAnchorAndTag(anchor: start.anchor, tag: start.tag, at: at)
            try push(Frame(isMapping: false, mark: at), at: at)
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            try refuseAnchorAndTag(anchor: start.anchor, tag: start.tag, at: at)
            try push(Frame(isMapping: true, mark: at), at: at)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            try add(frame.isMapping ? .mapping(.init(pairs: frame.pairs, mark: frame.mark))
                                    : .sequence(.init(items: frame.items, mark: frame.mark)))
        default:
            break  // stream start, document end
        }
    }

    private mutating func push(_ frame: Frame, at: YAMLNode.Mark) throws(YAMLSyntaxError) {
        guard stack.count < Self.maxDepth else {
            throw YAMLSyntaxError(code: .syntax, line: at.line, column: at.column,
                                  message: "invalid YAML: nesting deeper than \(Self.maxDepth) levels")
        }
        stack.append(frame)
    }

    /// A finished node goes into the collection being read, or is the root.
    private mutating func add(_ node: YAMLNode) throws(YAMLSyntaxError) {
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return
        }
        if !stack[top].isMapping {
            stack[top].items.append(node)
        } else if let key = stack[top].pendingKey {
            stack[top].pairs.append((key, node))
            stack[top].pendingKey = nil
        } else {
            stack[top].pendingKey = node
        }
    }

    private func refuseAnchorAndTag(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?,
                                    at: YAMLNode.Mark) throws(YAMLSyntaxError) {
        if let anchor {
            throw unsupported("anchors (&\(String(cString: anchor))) are not supported; write the value out", at: at)
        }
        if let tag {
            throw unsupported("tags (\(String(cString: tag))) are not supported; every value is read as text", at: at)
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func unsupported(_ message: String, at: YAMLNode.Mark) -> YAMLSyntaxError {
        YAMLSyntaxError(code: .unsupported, line: at.line, column: at.column, message: "\(message) (profiles do not use this YAML feature)")
    }

    /// libyaml's problem, at its position, with a plainer sentence for a tab.
    private func parserError(_ parser: yaml_parser_t) -> YAMLSyntaxError {
        let at = Self.mark(parser.problem_mark)
        if parser.error == YAML_MEMORY_ERROR {
            return YAMLSyntaxError(code: .syntax, line: at.line, column: at.column, message: "invalid YAML: libyaml ran out of memory")
        }
        if character(at: at) == "\t" {
            return YAMLSyntaxError(code: .syntax, line: at.line, column: at.column,
                                   message: "invalid YAML: found a tab character where indentation is expected; indent with spaces")
        }
        var message = "invalid YAML: " + (parser.problem.map { String(cString: $0) } ?? "malformed text")
        if let context = parser.context {
            let where_ = Self.mark(parser.context_mark)
            message += " (\(String(cString: context)) at \(where_.line):\(where_.column))"
        }
        return YAMLSyntaxError(code: .syntax, line: at.line, column: at.column, message: message)
    }

    /// The character at a 1-based line and column (columns count Unicode scalars, as libyaml's do).
    private func character(at mark: YAMLNode.Mark) -> Unicode.Scalar? {
        var line = 1
        var column = 1
        var previousCR = false
        for scalar in text.unicodeScalars.drop(while: { $0 == "\u{FEFF}" }) {
            if line == mark.line, column == mark.column { return scalar }
            if line > mark.line { return nil }
            if scalar == "\n" {
                if !previousCR { line += 1 }
                column = 1
            } else if scalar == "\r" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previousCR = scalar == "\r"
        }
        return nil
    }

    /// Rejects characters YAML does not allow in a stream (C0/C1 controls,
    /// DEL, non-characters) and the Unicode line breaks (NEL, LS, PS), with
    /// their position: libyaml gives none for the characters it refuses, and
    /// without the other line breaks lines count the same here and there.
    private static func checkCharacters(_ text: String) throws(YAMLSyntaxError) {
        // Fast path: printable ASCII, tabs and line breaks only (the shipped
        // profiles); anything else is checked scalar by scalar below.
        let plainASCII = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        }
        if plainASCII == true { return }
        var line = 1
        var column = 1
        var previousCR = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let bad: Bool
            switch value {
            case 0x09, 0x0A, 0x0D: bad = false
            case 0x00..<0x20, 0x7F, 0x80...0x9F, 0xFFFE, 0xFFFF, 0x2028, 0x2029: bad = true
            case 0xFEFF: bad = line != 1 || column != 1  // a byte order mark only at the start
            default: bad = false
            }
            if bad {
                let what = value < 0xA0 ? "control character" : "character"
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
            } else if value != 0xFEFF {
                column += 1
            }
            previousCR = value == 0x0D
        }
    }
}

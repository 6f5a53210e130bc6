@testable import StockadeProfile
import StockadeTestSupport
import Testing

/// A canonical one-line rendering of a node tree, for comparisons.
func shape(_ node: YAMLNode?) -> String {
    guard let node else { return "nil" }
    switch node {
    case .scalar(let scalar):
        let tag: String
        switch scalar.style {
        case .plain: tag = "p"
        case .singleQuoted: tag = "s"
        case .doubleQuoted: tag = "d"
        case .literal: tag = "l"
        case .folded: tag = "f"
        }
        return "\(tag)\(scalar.string.debugDescription)"
    case .sequence(let list): return "[" + list.items.map(shape).joined(separator: ",") + "]"
    case .mapping(let map): return "{" + map.pairs.map { shape($0.0) + ":" + shape($0.1) }.joined(separator: ",") + "}"
    }
}

func yamlError(_ text: String) -> YAMLSyntaxError? {
    do {
        _ = try YAMLComposer.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("YAML reader (libyaml)")
struct YAMLReaderTests {
    @Test func blockAndFlowStructure() throws {
        let text = """
        # comment
        ---
        a: 1
        b:
          - x
          - y: 2
            z: [p, "q", 'r''s']
          -
        c: {k: v, "e": "\\t\\u00e9\\x41", m}
        d:
        - 1
        e: plain text with:colon#hash # comment
        ? f
        : g
        ...
        """
        let root = try YAMLComposer.parse(text)
        #expect(shape(root) == #"{p"a":p"1",p"b":[p"x",{p"y":p"2",p"z":[p"p",d"q",s"r\'s"]},p""],"#
            + #"p"c":{p"k":p"v",d"e":d"\téA",p"m":p""},p"d":[p"1"],p"e":p"plain text with:colon#hash",p"f":p"g"}"#)
    }

    @Test func marksAreOneBasedAndCountCharacters() throws {
        guard case .mapping(let map)? = try YAMLComposer.parse("é: [ab, \"c\"]\nnext:\n  - x\nempty:\n") else {
            Issue.record("not a mapping")
            return
        }
        let pairs = map.pairs
        #expect(map.mark == .init(line: 1, column: 1))
        #expect(pairs[0].1.mark == .init(line: 1, column: 4))
        guard case .sequence(let list) = pairs[0].1 else { return }
        #expect(list.items[1].mark == .init(line: 1, column: 9))
        #expect(pairs[1].0.mark == .init(line: 2, column: 1))
        #expect(pairs[1].1.mark == .init(line: 3, column: 3))
        // An empty value sits just after its ":", as libyaml marks it.
        #expect(pairs[2].1.mark == .init(line: 4, column: 7))
    }

    @Test func emptyAndCommentOnlyDocuments() throws {
        #expect(try YAMLComposer.parse("") == nil)
        #expect(try YAMLComposer.parse("# only a comment\n\n") == nil)
        #expect(shape(try YAMLComposer.parse("---\n")) == #"p"""#)
        #expect(shape(try YAMLComposer.parse("--- [a]\n")) == #"[p"a"]"#)
        #expect(shape(try YAMLComposer.parse("\u{FEFF}a: b\r\nc: d\r\n")) == #"{p"a":p"b",p"c":p"d"}"#)
    }

    struct Rejected: Sendable, CustomTestStringConvertible {
        var text: String
        var code: ProfileError.Code
        var line: Int
        var column: Int
        var testDescription: String { text.debugDescription }
    }

    static let rejected: [Rejected] = [
        .init(text: "a: &x 1\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: &x [1]\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: 1\nb: *x\n", code: .unsupported, line: 2, column: 4),
        .init(text: "a: !!str 1\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: ! 1\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: !local {b: 1}\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: !!binary |\n  aGk=\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: 1\n---\nb: 2\n", code: .unsupported, line: 2, column: 1),
        .init(text: "%YAML 1.1\n---\na: 1\n", code: .unsupported, line: 1, column: 1),
        .init(text: "%TAG !e! tag:example.com,2000:\n---\na: 1\n", code: .unsupported, line: 1, column: 1),
        .init(text: "a: b: c\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: \"unterminated\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: \"unterminated", code: .syntax, line: 1, column: 17),
        .init(text: "a: \"\\q\"\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: \"\\uD800\"\n", code: .syntax, line: 1, column: 7),
        .init(text: "a: {b: 1\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: [1,,2]\n", code: .syntax, line: 1, column: 7),
        .init(text: "a: 1\n b: 2\n", code: .syntax, line: 2, column: 3),
        .init(text: "- a\nb: 1\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: - b\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: 1\n\t\n", code: .syntax, line: 2, column: 1),
        .init(text: "a:\n\tb: 1\n", code: .syntax, line: 2, column: 1),
        .init(text: "- \tx\n", code: .syntax, line: 1, column: 3),
        .init(text: "a: |\n\ttext\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: \u{1}\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: b\u{85}c\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: b\u{2028}\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: \u{FEFF}b\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: @x\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: ]\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: 'x'y\n", code: .syntax, line: 1, column: 7),
        .init(text: "a: |\n  x\n y\n", code: .syntax, line: 3, column: 2),
    ]

    @Test(arguments: rejected)
    func rejects(_ example: Rejected) {
        guard let error = yamlError(example.text) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == example.code, "\(error)")
        #expect(error.line == example.line && error.column == example.column, "\(error)")
        #expect(!error.message.isEmpty)
    }

    @Test func refusalsSaySo() {
        #expect(yamlError("a: &anchor 1\n")?.message.contains("anchors (&anchor) are not supported") == true)
        #expect(yamlError("a: *alias\n")?.message.contains("aliases (*name) are not supported") == true)
        #expect(yamlError("a: !!str 1\n")?.message.contains("tags") == true)
        #expect(yamlError("a: 1\n---\nb: 2\n")?.message.contains("several documents") == true)
        #expect(yamlError("a:\n\tb: 1\n")?.message == "invalid YAML: found a tab character where indentation is expected; indent with spaces")
        // libyaml's own sentence, with where the construct it was reading began.
        #expect(yamlError("a: [1, 2\n")?.message == "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)")
    }

    struct Accepted: Sendable, CustomTestStringConvertible {
        var text: String
        var shape: String
        var testDescription: String { text.debugDescription }
    }

    /// Full YAML that the old hand-written subset refused, as libyaml reads it.
    static let accepted: [Accepted] = [
        // Block scalars: literal keeps line breaks, folded joins lines; clip (one final break), strip (-), keep (+).
        .init(text: "a: |\n  one\n  two\n\n", shape: #"{p"a":l"one\ntwo\n"}"#),
        .init(text: "a: |-\n  one\n  two\n\n", shape: #"{p"a":l"one\ntwo"}"#),
        .init(text: "a: |+\n  one\n  two\n\n", shape: #"{p"a":l"one\ntwo\n\n"}"#),
        .init(text: "a: >\n  one\n  two\n\n  three\n", shape: #"{p"a":f"one two\nthree\n"}"#),
        .init(text: "a: >-\n  one\n  two\n", shape: #"{p"a":f"one two"}"#),
        .init(text: "a: >+\n  one\n\n", shape: #"{p"a":f"one\n\n"}"#),
        .init(text: "a: |2\n    indented\n  less\n", shape: #"{p"a":l"  indented\nless\n"}"#),
        .init(text: "a: |\n  keeps # not a comment\n  \ttab inside\nb: 1\n", shape: #"{p"a":l"keeps # not a comment\n\ttab inside\n",p"b":p"1"}"#),
        .init(text: "- |\n  x\n- >\n  y\n", shape: #"[l"x\n",f"y\n"]"#),
        .init(text: "a: |\nb: 1\n", shape: #"{p"a":l"",p"b":p"1"}"#),
        // Multi-line plain and quoted scalars fold their line breaks.
        .init(text: "a: this is\n  continued\n", shape: #"{p"a":p"this is continued"}"#),
        .init(text: "a: \"x\n  y\"\n", shape: #"{p"a":d"x y"}"#),
        .init(text: "a: 'x\n\n  y'\n", shape: #"{p"a":s"x\ny"}"#),
        .init(text: "a: \"one \\\n  two\"\n", shape: #"{p"a":d"one two"}"#),
        // Quoted scalars: escapes, '' for a quote, text that would otherwise be syntax or null.
        .init(text: "a: \"\\t\\u00e9\\x41\\U0001F600\\\\\"\n", shape: #"{p"a":d"\téA😀\\"}"#),
        .init(text: "a: 'it''s # not a comment: [x]'\n", shape: #"{p"a":s"it\'s # not a comment: [x]"}"#),
        .init(text: "a: \"~\"\nb: ''\n", shape: #"{p"a":d"~",p"b":s""}"#),
        // Flow collections, nested, across lines, with a single pair inside [ ].
        .init(text: "a: [b: c]\n", shape: #"{p"a":[{p"b":p"c"}]}"#),
        .init(text: "a: {b: [1, {c: d}], e: }\n", shape: #"{p"a":{p"b":[p"1",{p"c":p"d"}],p"e":p""}}"#),
        .init(text: "a: [\n  x,  # one\n  y,\n]\n", shape: #"{p"a":[p"x",p"y"]}"#),
        .init(text: "[a, [b, []], {}]\n", shape: #"[p"a",[p"b",[]],{}]"#),
        // "<<" is an ordinary key (no merge): the decoder then calls it unknown.
        .init(text: "<<: {a: 1}\n", shape: #"{p"<<":{p"a":p"1"}}"#),
    ]

    @Test(arguments: accepted)
    func accepts(_ example: Accepted) throws {
        #expect(shape(try YAMLComposer.parse(example.text)) == example.shape)
    }

    @Test func blockScalarMarkIsItsIndicator() throws {
        guard case .mapping(let map)? = try YAMLComposer.parse("description: |\n  Two\n  lines.\n") else {
            Issue.record("not a mapping")
            return
        }
        #expect(map.pairs[0].1.mark == .init(line: 1, column: 14))
    }

    @Test func nestingIsBounded() {
        let deepFlow = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(yamlError(deepFlow)?.code == .syntax)
        var deepBlock = ""
        for level in 0..<200 { deepBlock += String(repeating: " ", count: level) + "k:\n" }
        #expect(yamlError(deepBlock)?.code == .syntax)
        var deepList = ""
        for level in 0..<200 { deepList += String(repeating: " ", count: level * 2) + "-\n" }
        #expect(yamlError(deepList)?.code == .syntax)
        #expect(yamlError(String(repeating: "- ", count: 200) + "x\n")?.code == .syntax)
        // Within the bound, fine.
        let ok = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(yamlError(ok) == nil)
        let limit = String(repeating: "[", count: YAMLComposer.maxDepth) + String(repeating: "]", count: YAMLComposer.maxDepth)
        #expect(yamlError(limit) == nil)
        let past = "[" + limit + "]"
        #expect(yamlError(past)?.message == "invalid YAML: nesting deeper than 64 levels")
    }

    /// Random trees written out in block and flow style with random quoting
    /// read back as the same tree.
    @Test func roundTrips() throws {
        var rng = SplitMix64(seed: 0xA11CE)
        for _ in 0..<500 {
            let tree = Tree.random(depth: 0, using: &rng)
            let text = tree.block(indent: 0, using: &rng)
            let parsed: YAMLNode?
            do {
                parsed = try YAMLComposer.parse(text)
            } catch {
                Issue.record("\(error)\n\(text)")
                continue
            }
            #expect(shape(parsed).replacingStyles() == tree.shape, "\(text)")
        }
    }

    /// Random multi-line text written as a literal block scalar (`|-`, `|`,
    /// `|+`) reads back exactly, whatever YAML syntax its lines hold.
    @Test func literalBlocksRoundTrip() throws {
        var rng = SplitMix64(seed: 0xB10C)
        let pieces = ["a", "key: value", "- item", "# not a comment", "[x, y]", "{k: v}", "&anchor", "*alias", "!tag",
                      "'q'", "\"dq\"", "tab\there", "é", "---", "...", "|", ">", "  indented", "x  "]
        for _ in 0..<300 {
            var lines = (0..<Int.random(in: 1...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
            if lines[0].hasPrefix(" ") { lines[0] = "x" + lines[0] }  // the first line sets the indentation
            let body = lines.joined(separator: "\n")
            let (indicator, expected) = [("|-", body), ("|", body + "\n"), ("|+", body + "\n\n")].randomElement(using: &rng)!
            let trailer = indicator == "|+" ? "\n" : ""
            let text = "k: " + indicator + "\n" + lines.map { "    " + $0 }.joined(separator: "\n") + "\n" + trailer + "next: 1\n"
            guard case .mapping(let map)? = try YAMLComposer.parse(text), case .scalar(let scalar) = map.pairs[0].1 else {
                Issue.record("not a mapping: \(text)")
                continue
            }
            #expect(scalar.string == expected, "\(text.debugDescription)")
            #expect(scalar.style == .literal)
        }
    }

    /// Arbitrary text from YAML's alphabet never traps; every failure is a positioned error.
    @Test func garbageNeverCrashes() {
        var rng = SplitMix64(seed: 77)
        let alphabet = Array("ab:- \n\t[]{},#&*!|>'\"\\%@`?~0.\r\u{e9}\u{1F600}".unicodeScalars)
        for _ in 0..<20_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) { text.append(alphabet.randomElement(using: &rng)!) }
            if let error = yamlError(String(text)) {
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }
}

extension String {
    /// Quoting style is not part of a round trip's meaning.
    func replacingStyles() -> String {
        var out = ""
        var previous: Character = ","
        for character in self {
            if "psd".contains(character), "[{,:".contains(previous) {
                previous = character
                continue
            }
            out.append(character)
            previous = character
        }
        return out
    }
}

/// A random YAML value and its expected shape.
indirect enum Tree {
    case scalar(String)
    case list([Tree])
    case map([(String, Tree)])

    static let words = ["a", "b c", "x-y", "read", "/usr/bin", "1.5", "-1", "with: colon", "hash#in", "quote'd", "\"dq\"",
                        "tab\there", "é", "LC_*", "*.pem", "null", "~", "", "[x]", "{y}", "a,b", "# not comment", "k: v", "-", "?"]

    static func random(depth: Int, using rng: inout SplitMix64) -> Tree {
        let roll = depth >= 4 ? 0 : Int.random(in: 0..<3, using: &rng)
        switch roll {
        case 0: return .scalar(words.randomElement(using: &rng)!)
        case 1: return .list((0..<Int.random(in: 0...3, using: &rng)).map { _ in random(depth: depth + 1, using: &rng) })
        default:
            var keys: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let key = "k\(keys.count)" + (Bool.random(using: &rng) ? "" : " x")
                keys.append(key)
            }
            return .map(keys.map { ($0, random(depth: depth + 1, using: &rng)) })
        }
    }

    /// Scalars and empty collections, which are written in flow style.
    var isLeaf: Bool {
        switch self {
        case .scalar: return true
        case .list(let items): return items.isEmpty
        case .map(let pairs): return pairs.isEmpty
        }
    }

    var shape: String {
        switch self {
        case .scalar(let text): return text.debugDescription
        case .list(let items): return "[" + items.map(\.shape).joined(separator: ",") + "]"
        case .map(let pairs): return "{" + pairs.map { $0.0.debugDescription + ":" + $0.1.shape }.joined(separator: ",") + "}"
        }
    }

    /// Always quoted, so words that would read as null or as syntax stay strings.
    static func quote(_ text: String, using rng: inout SplitMix64) -> String {
        if !text.contains("'"), !text.contains("\t"), Bool.random(using: &rng) { return "'" + text + "'" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += Bool.random(using: &rng) ? "\\t" : "\\x09"
            case "é": out += Bool.random(using: &rng) ? "é" : "\\u00e9"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    func flow(using rng: inout SplitMix64) -> String {
        switch self {
        case .scalar(let text): return Tree.quote(text, using: &rng)
        case .list(let items): return "[" + items.map { $0.flow(using: &rng) }.joined(separator: ", ") + "]"
        case .map(let pairs): return "{" + pairs.map { Tree.quote($0.0, using: &rng) + ": " + $0.1.flow(using: &rng) }.joined(separator: ", ") + "}"
        }
    }

    /// Block style at `indent`; each line ends with "\n". Empty collections and, at random, whole subtrees go flow.
    func block(indent: Int, forceBlock: Bool = false, using rng: inout SplitMix64) -> String {
        let pad = String(repeating: " ", count: indent)
        let comment = Int.random(in: 0..<4, using: &rng) == 0 ? "  # note" : ""
        if isLeaf { return pad + flow(using: &rng) + comment + "\n" }
        switch self {
        case .scalar:
            return pad + flow(using: &rng) + comment + "\n"
        case .list(let items):
            if !forceBlock, Int.random(in: 0..<4, using: &rng) == 0 { return pad + flow(using: &rng) + comment + "\n" }
            var out = ""
            for item in items {
                if item.isLeaf {
                    out += pad + "- " + item.flow(using: &rng) + "\n"
                } else {
                    out += pad + "-\n" + item.block(indent: indent + 2, using: &rng)
                }
            }
            return out
        case .map(let pairs):
            if Int.random(in: 0..<4, using: &rng) == 0 { return pad + flow(using: &rng) + comment + "\n" }
            var out = ""
            for (key, value) in pairs {
                let keyText = Bool.random(using: &rng) ? key : Tree.quote(key, using: &rng)
                if value.isLeaf {
                    out += pad + keyText + ": " + value.flow(using: &rng) + comment + "\n"
                } else if case .list = value, Bool.random(using: &rng) {
                    out += pad + keyText + ":\n" + value.block(indent: indent, forceBlock: true, using: &rng)
                } else {
                    out += pad + keyText + ":" + comment + "\n" + value.block(indent: indent + 2, using: &rng)
                }
            }
            return out
        }
    }
}

@Suite("Profiles in full YAML")
struct FullYAMLProfileTests {
    @Test func blockScalarDescriptionDecodes() throws {
        let yaml = """
        name: notes
        description: |
          Two lines,
          kept as written.
        filesystem:
          mask: [ "*.pem", '*.key' ]
        """
        let document = try ProfileLoader.decode(yaml: yaml, path: "notes.yaml")
        #expect(document.profile.description == "Two lines,\nkept as written.\n")
    }

    @Test func refusalsNameTheFileAndPosition() {
        do {
            _ = try ProfileLoader.decode(yaml: "name: x\ndescription: &d text\n", path: "p.yaml")
            Issue.record("accepted an anchor")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.description.hasPrefix("p.yaml:2:14: "), "\(error)")
        }
    }
}

@testable import StockadeProfile
import StockadeTestSupport
import Testing

/// A canonical one-line rendering of a node tree, for comparisons.
func shape(_ node: YAMLNode?) -> String {
    guard let node else { return "nil" }
    switch node {
    case .scalar(let scalar):
        let tag = scalar.style == .plain ? "p" : scalar.style == .singleQuoted ? "s" : "d"
        return "\(tag)\(scalar.string.debugDescription)"
    case .sequence(let list): return "[" + list.items.map(shape).joined(separator: ",") + "]"
    case .mapping(let map): return "{" + map.pairs.map { shape($0.0) + ":" + shape($0.1) }.joined(separator: ",") + "}"
    }
}

func yamlError(_ text: String) -> YAMLSyntaxError? {
    do {
        _ = try MiniYAML.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("YAML subset parser")
struct MiniYAMLTests {
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
        let root = try MiniYAML.parse(text)
        #expect(shape(root) == #"{p"a":p"1",p"b":[p"x",{p"y":p"2",p"z":[p"p",d"q",s"r\'s"]},p""],"#
            + #"p"c":{p"k":p"v",d"e":d"\téA",p"m":p""},p"d":[p"1"],p"e":p"plain text with:colon#hash",p"f":p"g"}"#)
    }

    @Test func marksAreOneBasedAndCountCharacters() throws {
        guard case .mapping(let map)? = try MiniYAML.parse("é: [ab, \"c\"]\nnext:\n  - x\nempty:\n") else {
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
        #expect(try MiniYAML.parse("") == nil)
        #expect(try MiniYAML.parse("# only a comment\n\n") == nil)
        #expect(shape(try MiniYAML.parse("---\n")) == #"p"""#)
        #expect(shape(try MiniYAML.parse("--- [a]\n")) == #"[p"a"]"#)
        #expect(shape(try MiniYAML.parse("\u{FEFF}a: b\r\nc: d\r\n")) == #"{p"a":p"b",p"c":p"d"}"#)
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
        .init(text: "a: *x\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: !!str 1\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: |\n  text\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: >\n  text\n", code: .unsupported, line: 1, column: 4),
        .init(text: "a: 1\n---\nb: 2\n", code: .unsupported, line: 2, column: 1),
        .init(text: "%YAML 1.2\n---\na: 1\n", code: .unsupported, line: 1, column: 1),
        .init(text: "a: \"x\ny\"\n", code: .unsupported, line: 1, column: 6),
        .init(text: "a: [b: c]\n", code: .unsupported, line: 1, column: 6),
        .init(text: "a: this is\n  continued\n", code: .syntax, line: 2, column: 3),
        .init(text: "a: b: c\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: \"unterminated\n", code: .unsupported, line: 1, column: 17),
        .init(text: "a: \"unterminated", code: .syntax, line: 1, column: 4),
        .init(text: "a: \"\\q\"\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: \"\\uD800\"\n", code: .syntax, line: 1, column: 5),
        .init(text: "a: {b: 1\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: [1,,2]\n", code: .syntax, line: 1, column: 7),
        .init(text: "a: 1\n b: 2\n", code: .syntax, line: 2, column: 2),
        .init(text: "- a\nb: 1\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: - b\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: 1\n\t\n", code: .syntax, line: 2, column: 1),
        .init(text: "a: \u{1}\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: @x\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: ]\n", code: .syntax, line: 1, column: 4),
        .init(text: "a: 'x'y\n", code: .syntax, line: 1, column: 7),
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
                parsed = try MiniYAML.parse(text)
            } catch {
                Issue.record("\(error)\n\(text)")
                continue
            }
            #expect(shape(parsed).replacingStyles() == tree.shape, "\(text)")
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

/// The words of one invocation, sorted by what the spec says they are.
public struct ParsedArguments: Sendable, Equatable {
    /// Every occurrence of every option, by long name; flags map to `[""]`s.
    public var occurrences: [String: [String]] = [:]
    public var positionals: [String] = []
    /// Everything after `--` for a verb that runs a command.
    public var command: [String] = []
    /// Whether `--` appeared (a run verb's command may legitimately be empty only without it).
    public var sawTerminator = false

    public init() {}

    public func flag(_ long: String) -> Bool { occurrences[long] != nil }
    /// The last value given (`--timeout 1m --timeout 2m` means 2m, as in most tools).
    public func value(_ long: String) -> String? { occurrences[long]?.last }
    public func values(_ long: String) -> [String] { occurrences[long] ?? [] }
}

/// Why the words could not be parsed; each case renders as one sentence that
/// names the word at fault and what was expected.
public enum UsageError: Error, Equatable, CustomStringConvertible, Sendable {
    case unknownOption(String)
    case missingValue(option: String, valueName: String)
    case flagTakesNoValue(String)
    /// A word where the verb takes no positional (for the run verb: a command without `--`).
    case unexpectedWord(String)
    case missingPositional(String)
    /// A value the verb itself rejected (conversion or conflicting options).
    case invalid(String)

    public var description: String {
        switch self {
        case let .unknownOption(o): return "unknown option '\(o)'"
        case let .missingValue(o, v): return "\(o) needs a value (\(v))"
        case let .flagTakesNoValue(o): return "\(o) takes no value"
        case let .unexpectedWord(w): return "unexpected argument '\(w)'"
        case let .missingPositional(p): return "missing \(p)"
        case let .invalid(m): return m
        }
    }
}

/// What the program was asked to do.
public enum Invocation: Sendable, Equatable {
    case help(verb: String?)
    case verb(name: String, ParsedArguments)
}

public enum ArgumentScanner {
    /// Picks the verb (the first word, when it names one; else the default)
    /// and scans the rest against it.
    public static func parse(_ words: [String], program: ProgramSpec) throws(UsageError) -> Invocation {
        var rest = words[...]
        var verb = program.verb(program.defaultVerb)!
        if let first = rest.first {
            if first == "help" {
                let topic = rest.dropFirst().first
                if let topic, program.verb(topic) == nil { throw .invalid("help: no verb named '\(topic)'") }
                return .help(verb: topic)
            }
            if let named = program.verb(first) {
                verb = named
                rest = rest.dropFirst()
            }
        }
        let parsed = try scan(rest, verb: verb)
        if parsed.flag("help") { return .help(verb: verb.name == program.defaultVerb && words.first != verb.name ? nil : verb.name) }
        return .verb(name: verb.name, parsed)
    }

    /// Options may come in any order before `--`; `--name=value` and
    /// `--name value` are the same, as are `-eX` and `-e X`.
    public static func scan(_ words: ArraySlice<String>, verb: VerbSpec) throws(UsageError) -> ParsedArguments {
        var out = ParsedArguments()
        var i = words.startIndex
        func record(_ spec: OptionSpec, _ value: String) { out.occurrences[spec.long, default: []].append(value) }

        while i < words.endIndex {
            let word = words[i]
            i += 1
            if word == "--" {
                out.sawTerminator = true
                if verb.takesCommand { out.command = Array(words[i...]) } else { out.positionals += words[i...] }
                break
            }
            if word == "-h" || word == "--help" {
                out.occurrences["help"] = [""]
                continue
            }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name: Substring
                let inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = body[..<eq]
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = body
                    inline = nil
                }
                guard let spec = verb.option(named: String(name)) else { throw .unknownOption("--" + name) }
                if spec.arity == .flag {
                    if inline != nil { throw .flagTakesNoValue("--" + name) }
                    record(spec, "")
                } else if let inline {
                    record(spec, inline)
                } else {
                    guard i < words.endIndex, words[i] != "--" else { throw .missingValue(option: "--" + name, valueName: spec.valueName) }
                    record(spec, words[i])
                    i += 1
                }
                continue
            }
            if word.hasPrefix("-"), word.count > 1 {
                let letter = word[word.index(after: word.startIndex)]
                guard let spec = verb.option(short: letter) else { throw .unknownOption(word) }
                let attached = String(word.dropFirst(2))
                if spec.arity == .flag {
                    if !attached.isEmpty { throw .flagTakesNoValue("-\(letter)") }
                    record(spec, "")
                } else if !attached.isEmpty {
                    record(spec, attached)
                } else {
                    guard i < words.endIndex, words[i] != "--" else { throw .missingValue(option: "-\(letter)", valueName: spec.valueName) }
                    record(spec, words[i])
                    i += 1
                }
                continue
            }
            out.positionals.append(word)
        }
        if out.flag("help") { return out }
        try checkPositionals(out.positionals, verb: verb)
        return out
    }

    static func checkPositionals(_ words: [String], verb: VerbSpec) throws(UsageError) {
        var remaining = words[...]
        for p in verb.positionals {
            switch p.arity {
            case .required:
                guard let _ = remaining.popFirst() else { throw .missingPositional(p.valueName) }
            case .optional:
                _ = remaining.popFirst()
            case .repeated:
                remaining = []
            }
        }
        if let extra = remaining.first { throw .unexpectedWord(extra) }
    }
}

/// What a verb accepts, as data: the scanner parses against it, and the help
/// text, the man page and the shell completions are all rendered from it, so
/// none of them can drift from what the parser really takes.
public struct OptionSpec: Sendable {
    public enum Arity: Sendable, Equatable {
        /// `--dry-run`: present or not.
        case flag
        /// `--timeout 20m`: the last occurrence wins.
        case single
        /// `--bind A --bind B`: every occurrence, in order.
        case repeated
    }

    public let long: String
    public let short: Character?
    public let arity: Arity
    /// Shown in help as `--long VALUE`; empty for flags.
    public let valueName: String
    public let help: String
    /// Accepted but left out of help, man page and completions.
    public let hidden: Bool

    public init(_ long: String, short: Character? = nil, _ arity: Arity, value: String = "", help: String, hidden: Bool = false) {
        self.long = long
        self.short = short
        self.arity = arity
        self.valueName = value
        self.help = help
        self.hidden = hidden
    }

    /// `-e, --env NAME[=VALUE]`
    public var label: String {
        var s = short.map { "-\($0), " } ?? ""
        s += "--" + long
        if arity != .flag { s += " " + valueName }
        return s
    }
}

/// A word after the verb (not an option).
public struct PositionalSpec: Sendable {
    public enum Arity: Sendable, Equatable { case required, optional, repeated }

    public let valueName: String
    public let arity: Arity
    public let help: String

    public init(_ valueName: String, _ arity: Arity = .required, help: String) {
        self.valueName = valueName
        self.arity = arity
        self.help = help
    }
}

public struct VerbSpec: Sendable {
    public let name: String
    public let abstract: String
    /// A few words for the root help's verb list.
    public let summary: String
    /// Free text after the usage line: examples, exit statuses.
    public let discussion: String
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]
    /// Whether everything after `--` is a command to run.
    public let takesCommand: Bool

    public init(name: String, summary: String, abstract: String, discussion: String = "", options: [OptionSpec] = [],
                positionals: [PositionalSpec] = [], takesCommand: Bool = false) {
        self.name = name
        self.abstract = abstract
        self.summary = summary
        self.discussion = discussion
        self.options = options
        self.positionals = positionals
        self.takesCommand = takesCommand
    }

    public func option(named long: String) -> OptionSpec? { options.first { $0.long == long } }
    public func option(short: Character) -> OptionSpec? { options.first { $0.short == short } }

    /// `sandbox-run check PROFILE`
    public func usage(program: String, isDefault: Bool) -> String {
        var parts = [program]
        if !isDefault { parts.append(name) }
        if options.contains(where: { !$0.hidden }) { parts.append("[OPTIONS]") }
        for p in positionals {
            switch p.arity {
            case .required: parts.append(p.valueName)
            case .optional: parts.append("[\(p.valueName)]")
            case .repeated: parts.append("[\(p.valueName) ...]")
            }
        }
        if takesCommand { parts.append("-- COMMAND [ARGS...]") }
        return parts.joined(separator: " ")
    }
}

/// The whole program: its verbs, with one taken when no verb is named.
public struct ProgramSpec: Sendable {
    public let name: String
    public let abstract: String
    public let verbs: [VerbSpec]
    public let defaultVerb: String

    public init(name: String, abstract: String, verbs: [VerbSpec], defaultVerb: String) {
        self.name = name
        self.abstract = abstract
        self.verbs = verbs
        self.defaultVerb = defaultVerb
    }

    public func verb(_ name: String) -> VerbSpec? { verbs.first { $0.name == name } }
}

/// `--help` output, rendered from the specs and wrapped for an 80-column terminal.
public enum HelpText {
    static let width = 80
    static let helpColumn = 28

    /// The root help: what the program is, every verb in one line, then the
    /// default verb's options (most invocations use no verb at all).
    public static func program(_ program: ProgramSpec) -> String {
        var out = wrap("\(program.name): \(program.abstract)", width: width).joined(separator: "\n") + "\n\nUSAGE:\n"
        let usages = program.verbs.map { ($0.usage(program: program.name, isDefault: $0.name == program.defaultVerb), $0.summary) }
        let column = min((usages.map { $0.0.count }.max() ?? 0) + 4, 48)
        for (usage, summary) in usages {
            out += lined("  " + usage, summary, column: column)
        }
        if let verb = program.verb(program.defaultVerb) {
            if !verb.discussion.isEmpty { out += "\n" + verb.discussion + "\n" }
            out += options(verb, heading: "OPTIONS (\(verb.name), the default verb)")
        }
        out += "\nSee '\(program.name) help VERB' for the options of each verb.\n"
        return out
    }

    public static func verb(_ verb: VerbSpec, program: ProgramSpec) -> String {
        let isDefault = verb.name == program.defaultVerb
        var out = wrap("\(program.name) \(verb.name): \(verb.abstract)", width: width).joined(separator: "\n")
        out += "\n\nUSAGE: \(verb.usage(program: program.name, isDefault: isDefault))\n"
        if !verb.discussion.isEmpty { out += "\n" + verb.discussion + "\n" }
        if !verb.positionals.isEmpty {
            out += "\nARGUMENTS:\n"
            for p in verb.positionals { out += lined("  " + p.valueName, p.help, column: helpColumn) }
        }
        out += options(verb, heading: "OPTIONS")
        return out
    }

    static func options(_ verb: VerbSpec, heading: String) -> String {
        var out = "\n\(heading):\n"
        for o in verb.options where !o.hidden { out += lined("  " + o.label, o.help, column: helpColumn) }
        out += lined("  -h, --help", "Show this help.", column: helpColumn)
        return out
    }

    /// `label` then `text` wrapped at `column`; a label too long for the
    /// column puts the text on the next line.
    static func lined(_ label: String, _ text: String, column: Int) -> String {
        let lines = wrap(text, width: width - column)
        let pad = String(repeating: " ", count: column)
        var out = ""
        if label.count + 2 > column {
            out += label + "\n"
            for l in lines { out += pad + l + "\n" }
        } else {
            out += label + String(repeating: " ", count: column - label.count) + (lines.first ?? "") + "\n"
            for l in lines.dropFirst() { out += pad + l + "\n" }
        }
        return out
    }

    /// Greedy word wrap; a word longer than the width gets a line of its own.
    public static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

extension String {
    /// Up to the end of the first sentence, so each verb fits one line of the root help.
    var firstSentence: String {
        var previous: Character = " "
        for i in indices {
            if previous == ".", self[i] == " " { return String(self[..<i]) }
            previous = self[i]
        }
        return self
    }
}

/// sandbox-run(1) in roff, rendered from the same specs as `--help`
/// (`make install` writes it), so the page lists exactly what the parser takes.
public enum ManPage {
    public struct Section: Sendable {
        public let title: String
        public let text: String
        public init(title: String, text: String) {
            self.title = title
            self.text = text
        }
    }

    public static func render(_ program: ProgramSpec, trailing: [Section]) -> String {
        var out = [
            ".TH \(program.name.uppercased()) 1 \"\" \"Stockade\" \"User Commands\"",
            ".SH NAME",
            "\(escape(program.name)) \\- \(escape(program.abstract))",
            ".SH SYNOPSIS",
        ]
        for (i, verb) in program.verbs.enumerated() {
            if i > 0 { out.append(".br") }
            out.append(escape(verb.usage(program: program.name, isDefault: verb.name == program.defaultVerb)))
        }
        for verb in program.verbs {
            let isDefault = verb.name == program.defaultVerb
            out.append(".SH " + (isDefault ? "OPTIONS (\(verb.name), the default verb)" : "VERB: \(verb.name.uppercased())"))
            out.append(escape(verb.abstract))
            if !verb.discussion.isEmpty { out += [".PP", ".nf", escape(verb.discussion), ".fi"] }
            for p in verb.positionals { out += [".TP", "\\fB\(escape(p.valueName))\\fR", escape(p.help)] }
            for o in verb.options where !o.hidden { out += [".TP", "\\fB\(escape(o.label))\\fR", escape(o.help)] }
        }
        for s in trailing { out += [".SH " + escape(s.title.uppercased()), escape(s.text)] }
        return out.joined(separator: "\n") + "\n"
    }

    /// roff treats backslashes as escapes, '-' as a hyphen (not a minus a
    /// reader can copy), and a leading '.' or '\'' as a request.
    static func escape(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var l = line.replacingAll("\\", with: "\\e").replacingAll("-", with: "\\-")
            if l.hasPrefix(".") || l.hasPrefix("'") { l = "\\&" + l }
            return l
        }.joined(separator: "\n")
    }
}

extension StringProtocol {
    /// Replaces every occurrence of one character with a string (no Foundation).
    func replacingAll(_ c: Character, with s: String) -> String {
        var out = ""
        for ch in self { if ch == c { out += s } else { out.append(ch) } }
        return out
    }
}

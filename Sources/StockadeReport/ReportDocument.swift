/// The content of a report, independent of how it is drawn: Markdown for a
/// CI summary, an aligned table for a terminal. Both renderers draw the same
/// document, so the two formats never disagree about what a run did.
struct ReportDocument: Equatable {
    /// A table cell. `code` is a literal taken from the log (a name, an
    /// address, a command): Markdown shows it as a code span so nothing the
    /// workload chose can become a link, an image or HTML in a CI summary.
    enum Cell: Equatable {
        case text(String)
        case code(String)

        var raw: String {
            switch self {
            case let .text(s), let .code(s): return s
            }
        }
    }

    enum Body: Equatable {
        /// Two columns, no header: field and value.
        case fields([(String, Cell)])
        /// A header row and rows; `numeric` columns align right.
        case table(header: [String], numeric: Set<Int>, rows: [[Cell]])
        /// Bullet lines.
        case list([[Cell]])
        /// One line of prose.
        case note([Cell])

        static func == (a: Body, b: Body) -> Bool {
            switch (a, b) {
            case let (.fields(x), .fields(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            case let (.table(h1, n1, r1), .table(h2, n2, r2)): return h1 == h2 && n1 == n2 && r1 == r2
            case let (.list(x), .list(y)): return x == y
            case let (.note(x), .note(y)): return x == y
            default: return false
            }
        }
    }

    struct Section: Equatable {
        /// Nil for the run's leading field list.
        var title: String?
        var body: Body
    }

    /// One per sandbox in the log.
    struct Run: Equatable {
        var heading: [Cell]
        var sections: [Section]
    }

    var runs: [Run]
    /// Lines after every run: unreadable input, and the like.
    var footer: [[Cell]]
}

/// Makes values from the log safe to print: control characters (including
/// ESC, which would let a hostile name drive the reader's terminal, and
/// newlines, which would break a table) become visible `\u{…}` escapes.
enum ReportText {
    static func printable(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            // Bidirectional overrides and isolates too: they reorder what a
            // reviewer sees (the "trojan source" trick).
            if v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) || v == 0x2028 || v == 0x2029
                || (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v) {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

import StockadeEvents

/// Renders an events file as a report: GitHub-flavoured Markdown (for
/// `$GITHUB_STEP_SUMMARY`, GitLab and merge-request comments) or an aligned
/// plain-text table for a terminal.
public enum ReportRenderer {
    public enum Format: String, CaseIterable, Sendable {
        case markdown, table
    }

    /// The report of every sandbox in `report`, ending in a newline.
    public static func render(_ report: EventReport, format: Format) -> String {
        let doc = ReportDocument(report)
        switch format {
        case .markdown: return MarkdownRenderer.render(doc)
        case .table: return TableRenderer.render(doc)
        }
    }
}

/// GitHub-flavoured Markdown. Every string from the log is either a code
/// span or escaped text, so a workload cannot put links, images or HTML into
/// the CI summary, nor break a table with `|` or a newline.
enum MarkdownRenderer {
    static func render(_ doc: ReportDocument) -> String {
        var out: [String] = []
        for run in doc.runs {
            out.append("### " + run.heading.map { cell($0, inTable: false) }.joined())
            out.append("")
            for section in run.sections {
                if let t = section.title {
                    out.append("#### " + escape(t))
                    out.append("")
                }
                switch section.body {
                case let .fields(fields):
                    out.append("| | |")
                    out.append("|---|---|")
                    for (k, v) in fields { out.append("| " + escape(k) + " | " + cell(v) + " |") }
                case let .table(header, numeric, rows):
                    out.append("| " + header.map(escape).joined(separator: " | ") + " |")
                    out.append("|" + header.indices.map { numeric.contains($0) ? "---:|" : "---|" }.joined())
                    for row in rows { out.append("| " + row.map(cell).joined(separator: " | ") + " |") }
                case let .list(items):
                    for item in items { out.append("- " + item.map { cell($0, inTable: false) }.joined(separator: ": ")) }
                case let .note(cells):
                    out.append(cells.map { cell($0, inTable: false) }.joined())
                }
                out.append("")
            }
        }
        for line in doc.footer {
            out.append("_" + line.map { cell($0, inTable: false) }.joined() + "_")
            out.append("")
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    static func cell(_ c: ReportDocument.Cell) -> String { cell(c, inTable: true) }

    static func cell(_ c: ReportDocument.Cell, inTable: Bool) -> String {
        switch c {
        case let .text(s): return escape(s)
        case let .code(s): return code(s, inTable: inTable)
        }
    }

    /// Backslash-escapes the characters that can open inline syntax
    /// (emphasis, links, autolinks, HTML, entities, code, strikethrough,
    /// table cells). Block syntax (`#`, `-`, `1.`) only counts at the start
    /// of a line, and escaped text never starts one here.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in ReportText.printable(s) {
            if "\\`*_[]<>|~&".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A code span whose fence is longer than any backtick run inside it.
    /// Pipes are escaped even here: GFM splits table cells before it parses
    /// code spans, and reads `\|` back as `|`.
    static func code(_ s: String, inTable: Bool) -> String {
        let printable = ReportText.printable(s)
        let text = inTable ? printable.replacingAll("|", with: "\\|") : printable
        if text.isEmpty { return "" }
        var longest = 0, run = 0
        for ch in text {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }
}

/// Plain text for a terminal: titles underlined, columns padded to line up.
enum TableRenderer {
    static func render(_ doc: ReportDocument) -> String {
        var out: [String] = []
        for run in doc.runs {
            let heading = run.heading.map(cell).joined()
            out.append(heading)
            out.append(String(repeating: "=", count: width(heading)))
            out.append("")
            for section in run.sections {
                if let t = section.title {
                    out.append(t)
                    out.append(String(repeating: "-", count: width(t)))
                }
                switch section.body {
                case let .fields(fields):
                    let w = fields.map { width($0.0) }.max() ?? 0
                    for (k, v) in fields { out.append(pad(k + ":", w + 1) + "  " + cell(v)) }
                case let .table(header, numeric, rows):
                    out += aligned([header] + rows.map { $0.map(cell) }, numeric: numeric)
                case let .list(items):
                    for item in items { out.append("- " + item.map(cell).joined(separator: ": ")) }
                case let .note(cells):
                    out.append(cells.map(cell).joined())
                }
                out.append("")
            }
        }
        for line in doc.footer {
            out.append(line.map(cell).joined())
            out.append("")
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    static func cell(_ c: ReportDocument.Cell) -> String { ReportText.printable(c.raw) }

    static func aligned(_ rows: [[String]], numeric: Set<Int>) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], width(c)) } }
        return rows.map { row in
            var line = ""
            for (i, c) in row.enumerated() {
                let isLast = i == row.count - 1
                let padded = numeric.contains(i) ? padLeft(c, widths[i]) : (isLast ? c : pad(c, widths[i]))
                line += (i == 0 ? "" : "  ") + padded
            }
            return line
        }
    }

    /// Width in terminal columns, counting each Unicode scalar as one:
    /// good enough for names and addresses, which are ASCII.
    static func width(_ s: String) -> Int { s.unicodeScalars.count }

    static func pad(_ s: String, _ w: Int) -> String {
        s + String(repeating: " ", count: max(0, w - width(s)))
    }

    static func padLeft(_ s: String, _ w: Int) -> String {
        String(repeating: " ", count: max(0, w - width(s))) + s
    }
}

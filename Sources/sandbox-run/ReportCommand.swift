#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeReport
import StockadeSystem

/// `sandbox-run report EVENTS.jsonl [--format markdown|table] [--suggest]`
enum ReportVerb {
    static let spec = VerbSpec(
        name: "report",
        summary: "summarize an events file, or suggest a profile",
        abstract: "Summarize an events file: how the run ended, what it used, what was allowed and denied.",
        discussion: """
        Reads the JSON-lines events that --events wrote (several sandboxes may
        share a file; each gets its own section). Lines that are not events are
        skipped and counted.

        Examples:
          sandbox-run report events.jsonl >> "$GITHUB_STEP_SUMMARY"
          sandbox-run report --format table events.jsonl
          sandbox-run report --suggest audit-events.jsonl > step-profile.yaml

        Exit status 0; 1 when the file cannot be read.
        """,
        options: [
            OptionSpec("format", .single, value: "FORMAT", help: "markdown (for CI summaries, the default) or table (for a terminal)."),
            OptionSpec("suggest", .flag, help: "Print a profile (YAML) that allows what an audit run (--net audit) needed, instead of the report."),
        ],
        positionals: [PositionalSpec("EVENTS.jsonl", help: "The events file, or - for standard input.")]
    )

    static func run(_ a: ParsedArguments) throws(UsageError) -> Int32 {
        let events = a.positionals[0]
        let formatName = a.value("format") ?? "markdown"
        guard let format = ReportRenderer.Format(rawValue: formatName) else {
            throw .invalid("--format: expected markdown or table, got '\(formatName)'")
        }
        let bytes: [UInt8]
        do {
            bytes = try ReportInput.read(events)
        } catch {
            writeStderr("sandbox-run: report: \(error)\n")
            return 1
        }
        let report = EventReport.read(bytes: bytes)
        let output = a.flag("suggest")
            ? ProfileSuggestion.yaml(report)
            : ReportRenderer.render(report, format: format)
        FileIO.writeAll(1, output)
        return 0
    }
}

/// Reads the whole events file with plain syscalls (no Foundation in the binary).
enum ReportInput {
    /// The largest events file the offline verbs (`report`, `verify`) read
    /// whole; a larger one is refused with EFBIG rather than cut short.
    static let maxBytes = 1 << 30

    struct ReadError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot read \(path): \(String(cString: strerror(errno)))" }
    }

    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        // FileIO.readFile opens with O_NOCTTY: a terminal named as the
        // events file never becomes this process's controlling terminal.
        let read = path == "-" ? FileIO.readAll(fd: 0, limit: maxBytes + 1) : FileIO.readFile(path, limit: maxBytes + 1)
        guard let bytes = read else { throw ReadError(path: path, errno: errno) }
        guard bytes.count <= maxBytes else { throw ReadError(path: path, errno: EFBIG) }
        return bytes
    }
}

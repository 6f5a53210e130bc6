#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeEvents
import StockadeSystem

/// `sandbox-run verify EVENTS.jsonl`
enum VerifyVerb {
    static let spec = VerbSpec(
        name: "verify",
        summary: "check an event log's hash chain",
        abstract: "Check an event log's hash chain: nothing edited, removed, reordered or appended after the end.",
        discussion: """
        Every line must parse, each sandbox's seq must run 0, 1, 2, … with each
        prev matching the line before, and the log must end with sandbox.end
        whose chain matches. Prints one summary line per sandbox and exits 0;
        otherwise prints `line N: …` for the first line that is wrong and
        exits 1. Exit 2 when the file cannot be read.

        The chain shows tampering by anyone who did not recompute it; keep the
        printed chain somewhere else (a CI log) to pin the whole file.
        See docs/events.md, "Tamper evidence".
        """,
        positionals: [PositionalSpec("EVENTS.jsonl", help: "The JSON-lines event log (an --events file); - reads standard input.")]
    )

    static func run(_ a: ParsedArguments) -> Int32 {
        let path = a.positionals[0]
        let bytes: [UInt8]
        do { bytes = try ReportInput.read(path) } catch {
            writeStderr("sandbox-run: verify: \(error)\n")
            return 2
        }
        switch EventChainVerifier.verify(bytes) {
        case let .failure(failure):
            writeStderr("\(failure)\n")
            return 1
        case let .success(report):
            let plural = report.sandboxes.count == 1 ? "" : "es"
            print("ok: \(report.lines) lines, \(report.sandboxes.count) sandbox\(plural), every chain intact")
            for log in report.sandboxes {
                let end = [log.exitReason.map { "exit_reason \($0)" }, log.exitStatus.map { "exit_status \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("sandbox \(log.sandbox): \(log.events) events, lines \(log.firstLine)-\(log.lastLine), \(end), chain \(log.chain)")
            }
            return 0
        }
    }
}

import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import StockadeCore
import StockadeEvents

/// `sandbox-run verify EVENTS.jsonl`
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
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
        """
    )

    @Argument(help: ArgumentHelp("The JSON-lines event log (an --events file).", valueName: "EVENTS.jsonl"))
    var path: String

    func run() throws {
        guard let bytes = FileIO.readFile(path) else {
            writeStderr("sandbox-run: verify: cannot read \(path): \(String(cString: strerror(errno)))\n")
            throw ExitCode(2)
        }
        switch EventChainVerifier.verify(bytes) {
        case let .failure(failure):
            writeStderr("\(failure)\n")
            throw ExitCode(1)
        case let .success(report):
            let plural = report.sandboxes.count == 1 ? "" : "es"
            print("ok: \(report.lines) lines, \(report.sandboxes.count) sandbox\(plural), every chain intact")
            for log in report.sandboxes {
                let end = [log.exitReason.map { "exit_reason \($0)" }, log.exitStatus.map { "exit_status \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("sandbox \(log.sandbox): \(log.events) events, lines \(log.firstLine)-\(log.lastLine), \(end), chain \(log.chain)")
            }
        }
    }
}

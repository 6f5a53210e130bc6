import ArgumentParser
import StockadeCore
#if canImport(Glibc)
import Glibc
#endif

/// Usage errors and unbuildable sandboxes exit 125 (docker run's convention),
/// so a caller can tell them from the workload's own statuses.
struct SandboxRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-run",
        abstract: "Run a command in a sandbox: namespaces, a read-only system view, dropped capabilities, default-deny seccomp, limits, and JSON audit events.",
        discussion: """
        sandbox-run [OPTIONS] -- COMMAND [ARGS...]     run COMMAND sandboxed
        sandbox-run check PROFILE                      validate a profile, print it normalized
        sandbox-run agent NAME                         run the agent in /etc/stockade/agents/NAME.yaml
        sandbox-run gc                                 remove leftovers of dead sandboxes
        sandbox-run kill ID|--all                      end running sandboxes cleanly
        sandbox-run report EVENTS.jsonl [--suggest]    summarize an events file (Markdown for CI), or suggest a profile
        sandbox-run verify EVENTS.jsonl                check an event log's hash chain
        """,
        subcommands: [RunCommand.self, CheckCommand.self, GCCommand.self, KillCommand.self, ReportCommand.self, VerifyCommand.self, AgentCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// The workload's pipes may close under us; an event sink reader may vanish.
/// EPIPE is handled where it happens, never by dying (the child path resets
/// every disposition before exec, so the workload still gets SIGPIPE).
signal(SIGPIPE, SIG_IGN)

/// Verbs are words before any `--`; any other bare word is a command that
/// forgot its `--`.
let verbs: Set<String> = ["run", "check", "gc", "kill", "report", "verify", "agent", "help"]
let arguments = Array(CommandLine.arguments.dropFirst())
if let first = arguments.first, !first.hasPrefix("-"), !verbs.contains(first) {
    let rest = arguments.prefix { $0 != "--" }
    writeStderr("sandbox-run: '\(first)' is not a sandbox-run verb (verbs: check, gc, kill, report, verify, agent). To run a command, put it after `--`: sandbox-run [OPTIONS] -- \(rest.joined(separator: " "))\n")
    exit(125)
}

do {
    var command = try SandboxRun.parseAsRoot()
    try command.run()
    exit(0)
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    let code = SandboxRun.exitCode(for: error)
    let message = SandboxRun.fullMessage(for: error)
    if code == .success {
        print(message)
        exit(0)
    }
    var line = message.hasPrefix("Error: ") ? "sandbox-run: " + message.dropFirst(7) : "sandbox-run: " + message
    if let word = line.firstMatchOfUnexpectedArgument {
        line = "sandbox-run: '\(word)' is not an option. To run a command, put it after `--`: sandbox-run [OPTIONS] -- \(word) ...\n"
    }
    if !line.hasSuffix("\n") { line += "\n" }
    writeStderr(line)
    exit(125)
}

extension String {
    /// The word ArgumentParser complains about in "Unexpected argument 'x'".
    var firstMatchOfUnexpectedArgument: String? {
        let marker = "Unexpected argument '"
        var s = Substring(self)
        while !s.isEmpty {
            if s.hasPrefix(marker) {
                let tail = s.dropFirst(marker.count)
                guard let end = tail.firstIndex(of: "'") else { return nil }
                return String(tail[..<end])
            }
            s = s.dropFirst()
        }
        return nil
    }
}

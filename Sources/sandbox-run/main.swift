import ArgumentParser
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
        sandbox-run gc                                 remove leftovers of dead sandboxes
        """,
        subcommands: [RunCommand.self, CheckCommand.self, GCCommand.self],
        defaultSubcommand: RunCommand.self
    )
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
    if !line.hasSuffix("\n") { line += "\n" }
    fputs(line, stderr)
    exit(125)
}

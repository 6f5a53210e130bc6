import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import StockadeCore
import StockadeProfile

/// `sandbox-run agent NAME`: the agent defined in /etc/stockade/agents/NAME.yaml,
/// run exactly as `sandbox-run [OPTIONS] -- COMMAND` would run it.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the agent defined in /etc/stockade/agents/NAME.yaml (what stockade-agent@NAME.service starts).",
        discussion: """
        The definition names the command, profile, workspace, network allowlist, \
        limits, environment and event sink; see docs/systemd.md. Under systemd \
        (Type=notify) READY=1 is sent once the workload runs inside the finished sandbox.

        Examples:
          sandbox-run agent reviewer
          sandbox-run agent reviewer --events journal
          sandbox-run agent reviewer --definition-dir ./agents --dry-run
        """
    )

    @Argument(help: ArgumentHelp("The agent's name: NAME.yaml in the definition directory.", valueName: "NAME"))
    var name: String

    @Option(name: .customLong("definition-dir"), help: ArgumentHelp("Where agent definitions live.", valueName: "DIR"))
    var definitionDir: String = AgentDefinition.defaultDirectory

    @Option(name: .long, help: ArgumentHelp("Where JSON-lines events go (journal, a file PATH, fd:N, stderr); overrides the definition's `events:`.", valueName: "SINK"))
    var events: String?

    @Flag(name: .customLong("dry-run"), help: "Print the plan as JSON and exit; nothing is created.")
    var dryRun = false

    func run() throws {
        let definition: AgentDefinition
        do {
            definition = try AgentDefinition.load(name: name, directory: definitionDir)
        } catch {
            writeStderr("sandbox-run: agent definition: \(error)\n")
            throw ExitCode(125)
        }
        let code = Launcher.run(
            profileReference: definition.profile ?? "default", overrides: Self.overrides(definition),
            eventSink: events ?? definition.events, dryRun: dryRun)
        throw ExitCode(code)
    }

    /// The same overrides the run command's flags would give.
    static func overrides(_ d: AgentDefinition) -> LaunchOverrides {
        var o = LaunchOverrides()
        o.command = d.command
        o.name = d.name
        o.actor = d.actor ?? "agent:\(d.name)"
        o.workspace = d.workspace
        o.network = d.network
        o.allowDomains = d.allowDomains
        o.allowPresets = d.allowPresets
        o.timeoutSeconds = d.timeoutSeconds
        o.killAfterSeconds = d.killAfterSeconds
        o.memoryBytes = d.memoryBytes
        o.pids = d.pids
        o.cpus = d.cpus
        o.envPass = d.envPass
        o.envSet = d.envSet
        return o
    }
}

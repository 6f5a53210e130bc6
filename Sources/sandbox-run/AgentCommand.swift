#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeProfile
import StockadeSystem

/// `sandbox-run agent NAME`: the agent defined in /etc/stockade/agents/NAME.yaml,
/// run exactly as `sandbox-run [OPTIONS] -- COMMAND` would run it.
enum AgentVerb {
    static let spec = VerbSpec(
        name: "agent",
        summary: "run the agent in /etc/stockade/agents/NAME.yaml",
        abstract: "Run the agent defined in /etc/stockade/agents/NAME.yaml (what stockade-agent@NAME.service starts).",
        discussion: """
        The definition names the command, profile, workspace, network allowlist,
        limits, environment and event sink; see docs/systemd.md. Under systemd
        (Type=notify) READY=1 is sent once the workload runs inside the finished
        sandbox.

        Examples:
          sandbox-run agent reviewer
          sandbox-run agent reviewer --events journal
          sandbox-run agent reviewer --definition-dir ./agents --dry-run
        """,
        options: [
            OptionSpec("definition-dir", .single, value: "DIR", help: "Where agent definitions live (default: \(AgentDefinition.defaultDirectory))."),
            OptionSpec("events", .single, value: "SINK", help: "Where JSON-lines events go (journal, a file PATH, fd:N, stderr); overrides the definition's `events:`."),
            OptionSpec("dry-run", .flag, help: "Print the plan as JSON and exit; nothing is created."),
        ],
        positionals: [PositionalSpec("NAME", help: "The agent's name: NAME.yaml in the definition directory.")]
    )

    static func run(_ a: ParsedArguments) -> Int32 {
        let name = a.positionals[0]
        let definitionDir = a.value("definition-dir") ?? AgentDefinition.defaultDirectory
        // Under sudo, only a definition the caller may read (the loader reads
        // as root and quotes bad lines in its errors).
        if let caller = SudoCaller.current(), AgentDefinition.isValidName(name),
           let refusal = caller.readRefusal((definitionDir.hasSuffix("/") ? definitionDir : definitionDir + "/") + name + ".yaml") {
            writeStderr("sandbox-run: agent definition: \(refusal)\n")
            return 125
        }
        let definition: AgentDefinition
        do {
            definition = try AgentDefinition.load(name: name, directory: definitionDir)
        } catch {
            writeStderr("sandbox-run: agent definition: \(error)\n")
            return 125
        }
        return Launcher.run(
            profileReference: definition.profile ?? "default", overrides: overrides(definition),
            eventSink: a.value("events") ?? definition.events, dryRun: a.flag("dry-run"))
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
        o.allowECH = d.allowECH
        return o
    }
}

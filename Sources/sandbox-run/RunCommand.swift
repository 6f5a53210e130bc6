import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import StockadeCore
import StockadeProfile

/// `sandbox-run [OPTIONS] -- COMMAND [ARGS...]`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run COMMAND inside a sandbox (the default verb).",
        discussion: """
        The command always follows `--`. Options override the profile.

        Examples:
          sandbox-run -- make test
          sandbox-run --profile agent --workspace ~/src/app --timeout 20m -- ./agent
          sandbox-run --profile strict --memory 256m --pids-limit 64 -- python3 job.py
          sandbox-run --dry-run --profile strict -- make test   # print the plan, change nothing

        Exit status: the command's; 128+N if killed by signal N; 124 on timeout;
        125 if the sandbox could not be built; 126 not executable; 127 not found.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Profile: a shipped name (default, strict, agent, ci) or a path to a YAML file.", valueName: "NAME|PATH"))
    var profile: String = "default"

    @Option(name: .long, help: ArgumentHelp("The writable directory, visible at the same path inside (default: the current directory).", valueName: "DIR"))
    var workspace: String?

    @Option(name: .customLong("workspace-mode"), help: ArgumentHelp("How the workspace is mounted: rw, ro or none.", valueName: "MODE"))
    var workspaceMode: String?

    @Option(name: .customLong("ro-bind"), help: ArgumentHelp("Bind a host path read-only (SRC, or SRC:DEST). Repeatable.", valueName: "SRC[:DEST]"))
    var roBind: [String] = []

    @Option(name: .customLong("bind"), help: ArgumentHelp("Bind a host path read-write (SRC, or SRC:DEST). Repeatable.", valueName: "SRC[:DEST]"))
    var bind: [String] = []

    @Option(name: .long, help: ArgumentHelp("Mount an empty tmpfs at PATH. Repeatable.", valueName: "PATH"))
    var tmpfs: [String] = []

    @Option(name: .long, help: ArgumentHelp("Cover PATH so it reads as empty. Repeatable.", valueName: "PATH"))
    var hide: [String] = []

    @Option(name: [.customShort("e"), .long], help: ArgumentHelp("Pass variable NAME from your environment, or set NAME=VALUE. Repeatable. Everything else is scrubbed.", valueName: "NAME[=VALUE]"))
    var env: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run as this user (name or uid; root only). Default: the sudo caller, the profile's user, the workspace owner, else nobody.", valueName: "USER"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Run with this group (name or gid).", valueName: "GROUP"))
    var group: String?

    @Option(name: .long, help: ArgumentHelp("Hostname inside the sandbox.", valueName: "NAME"))
    var hostname: String?

    @Option(name: .long, help: ArgumentHelp("Wall-clock limit (90s, 20m, 1h30m): then SIGTERM to everything, exit 124.", valueName: "DURATION"))
    var timeout: String?

    @Option(name: .customLong("kill-after"), help: ArgumentHelp("Grace between SIGTERM and SIGKILL (default 5s).", valueName: "DURATION"))
    var killAfter: String?

    @Option(name: .long, help: ArgumentHelp("Memory limit (512m, 2g); an OOM kill ends with exit_reason oom_kill.", valueName: "SIZE"))
    var memory: String?

    @Option(name: .customLong("pids-limit"), help: ArgumentHelp("Maximum number of processes and threads.", valueName: "N"))
    var pidsLimit: Int?

    @Option(name: .long, help: ArgumentHelp("CPU bandwidth in CPUs (1.5).", valueName: "N"))
    var cpus: Double?

    @Option(name: .long, help: ArgumentHelp("Network: none (loopback only), filtered (only allowlisted domains), audit (open, but reports what filtered would deny), or host (no isolation, evented).", valueName: "MODE"))
    var net: String?

    @Option(name: .customLong("allow-domain"), help: ArgumentHelp("Allow egress to NAME (exact), *.SUFFIX (any subdomain), with an optional :PORT (default 80 and 443). Implies --net filtered. Repeatable.", valueName: "NAME[:PORT]"))
    var allowDomain: [String] = []

    @Option(name: .customLong("allow-preset"), help: ArgumentHelp("Allow an ecosystem's registries: python, node, github, debian, rust, go. Implies --net filtered. Repeatable.", valueName: "NAME"))
    var allowPreset: [String] = []

    @Option(name: .customLong("dns-upstream"), help: ArgumentHelp("Where the DNS proxy forwards allowed queries (default: the host's resolvers from /etc/resolv.conf).", valueName: "ADDR[:PORT]"))
    var dnsUpstream: String?

    @Option(name: .long, help: ArgumentHelp("Where JSON-lines events go: a file PATH, fd:N, stderr, or journal.", valueName: "SINK"))
    var events: String?

    @Option(name: .long, help: ArgumentHelp("A name for this sandbox, shown in events.", valueName: "NAME"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Who is running this (agent or CI job id), recorded in every event.", valueName: "ID"))
    var actor: String?

    @Flag(name: .customLong("fail-on-deny"), help: "Exit 1 when the command exits 0 but the sandbox denied something (a system call, a DNS query, a packet); a sandbox.warning fail_on_deny says so. Other statuses are kept.")
    var failOnDeny = false
    @Option(name: .customLong("profile-sha256"), help: ArgumentHelp("Run only if the profile file's SHA-256, or its policy digest (covering extends:; see `check`), is HEX.", valueName: "HEX"))
    var profileSHA256: String?

    @Flag(name: .customLong("dry-run"), help: "Print the plan as JSON and exit; nothing is created.")
    var dryRun = false

    @Option(name: .customLong("export-bpf"), help: ArgumentHelp("With --dry-run: also write the compiled seccomp BPF (struct sock_filter[]) to PATH, e.g. for bwrap --seccomp.", valueName: "PATH", visibility: .hidden))
    var exportBPF: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after `--`.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty && !dryRun {
            throw ValidationError("no command given; put it after `--`: sandbox-run [OPTIONS] -- COMMAND [ARGS...]")
        }
        if exportBPF != nil && !dryRun {
            throw ValidationError("--export-bpf needs --dry-run")
        }
        if let pin = profileSHA256, PolicyPin(pin) == nil {
            throw ValidationError("--profile-sha256: expected 64 hex digits (a SHA-256), got '\(pin)'")
        }
        if workspaceMode == "none" && workspace != nil {
            throw ValidationError("--workspace and --workspace-mode none conflict: choose one")
        }
    }

    func run() throws {
        let overrides = try LaunchOptions.overrides(from: self)
        let code = Launcher.run(
            profileReference: profile, overrides: overrides, eventSink: events, dryRun: dryRun, exportBPF: exportBPF,
            failOnDeny: failOnDeny, profilePin: profileSHA256.flatMap(PolicyPin.init))
        throw ExitCode(code)
    }
}

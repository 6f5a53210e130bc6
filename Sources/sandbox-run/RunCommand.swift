#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeProfile

/// `sandbox-run [OPTIONS] -- COMMAND [ARGS...]`
enum RunVerb {
    static let spec = VerbSpec(
        name: "run",
        summary: "run COMMAND sandboxed",
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
        """,
        options: [
            OptionSpec("profile", .single, value: "NAME|PATH", help: "Profile: a shipped name (default, strict, agent, ci) or a path to a YAML file. Default: default."),
            OptionSpec("workspace", .single, value: "DIR", help: "The writable directory, visible at the same path inside (default: the current directory)."),
            OptionSpec("workspace-mode", .single, value: "MODE", help: "How the workspace is mounted: rw, ro or none."),
            OptionSpec("ro-bind", .repeated, value: "SRC[:DEST]", help: "Bind a host path read-only (SRC, or SRC:DEST). Repeatable."),
            OptionSpec("bind", .repeated, value: "SRC[:DEST]", help: "Bind a host path read-write (SRC, or SRC:DEST). Repeatable."),
            OptionSpec("tmpfs", .repeated, value: "PATH", help: "Mount an empty tmpfs at PATH. Repeatable."),
            OptionSpec("hide", .repeated, value: "PATH", help: "Cover PATH so it reads as empty. Repeatable."),
            OptionSpec("env", short: "e", .repeated, value: "NAME[=VALUE]", help: "Pass variable NAME from your environment, or set NAME=VALUE. Repeatable. Everything else is scrubbed."),
            OptionSpec("user", .single, value: "USER", help: "Run as this user (name or uid; root only). Default: the sudo caller, the profile's user, the workspace owner, else nobody."),
            OptionSpec("group", .single, value: "GROUP", help: "Run with this group (name or gid)."),
            OptionSpec("hostname", .single, value: "NAME", help: "Hostname inside the sandbox."),
            OptionSpec("timeout", .single, value: "DURATION", help: "Wall-clock limit (90s, 20m, 1h30m): then SIGTERM to everything, exit 124."),
            OptionSpec("kill-after", .single, value: "DURATION", help: "Grace between SIGTERM and SIGKILL (default 5s)."),
            OptionSpec("memory", .single, value: "SIZE", help: "Memory limit (512m, 2g); an OOM kill ends with exit_reason oom_kill."),
            OptionSpec("pids-limit", .single, value: "N", help: "Maximum number of processes and threads."),
            OptionSpec("cpus", .single, value: "N", help: "CPU bandwidth in CPUs (1.5)."),
            OptionSpec("require-limits", .flag, help: "Fail (exit 125) when a memory, pids or cpus limit of the profile cannot be enforced here, instead of warning. Limits given on the command line always fail when they cannot be enforced."),
            OptionSpec("net", .single, value: "MODE", help: "Network: none (loopback only), filtered (only allowlisted domains), audit (open, but reports what filtered would deny), or host (no isolation, evented)."),
            OptionSpec("allow-domain", .repeated, value: "NAME[:PORT,...]", help: "Allow egress to NAME (exact), *.SUFFIX (any subdomain), with optional :PORT or :PORT,PORT (default 80 and 443); the same grammar as network.allow in profiles. Implies --net filtered. Repeatable."),
            OptionSpec("allow-preset", .repeated, value: "NAME", help: "Allow an ecosystem's registries: python, node, github, debian, rust, go. Implies --net filtered. Repeatable."),
            OptionSpec("dns-upstream", .single, value: "ADDR[:PORT]", help: "Where the DNS proxy forwards allowed queries (default: the host's resolvers from /etc/resolv.conf)."),
            OptionSpec("events", .single, value: "SINK", help: "Where JSON-lines events go: a file PATH (outside the workspace and writable binds, no symlinks on the way), fd:N, stderr, or journal."),
            OptionSpec("name", .single, value: "NAME", help: "A name for this sandbox, shown in events."),
            OptionSpec("actor", .single, value: "ID", help: "Who is running this (agent or CI job id), recorded in every event."),
            OptionSpec("fail-on-deny", .flag, help: "Exit 1 when the command exits 0 but the sandbox denied something (a system call, a DNS query, a packet); a sandbox.warning fail_on_deny says so. Other statuses are kept."),
            OptionSpec("profile-sha256", .single, value: "HEX", help: "Run only if the profile file's SHA-256, or its policy digest (covering extends:; see `check`), is HEX."),
            OptionSpec("tty", .single, value: "MODE", help: "Give the command its own pseudo-terminal: auto (in place of each of stdin, stdout, stderr that is a terminal; the default), always (all three, even pipes), or never (share sandbox-run's stdin/stdout/stderr)."),
            OptionSpec("require-landlock", .flag, help: "Fail (exit 125) unless the kernel enforces the whole Landlock ruleset: filesystem rights and the scoping of abstract unix sockets and signals (Landlock ABI 6 or later). On in the strict profile."),
            OptionSpec("dry-run", .flag, help: "Print the plan as JSON and exit; nothing is created."),
            OptionSpec("export-bpf", .single, value: "PATH", help: "With --dry-run: also write the compiled seccomp BPF (struct sock_filter[]) to PATH, e.g. for bwrap --seccomp.", hidden: true),
            OptionSpec("dns-timeout", .single, value: "SECONDS", help: "How long the DNS proxy waits for its upstreams (each configured one in turn) before answering SERVFAIL; default 2."),
            OptionSpec("unmask", .repeated, value: "GLOB", help: "Lift the profile's mask on workspace paths matching GLOB for this run (matched like mask:); each lifted path is evented. Repeatable."),
            OptionSpec("allow-ech", .repeated, value: "NAME", help: "Admit an Encrypted ClientHello (also Chrome's GREASE ECH) whose outer name is NAME or matches *.SUFFIX, checked like a plain SNI; an allow rule must cover it; the same grammar as network.allow_ech in profiles. Repeatable."),
        ],
        takesCommand: true
    )

    static func run(_ a: ParsedArguments) throws(UsageError) -> Int32 {
        let dryRun = a.flag("dry-run")
        if a.command.isEmpty && !dryRun {
            throw .invalid("no command given; put it after `--`: sandbox-run [OPTIONS] -- COMMAND [ARGS...]")
        }
        if a.value("export-bpf") != nil && !dryRun { throw .invalid("--export-bpf needs --dry-run") }
        var pin: PolicyPin?
        if let hex = a.value("profile-sha256") {
            guard let p = PolicyPin(hex) else { throw .invalid("--profile-sha256: expected 64 hex digits (a SHA-256), got '\(hex)'") }
            pin = p
        }
        if a.value("workspace-mode") == "none" && a.value("workspace") != nil {
            throw .invalid("--workspace and --workspace-mode none conflict: choose one")
        }
        var tty = TTYMode.auto
        if let t = a.value("tty") {
            guard let mode = TTYMode(rawValue: t) else { throw .invalid("--tty: expected auto, always or never, got '\(t)'") }
            tty = mode
        }
        let overrides = try LaunchOptions.overrides(from: a)
        return Launcher.run(
            profileReference: a.value("profile") ?? "default", overrides: overrides, eventSink: a.value("events"),
            dryRun: dryRun, exportBPF: a.value("export-bpf"), failOnDeny: a.flag("fail-on-deny"), profilePin: pin, tty: tty)
    }
}

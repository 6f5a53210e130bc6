#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeSystem

/// The program's verbs. Parsing, `--help`, the man page and the shell
/// completions all come from these specs (a hand-written parser: an
/// argument-parsing library pulled Foundation into the binary and cost
/// milliseconds and megabytes at every sandbox start).
let program = ProgramSpec(
    name: "sandbox-run",
    abstract: "Run a command in a sandbox: namespaces, a read-only system view, dropped capabilities, default-deny seccomp, limits, and JSON audit events.",
    verbs: [RunVerb.spec, CheckVerb.spec, AgentVerb.spec, GCVerb.spec, KillVerb.spec, ReportVerb.spec, VerifyVerb.spec, PrepareVerb.spec],
    defaultVerb: "run"
)

func perform(_ verb: String, _ arguments: ParsedArguments) throws(UsageError) -> Int32 {
    // Under sudo, verbs that only read files read them as the caller.
    if ["check", "report", "verify"].contains(verb) && !SudoCaller.dropToCallerIfSudo() {
        writeStderr("sandbox-run: cannot switch to the sudo caller's identity\n")
        return 125
    }
    switch verb {
    case "check": return CheckVerb.run(arguments)
    case "agent": return AgentVerb.run(arguments)
    case "gc": return GCVerb.run(arguments)
    case "kill": return try KillVerb.run(arguments)
    case "report": return try ReportVerb.run(arguments)
    case "verify": return VerifyVerb.run(arguments)
    case "prepare": return PrepareVerb.run(arguments)
    default: return try RunVerb.run(arguments)
    }
}

/// The workload's pipes may close under us; an event sink reader may vanish.
/// EPIPE is handled where it happens, never by dying (the child path resets
/// every disposition before exec, so the workload still gets SIGPIPE).
signal(SIGPIPE, SIG_IGN)

let words = Array(CommandLine.arguments.dropFirst())

// Install-time generators (`make install`); not in --help.
if words.first == "--generate-man-page" {
    FileIO.writeAll(1, ManPage.render(program, trailing: [
        ManPage.Section(title: "Exit status", text: "The command's own status; 128+N when it was killed by signal N; 124 on timeout; 125 when the sandbox could not be built or the command line is wrong; 126 when the command is not executable; 127 when it is not found."),
        ManPage.Section(title: "See also", text: "The documentation in share/doc/stockade: profiles.md, events.md, exit-status.md, network.md, systemd.md, ci.md, threat-model.md."),
    ]))
    exit(0)
}
if words.first == "--generate-completion-script" {
    guard words.count == 2, let shell = CompletionScript.Shell(rawValue: words[1]) else {
        writeStderr("sandbox-run: --generate-completion-script: expected bash, zsh or fish\n")
        exit(125)
    }
    FileIO.writeAll(1, CompletionScript.render(program, shell: shell))
    exit(0)
}

/// Verbs are words before any `--`; any other bare word is a command that
/// forgot its `--`.
func forgotTerminator(_ word: String) -> Never {
    let rest = words.prefix { $0 != "--" }.drop { $0 != word }
    // From the specs, as the completions do: a new verb is listed here too.
    let verbs = program.verbs.map(\.name).filter { $0 != program.defaultVerb } + ["help"]
    writeStderr("sandbox-run: '\(word)' is not a sandbox-run verb or option (verbs: \(verbs.joined(separator: ", "))). To run a command, put it after `--`: sandbox-run [OPTIONS] -- \(rest.joined(separator: " "))\n")
    exit(125)
}

do {
    switch try ArgumentScanner.parse(words, program: program) {
    case let .help(verb):
        FileIO.writeAll(1, verb.flatMap(program.verb).map { HelpText.verb($0, program: program) } ?? HelpText.program(program))
        exit(0)
    case let .verb(name, arguments):
        exit(try perform(name, arguments))
    }
} catch {
    let named = words.first.flatMap(program.verb)
    if case let .unexpectedWord(word) = error, named == nil || named?.name == program.defaultVerb {
        forgotTerminator(word)
    }
    let verb = named.map { " " + $0.name } ?? ""
    writeStderr("sandbox-run: \(error)\nSee 'sandbox-run\(verb) --help'.\n")
    exit(125)
}

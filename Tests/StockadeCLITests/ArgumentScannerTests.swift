import Testing
@testable import StockadeCLI

private let run = VerbSpec(
    name: "run", summary: "run", abstract: "Run.",
    options: [
        OptionSpec("profile", .single, value: "NAME", help: "Profile."),
        OptionSpec("bind", .repeated, value: "SRC", help: "Bind."),
        OptionSpec("env", short: "e", .repeated, value: "NAME", help: "Env."),
        OptionSpec("dry-run", .flag, help: "Dry."),
    ],
    takesCommand: true)
private let check = VerbSpec(
    name: "check", summary: "check", abstract: "Check.",
    positionals: [PositionalSpec("PROFILE", help: "Profile.")])
private let kill = VerbSpec(
    name: "kill", summary: "kill", abstract: "Kill.",
    options: [OptionSpec("all", .flag, help: "All.")],
    positionals: [PositionalSpec("ID", .repeated, help: "Ids.")])
private let program = ProgramSpec(name: "prog", abstract: "A program.", verbs: [run, check, kill], defaultVerb: "run")

private func parse(_ words: [String]) throws(UsageError) -> Invocation { try ArgumentScanner.parse(words, program: program) }

@Suite("Argument scanner")
struct ArgumentScannerTests {
    @Test func defaultVerbTakesOptionsThenCommand() throws {
        guard case let .verb(name, a) = try parse(["--profile", "strict", "-e", "A=1", "-eB", "--bind=/x", "--bind", "/y", "--dry-run", "--", "ls", "--profile", "-l"]) else {
            Issue.record("expected a verb")
            return
        }
        #expect(name == "run")
        #expect(a.value("profile") == "strict")
        #expect(a.values("env") == ["A=1", "B"])
        #expect(a.values("bind") == ["/x", "/y"])
        #expect(a.flag("dry-run"))
        // Words after `--` belong to the command, even ones that look like options.
        #expect(a.command == ["ls", "--profile", "-l"])
        #expect(a.sawTerminator)
    }

    @Test func lastValueOfASingleOptionWins() throws {
        guard case let .verb(_, a) = try parse(["--profile", "a", "--profile=b", "--", "x"]) else {
            Issue.record("expected a verb")
            return
        }
        #expect(a.value("profile") == "b")
    }

    @Test func namedVerbWithPositional() throws {
        #expect(try parse(["check", "agent"]) == .verb(name: "check", { var p = ParsedArguments(); p.positionals = ["agent"]; return p }()))
    }

    @Test func doubleDashEndsOptionsForVerbsWithoutACommand() throws {
        guard case let .verb(_, a) = try parse(["kill", "--", "--all"]) else {
            Issue.record("expected a verb")
            return
        }
        #expect(a.positionals == ["--all"])
        #expect(!a.flag("all"))
    }

    @Test func help() throws {
        #expect(try parse(["--help"]) == .help(verb: nil))
        #expect(try parse(["-h", "--profile", "x"]) == .help(verb: nil))
        #expect(try parse(["run", "--help"]) == .help(verb: "run"))
        #expect(try parse(["check", "-h"]) == .help(verb: "check"))
        #expect(try parse(["help"]) == .help(verb: nil))
        #expect(try parse(["help", "kill"]) == .help(verb: "kill"))
        // After `--`, --help is the workload's.
        guard case let .verb(_, a) = try parse(["--", "ls", "--help"]) else {
            Issue.record("expected a verb")
            return
        }
        #expect(a.command == ["ls", "--help"])
    }

    @Test(arguments: [
        (["--bogus"], UsageError.unknownOption("--bogus")),
        (["-x"], .unknownOption("-x")),
        (["--profile"], .missingValue(option: "--profile", valueName: "NAME")),
        (["--profile", "--", "ls"], .missingValue(option: "--profile", valueName: "NAME")),
        (["-e"], .missingValue(option: "-e", valueName: "NAME")),
        (["--dry-run=yes"], .flagTakesNoValue("--dry-run")),
        (["make", "test"], .unexpectedWord("make")),
        (["check"], .missingPositional("PROFILE")),
        (["check", "a", "b"], .unexpectedWord("b")),
        (["kill", "--all=1"], .flagTakesNoValue("--all")),
        (["help", "nope"], .invalid("help: no verb named 'nope'")),
    ])
    func errors(words: [String], expected: UsageError) {
        #expect(throws: expected) { try parse(words) }
    }

    @Test func errorMessagesNameTheWordAndTheExpectation() {
        #expect(UsageError.missingValue(option: "--timeout", valueName: "DURATION").description == "--timeout needs a value (DURATION)")
        #expect(UsageError.unknownOption("--bogus").description == "unknown option '--bogus'")
    }

    /// Property: whatever words follow `--`, the command is exactly those
    /// words, and nothing before `--` leaks into it.
    @Test func commandIsExactlyTheWordsAfterTheTerminator() throws {
        var rng = SystemRandomNumberGenerator()
        let pool = ["--", "-", "-e", "--profile", "x", "--bind=/a", "", "--help", "-h", "check", "ü", "--dry-run"]
        for _ in 0..<500 {
            let tail = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pool.randomElement(using: &rng)! }
            guard case let .verb(_, a) = try parse(["--dry-run", "--"] + tail) else {
                Issue.record("expected a verb for \(tail)")
                continue
            }
            #expect(a.command == tail)
        }
    }
}

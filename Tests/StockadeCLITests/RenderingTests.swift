import Testing
@testable import StockadeCLI

private let program = ProgramSpec(
    name: "prog", abstract: "A program that does things.",
    verbs: [
        VerbSpec(name: "run", summary: "run it", abstract: "Run a command.", discussion: "Examples:\n  prog -- ls",
                 options: [
                     OptionSpec("timeout", .single, value: "DURATION", help: "Wall-clock limit; a long help text that has to wrap onto a second line of the terminal."),
                     OptionSpec("env", short: "e", .repeated, value: "NAME", help: "Pass NAME."),
                     OptionSpec("secret", .single, value: "X", help: "Hidden.", hidden: true),
                 ],
                 takesCommand: true),
        VerbSpec(name: "check", summary: "check a file", abstract: "Check a file.",
                 positionals: [PositionalSpec("FILE", help: "The file.")]),
    ],
    defaultVerb: "run")

@Suite("Help, man page and completions")
struct RenderingTests {
    @Test func wrapKeepsWordsWhole() {
        #expect(HelpText.wrap("aa bb cc dd", width: 5) == ["aa bb", "cc dd"])
        #expect(HelpText.wrap("averyverylongword x", width: 4) == ["averyverylongword", "x"])
        #expect(HelpText.wrap("", width: 10).isEmpty)
    }

    @Test func rootHelpListsVerbsAndDefaultOptionsButNotHidden() {
        let text = HelpText.program(program)
        #expect(text.contains("prog [OPTIONS] -- COMMAND [ARGS...]"))
        #expect(text.contains("prog check FILE"))
        #expect(text.contains("--timeout DURATION"))
        #expect(text.contains("-e, --env NAME"))
        #expect(!text.contains("--secret"))
        for line in text.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
    }

    @Test func verbHelpHasUsageArgumentsAndOptions() {
        let text = HelpText.verb(program.verb("check")!, program: program)
        #expect(text.contains("USAGE: prog check FILE"))
        #expect(text.contains("ARGUMENTS:"))
        #expect(text.contains("-h, --help"))
    }

    @Test func manPageEscapesAndCoversEveryVisibleOption() {
        let page = ManPage.render(program, trailing: [ManPage.Section(title: "Exit status", text: ".starts with a dot")])
        #expect(page.hasPrefix(".TH PROG 1"))
        #expect(page.contains("VERB: CHECK"))
        #expect(page.contains("\\fB\\-\\-timeout DURATION\\fR"))
        #expect(page.contains("\\fB\\-e, \\-\\-env NAME\\fR"))
        #expect(!page.contains("secret"))
        #expect(page.contains("\\&.starts with a dot"))
    }

    @Test func completionsNameEveryVerbAndVisibleOption() {
        for shell in CompletionScript.Shell.allCases {
            let script = CompletionScript.render(program, shell: shell)
            #expect(script.contains("check"), "\(shell)")
            #expect(script.contains("timeout"), "\(shell)")
            #expect(!script.contains("secret"), "\(shell)")
        }
    }
}

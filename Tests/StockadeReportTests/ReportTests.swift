import StockadeEvents
import StockadeProfile
import Testing
@testable import StockadeReport

@Suite("sandbox-run report")
struct ReportTests {
    // MARK: golden files

    @Test func auditRunMarkdown() {
        expectSame(render(ReportFixtures.auditLog, .markdown), ReportFixtures.auditMarkdown)
    }

    @Test func auditRunTable() {
        expectSame(render(ReportFixtures.auditLog, .table), ReportFixtures.auditTable)
    }

    @Test func auditRunSuggestion() {
        expectSame(ProfileSuggestion.yaml(EventReport.read(ReportFixtures.auditLog)), ReportFixtures.auditSuggest)
    }

    /// Without `sandbox.end` the allowlist is rebuilt from the events and
    /// comes out the same as the supervisor's own suggestion.
    @Test func suggestionRebuiltWhenTheLogIsCutShort() {
        let cut = ReportFixtures.auditLog.split(separator: "\n").filter { !$0.contains("\"sandbox.end\"") }.joined(separator: "\n")
        let report = EventReport.read(cut)
        expectSame(ProfileSuggestion.yaml(report), ReportFixtures.auditCutSuggest)
        let full = EventReport.read(ReportFixtures.auditLog)
        #expect(ProfileSuggestion.allowlist(for: report.runs[0]).rules == ProfileSuggestion.allowlist(for: full.runs[0]).rules)
        #expect(ProfileSuggestion.allowlist(for: report.runs[0]).source == .events)
        #expect(ProfileSuggestion.allowlist(for: full.runs[0]).source == .endEvent)
    }

    /// Names, commands and actors come from the workload or its caller: none
    /// may become Markdown syntax, HTML, a broken table or a terminal escape.
    @Test func hostileStringsStayInert() {
        let md = render(ReportFixtures.hostileLog, .markdown)
        expectSame(md, ReportFixtures.hostileMarkdown)
        expectSame(render(ReportFixtures.hostileLog, .table), ReportFixtures.hostileTable)
        expectSame(ProfileSuggestion.yaml(EventReport.read(ReportFixtures.hostileLog)), ReportFixtures.hostileSuggest)
        for output in [md, render(ReportFixtures.hostileLog, .table), ProfileSuggestion.yaml(EventReport.read(ReportFixtures.hostileLog))] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1b })
        }
        // Every table row keeps its column count: no unescaped `|` inside a cell.
        for line in md.split(separator: "\n") where line.hasPrefix("| `192.0.2.1`") {
            #expect(line.filter { $0 == "|" }.count == 7)
        }
    }

    /// The example in docs/events.md, followed by lines that are not events.
    @Test func docsExampleWithJunk() {
        var bytes = Array(ReportFixtures.docsExampleLog.utf8) + Array("\nnot json at all\n{\"v\":1}\n".utf8)
        bytes += [0xff, 0xfe] + Array("{}\n".utf8)
        let report = EventReport.read(bytes: bytes)
        #expect(report.unparseableLines == 3)
        #expect(report.runs.count == 1)
        expectSame(ReportRenderer.render(report, format: .markdown), ReportFixtures.docsExampleMarkdown)
    }

    // MARK: the model

    @Test func countsAndDecisions() {
        let report = EventReport.read(ReportFixtures.auditLog)
        #expect(report.unparseableLines == 0)
        #expect(report.unknownEvents == 1)  // future.event
        let run = report.runs[0]
        #expect(run.sandboxId == "a1b2c3d4e5")
        #expect(run.actor == "gh/acme/app/build#42")
        #expect(run.command == ["npm", "ci"])
        #expect(run.profile == "ci")
        #expect(run.networkMode == "audit")
        #expect(run.exitReason == "exit" && run.exitStatus == 0 && run.succeeded)
        #expect(run.deniedSyscalls == [.init(name: "ptrace", count: 2), .init(name: "personality", count: 1)])
        #expect(run.allowedDomains.map(\.count) == [2])
        #expect(run.deniedDomains.map(\.decision) == ["audit", "audit", "deny"])
        #expect(run.connections.map(\.count) == [1, 2])
        #expect(run.suggestedAllow == ["codeload.github.com", "git.internal.example:8443"])
        // The qtype denial and the syscalls were enforced even in audit mode.
        #expect(run.hasEnforcedDenial)
    }

    /// `sandbox.end` totals include events a rate cap dropped.
    @Test func endTotalsWinOverEventCounts() {
        let log = """
        {"v":1,"ts":"2026-11-22T05:02:51.000000Z","sandbox":"x","seq":0,"type":"syscall.denied","actor":"a","syscall":"ptrace","nr":101,"arch":"x86_64","errno":"EPERM","pid":2}
        {"v":1,"ts":"2026-11-22T05:02:52.000000Z","sandbox":"x","seq":1,"type":"events.suppressed","actor":"a","suppressed_type":"syscall.denied","count":41}
        {"v":1,"ts":"2026-11-22T05:02:53.000000Z","sandbox":"x","seq":2,"type":"sandbox.end","actor":"a","exit_reason":"exit","exit_status":0,"duration_ms":1.0,"cpu_time_ms":1.0,"denials":{"syscalls":42,"by_syscall":{"ptrace":42},"limits":0}}
        """
        let run = EventReport.read(log).runs[0]
        #expect(run.deniedSyscalls == [.init(name: "ptrace", count: 42)])
        #expect(run.suppressed == ["syscall.denied": 41])
    }

    @Test func sandboxesSharingAFileGetSectionsInOrder() {
        let report = EventReport.read(ReportFixtures.hostileLog)
        #expect(report.runs.map(\.sandboxId) == ["0000000001", "0000000002"])
        #expect(report.runs[1].errors.first?.step == "profile")
    }

    @Test func emptyInput() {
        let report = EventReport.read("\n\n")
        #expect(report.runs.isEmpty && report.unparseableLines == 0)
        #expect(ReportRenderer.render(report, format: .markdown) == "_No sandbox events found._\n")
        #expect(ReportRenderer.render(report, format: .table) == "No sandbox events found.\n")
    }

    /// The suggestion is a profile the loader accepts, with the allowlist intact.
    @Test func suggestionIsALoadableProfile() throws {
        let yaml = ProfileSuggestion.yaml(EventReport.read(ReportFixtures.auditLog))
        let doc = try ProfileLoader.decode(yaml: yaml, path: "/tmp/suggested.yaml")
        #expect(doc.profile.network.allow == ["codeload.github.com", "git.internal.example:8443", "registry.npmjs.org"])
        #expect(doc.profile.network.mode == .filtered)
        #expect(doc.extends.map(\.reference) == ["ci"])
        let hostile = ProfileSuggestion.yaml(EventReport.read(ReportFixtures.hostileLog))
        _ = try ProfileLoader.decode(yaml: hostile, path: "/tmp/suggested.yaml")
    }

    // MARK: formatting

    @Test func units() {
        #expect(ReportFormat.duration(ms: 412.4) == "412 ms")
        #expect(ReportFormat.duration(ms: 3420) == "3.42 s")
        #expect(ReportFormat.duration(ms: 605_048) == "10m 05s")
        #expect(ReportFormat.duration(ms: 3_723_000) == "1h 02m 03s")
        #expect(ReportFormat.bytes(512) == "512 B")
        #expect(ReportFormat.bytes(1536) == "1.5 KiB")
        #expect(ReportFormat.bytes(2_147_483_648) == "2.0 GiB")
        #expect(ReportFormat.number(1.5) == "1.50" && ReportFormat.number(64) == "64")
    }

    @Test func markdownEscaping() {
        #expect(MarkdownRenderer.escape("a_b*c <x> [l](u) & ~s~") == #"a\_b\*c \<x\> \[l\](u) \& \~s\~"#)
        #expect(MarkdownRenderer.code("a`b", inTable: false) == "``a`b``")
        #expect(MarkdownRenderer.code("`x", inTable: false) == "`` `x ``")
        #expect(MarkdownRenderer.code("a|b", inTable: true) == #"`a\|b`"#)
        #expect(ReportText.printable("a\nb\u{1b}c\u{202e}d") == #"a\u{a}b\u{1b}c\u{202e}d"#)
    }

    // MARK: helpers

    func render(_ log: String, _ format: ReportRenderer.Format) -> String {
        ReportRenderer.render(EventReport.read(log), format: format)
    }

    /// Equality, with the first differing line named so a failure is readable.
    func expectSame(_ actual: String, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard actual != golden else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let g = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let i = (0..<min(a.count, g.count)).first { a[$0] != g[$0] } ?? min(a.count, g.count)
        let got = i < a.count ? String(a[i]) : "<end>"
        let want = i < g.count ? String(g[i]) : "<end>"
        Issue.record("differs from the golden at line \(i + 1):\n  got:  \(got)\n  want: \(want)\n--- full output ---\n\(actual)", sourceLocation: sourceLocation)
    }
}

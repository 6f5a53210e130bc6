import Foundation
import StockadeEvents
import Testing

/// A CI step as docs/ci.md runs it: a small C project built and tested with
/// `make test` under `--profile ci`, then `sandbox-run report` over the
/// events. The Markdown is compared with a golden from which the rows that
/// change from run to run (sandbox id, durations, memory, task count) are
/// removed; a test checks they are there.
@Suite("CI step", .enabled(if: Harness.requireRoot()))
struct CIStepTests {
    @Test("a passing build and test, reported")
    func passingStep() throws {
        let ws = try Self.makeProject()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--profile", "ci", "--actor", "ci/test", "--workspace", ws, "--", "make", "test"], cwd: ws)
        #expect(r.status == 0, "stdout=\(r.stdout) stderr=\(r.stderr)")
        #expect(r.stdout.contains("all tests passed"))
        #expect(FileManager.default.fileExists(atPath: ws + "/unit"), "the build output lands in the workspace")
        let report = try Self.report(r)
        #expect(Self.normalized(report) == Self.passingGolden, "report:\n\(report)")
        for row in ["Sandbox", "Duration", "CPU time"] {
            #expect(report.contains("\n| \(row) | "), "no \(row) row")
        }
        #expect(report.contains("| Sandbox | `\(r.end?["sandbox"]?.stringValue ?? "?")` |"))
    }

    @Test("a failing test fails the step with make's status")
    func failingStep() throws {
        let ws = try Self.makeProject()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--profile", "ci", "--actor", "ci/test", "--workspace", ws, "--fail-on-deny", "--", "make", "test", "EXTRA=-DBREAK"], cwd: ws)
        #expect(r.status == 2, "make exits 2 when a recipe fails: stdout=\(r.stdout) stderr=\(r.stderr)")
        #expect(r.stdout.contains("FAIL add(2,2) != 5"))
        // No denial happened, so --fail-on-deny has nothing to say.
        #expect(r.events("sandbox.warning").allSatisfy { $0["code"]?.stringValue != "fail_on_deny" })
        let report = try Self.report(r)
        #expect(Self.normalized(report) == Self.failingGolden, "report:\n\(report)")
    }

    @Test("a denied syscall with --fail-on-deny fails a passing step")
    func deniedSyscallFailsTheStep() throws {
        let ws = try Self.makeProject()
        defer { Harness.removeTree(ws) }
        let args = ["--profile", "ci", "--actor", "ci/test", "--workspace", ws, "--", "make", "test", "EXTRA=-DPROBE"]
        // Without the flag the step passes: the test copes with EPERM.
        let lenient = try Harness.sandbox(args, cwd: ws)
        #expect(lenient.status == 0, "stdout=\(lenient.stdout) stderr=\(lenient.stderr)")
        #expect(lenient.stdout.contains("ptrace refused"))
        Harness.removeTree(ws + "/unit")

        let strict = try Harness.sandbox(["--fail-on-deny"] + args, cwd: ws)
        #expect(strict.status == 1, "stdout=\(strict.stdout) stderr=\(strict.stderr)")
        #expect(strict.stdout.contains("all tests passed"))
        let warnings = strict.events("sandbox.warning").filter { $0["code"]?.stringValue == "fail_on_deny" }
        #expect(warnings.count == 1)
        #expect(strict.end?["exit_status"]?.int64Value == 1)
        #expect(strict.exitReason == "exit")
        // The warning comes before the last event.
        #expect(strict.events.last?["type"]?.stringValue == "sandbox.end")
        let report = try Self.report(strict)
        #expect(Self.normalized(report) == Self.deniedGolden, "report:\n\(report)")
    }

    // MARK: the project

    /// A workspace holding a tiny C library, its unit test and a Makefile.
    /// `EXTRA=-DBREAK` makes a test fail; `EXTRA=-DPROBE` makes the test
    /// try ptrace(2) and carry on when it is refused.
    static func makeProject() throws -> String {
        let ws = Harness.makeWorkspace()
        let files: [String: String] = [
            "Makefile": """
            CFLAGS ?= -O1 -Wall
            test: unit
            \t./unit
            unit: unit.c calc.c calc.h
            \t$(CC) $(CFLAGS) $(EXTRA) -o unit unit.c calc.c
            .PHONY: test

            """,
            "calc.h": "int add(int a, int b);\n",
            "calc.c": "#include \"calc.h\"\nint add(int a, int b) { return a + b; }\n",
            "unit.c": """
            #include <stdio.h>
            #include <sys/ptrace.h>
            #include "calc.h"
            int main(void) {
                int failed = 0;
            #ifdef BREAK
                if (add(2, 2) != 5) { printf("FAIL add(2,2) != 5\\n"); failed = 1; }
            #endif
                if (add(2, 3) != 5) { printf("FAIL add(2,3)\\n"); failed = 1; }
            #ifdef PROBE
                if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) printf("ptrace refused, continuing\\n");
            #endif
                printf(failed ? "tests failed\\n" : "all tests passed\\n");
                return failed;
            }

            """,
        ]
        for (name, text) in files {
            let path = ws + "/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            chown(path, Harness.testUID, Harness.testUID)
        }
        return ws
    }

    /// `sandbox-run report` over the run's events, as a CI job would call it.
    static func report(_ r: Harness.Result) throws -> String {
        let path = NSTemporaryDirectory() + "stockade-ci-events-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (r.eventLines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let p = try Harness.runProcess([Harness.binary, "report", path], timeout: 30)
        #expect(p.status == 0, "report failed: \(p.stderr)")
        return p.stdout
    }

    /// Rows whose values differ from run to run, by their first cell.
    static let volatileRows = ["Sandbox", "Duration", "Peak memory", "CPU time", "Peak tasks"]

    static func normalized(_ report: String) -> String {
        report.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !volatileRows.contains { line.hasPrefix("| \($0) | ") } }
            .joined(separator: "\n")
    }

    static let passingGolden = """
    ### Sandbox report: `make test`

    | | |
    |---|---|
    | Result | passed |
    | Exit | `exit, status 0` |
    | Command | `make test` |
    | Profile | `ci` |
    | Actor | `ci/test` |
    | Network | `none` |
    | Denials | none |

    """

    static let failingGolden = """
    ### Sandbox report: `make test EXTRA=-DBREAK`

    | | |
    |---|---|
    | Result | failed |
    | Exit | `exit, status 2` |
    | Command | `make test EXTRA=-DBREAK` |
    | Profile | `ci` |
    | Actor | `ci/test` |
    | Network | `none` |
    | Denials | none |

    """

    static let deniedGolden = """
    ### Sandbox report: `make test EXTRA=-DPROBE`

    | | |
    |---|---|
    | Result | failed: the sandbox denied something (--fail-on-deny) |
    | Exit | `exit, status 1` |
    | Command | `make test EXTRA=-DPROBE` |
    | Profile | `ci` |
    | Actor | `ci/test` |
    | Network | `none` |
    | Denials | 1 |

    #### Denied system calls

    | syscall | count |
    |---|---:|
    | `ptrace` | 1 |

    #### Warnings

    - `fail_on_deny`: the workload exited 0 but the sandbox denied 1 system call; --fail-on-deny exits 1

    """
}

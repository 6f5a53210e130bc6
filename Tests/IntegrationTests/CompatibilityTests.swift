import Foundation
import StockadeEvents
import Testing

/// Real programs work under the shipped profiles.
@Suite("Compatibility", .enabled(if: Harness.requireRoot()))
struct CompatibilityTests {
    static let profiles = ["default", "agent"]

    /// Runs `command` under `profile` in a fresh workspace the test UID owns, after
    /// `setup` has written any input files there; the workspace is gone afterwards.
    private func inWorkspace(
        profile: String, extra: [String] = [], _ command: [String],
        setup: (String) throws -> Void = { _ in },
        check: (Harness.Result, String) throws -> Void
    ) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try setup(ws)
        let r = try Harness.sandbox(["--profile", profile] + extra + ["--workspace", ws, "--"] + command, cwd: ws)
        try check(r, ws)
    }

    @Test("sh and coreutils", arguments: profiles)
    func coreutils(profile: String) throws {
        let script = "mkdir -p d && echo one > d/a && cp d/a d/b && sort d/a d/b | uniq -c | tr -s ' ' && ls -la d | wc -l && date +%Y >/dev/null && id -u && hostname"
        try inWorkspace(profile: profile, extra: ["--hostname", "box-test"], ["/bin/sh", "-c", script]) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("2 one"))
            #expect(r.stdout.contains("\(Harness.testUID)"))
            #expect(r.stdout.contains("box-test"))
            // The copy landed in the host's workspace, not in a throwaway layer.
            #expect(FileManager.default.fileExists(atPath: ws + "/d/b"))
        }
    }

    @Test("python3 with threads and subprocesses", arguments: profiles)
    func python(profile: String) throws {
        let py = """
        import threading, subprocess, concurrent.futures, sys
        def work(n): return sum(range(n))
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            print("threads", sum(ex.map(work, [1000]*8)))
        out = subprocess.run(["/bin/echo", "child"], capture_output=True, text=True).stdout.strip()
        print("subprocess", out)
        import multiprocessing
        with multiprocessing.Pool(2) as p: print("pool", sum(p.map(abs, [-1, -2, -3])))
        """
        try inWorkspace(profile: profile, ["/usr/bin/python3", "t.py"], setup: { ws in
            try py.write(toFile: ws + "/t.py", atomically: false, encoding: .utf8)
        }) { r, _ in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("threads 3996000"))
            #expect(r.stdout.contains("subprocess child"))
            #expect(r.stdout.contains("pool 6"))
        }
    }

    @Test("git init and commit in the workspace", arguments: profiles)
    func git(profile: String) throws {
        let script = "git init -q . && echo hi > f && git add f && git -c user.name=t -c user.email=t@e commit -qm first && git log --oneline | wc -l"
        try inWorkspace(profile: profile, ["/bin/sh", "-c", script]) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
            #expect(FileManager.default.fileExists(atPath: ws + "/.git/HEAD"))
        }
    }

    @Test("gcc compiles and runs a C program; make drives it", arguments: profiles)
    func gccAndMake(profile: String) throws {
        try inWorkspace(profile: profile, ["make", "-s"], setup: { ws in
            try "#include <stdio.h>\nint main(void){printf(\"built %d\\n\", 6*7);return 0;}\n".write(toFile: ws + "/m.c", atomically: false, encoding: .utf8)
            try "all: m\n\t./m\nm: m.c\n\tcc -O1 -o m m.c\n".write(toFile: ws + "/Makefile", atomically: false, encoding: .utf8)
        }) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("built 42"))
            // The binary the compiler wrote is visible on the host side of the workspace.
            #expect(FileManager.default.isExecutableFile(atPath: ws + "/m"))
        }
    }
}

/// Bad input: clear messages and the documented exit statuses.
@Suite("Bad input", .enabled(if: Harness.requireRoot()))
struct BadInputTests {
    @Test("a command that does not exist exits 127")
    func notFound() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "no-such-command-xyz"])
        #expect(r.status == 127)
        #expect(r.stderr.contains("not found"))
    }

    @Test("a directory as command exits 126")
    func notExecutable() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/usr"])
        #expect(r.status == 126)
    }

    @Test("a missing profile exits 125 and names it")
    func missingProfile() throws {
        let r = try Harness.sandbox(["--profile", "/nonexistent/p.yaml", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("/nonexistent/p.yaml"))
        #expect(r.exitReason == "setup_failed")
    }

    @Test("an unreadable or missing workspace exits 125")
    func badWorkspace() throws {
        let r = try Harness.sandbox(["--workspace", "/nonexistent-ws", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("/nonexistent-ws"))
    }

    @Test("conflicting options exit 125 with a message")
    func conflicting() throws {
        let r = try Harness.runProcess([Harness.binary, "--workspace", "/tmp", "--workspace-mode", "none", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("conflict"))
    }

    @Test("a bare word that is not a verb says to use --")
    func bareWord() throws {
        let r = try Harness.runProcess([Harness.binary, "make", "test"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("--"))
        #expect(r.stderr.contains("not a sandbox-run verb"))
    }

    @Test("a bad size is rejected before anything runs")
    func badSize() throws {
        let r = try Harness.runProcess([Harness.binary, "--memory", "lots", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("--memory"))
    }

    @Test("dry-run prints the plan and runs nothing")
    func dryRun() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.runProcess([Harness.binary, "--dry-run", "--profile", "strict", "--workspace", ws, "--", "/bin/sh", "-c", "touch \(ws)/ran"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"mounts\""))
        #expect(!FileManager.default.fileExists(atPath: ws + "/ran"))
    }
}

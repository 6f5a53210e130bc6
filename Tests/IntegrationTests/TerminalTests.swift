import Foundation
import StockadeEvents
import Testing

enum PtyDriver {
    static func available() -> Bool {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return true }
        print("SKIP: terminal tests need /usr/bin/python3 (the pty driver)")
        return false
    }
}

/// `--tty`: the workload gets its own pseudo-terminal when sandbox-run runs
/// on one, and nothing it does to that terminal reaches the caller's.
/// `Fixtures/pty_driver.py` plays the caller's terminal: a pty pair whose
/// slave is sandbox-run's controlling terminal, as in an interactive shell.
@Suite("Terminal", .enabled(if: Harness.requireRoot() && PtyDriver.available()))
struct TerminalTests {
    struct Seen {
        var rc: Int
        var out: String
        var sameModes: Bool
        var callerInput: String
        var scriptDone: Bool
    }

    /// Runs sandbox-run `args` on a fresh terminal of `winsize`, playing `script`.
    func onTerminal(_ args: [String], winsize: [Int] = [33, 111], script: [[String: Any]] = [], tcoff: Bool = false,
                    asUser: Bool = false, redirect: [String: String] = [:]) throws -> Seen {
        var argv = [Harness.binary, "--workspace-mode", "none"] + args
        if asUser {
            argv = ["/usr/bin/setpriv", "--reuid", "\(Harness.testUID)", "--regid", "\(Harness.testUID)", "--clear-groups"] + argv
        }
        var cfg: [String: Any] = ["argv": argv, "winsize": winsize, "script": script, "tcoff": tcoff, "limit": 60]
        for (k, v) in redirect { cfg[k] = v }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: cfg), as: UTF8.self)
        let driver = Harness.repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/pty_driver.py").path
        let r = try Harness.runProcess(["/usr/bin/python3", driver, json], cwd: "/tmp", timeout: 90)
        #expect(r.status == 0, "driver: \(r.stderr)")
        let obj = try JSONParser().parseObject(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return Seen(
            rc: Int(obj["rc"]?.int64Value ?? -1), out: obj["out"]?.stringValue ?? "",
            sameModes: obj["same_modes"]?.boolValue ?? false, callerInput: obj["caller_input"]?.stringValue ?? "?",
            scriptDone: obj["script_done"]?.boolValue ?? false)
    }

    @Test("the workload gets its own pty: its devpts, the caller's window size, input relayed", arguments: [false, true])
    func ownTerminal(rootless: Bool) throws {
        let s = try onTerminal(["--", "/bin/sh", "-c", "tty; stty size; ls /dev/pts; echo READY; read x; echo got:$x"],
                               script: [["expect": "READY", "send": "hello\r"]], asUser: rootless)
        #expect(s.rc == 0, "\(s.out)")
        #expect(s.out.contains("/dev/pts/0\r\n"))
        #expect(s.out.contains("33 111"))
        #expect(s.out.contains("got:hello"))
        #expect(s.sameModes)
    }

    @Test("a resized caller's terminal resizes the workload's, with SIGWINCH")
    func windowChange() throws {
        let s = try onTerminal(["--", "/bin/sh", "-c", "trap 'stty size; exit 0' WINCH; echo READY; while :; do sleep 0.1; done"],
                               script: [["expect": "READY", "winsize": [40, 120]]])
        #expect(s.rc == 0, "\(s.out)")
        #expect(s.out.contains("40 120"))
    }

    @Test("^C typed on the caller's terminal interrupts the workload's foreground job")
    func interrupt() throws {
        // The process that prints the marker is the one that sleeps: a shell
        // would defer a SIGINT that lands between its echo and its fork.
        let py = "import time\nprint('READY', flush=True)\ntime.sleep(30)\n"
        let s = try onTerminal(["--", "/usr/bin/python3", "-c", py], script: [["expect": "READY", "send": "\u{03}"]])
        #expect(s.rc == 130, "\(s.out)")
        #expect(s.sameModes)
    }

    @Test("TIOCSTI is refused, and nothing lands in the caller's input", arguments: [false, true])
    func tiocsti(rootless: Bool) throws {
        let py = """
        import fcntl, os, termios
        for p in (0, "/dev/tty"):
            fd = p if p == 0 else os.open(p, os.O_RDWR)
            try:
                fcntl.ioctl(fd, termios.TIOCSTI, b"x")
                print("STI-OK")
            except OSError as e:
                print("STI-ERR", e.errno)
        """
        let s = try onTerminal(["--", "/usr/bin/python3", "-c", py], asUser: rootless)
        #expect(s.rc == 0, "\(s.out)")
        #expect(!s.out.contains("STI-OK"))
        #expect(s.out.contains("STI-ERR"))
        #expect(s.callerInput.isEmpty, "injected: \(s.callerInput)")
    }

    @Test("flow control on its own terminal (TCOOFF, TCIOFF) cannot stall the supervisor: the timeout still ends the run")
    func workloadFlowControl() throws {
        let py = "import sys, termios\ntermios.tcflow(1, termios.TCIOFF)\ntermios.tcflow(1, termios.TCOOFF)\nsys.stdout.write('x' * 300000)\nsys.stdout.flush()\n"
        let s = try onTerminal(["--timeout", "2", "--kill-after", "1", "--", "/usr/bin/python3", "-c", py])
        #expect(s.rc == 124, "\(s.out)")
        #expect(s.sameModes)
    }

    @Test("a caller's terminal that takes no output cannot stall the supervisor either")
    func callerStopped() throws {
        let s = try onTerminal(["--timeout", "2", "--kill-after", "1", "--", "/usr/bin/yes"], tcoff: true)
        #expect(s.rc == 124)
        #expect(s.sameModes)
    }

    @Test("a workload that leaves its terminal raw leaves the caller's as it was, also when sandbox-run is sent SIGTERM")
    func modesRestored() throws {
        let normal = try onTerminal(["--", "/bin/sh", "-c", "stty raw -echo -isig; echo done"])
        #expect(normal.rc == 0)
        #expect(normal.sameModes)
        let term = try onTerminal(["--", "/bin/sh", "-c", "stty raw -echo -isig; echo READY; sleep 30"],
                                  script: [["expect": "READY", "signal": "TERM"]])
        #expect(term.scriptDone)
        #expect(term.rc == 128 + 15, "\(term.out)")
        #expect(term.sameModes)
    }

    @Test("^Z suspends the foreground job of an interactive shell inside (job control on its own pty)")
    func suspend() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else {
            print("SKIP: job control test needs /bin/bash")
            return
        }
        // The job prints a marker computed at run time, so the echo of the
        // typed line cannot match it; ^Z then goes to a running job.
        let s = try onTerminal(["--", "/bin/bash", "--norc", "--noprofile", "-i"], script: [
            ["expect": "$ ", "send": "sh -c 'echo IN-$((40+2)); exec sleep 30'\r"],
            ["expect": "IN-42\r\n", "send": "\u{1A}"],
            ["expect": "Stopped", "send": "exit 7\r"],
            ["expect": "stopped jobs", "send": "exit 7\r"],
        ])
        #expect(s.scriptDone, "\(s.out)")
        #expect(s.rc == 7, "\(s.out)")
        #expect(s.sameModes)
    }

    @Test("SIGTSTP to sandbox-run does not stop it while it owns a pty: the run goes on")
    func stopSignalIgnored() throws {
        let s = try onTerminal(["--", "/bin/sh", "-c", "echo READY; read x; echo got:$x"],
                               script: [["expect": "READY", "signal": "TSTP"], ["expect": "READY", "send": "on\r"]])
        #expect(s.rc == 0, "\(s.out)")
        #expect(s.out.contains("got:on"))
        #expect(s.sameModes)
    }

    @Test("auto: only the descriptors that are terminals get the pty; a redirected file or pipe stays plain")
    func redirections() throws {
        let dir = Harness.makeWorkspace(owner: 0)
        defer { Harness.removeTree(dir) }
        try "line1\nline2\n".write(toFile: dir + "/in.txt", atomically: false, encoding: .utf8)
        // `cmd > out`: stdout is the file, bytes as written (no CR added by
        // a pty); stdin and stderr are the pty.
        let out = try onTerminal(["--", "/bin/sh", "-c", "test -t 1 || echo OUT-PLAIN; printf 'a\\nb\\n'; test -t 0 && echo IN-TTY >&2; echo READY >&2; read x; echo got:$x >&2"],
                                 script: [["expect": "READY", "send": "typed\r"]], redirect: ["stdout_file": dir + "/out.txt"])
        #expect(out.rc == 0, "\(out.out)")
        #expect(out.out.contains("IN-TTY"))
        #expect(out.out.contains("got:typed"))
        #expect((try? String(contentsOfFile: dir + "/out.txt", encoding: .utf8)) == "OUT-PLAIN\na\nb\n")
        // `cmd < in`: the workload reads the file itself, to its end.
        let inp = try onTerminal(["--", "/bin/sh", "-c", "test -t 0 || echo IN-PLAIN; cat; test -t 1 && echo OUT-TTY"],
                                 redirect: ["stdin_file": dir + "/in.txt"])
        #expect(inp.rc == 0)
        #expect(inp.out.contains("IN-PLAIN"))
        #expect(inp.out.contains("line1\r\nline2\r\n"))
        #expect(inp.out.contains("OUT-TTY"))
        #expect(inp.sameModes)
    }

    @Test("--tty never shares the caller's terminal; --tty always gives a pty even on pipes")
    func modes() throws {
        let never = try onTerminal(["--tty", "never", "--", "/bin/sh", "-c", "test -t 0 && echo TERM; ls /dev/pts"])
        #expect(never.out.contains("TERM"))
        #expect(!never.out.contains("0\r\n") && !never.out.contains("\n0\n"), "\(never.out)")
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let always = try Harness.sandbox(["--tty", "always", "--workspace", ws, "--", "/bin/sh", "-c", "test -t 0 && test -t 1 && echo TERM; tty"])
        #expect(always.status == 0, "\(always.stderr)")
        #expect(always.stdout.contains("TERM"))
        #expect(always.stdout.contains("/dev/pts/0"))
        let auto = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "test -t 1 || echo PIPE"])
        #expect(auto.stdout.contains("PIPE"))
    }
}

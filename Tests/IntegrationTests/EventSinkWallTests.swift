import Foundation
import StockadeEvents
import Testing

/// The supervisor's own edge: the events sink. Everything the workload can
/// write is hostile input, in this run and in later ones (docs/threat-model.md).
@Suite("Events sink walls", .enabled(if: Harness.requireRoot()))
struct EventSinkWallTests {
    /// A root-owned file outside every sandbox, standing in for a shell
    /// start-up file the attack wants root to append to.
    static func victim() throws -> (dir: String, file: String) {
        var template = Array("/tmp/stockade-victim-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        chmod(dir, 0o755)
        let file = dir + "/.bashrc"
        try "ORIGINAL\n".write(toFile: file, atomically: false, encoding: .utf8)
        return (dir, file)
    }

    static func run(_ args: [String], env: [String: String]? = nil, timeout: Double = 120) throws -> Harness.ProcessResult {
        try Harness.runProcess([Harness.binary] + args, env: env, timeout: timeout)
    }

    /// `sandbox-run ARGS` as the test uid (the rootless path), home `home`.
    static func runRootless(_ args: [String], home: String) throws -> Harness.ProcessResult {
        try Harness.runProcess(Harness.asUser(Harness.testUID, home: home) + [Harness.binary] + args)
    }

    @Test("run 1 plants events.jsonl -> a file outside the sandbox (root's, or rootless the caller's own); run 2 with --events there refuses (125) and the file is unchanged",
          arguments: [false, true])
    func plantedSymlinkAcrossRuns(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        // The file the attack wants appended to: root's start-up file, or
        // rootless the caller's own (in a home outside the sandbox).
        let dir: String, file: String
        if rootless {
            dir = Harness.makeWorkspace()
            file = dir + "/.bashrc"
            try "ORIGINAL\n".write(toFile: file, atomically: false, encoding: .utf8)
            chown(file, Harness.testUID, Harness.testUID)
        } else {
            (dir, file) = try Self.victim()
        }
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(dir)
        }
        let run: ([String]) throws -> Harness.ProcessResult = { args in
            rootless ? try Self.runRootless(args, home: dir) : try Self.run(args)
        }
        // Run 1: the workload plants the link (and a linked directory).
        let plant = ["--workspace", ws, "--", "/bin/sh", "-c", "ln -s \(file) \(ws)/events.jsonl && ln -s \(dir) \(ws)/logs"]
        let planted: (status: Int32, stderr: String)
        if rootless {
            let r = try Self.runRootless(["--events", "stderr"] + plant, home: dir)
            planted = (r.status, r.stderr)
        } else {
            let r = try Harness.sandbox(plant, cwd: ws)
            planted = (r.status, r.stderr)
        }
        #expect(planted.status == 0, "\(planted.stderr)")
        var st = stat()
        #expect(lstat(ws + "/events.jsonl", &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)

        // Run 2, the CI habit: the log in the checkout, which is the workspace.
        let inWorkspace = try run(["--events", ws + "/events.jsonl", "--workspace", ws, "--", "/bin/true"])
        #expect(inWorkspace.status == 125)
        #expect(inWorkspace.stderr.contains("workload can write"), "\(inWorkspace.stderr)")

        // Run 2 again with another workspace: the link itself is refused.
        let other = Harness.makeWorkspace()
        defer { Harness.removeTree(other) }
        let viaLink = try run(["--events", ws + "/events.jsonl", "--workspace", other, "--", "/bin/true"])
        #expect(viaLink.status == 125)
        #expect(viaLink.stderr.contains("symbolic link"), "\(viaLink.stderr)")
        let viaDir = try run(["--events", ws + "/logs/new.jsonl", "--workspace", other, "--", "/bin/true"])
        #expect(viaDir.status == 125)
        #expect(viaDir.stderr.contains("\(ws)/logs is a symbolic link"), "\(viaDir.stderr)")

        #expect(try String(contentsOfFile: file, encoding: .utf8) == "ORIGINAL\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/new.jsonl"))
    }

    @Test("plain root: a sink directory owned by another user, or writable by others without the sticky bit, is refused (125)")
    func sinkDirectoryOthersControl() throws {
        let ws = Harness.makeWorkspace()
        let theirs = Harness.makeWorkspace()  // the test uid's, not bound into the sandbox
        let (open, _) = try Self.victim()
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(theirs)
            Harness.removeTree(open)
        }
        let foreign = try Self.run(["--events", theirs + "/e.jsonl", "--workspace", ws, "--", "/bin/true"])
        #expect(foreign.status == 125)
        #expect(foreign.stderr.contains("\(theirs) is owned by uid \(Harness.testUID)"), "\(foreign.stderr)")
        #expect(!FileManager.default.fileExists(atPath: theirs + "/e.jsonl"))

        chmod(open, 0o777)
        let loose = try Self.run(["--events", open + "/e.jsonl", "--workspace", ws, "--", "/bin/true"])
        #expect(loose.status == 125)
        #expect(loose.stderr.contains("\(open) is writable by others (mode 777) without the sticky bit"), "\(loose.stderr)")
        #expect(!FileManager.default.fileExists(atPath: open + "/e.jsonl"))

        // Control: sticky, like /tmp.
        chmod(open, 0o1777)
        let sticky = try Self.run(["--events", open + "/e.jsonl", "--workspace", ws, "--", "/bin/true"])
        #expect(sticky.status == 0, "\(sticky.stderr)")
        #expect(FileManager.default.fileExists(atPath: open + "/e.jsonl"))
    }

    @Test("a sink inside a writable bind is refused; one outside is written")
    func writableBind() throws {
        let ws = Harness.makeWorkspace()
        let out = Harness.makeWorkspace()
        let (dir, _) = try Self.victim()
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(out)
            Harness.removeTree(dir)
        }
        // Spelled through a subdirectory and `..`: compared by inode, not text.
        #expect(mkdir(out + "/sub", 0o755) == 0)
        let refused = try Self.run(["--events", out + "/sub/../e.jsonl", "--bind", out, "--workspace", ws, "--", "/bin/true"])
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("it is inside \(out)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/e.jsonl"))

        let fine = try Self.run(["--events", dir + "/e.jsonl", "--bind", out, "--workspace", ws, "--", "/bin/true"])
        #expect(fine.status == 0, "\(fine.stderr)")
        var st = stat()
        #expect(stat(dir + "/e.jsonl", &st) == 0 && st.st_uid == 0 && st.st_mode & 0o777 == 0o600)
    }

    @Test("before a plan exists, a failure still reaches a non-file sink, and a file sink in the workspace is refused")
    func earlyFailure() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let toStderr = try Self.run(["--events", "stderr", "--profile", "/nonexistent/p.yaml", "--workspace", ws, "--", "/bin/true"])
        #expect(toStderr.status == 125)
        #expect(toStderr.stderr.contains(#""type":"sandbox.error""#), "\(toStderr.stderr)")
        let inWorkspace = try Harness.runProcess([Harness.binary, "--events", "e.jsonl", "--profile", "/nonexistent/p.yaml", "--", "/bin/true"], cwd: ws)
        #expect(inWorkspace.status == 125)
        #expect(inWorkspace.stderr.contains("workload can write"), "\(inWorkspace.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws + "/e.jsonl"))
    }

    @Test("an existing sink must be a regular file with one link, owned by root or the invoking user")
    func existingFileRules() throws {
        let ws = Harness.makeWorkspace()
        let (dir, file) = try Self.victim()
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(dir)
        }
        let linked = dir + "/linked.jsonl"
        #expect(link(file, linked) == 0)
        let r1 = try Self.run(["--events", linked, "--workspace", ws, "--", "/bin/true"])
        #expect(r1.status == 125)
        #expect(r1.stderr.contains("hard links"), "\(r1.stderr)")

        let foreign = dir + "/foreign.jsonl"
        try "".write(toFile: foreign, atomically: false, encoding: .utf8)
        chown(foreign, Harness.testUID, Harness.testUID)
        let r2 = try Self.run(["--events", foreign, "--workspace", ws, "--", "/bin/true"])
        #expect(r2.status == 125)
        #expect(r2.stderr.contains("owned by uid \(Harness.testUID)"), "\(r2.stderr)")

        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        let r3 = try Self.run(["--events", dir + "/fifo", "--workspace", ws, "--", "/bin/true"])
        #expect(r3.status == 125)
        #expect(r3.stderr.contains("not a regular file"), "\(r3.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "ORIGINAL\n")
    }

    @Test("under sudo the events file is created as the caller, and only where the caller may create files")
    func sudoCallerOwnership() throws {
        let ws = Harness.makeWorkspace()
        let callerDir = Harness.makeWorkspace()  // owned by the test uid
        let (rootDir, _) = try Self.victim()  // root's, 0755
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(callerDir)
            Harness.removeTree(rootDir)
        }
        var env = ProcessInfo.processInfo.environment
        env["SUDO_UID"] = String(Harness.testUID)
        env["SUDO_GID"] = String(Harness.testUID)
        let ok = try Self.run(["--events", callerDir + "/e.jsonl", "--workspace", ws, "--", "/bin/true"], env: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        var st = stat()
        #expect(stat(callerDir + "/e.jsonl", &st) == 0)
        #expect(st.st_uid == Harness.testUID && st.st_gid == Harness.testUID)

        let denied = try Self.run(["--events", rootDir + "/e.jsonl", "--workspace", ws, "--", "/bin/true"], env: env)
        #expect(denied.status == 125)
        #expect(denied.stderr.contains("EACCES"), "\(denied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: rootDir + "/e.jsonl"))
    }

    @Test("a sink nobody reads never holds up the timeout: exit 124, on time")
    func stalledPipe() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let fifo = NSTemporaryDirectory() + "stockade-stall-\(UUID().uuidString)"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        // The test holds the read end and never reads; the pipe is made as
        // small as the kernel allows so a few lines fill it.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        _ = fcntl(reader, 1031 /* F_SETPIPE_SZ */, 4096)
        // A sleep no other test (or parallel run) uses, so the leftover check
        // below can only see this sandbox's processes.
        let marker = "sleep 100.\(UInt32.random(in: 100_000...999_999))"
        let script = "exec \(Harness.binary) --events fd:3 --timeout 2s --kill-after 1s --workspace \(ws) -- /bin/sh -c "
            + "'i=0; while [ $i -lt 200 ]; do ./climb keyctl >/dev/null; i=$((i+1)); done; \(marker)' 3>\(fifo)"
        // Without the fix the supervisor blocks in write(2) forever and only
        // this harness's own deadline ends it (status 137).
        let r = try Harness.runProcess(["/bin/sh", "-c", script], cwd: ws, timeout: 90)
        #expect(r.status == 124, "\(r.stderr)")
        #expect(Harness.hostProcesses(containing: marker).isEmpty)
    }

    @Test("a workload that stops the terminal it shares with --events stderr (tcflow TCOOFF) cannot hold up the timeout")
    func stoppedTerminal() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        // A pty made by python3, whose master nobody reads; sandbox-run's
        // stdout and stderr are its slave. Prints "STATUS n" or "STILL RUNNING".
        let driver = """
        import os, pty, subprocess, sys, time
        master, slave = pty.openpty()
        p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        deadline = time.time() + 60
        while p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if p.poll() is None:
            p.kill(); p.wait(); print("STILL RUNNING")
        else:
            print("STATUS", p.returncode)
        """
        // --tty never: the workload must share the driver's terminal, the one
        // --events stderr writes to (with a pty of its own it would stop only that).
        let workload = "python3 -c 'import termios; termios.tcflow(2, termios.TCOOFF)' && : > tcoff-done; "
            + "i=0; while [ $i -lt 200 ]; do ./climb keyctl >/dev/null; i=$((i+1)); done; sleep 100"
        let r = try Harness.runProcess(["/usr/bin/python3", "-c", driver, Harness.binary, "--events", "stderr", "--tty", "never",
                                        "--timeout", "2s", "--kill-after", "1s", "--workspace", ws, "--", "/bin/sh", "-c", workload],
                                       cwd: ws, timeout: 120)
        // Without the fix: the supervisor blocks writing to the stopped
        // terminal and only the driver's 60 s deadline ends it.
        #expect(r.stdout.contains("STATUS 124"), "\(r.stdout) \(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws + "/tcoff-done"), "the workload never stopped the terminal")
    }

    @Test("rate caps from the profile bound syscall.denied; the rest is counted in events.suppressed")
    func profileRateCap() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let profileDir = NSTemporaryDirectory() + "stockade-rl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: profileDir, withIntermediateDirectories: true)
        defer { Harness.removeTree(profileDir) }
        try """
        extends: default
        events:
          rate_limits:
            syscall.denied:
              per_second: 0
              burst: 5
        """.write(toFile: profileDir + "/capped.yaml", atomically: false, encoding: .utf8)
        let r = try Harness.sandbox(["--profile", profileDir + "/capped.yaml", "--workspace", ws, "--", "/bin/sh", "-c",
                                     "i=0; while [ $i -lt 40 ]; do ./climb keyctl >/dev/null; i=$((i+1)); done"], cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.events("syscall.denied").count == 5)
        let suppressed = r.events("events.suppressed").filter { $0["suppressed_type"] == "syscall.denied" }
            .reduce(0) { $0 + Int($1["count"]?.int64Value ?? 0) }
        #expect(suppressed == 35)
        #expect(r.end?["denials"]?.objectValue?["syscalls"]?.int64Value == 40)
        #expect(r.end?["events_suppressed"]?.int64Value == 35)
    }

    static func installStacker(into workspace: String) throws {
        let src = Harness.repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/stacker.c").path
        let r = try Harness.runProcess(["/usr/bin/cc", "-O1", "-o", workspace + "/stacker", src], timeout: 60)
        #expect(r.status == 0, "cc failed: \(r.stderr)")
        chown(workspace + "/stacker", Harness.testUID, Harness.testUID)
    }

    @Test("a stacked filter that hides a denial is evented, reported, and fails --fail-on-deny", arguments: ["seccomp", "prctl"])
    func stackedFilter(how: String) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installStacker(into: ws)
        let eventsDir = Harness.makeWorkspace(owner: 0)
        defer { Harness.removeTree(eventsDir) }
        let events = eventsDir + "/events.jsonl"
        let r = try Harness.runProcess([Harness.binary, "--events", events, "--fail-on-deny", "--workspace", ws, "--", "./stacker", how], cwd: ws)
        // Installing stays allowed, and the workload's own filter works...
        #expect(r.stdout.contains("INSTALL ok"), "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("KEYCTL -1 \(EPERM)"), "\(r.stdout)")
        // ...but the run does not pass as clean.
        #expect(r.status == 1, "\(r.stderr)")
        let text = try String(contentsOfFile: events, encoding: .utf8)
        let lines = text.split(separator: "\n").compactMap { try? JSONParser().parseObject(String($0)) }
        let stacked = lines.filter { $0["type"] == "seccomp.stacked" }
        #expect(stacked.count == 1)
        #expect(stacked.first?["syscall"]?.stringValue == how)
        #expect(lines.allSatisfy { EventSchema.validate($0).isEmpty })
        let end = lines.last { $0["type"] == "sandbox.end" }
        #expect(end?["denials"]?.objectValue?["stacked_filters"]?.int64Value == 1)

        let report = try Harness.runProcess([Harness.binary, "report", "--format", "table", events])
        #expect(report.stdout.contains("Stacked seccomp filters"), "\(report.stdout)")
    }
}

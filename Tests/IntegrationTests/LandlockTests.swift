import Foundation
import StockadeEvents
import Testing

/// The second wall. Each attack is tried twice where it can be: once as
/// shipped, and once with Landlock capped by the debug build's test switch
/// (`STOCKADE_TEST_LANDLOCK_ABI_AT_MOST`), which shows that the attack is
/// real and that Landlock is what stops it. Every attack an unprivileged
/// user's sandbox faces too is tried from a rootless sandbox as well.
///
/// Whether this kernel can run the suite, checked once with the probe itself.
enum LandlockKernel {
    static let probeSource = Harness.repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/landlock_probe.c").path

    /// Scoping needs ABI 6; without it the suite says why and is skipped.
    static func kernelHasScoping() -> Bool {
        let out = NSTemporaryDirectory() + "stockade-llabi-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        guard let cc = try? Harness.runProcess(["/usr/bin/cc", "-O1", "-o", out, probeSource], timeout: 60), cc.status == 0,
              let r = try? Harness.runProcess([out, "abi"]), let abi = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            print("SKIP: Landlock tests: cannot build the probe fixture")
            return false
        }
        if abi < 6 { print("SKIP: Landlock tests: this kernel has Landlock ABI \(abi); scoping needs 6") }
        return abi >= 6
    }
}

@Suite("Landlock", .enabled(if: Harness.requireRoot() && LandlockKernel.kernelHasScoping()))
struct LandlockTests {
    static let probeSource = LandlockKernel.probeSource

    static func installProbe(into workspace: String) throws {
        let r = try Harness.runProcess(["/usr/bin/cc", "-O1", "-o", workspace + "/probe", probeSource], timeout: 60)
        #expect(r.status == 0, "cc failed: \(r.stderr)")
        chown(workspace + "/probe", Harness.testUID, Harness.testUID)
    }

    static func env(_ extra: [String: String]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for (k, v) in extra { e[k] = v }
        return e
    }

    static func result(_ r: Harness.Result, _ name: String) -> String? {
        r.stdout.split(separator: "\n").first { $0.hasPrefix("RESULT \(name) ") }.map { String($0.dropFirst("RESULT \(name) ".count)) }
    }

    static let capABI5 = ["STOCKADE_TEST_LANDLOCK_ABI_AT_MOST": "5"]
    static let noLandlock = ["STOCKADE_TEST_LANDLOCK_ABI_AT_MOST": "0"]

    // MARK: enforced and reported

    @Test("sandbox.start reports the whole ruleset enforced, and real programs run under it", arguments: [false, true])
    func reportedAndUsable(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c",
                                     "echo hi > \(ws)/f && cat \(ws)/f && echo x > /dev/null && : > /tmp/t && ls /usr/bin >/dev/null && ls / >/dev/null && cat /proc/self/status >/dev/null && echo fine"], cwd: ws,
                                    asUser: rootless ? Harness.testUID : nil)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("hi\nfine"))
        let ll = r.events("sandbox.start").first?["policy"]?.objectValue?["landlock"]?.objectValue
        #expect((ll?["abi"]?.int64Value ?? 0) >= 6)
        #expect(ll?["complete"]?.boolValue == true)
        #expect(ll?["scopes"]?.arrayValue?.compactMap(\.stringValue) == ["abstract_unix_socket", "signal"])
        #expect(ll?["fs_rights"]?.arrayValue?.compactMap(\.stringValue).contains("ioctl_dev") == true)
        #expect(r.events("sandbox.warning").allSatisfy { !($0["code"]?.stringValue ?? "").hasPrefix("landlock") })
    }

    // MARK: the second wall on its own

    /// The mount view is made wider than the plan (a test-only writable bind
    /// of a host directory holding a secret, with no Landlock rule): the
    /// filesystem attacks must still fail, with EACCES — and succeed with
    /// Landlock off, which proves the bind really is there.
    @Test("with a mount view wider than the plan, reading, writing and symlinking out still fail", arguments: [false, true])
    func secondWallStandsAlone(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installProbe(into: ws)
        let outside = Harness.makeWorkspace()
        defer { Harness.removeTree(outside) }
        try "hunter2\n".write(toFile: outside + "/secret", atomically: false, encoding: .utf8)
        chown(outside + "/secret", Harness.testUID, Harness.testUID)
        // A symlink planted in the workspace, pointing out of it.
        symlink("/extra/secret", ws + "/link")
        let wider = ["STOCKADE_TEST_EXTRA_BIND_WITHOUT_LANDLOCK_RULE": "\(outside):/extra"]
        let script = "./probe read /extra/secret read-secret; ./probe write /extra/planted write-outside; ./probe read link follow-symlink; ./probe write /tmp/ok write-tmp; ./probe write \(ws)/ok write-workspace"

        let walled = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", script], cwd: ws, env: Self.env(wider), asUser: rootless ? Harness.testUID : nil)
        #expect(walled.stderr.contains("TEST BUILD"), "the debug build did not honour the test switch: \(walled.stderr)")
        #expect(Self.result(walled, "read-secret") == "denied EACCES", "\(walled.stdout)")
        #expect(Self.result(walled, "write-outside") == "denied EACCES", "\(walled.stdout)")
        #expect(Self.result(walled, "follow-symlink") == "denied EACCES", "\(walled.stdout)")
        #expect(Self.result(walled, "write-tmp") == "ok", "\(walled.stdout)")
        #expect(Self.result(walled, "write-workspace") == "ok", "\(walled.stdout)")
        #expect(!FileManager.default.fileExists(atPath: outside + "/planted"))

        var open = Self.env(wider)
        open.merge(Self.noLandlock) { $1 }
        let control = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", script], cwd: ws, env: open, asUser: rootless ? Harness.testUID : nil)
        #expect(Self.result(control, "read-secret") == "ok", "control: the wider view is not there: \(control.stdout) \(control.stderr)")
        #expect(Self.result(control, "write-outside") == "ok", "\(control.stdout)")
        #expect(Self.result(control, "follow-symlink") == "ok", "\(control.stdout)")
    }

    @Test("a read-only workspace is read-only to Landlock too", arguments: [false, true])
    func readOnlyWorkspace(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installProbe(into: ws)
        // Bind the workspace's own directory writable at a second place
        // without a rule: the mount says yes, Landlock must say no.
        let r = try Harness.sandbox(["--workspace", ws, "--workspace-mode", "ro", "--", "/bin/sh", "-c",
                                     "./probe write /again/x write-again; ./probe read \(ws)/probe read-workspace"],
                                    cwd: ws, env: Self.env(["STOCKADE_TEST_EXTRA_BIND_WITHOUT_LANDLOCK_RULE": "\(ws):/again"]), asUser: rootless ? Harness.testUID : nil)
        #expect(Self.result(r, "write-again") == "denied EACCES", "\(r.stdout) \(r.stderr)")
        #expect(Self.result(r, "read-workspace") == "ok", "\(r.stdout)")
    }

    // MARK: scoping

    /// A listener on a host abstract unix socket (X11, D-Bus, containerd-shim
    /// live there) is out of reach even with `--net host`, which shares the
    /// host's network namespace and with it the abstract socket names.
    @Test("a host abstract unix socket is unreachable from --net host", arguments: [false, true])
    func abstractSocketScoped(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installProbe(into: ws)
        let name = "stockade-test-\(UUID().uuidString)"
        let listener = try AbstractListener(name: name)
        defer { listener.close() }

        let r = try Harness.sandbox(["--profile", "agent", "--net", "host", "--workspace", ws, "--", "./probe", "abstract", name], cwd: ws,
                                    asUser: rootless ? Harness.testUID : nil)
        #expect(Self.result(r, "abstract")?.hasPrefix("denied") == true, "\(r.stdout) \(r.stderr)")

        let control = try Harness.sandbox(["--profile", "agent", "--net", "host", "--workspace", ws, "--", "./probe", "abstract", name],
                                          cwd: ws, env: Self.env(Self.capABI5), asUser: rootless ? Harness.testUID : nil)
        #expect(Self.result(control, "abstract") == "ok", "control: the listener is not reachable at all: \(control.stdout) \(control.stderr)")
    }

    /// A process outside the sandbox's Landlock domain but inside its pid
    /// namespace (put there with nsenter, same uid as the workload): the
    /// workload sees its pid, has the credentials to signal it, and is
    /// still refused with EPERM. The supervisor's own signals into the
    /// sandbox keep working (LifetimeTests.forwardsSignals).
    @Test("a signal to a process outside the sandbox is refused even when its pid is known", arguments: [false, true])
    func signalScoped(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installProbe(into: ws)
        let blocked = try Self.killAcross(ws: ws, env: Self.env([:]), rootless: rootless)
        #expect(blocked.contains("FOUND"), "the workload never saw the outside process: \(blocked)")
        #expect(blocked.contains("RESULT kill-target denied EPERM"), "\(blocked)")
        let control = try Self.killAcross(ws: ws, env: Self.env(Self.capABI5), rootless: rootless)
        #expect(control.contains("RESULT kill-target ok"), "control: the signal fails without Landlock too: \(control)")
    }

    /// Runs `probe kill-target MARKER` in a `--net host` sandbox, enters its
    /// pid namespace from the host to start the target, returns the output.
    static func killAcross(ws: String, env: [String: String], rootless: Bool) throws -> String {
        let tag = "stk-target-\(UInt32.random(in: 100_000...999_999))"
        let out = NSTemporaryDirectory() + "stockade-kill-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let p = Process()
        let argv = (rootless ? Harness.asUser(Harness.testUID, home: ws) : []) +
            [Harness.binary, "--profile", "agent", "--net", "host", "--workspace", ws, "--", "./probe", "kill-target", tag]
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.currentDirectoryURL = URL(fileURLWithPath: ws)
        p.environment = env
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        var workload: Int32 = 0
        _ = Harness.waitUntil(20) {
            workload = Harness.hostProcesses(containing: "kill-target \(tag)").first ?? 0
            return workload != 0
        }
        var target: Process?
        if workload != 0 {
            let t = Process()
            t.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            t.arguments = ["-t", "\(workload)", "-p", "--", "/usr/bin/setpriv", "--reuid=\(Harness.testUID)", "--regid=\(Harness.testUID)",
                           "--clear-groups", "/bin/sh", "-c", "sleep 30; : \(tag)"]
            t.standardOutput = FileHandle.nullDevice
            t.standardError = FileHandle.nullDevice
            try t.run()
            target = t
        }
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        // The target lived in the sandbox's pid namespace, which died with
        // its init; its nsenter parent follows.
        if let t = target {
            if t.isRunning { kill(t.processIdentifier, SIGKILL) }
            t.waitUntilExit()
        }
        try? handle.close()
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    // MARK: degrading loudly

    @Test("an older ABI runs with what it has and says so; --require-landlock refuses it", arguments: [false, true])
    func partialLandlock(rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let marker = ws + "/ran"
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "touch \(marker)"], cwd: ws, env: Self.env(Self.capABI5), asUser: rootless ? Harness.testUID : nil)
        #expect(r.status == 0, "\(r.stderr)")
        let ll = r.events("sandbox.start").first?["policy"]?.objectValue?["landlock"]?.objectValue
        #expect(ll?["abi"]?.int64Value == 5)
        #expect(ll?["scopes"]?.arrayValue?.isEmpty == true)
        #expect(ll?["complete"]?.boolValue == false)
        let warning = r.events("sandbox.warning").first { $0["code"]?.stringValue == "landlock_partial" }
        #expect(warning?["message"]?.stringValue?.contains("scope signal") == true)
        #expect(r.stderr.contains("warning: Landlock ABI 5"))
        try? FileManager.default.removeItem(atPath: marker)

        let req = try Harness.sandbox(["--require-landlock", "--workspace", ws, "--", "/bin/sh", "-c", "touch \(marker)"], cwd: ws,
                                      env: Self.env(Self.capABI5), asUser: rootless ? Harness.testUID : nil)
        #expect(req.status == 125)
        #expect(!FileManager.default.fileExists(atPath: marker), "the workload ran without the required Landlock")
        let err = req.events("sandbox.error").first
        #expect(err?["step"]?.stringValue == "landlock")
        #expect(err?["code"]?.stringValue == "landlock_partial")
        #expect(req.exitReason == "setup_failed")

        let none = try Harness.sandbox(["--profile", "strict", "--", "/bin/true"], cwd: ws, env: Self.env(Self.noLandlock), asUser: rootless ? Harness.testUID : nil)
        #expect(none.status == 125, "strict requires Landlock: \(none.stderr)")
        #expect(none.events("sandbox.error").first?["code"]?.stringValue == "landlock_unavailable")
    }
}

/// A listening abstract unix socket in the test process (the host side).
final class AbstractListener {
    let fd: Int32

    init(name: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            p[0] = 0
            for (i, b) in bytes.enumerated() where i + 1 < p.count { p[i + 1] = b }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
    }

    func close() { Glibc.close(fd) }
}

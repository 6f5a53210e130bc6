import Foundation
import Testing

/// A bind source swapped between the check that looked at it and the bind:
/// the mask scan's workspace, the egress files just verified. The debug
/// build's pause hook (`STOCKADE_TEST_PAUSE_BEFORE_BINDS`) holds the
/// supervisor right before the binds, so the swap lands in that window
/// every time; the bind must then refuse (125, `bind_source_changed`).
/// Rootless, the child clones each source itself by path and checks it
/// against the supervisor's descriptor; a second hook
/// (`STOCKADE_TEST_PAUSE_AFTER_BINDS_OPENED`) holds the supervisor after it
/// opened the sources, so the swap gets past its check and only the
/// child's can refuse it.
@Suite("Bind sources swapped after their checks", .enabled(if: Harness.requireRoot()))
struct BindSwapTests {
    static let hook = "STOCKADE_TEST_PAUSE_BEFORE_BINDS"
    static let afterOpenedHook = "STOCKADE_TEST_PAUSE_AFTER_BINDS_OPENED"

    /// Runs `argv` with the pause hook `hook`; at the pause runs `swap` (nil:
    /// a control run that changes nothing), then lets the supervisor go on.
    static func runPaused(_ argv: [String], hook: String = BindSwapTests.hook, swap: (() throws -> Void)?) throws -> Harness.ProcessResult {
        let base = NSTemporaryDirectory() + "stockade-bindswap-\(UUID().uuidString)"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env[hook] = base
        p.environment = env
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            for suffix in [".out", ".err", ".paused", ".go"] { unlink(base + suffix) }
        }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let paused = Harness.waitUntil(60) { access(base + ".paused", F_OK) == 0 || !p.isRunning }
        #expect(paused && p.isRunning, "the supervisor never reached the pause")
        if paused && p.isRunning { try swap?() }
        _ = FileManager.default.createFile(atPath: base + ".go", contents: nil)
        if !Harness.waitUntil(60, { !p.isRunning }) { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return Harness.ProcessResult(status: p.terminationStatus, stdout: out, stderr: err, pid: p.processIdentifier)
    }

    @Test("the workspace swapped for another tree after the mask scan is not bound (125); the control run is")
    func workspaceSwappedAfterScan() throws {
        let ws = Harness.makeWorkspace()
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(ws + ".scanned")
        }
        try "TOKEN=scanned-secret\n".write(toFile: ws + "/.env", atomically: false, encoding: .utf8)
        let argv = [Harness.binary, "--events", "stderr", "--profile", "agent", "--workspace", ws, "--",
                    "/bin/sh", "-c", "cat \(ws)/.env; echo ran"]

        let control = try Self.runPaused(argv, swap: nil)
        #expect(control.status == 0, "\(control.stderr)")
        #expect(control.stdout.contains("ran") && !control.stdout.contains("scanned-secret"), "\(control.stdout)")

        let swapped = try Self.runPaused(argv) {
            // The scanned tree moves away; one the scan never saw takes its name.
            #expect(rename(ws, ws + ".scanned") == 0)
            #expect(mkdir(ws, 0o755) == 0)
            chown(ws, Harness.testUID, Harness.testUID)
            try "TOKEN=unscanned-secret\n".write(toFile: ws + "/.env", atomically: false, encoding: .utf8)
        }
        #expect(swapped.status == 125, "\(swapped.status) \(swapped.stderr)")
        #expect(swapped.stderr.contains(#""code":"bind_source_changed""#), "\(swapped.stderr)")
        #expect(!swapped.stdout.contains("ran") && !swapped.stdout.contains("unscanned-secret"), "\(swapped.stdout)")
    }

    /// A rootless `--net filtered` run of `cat /etc/resolv.conf` as the
    /// test user, in a network namespace of its own.
    static func rootlessEgressArgv(xdg: String, ws: String) -> [String] {
        let uid = Harness.testUID
        return ["/usr/bin/unshare", "--net", "--", "/bin/sh", "-c", "set -e; /usr/sbin/ip link set lo up; exec \"$0\" \"$@\"",
                "/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                "/usr/bin/env", "XDG_RUNTIME_DIR=\(xdg)", "HOME=\(ws)", Harness.binary,
                "--events", "stderr", "--net", "filtered", "--dns-upstream", "127.0.0.1", "--workspace", ws,
                "--", "/bin/cat", "/etc/resolv.conf"]
    }

    @Test("rootless: resolv.conf replaced after its check is not bound (125); the control run is")
    func egressFileSwappedAfterCheck() throws {
        try Self.swapResolvConf(hook: Self.hook, refusedAt: "open_bind_source")
    }

    @Test("rootless: resolv.conf replaced after the supervisor opened it is refused by the child (125); the control run is")
    func egressFileSwappedAfterOpen() throws {
        // The supervisor's check already passed: the child's clone refuses.
        try Self.swapResolvConf(hook: Self.afterOpenedHook, refusedAt: "mount_op")
    }

    /// Control run, then a run whose resolv.conf is replaced at the pause of
    /// `hook`: refused at `step` with `bind_source_changed`, the planted file
    /// never read.
    static func swapResolvConf(hook: String, refusedAt step: String) throws {
        let xdg = Harness.makeWorkspace()
        chmod(xdg, 0o700)
        let ws = Harness.makeWorkspace()
        defer {
            Harness.removeTree(xdg)
            Harness.removeTree(ws)
        }
        let uid = Harness.testUID
        let argv = rootlessEgressArgv(xdg: xdg, ws: ws)

        let control = try runPaused(argv, hook: hook, swap: nil)
        #expect(control.status == 0, "\(control.stderr)")
        #expect(control.stdout.contains("nameserver 127.0.0.53"), "\(control.stdout)")

        let net = xdg + "/stockade/net"
        let swapped = try runPaused(argv, hook: hook) {
            try "nameserver 192.0.2.53\n".write(toFile: net + "/planted", atomically: false, encoding: .utf8)
            chown(net + "/planted", uid, uid)
            #expect(rename(net + "/planted", net + "/resolv.conf") == 0)
        }
        #expect(swapped.status == 125, "\(swapped.status) \(swapped.stderr)")
        #expect(swapped.stderr.contains(#""code":"bind_source_changed""#), "\(swapped.stderr)")
        #expect(swapped.stderr.contains(#""step":"\#(step)""#), "\(swapped.stderr)")
        #expect(!swapped.stdout.contains("192.0.2.53"), "\(swapped.stdout)")
    }
}

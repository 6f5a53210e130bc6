import Foundation
import StockadeEvents
import StockadeTestSupport
import Testing

/// Runs the real `sandbox-run` binary and collects what it did: exit status,
/// output, and the JSON-lines events it wrote. Integration tests assert on
/// what the workload observed from inside, never on the code's intentions.
enum Harness {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["STOCKADE_BIN"] { return b }
        for dir in [".build/debug", ".build/release"] {
            let p = repoRoot.appendingPathComponent(dir).appendingPathComponent("sandbox-run").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return repoRoot.appendingPathComponent(".build/debug/sandbox-run").path
    }

    static let isRoot = getuid() == 0
    /// The uid workspaces are chowned to, so the workload (which runs as the
    /// workspace owner by default) can write there.
    static let testUID: uid_t = 4242

    /// Root-only suites print why they are skipped instead of passing silently.
    static func requireRoot() -> Bool {
        if !isRoot {
            print("SKIP: integration tests need root (namespaces, cgroups); run `sudo swift test` or `make test` as root")
        }
        return isRoot
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var events: [JSONObject]
        var eventLines: [String]

        func events(_ type: String) -> [JSONObject] {
            events.filter { $0["type"]?.stringValue == type }
        }
        var end: JSONObject? { events("sandbox.end").last }
        var exitReason: String? { end?["exit_reason"]?.stringValue }
        /// Lines "RESULT name ok|denied ERRNO" printed by the climb fixture.
        func climbResult(_ name: String) -> String? {
            stdout.split(separator: "\n").first { $0.hasPrefix("RESULT \(name) ") }.map { String($0.dropFirst("RESULT \(name) ".count)) }
        }
    }

    /// A fresh workspace directory owned by the test uid.
    static func makeWorkspace(owner: uid_t = testUID) -> String {
        var template = Array("/tmp/stockade-ws-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!
        let path = String(cString: p)
        chown(path, owner, owner)
        chmod(path, 0o755)
        return path
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Compile the climb fixture into the workspace (host gcc).
    static func installClimb(into workspace: String) throws {
        let src = repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/climb.c").path
        let out = workspace + "/climb"
        let r = try runProcess(["/usr/bin/cc", "-O1", "-o", out, src], timeout: 60)
        #expect(r.status == 0, "cc failed: \(r.stderr)")
        chown(out, testUID, testUID)
    }

    /// The command prefix that runs what follows as `uid` (group `uid`, no
    /// supplementary groups): the rootless path. No XDG_RUNTIME_DIR, HOME
    /// where the test says, as for a user without a login session.
    static func asUser(_ uid: uid_t, home: String?) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
         "/usr/bin/env", "-u", "XDG_RUNTIME_DIR", "HOME=\(home ?? "/tmp")"]
    }

    /// Run sandbox-run with `args` (options, `--`, command), events to a file.
    /// `asUser`: started by that unprivileged user instead of root (rootless).
    static func sandbox(_ args: [String], cwd: String? = nil, env: [String: String]? = nil, timeout: Double = 120,
                        asUser uid: uid_t? = nil) throws -> Result {
        let eventsPath = NSTemporaryDirectory() + "stockade-events-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: eventsPath) }
        let prefix = uid.map { asUser($0, home: cwd) } ?? []
        let r = try runProcess(prefix + [binary, "--events", eventsPath] + args, cwd: cwd, env: env, timeout: timeout)
        let text = (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        var events: [JSONObject] = []
        for line in lines {
            if let obj = try? JSONParser().parseObject(line) { events.append(obj) }
        }
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr, events: events, eventLines: lines)
    }

    struct ProcessResult {
        var status: Int32
        var stdout: String
        var stderr: String
        var pid: Int32
    }

    static func runProcess(_ argv: [String], cwd: String? = nil, env: [String: String]? = nil, timeout: Double = 120) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let env { p.environment = env }
        // Output goes to files: no reader threads, no pipe that can fill up.
        let base = NSTemporaryDirectory() + "stockade-out-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try? out.close()
        try? err.close()
        let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let errData = FileManager.default.contents(atPath: base + ".err") ?? Data()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return ProcessResult(status: status, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self), pid: p.processIdentifier)
    }

    /// Processes on the host whose command line contains `marker`.
    static func hostProcesses(containing marker: String) -> [Int32] {
        let me = getpid()
        var found: [Int32] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for e in entries {
            guard let pid = Int32(e), pid != me else { continue }
            guard let data = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { continue }
            let cmd = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if cmd.contains(marker) && !cmd.contains("sandbox-run") { found.append(pid) }
        }
        return found
    }

    /// Polls `condition` until it holds or `timeout` seconds pass (see
    /// StockadeTestSupport's `waitUntil`).
    static func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        StockadeTestSupport.waitUntil(timeout, condition)
    }
}

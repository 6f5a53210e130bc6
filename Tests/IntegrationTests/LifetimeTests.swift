import Foundation
import StockadeEvents
import Testing

/// Nothing outlives the sandbox: timeouts, signals, a killed supervisor.
@Suite("Lifetime", .enabled(if: Harness.requireRoot()))
struct LifetimeTests {
    @Test("timeout: SIGTERM, grace, SIGKILL; exit 124 within grace + 1 s; nothing left")
    func timeout() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // A unique sleep duration marks the workload in the host's process list.
        let marker = "60.\(UInt32.random(in: 100_000...999_999))"
        let started = Date()
        // Ignores SIGTERM, so only the SIGKILL after the grace ends it.
        let r = try Harness.sandbox(["--workspace", ws, "--timeout", "1s", "--kill-after", "1s", "--",
                                     "/bin/sh", "-c", "trap '' TERM; sleep \(marker); true"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(r.status == 124)
        #expect(r.exitReason == "timeout")
        #expect(elapsed < 1 + 1 + 1 + 1.5, "took \(elapsed)s")
        #expect(r.events("timeout").count >= 1)
        #expect(Harness.hostProcesses(containing: marker).isEmpty)
    }

    @Test("a double-forked setsid daemon does not survive the sandbox")
    func daemonDies() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "./climb", "daemon", ws + "/daemon.log"], cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        // Without this a daemon that never started would pass as one that died.
        #expect(r.climbResult("daemon") == "spawned", "\(r.stdout)")
        // The daemon's command line names its log: the host's process table
        // is the evidence, read until it is clean (a killed process can take
        // a moment to be released) rather than after a fixed sleep.
        let gone = Harness.waitUntil(10) { Harness.hostProcesses(containing: ws + "/daemon.log").isEmpty }
        #expect(gone, "daemon survived: \(Harness.hostProcesses(containing: ws + "/daemon.log"))")
    }

    @Test("kill -9 of sandbox-run leaves no workload process")
    func supervisorKilled() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let marker = "60.\(UInt32.random(in: 100_000...999_999))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = ["--workspace", ws, "--", "/bin/sh", "-c", "sleep \(marker); true"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let seen = Harness.waitUntil(20) { !Harness.hostProcesses(containing: marker).isEmpty }
        #expect(seen, "workload never started")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let gone = Harness.waitUntil(10) { Harness.hostProcesses(containing: marker).isEmpty }
        #expect(gone, "workload survived its supervisor")
        // gc removes what the dead supervisor left (its cgroup, its registry entry).
        let gc = try Harness.runProcess([Harness.binary, "gc"])
        #expect(gc.status == 0)
    }

    @Test("SIGTERM to sandbox-run is forwarded to the workload")
    func forwardsSignals() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let events = NSTemporaryDirectory() + "stockade-fwd-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: events) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = ["--events", events, "--workspace", ws, "--", "/bin/sh", "-c", "trap 'echo got-term > \(ws)/term; exit 3' TERM; : > \(ws)/armed; while :; do sleep 0.1; done"]
        try p.run()
        // SIGTERM before the trap is set would kill the shell outright (143, no file):
        // send it only once the workload says its trap is armed.
        #expect(Harness.waitUntil(20) { FileManager.default.fileExists(atPath: ws + "/armed") }, "workload never armed its trap")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 3)
        #expect((try? String(contentsOfFile: ws + "/term", encoding: .utf8)) == "got-term\n")
        let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        #expect(log.contains("\"signal.forwarded\""))
    }
}

@Suite("Kill switch", .enabled(if: Harness.requireRoot()))
struct KillSwitchTests {
    @Test("sandbox-run kill ID ends a running sandbox cleanly, with its final event")
    func killByID() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let events = NSTemporaryDirectory() + "stockade-kill-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: events) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = ["--events", events, "--name", "victim", "--workspace", ws, "--", "/bin/sleep", "60"]
        try p.run()
        var id: String? = nil
        // Up to 20 s for sandbox.ready: a loaded machine can take seconds to set up.
        for _ in 0..<400 where id == nil {
            usleep(50_000)
            let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
            if log.contains("sandbox.ready"), let first = log.split(separator: "\n").first,
               let obj = try? JSONParser().parseObject(String(first)) {
                id = obj["sandbox"]?.stringValue
            }
        }
        let sandboxID = try #require(id)
        let list = try Harness.runProcess([Harness.binary, "kill", "--list"])
        #expect(list.stdout.contains(sandboxID))
        let k = try Harness.runProcess([Harness.binary, "kill", sandboxID])
        #expect(k.status == 0, "\(k.stderr)")
        p.waitUntilExit()
        #expect(p.terminationStatus == 143)
        let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        #expect(log.contains("\"signal.forwarded\""))
        #expect(log.contains("\"sandbox.end\""))
        let after = try Harness.runProcess([Harness.binary, "kill", sandboxID])
        #expect(after.status == 1)
    }
}

import Foundation
import StockadeEvents
import Testing

@Suite("Limits", .enabled(if: Harness.requireRoot()), .serialized)
struct LimitTests {
    @Test("a fork bomb is stopped by the pids limit and evented")
    func forkBomb() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--pids-limit", "32", "--timeout", "20s", "--", "./climb", "forkbomb"], cwd: ws)
        #expect(r.stdout.contains("RESULT forkbomb fork-failures"), "\(r.stdout) \(r.stderr)")
        // The kernel, not only the event, must have refused forks.
        let failures = r.climbResult("forkbomb").flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(failures > 0, "no fork failed: \(r.stdout)")
        #expect(r.events("limit.hit").contains { $0["limit"]?.stringValue == "pids" })
        // pids.peak exists on this kernel (v1 and v2), so the field must be there.
        let peak = r.end?["pids_peak"]?.int64Value
        #expect(peak != nil && peak! <= 32 && peak! > 1, "pids_peak \(String(describing: peak))")
    }

    @Test("a memory hog is OOM-killed: exit_reason oom_kill")
    func memoryHog() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--memory", "64m", "--", "./climb", "memhog", "512"], cwd: ws)
        #expect(r.climbResult("memhog") == nil, "hog finished: \(r.stdout)")
        #expect(r.exitReason == "oom_kill", "\(r.eventLines.last ?? "")")
        #expect(r.status == 137)
        #expect(r.events("limit.hit").contains { $0["limit"]?.stringValue == "memory" })
        let peak = r.end?["peak_memory_bytes"]?.int64Value ?? 0
        #expect(peak > 0 && peak <= 64 << 20)
    }

    @Test("cpu_time_ms counts a grandchild's CPU, with and without a CPU limit (rusage vs cpuacct)")
    func cpuTime() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // A backgrounded grandchild burns a fixed amount of CPU; the shell
        // waits for it, then `times` prints the CPU its children used, as the
        // kernel counted it. The sandbox's figure must cover that, however
        // loaded the machine is (a wall-clock burn gets less CPU under load).
        let burn = "(i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done) & wait; times"
        for extra in [[], ["--cpus", "1"]] {
            let r = try Harness.sandbox(["--workspace", ws] + extra + ["--", "/bin/sh", "-c", burn])
            #expect(r.status == 0, "\(r.stderr)")
            let children = Self.childrenCPUms(timesOutput: r.stdout)
            #expect(children >= 50, "the burn used too little CPU to tell: \(r.stdout)")
            let cpu = r.end?["cpu_time_ms"]?.doubleValue ?? 0
            #expect(cpu >= children * 0.9, "cpu_time_ms \(cpu) < children's \(children) ms with \(extra)")
        }
    }

    /// The children's user + system time from the second line of `times`
    /// (`0m0.310000s 0m0.004000s`), in milliseconds.
    static func childrenCPUms(timesOutput: String) -> Double {
        let lines = timesOutput.split(separator: "\n")
        guard lines.count >= 2 else { return 0 }
        return lines[1].split(separator: " ").reduce(0.0) { sum, field in
            let parts = field.dropLast().split(separator: "m")
            guard parts.count == 2, let m = Double(parts[0]), let s = Double(parts[1]) else { return sum }
            return sum + (m * 60 + s) * 1000
        }
    }

    @Test("rlimits: core dumps off by default")
    func coreLimit() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "ulimit -c"])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}

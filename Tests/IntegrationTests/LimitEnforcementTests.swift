import Foundation
import StockadeEvents
import Testing

/// Item 10 of issue 9: limits are never silently unenforced. This host keeps
/// memory and pids on cgroup v1, so a rootless caller cannot have them.
@Suite("Limits are enforced or loudly not", .enabled(if: Harness.requireRoot()))
struct LimitEnforcementTests {
    static let uid: uid_t = 65534

    static func rootless(_ ws: String, _ args: [String]) throws -> Harness.Result {
        let events = ws + "/../stockade-limits-\(UUID().uuidString).jsonl"
        defer { unlink(events) }
        let fd = open(events, O_CREAT | O_WRONLY | O_EXCL, 0o600)
        fchown(fd, uid, uid)
        close(fd)
        let r = try Harness.runProcess(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                                        "/usr/bin/env", "HOME=\(ws)", Harness.binary, "--events", events,
                                        "--workspace", ws] + args)
        let text = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        return Harness.Result(status: r.status, stdout: r.stdout, stderr: r.stderr,
                              events: lines.compactMap { try? JSONParser().parseObject($0) }, eventLines: lines)
    }

    @Test("rootless --memory on a v1 host: exit 125 with why and what would work; the command never runs")
    func commandLineLimitFails() throws {
        let ws = Harness.makeWorkspace(owner: Self.uid)
        defer { Harness.removeTree(ws) }
        for option in [["--memory", "100m"], ["--pids-limit", "20"], ["--cpus", "1"]] {
            let r = try Self.rootless(ws, option + ["--", "/bin/sh", "-c", "touch \(ws)/ran"])
            #expect(r.status == 125, "\(option): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("\(option[0]) cannot be enforced") && r.stderr.contains("root"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: ws + "/ran"), "\(option): the workload ran unlimited")
            #expect(r.events("sandbox.error").contains { $0["step"]?.stringValue == "limits" }, "\(r.eventLines)")
        }
    }

    @Test("rootless with the default profile's limits: a warning naming each, and report says not enforced")
    func profileLimitWarns() throws {
        let ws = Harness.makeWorkspace(owner: Self.uid)
        defer { Harness.removeTree(ws) }
        let r = try Self.rootless(ws, ["--", "/bin/true"])
        #expect(r.status == 0, "\(r.stderr)")
        let warning = try #require(r.events("sandbox.warning").first { $0["code"]?.stringValue == "limits_not_enforced" }, "\(r.eventLines)")
        #expect(warning["limits"]?.arrayValue?.compactMap(\.stringValue) == ["memory", "pids"])
        #expect(EventSchema.validate(warning).isEmpty)
        let log = ws + "/events.jsonl"
        try r.eventLines.joined(separator: "\n").appending("\n").write(toFile: log, atomically: false, encoding: .utf8)
        let report = try Harness.runProcess([Harness.binary, "report", log])
        #expect(report.stdout.contains("not enforced: memory, pids"), "\(report.stdout)")
    }

    @Test("--require-limits, and the ci and strict profiles, turn that warning into 125")
    func requireFails() throws {
        let ws = Harness.makeWorkspace(owner: Self.uid)
        defer { Harness.removeTree(ws) }
        for args in [["--require-limits"], ["--profile", "ci"], ["--profile", "strict"]] {
            let r = try Self.rootless(ws, args + ["--", "/bin/sh", "-c", "touch \(ws)/ran"])
            #expect(r.status == 125, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("cannot be enforced"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: ws + "/ran"))
        }
    }

    @Test("as root the same limits are enforced: no warning")
    func rootEnforces() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--memory", "100m", "--require-limits", "--", "/bin/true"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.events("sandbox.warning").contains { $0["code"]?.stringValue == "limits_not_enforced" })
    }
}

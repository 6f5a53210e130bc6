import Foundation
import StockadeEvents
import Testing

/// A failure in the C child is reported under the step that really failed
/// (issue 13, item 6: a `setsid` failure used to read `signals`), and the
/// workload never runs (hard rule 3).
@Suite("The child's failure steps", .enabled(if: Harness.requireRoot()))
struct ChildStepTests {
    func expectFailed(_ r: Harness.Result, step: String, errno: String, marker: String) throws {
        #expect(r.status == 125, "\(r.status) \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the workload ran")
        let err = try #require(r.events("sandbox.error").first, "\(r.eventLines)")
        #expect(err["step"]?.stringValue == step, "\(err)")
        #expect(err["errno_name"]?.stringValue == errno, "\(err)")
        #expect(EventSchema.validate(err).isEmpty)
    }

    @Test("setsid fails (init made a group leader, debug-build hook): step setsid, EPERM")
    func setsid() throws {
        let ws = Harness.makeWorkspace(owner: Harness.testUID)
        defer { Harness.removeTree(ws) }
        var env = ProcessInfo.processInfo.environment
        env["STOCKADE_TEST_CHILD_SETSID_FAILS"] = "1"
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "touch \(ws)/ran"], env: env)
        try expectFailed(r, step: "setsid", errno: "EPERM", marker: ws + "/ran")
        // Without the hook the same command runs.
        let ok = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "touch \(ws)/ran"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws + "/ran"))
    }

    @Test("a working directory that cannot be entered: step chdir, naming it")
    func chdir() throws {
        let ws = Harness.makeWorkspace(owner: Harness.testUID)
        defer { Harness.removeTree(ws) }
        // Root's own directory, closed to the sandbox user.
        let closed = ws + "/closed"
        mkdir(closed, 0o700)
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "touch \(ws)/ran"], cwd: closed)
        try expectFailed(r, step: "chdir", errno: "EACCES", marker: ws + "/ran")
    }
}

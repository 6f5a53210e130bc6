import Foundation
import StockadeEvents
import Testing

/// The event stream of a real run matches the documented schema.
@Suite("Event stream", .enabled(if: Harness.requireRoot()))
struct EventStreamTests {
    @Test("every line of a real run validates against the schema, seq is dense, start and end bracket it")
    func schema() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--profile", "agent", "--actor", "ci/job-42", "--workspace", ws, "--", "./climb", "mount"], cwd: ws)
        #expect(!r.events.isEmpty)
        for (i, e) in r.events.enumerated() {
            #expect(EventSchema.validate(e).isEmpty, "line \(i): \(EventSchema.validate(e)) in \(r.eventLines[i])")
            #expect(e["seq"]?.int64Value == Int64(i))
            #expect(e["actor"]?.stringValue == "ci/job-42")
        }
        #expect(r.events.first?["type"]?.stringValue == "sandbox.start")
        #expect(r.events.last?["type"]?.stringValue == "sandbox.end")
        #expect(r.events("sandbox.ready").count == 1)
        let sha = r.events.first?["profile"]?.objectValue?["sources"]?.arrayValue?.first?.objectValue?["sha256"]?.stringValue
        #expect(sha?.count == 64)
    }

    @Test("a setup failure is an event naming the step, and exit 125")
    func setupFailure() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // A bind of a path that vanishes between planning and setup cannot be
        // staged here; an unknown user is a clean planning failure instead.
        let r = try Harness.sandbox(["--workspace", ws, "--user", "no-such-user-xyz", "--", "/bin/true"])
        #expect(r.status == 125)
        let err = r.events("sandbox.error").first
        #expect(err?["code"]?.stringValue == "unknown_user")
        #expect(r.exitReason == "setup_failed")
    }
}

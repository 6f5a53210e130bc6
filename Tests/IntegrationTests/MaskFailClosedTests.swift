import Foundation
import StockadeEvents
import Testing

/// Masks across runs: the workspace is hostile, so what one run does to it
/// must never unmask a secret in the next (issue 9, item 4).
@Suite("Masks fail closed", .enabled(if: Harness.requireRoot()))
struct MaskFailClosedTests {
    @Test("masks: a secret moved below the scan's depth limit makes the next run exit 125, not expose it")
    func deepSecretFailsClosed() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try FileManager.default.createDirectory(atPath: ws + "/secrets", withIntermediateDirectories: true)
        try "API_KEY=moved-down-secret\n".write(toFile: ws + "/secrets/.env", atomically: false, encoding: .utf8)
        chown(ws + "/secrets", Harness.testUID, Harness.testUID)
        chown(ws + "/secrets/.env", Harness.testUID, Harness.testUID)

        // Run 1: the workload buries the masked file's parent 80 levels deep
        // (past the scanner's limit of 64).
        let deep = (0..<80).map { _ in "d" }.joined(separator: "/")
        let r1 = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c",
                                      "cat secrets/.env; mkdir -p \(deep) && mv secrets \(deep)/ && echo moved"], cwd: ws)
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains("moved"), "run 1 could not move the directory: \(r1.stdout) \(r1.stderr)")
        #expect(!r1.stdout.contains("moved-down-secret"))

        // Run 2: the scan reaches its depth limit; the run is refused.
        let r2 = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c",
                                      "cat \(deep)/secrets/.env; echo ran"], cwd: ws)
        #expect(r2.status == 125, "\(r2.stdout) \(r2.stderr)")
        #expect(!r2.stdout.contains("moved-down-secret"))
        #expect(!r2.stdout.contains("ran"))
        #expect(r2.stderr.contains("depth limit of 64"), "\(r2.stderr)")
        #expect(r2.stderr.contains(ws + "/d/d/d"), "\(r2.stderr)")
        let error = r2.events("sandbox.error").first
        #expect(error?["code"]?.stringValue == "mask_scan_limit", "\(r2.eventLines)")
    }

    @Test("masks: a directory swapped for a symlink is never followed by the scan")
    func symlinkedDirectoryIsNotFollowed() throws {
        let ws = Harness.makeWorkspace()
        let outside = Harness.makeWorkspace()
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(outside)
        }
        // Run 1 leaves `keys -> <outside>`; outside holds a .pem the scan must not see (and must not mask).
        try "outside-pem\n".write(toFile: outside + "/server.pem", atomically: false, encoding: .utf8)
        let r1 = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c",
                                      "ln -s \(outside) keys && echo planted"], cwd: ws)
        #expect(r1.stdout.contains("planted"), "\(r1.stderr)")
        let r2 = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/true"], cwd: ws)
        #expect(r2.status == 0, "\(r2.stderr)")
        let masked = r2.events("sandbox.start").first?["masked"]?.objectValue?["paths"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(!masked.contains { $0.hasPrefix("keys") }, "\(masked)")
    }
}

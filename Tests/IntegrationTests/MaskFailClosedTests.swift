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
        // A control the scan must find, so an empty list cannot pass.
        try "TOKEN=x\n".write(toFile: ws + "/.env", atomically: false, encoding: .utf8)
        let r2 = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/true"], cwd: ws)
        #expect(r2.status == 0, "\(r2.stderr)")
        let listed = r2.events("sandbox.start").first?["masked"]?.objectValue?["paths"]?.arrayValue?.compactMap(\.stringValue)
        let masked = try #require(listed)
        #expect(masked.contains(".env"), "\(masked)")
        #expect(!masked.contains { $0.hasPrefix("keys") }, "\(masked)")
    }
}

/// The user can see what is masked and lift a mask for one run (issue 11, item 3).
@Suite("Masks made visible", .enabled(if: Harness.requireRoot()))
struct MaskVisibilityIntegrationTests {
    func workspaceWithKeys() throws -> String {
        let ws = Harness.makeWorkspace()
        try FileManager.default.createDirectory(atPath: ws + "/certs", withIntermediateDirectories: true)
        try "-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n".write(toFile: ws + "/certs/key.pem", atomically: false, encoding: .utf8)
        try "TOKEN=dotenv-secret\n".write(toFile: ws + "/.env", atomically: false, encoding: .utf8)
        return ws
    }

    @Test("masks: sandbox.start lists the masked paths relative to the workspace, and report shows them")
    func startListsMasks() throws {
        let ws = try workspaceWithKeys()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c", "cat certs/key.pem; echo end"], cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("secret-key-bytes"))
        let masked = r.events("sandbox.start").first?["masked"]?.objectValue
        #expect(masked?["count"]?.int64Value == 2, "\(r.eventLines.first ?? "")")
        #expect(masked?["paths"]?.arrayValue?.compactMap(\.stringValue) == [".env", "certs/key.pem"])
        #expect(masked?["unmasked_count"]?.int64Value == 0)
        #expect(r.events("sandbox.warning").allSatisfy { $0["code"]?.stringValue != "mask_lifted" })

        // `sandbox-run report` of the same events shows them under their own heading.
        let log = NSTemporaryDirectory() + "stockade-mask-report-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try (r.eventLines.joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        let report = try Harness.runProcess([Harness.binary, "report", log])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("Masked paths"), "\(report.stdout)")
        #expect(report.stdout.contains("certs/key.pem"))
    }

    @Test("masks: --unmask lifts a mask for one run, evented; the next run masks again")
    func unmaskForOneRun() throws {
        let ws = try workspaceWithKeys()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--unmask", "certs/*.pem", "--",
                                     "/bin/sh", "-c", "cat certs/key.pem; cat .env; echo end"], cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("secret-key-bytes"), "\(r.stdout)")
        #expect(!r.stdout.contains("dotenv-secret"))  // only what the glob matched
        let masked = r.events("sandbox.start").first?["masked"]?.objectValue
        #expect(masked?["unmask"]?.arrayValue?.compactMap(\.stringValue) == ["certs/*.pem"])
        #expect(masked?["unmasked"]?.arrayValue?.compactMap(\.stringValue) == ["certs/key.pem"])
        #expect(masked?["paths"]?.arrayValue?.compactMap(\.stringValue) == [".env"])
        let warning = r.events("sandbox.warning").first { $0["code"]?.stringValue == "mask_lifted" }
        #expect(warning?["message"]?.stringValue?.contains("certs/key.pem") == true, "\(r.eventLines)")

        let again = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c", "cat certs/key.pem; echo end"], cwd: ws)
        #expect(again.status == 0)
        #expect(!again.stdout.contains("secret-key-bytes"))
    }

    @Test("masks: --unmask rejects a glob that leaves the workspace")
    func unmaskRejectsEscapes() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.runProcess([Harness.binary, "--workspace", ws, "--unmask", "../etc/*", "--", "/bin/true"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--unmask"), "\(r.stderr)")
    }
}

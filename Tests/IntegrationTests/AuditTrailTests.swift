import Foundation
import StockadeEvents
import Testing

/// The audit trail of real runs: the hash chain and `verify`, policy
/// pinning, and secrets kept out of every sink.
@Suite("Audit trail", .enabled(if: Harness.requireRoot()))
struct AuditTrailTests {
    static func tempPath(_ name: String) -> String {
        NSTemporaryDirectory() + "stockade-audit-\(UUID().uuidString)-\(name)"
    }

    static func writeLines(_ lines: [String], to path: String) throws {
        try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test("a real log verifies; a tampered copy is named by line")
    func verifyRealLog() throws {
        let ws = Harness.makeWorkspace()
        let log = Self.tempPath("events.jsonl")
        let copy = Self.tempPath("tampered.jsonl")
        defer {
            Harness.removeTree(ws)
            unlink(log)
            unlink(copy)
        }
        let run = try Harness.runProcess([Harness.binary, "--events", log, "--workspace", ws, "--", "/bin/sh", "-c", "echo hello"])
        #expect(run.status == 0, "\(run.stderr)")
        let ok = try Harness.runProcess([Harness.binary, "verify", log])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("ok: "))
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count >= 3)
        let end = try JSONParser().parseObject(lines.last!)
        let chain = try #require(end["chain"]?.stringValue)
        #expect(ok.stdout.contains("chain \(chain)"))

        func verdict(_ tampered: [String]) throws -> Harness.ProcessResult {
            try Self.writeLines(tampered, to: copy)
            return try Harness.runProcess([Harness.binary, "verify", copy])
        }
        var edited = lines
        edited[1] = edited[1].replacingOccurrences(of: #""setup_ms":"#, with: #""setup_mS":"#)
        #expect(edited != lines)
        let e = try verdict(edited)
        #expect(e.status == 1)
        #expect(e.stderr.hasPrefix("line 2: edited"), "\(e.stderr)")

        var removed = lines
        removed.remove(at: 1)
        let r = try verdict(removed)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("line 2: "), "\(r.stderr)")

        let appended = try verdict(lines + [lines.last!])
        #expect(appended.status == 1)
        #expect(appended.stderr.hasPrefix("line \(lines.count + 1): "), "\(appended.stderr)")

        let truncated = try verdict(Array(lines.dropLast()))
        #expect(truncated.status == 1)
        #expect(truncated.stderr.hasPrefix("line \(lines.count): "), "\(truncated.stderr)")
    }

    @Test("--profile-sha256: the file's hash or the policy digest runs; anything else is exit 125 with an event")
    func profilePin() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let profilePath = Harness.repoRoot.appendingPathComponent("profiles/default.yaml").path
        let bytes = try #require(FileManager.default.contents(atPath: profilePath))
        let fileHash = SHA256.hex(Array(bytes))

        let check = try Harness.runProcess([Harness.binary, "check", profilePath])
        #expect(check.status == 0)
        let digestLine = check.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(digestLine.hasPrefix("policy digest: "))
        let digest = String(digestLine.dropFirst("policy digest: ".count))
        #expect(EventChain.isDigest(digest))

        for pin in [fileHash, digest] {
            let r = try Harness.sandbox(["--profile", profilePath, "--profile-sha256", pin, "--workspace", ws, "--", "/bin/true"])
            #expect(r.status == 0, "pin \(pin): \(r.stderr)")
        }

        let wrong = String(repeating: "0", count: 64)
        let r = try Harness.sandbox(["--profile", profilePath, "--profile-sha256", wrong, "--workspace", ws, "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.events.first?["type"]?.stringValue == "sandbox.error")
        let error = try #require(r.events("sandbox.error").first)
        #expect(error["code"]?.stringValue == "profile_pin_mismatch")
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains(wrong) && message.contains(fileHash) && message.contains(digest))
        #expect(r.events("sandbox.ready").isEmpty)
        #expect(r.exitReason == "setup_failed")

        let malformed = try Harness.runProcess([Harness.binary, "--profile-sha256", "xyz", "--", "/bin/true"])
        #expect(malformed.status == 125)
    }

    @Test("secrets from the environment and env.secret never reach a file, stderr or fd:3 sink")
    func secretsNeverReachAnySink() throws {
        let ws = Harness.makeWorkspace()
        let profile = Self.tempPath("secret-profile.yaml")
        defer {
            Harness.removeTree(ws)
            unlink(profile)
        }
        let defaultProfile = Harness.repoRoot.appendingPathComponent("profiles/default.yaml").path
        try "extends: \(defaultProfile)\nenv:\n  secret: [AUDIT_PASSED_TOKEN]\n".write(toFile: profile, atomically: false, encoding: .utf8)
        // One scrubbed (never passed in), one passed in but named secret.
        let scrubbed = "scrubbed-s3cret-\(UUID().uuidString.prefix(8))"
        let passed = "passed-s3cret-\(UUID().uuidString.prefix(8))"
        let env = ["PATH": "/usr/bin:/bin", "AUDIT_SCRUBBED_TOKEN": scrubbed, "AUDIT_PASSED_TOKEN": passed]
        // Both values also appear in the command line, which sandbox.start records.
        let args = ["--profile", profile, "--env", "AUDIT_PASSED_TOKEN", "--workspace", ws, "--",
                    "/bin/sh", "-c", "echo \"$AUDIT_PASSED_TOKEN\"; echo \(scrubbed)", "sh", passed]

        func check(_ sink: String, events text: String, stdout: String) throws {
            #expect(!text.contains(scrubbed), "\(sink): scrubbed value leaked")
            #expect(!text.contains(passed), "\(sink): env.secret value leaked")
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("{\"v\":") }.map(String.init)
            #expect(lines.count >= 3, "\(sink): \(text)")
            let start = try JSONParser().parseObject(try #require(lines.first))
            #expect(start["type"]?.stringValue == "sandbox.start")
            #expect(JSONEncoding.encode(start["command"] ?? .null).contains(Redactor.marker), "\(sink)")
            // The workload's own output is its business: it did see the passed value.
            #expect(stdout.contains(passed), "\(sink): \(stdout)")
        }

        let file = try Harness.sandbox(args, env: env)
        #expect(file.status == 0, "\(file.stderr)")
        try check("file", events: file.eventLines.joined(separator: "\n"), stdout: file.stdout)

        let toStderr = try Harness.runProcess([Harness.binary, "--events", "stderr"] + args, env: env)
        #expect(toStderr.status == 0)
        try check("stderr", events: toStderr.stderr, stdout: toStderr.stdout)

        let fdLog = Self.tempPath("fd3.jsonl")
        defer { unlink(fdLog) }
        let viaFD = try Harness.runProcess(
            ["/bin/sh", "-c", "exec 3>\"$0\"; exec \"$@\"", fdLog, Harness.binary, "--events", "fd:3"] + args, env: env)
        #expect(viaFD.status == 0, "\(viaFD.stderr)")
        let fdText = try String(contentsOfFile: fdLog, encoding: .utf8)
        try check("fd:3", events: fdText, stdout: viaFD.stdout)
        #expect(!viaFD.stderr.contains(scrubbed) && !viaFD.stderr.contains(passed))
        let verified = try Harness.runProcess([Harness.binary, "verify", fdLog])
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}

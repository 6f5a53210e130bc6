import Foundation
import Testing

/// The man page is generated from the argument parser (`make install`), so
/// every verb and option the binary knows appears in it.
@Suite("Man page")
struct ManPageTests {
    @Test("scripts/gen-man.py renders every verb and option of --experimental-dump-help")
    func generated() throws {
        let dump = try Harness.runProcess([Harness.binary, "--experimental-dump-help"])
        #expect(dump.status == 0)
        let tmp = NSTemporaryDirectory() + "stockade-help-\(UUID().uuidString).json"
        try dump.stdout.write(toFile: tmp, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let script = Harness.repoRoot.appendingPathComponent("scripts/gen-man.py").path
        let man = try Harness.runProcess(["/bin/sh", "-c", "python3 '\(script)' < '\(tmp)'"])
        #expect(man.status == 0, "\(man.stderr)")
        #expect(man.stdout.hasPrefix(".TH SANDBOX-RUN 1"))
        for verb in ["CHECK", "GC", "KILL", "REPORT", "VERIFY", "AGENT"] {
            #expect(man.stdout.contains("VERB: \(verb)"), "missing verb \(verb)")
        }
        for option in ["\\-\\-allow\\-domain", "\\-\\-timeout", "\\-\\-memory", "\\-\\-fail\\-on\\-deny", "\\-\\-profile\\-sha256"] {
            #expect(man.stdout.contains(option), "missing option \(option)")
        }
    }
}

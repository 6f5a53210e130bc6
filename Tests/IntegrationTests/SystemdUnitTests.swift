import Foundation
import Testing

/// The shipped unit file must pass `systemd-analyze verify`. Runs without
/// root; skipped with a reason where systemd-analyze is not installed
/// (`apt-get install systemd`). PID 1 need not be systemd: verify only loads the unit.
@Suite("systemd unit")
struct SystemdUnitTests {
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let unit = Harness.repoRoot.appendingPathComponent("systemd/stockade-agent@.service").path

    @Test func unitExecStartsTheAgentVerbWithTheJournalSink() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("\nExecStart=/usr/local/bin/sandbox-run agent %i --events journal\n"))
        #expect(text.contains("\nType=notify\n"))
        #expect(text.contains("\nKillMode=mixed\n"))
        #expect(text.contains("\nNotifyAccess=main\n"))
    }

    @Test func systemdAnalyzeVerifyPasses() throws {
        guard let analyze = Self.analyze else {
            print("SKIP: systemd-analyze not installed (apt-get install systemd); unit not verified")
            return
        }
        // verify checks that ExecStart exists: point it at the built binary,
        // in a temp copy, for a concrete instance and the template.
        let dir = NSTemporaryDirectory() + "stockade-unit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { Harness.removeTree(dir) }
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/sandbox-run", with: Harness.binary)
        for name in ["stockade-agent@.service", "stockade-agent@demo.service"] {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            // --man=no: the man page is checked only once installed.
            let r = try Harness.runProcess([analyze, "verify", "--man=no", dir + "/" + name], timeout: 60)
            #expect(r.status == 0, "\(name): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.isEmpty, "\(name): \(r.stderr)")
        }
    }
}

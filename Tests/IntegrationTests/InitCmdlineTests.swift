import Foundation
import Testing

/// Item 12a of issue 9: the init is a clone of the supervisor, so its argv
/// area held the supervisor's command line (profile, names, paths) and
/// `/proc/1/cmdline` showed it to the workload.
@Suite("The init's command line", .enabled(if: Harness.requireRoot()))
struct InitCmdlineTests {
    static let read = "tr '\\0' ' ' < /proc/1/cmdline; echo"

    @Test("root and rootless: /proc/1/cmdline shows stockade-init, none of the supervisor's arguments")
    func hidden() throws {
        let marker = "cmdline-marker-\(UInt32.random(in: 100_000...999_999))"
        for rootless in [false, true] {
            let owner: uid_t = rootless ? 65534 : Harness.testUID
            let ws = Harness.makeWorkspace(owner: owner)
            defer { Harness.removeTree(ws) }
            let args = [Harness.binary, "--name", marker, "--workspace", ws, "--", "/bin/sh", "-c", Self.read]
            let r = rootless
                ? try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                          "/usr/bin/env", "HOME=\(ws)"] + args)
                : try Harness.runProcess(args)
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.first == "stockade-init", "rootless \(rootless): \(r.stdout)")
            #expect(!r.stdout.contains(marker) && !r.stdout.contains("sandbox-run") && !r.stdout.contains(ws),
                    "rootless \(rootless): the supervisor's argv leaks: \(r.stdout)")
        }
    }
}

import Foundation
import Testing

/// Item 12d of issue 9: the child path changes its identity with raw
/// syscalls only. glibc's setgroups/setuid/setgid broadcast the change to
/// every thread glibc recorded (nptl setxid signals), which after a raw clone
/// of a multithreaded supervisor is not async-signal-safe.
@Suite("The child's identity switch")
struct ChildIdentityTests {
    @Test("no C child object calls glibc's set*id/setgroups wrappers")
    func rawSyscallsOnly() throws {
        let dirs = ["debug", "release"].map { Harness.repoRoot.appendingPathComponent(".build/\($0)/CSandboxChild.build").path }
        guard let dir = dirs.first(where: { FileManager.default.fileExists(atPath: $0) }),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/nm") else {
            print("SKIP: no CSandboxChild build directory or nm")
            return
        }
        let objects = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".o") }.map { dir + "/" + $0 }
        #expect(!objects.isEmpty)
        let r = try Harness.runProcess(["/usr/bin/nm", "-u"] + objects)
        #expect(r.status == 0, "\(r.stderr)")
        let wrappers: Set<String> = ["setgroups", "setuid", "setgid", "setresuid", "setresgid", "setreuid", "setregid", "seteuid", "setegid"]
        let used = r.stdout.split(whereSeparator: \.isWhitespace).map(String.init).filter { wrappers.contains($0) }
        #expect(used.isEmpty, "glibc wrappers in the child: \(used)")
    }

    @Test("the workload has no supplementary groups (root supervisor)", .enabled(if: Harness.requireRoot()))
    func noGroups() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "grep '^Groups:' /proc/self/status"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Groups:", "\(r.stdout)")
    }
}

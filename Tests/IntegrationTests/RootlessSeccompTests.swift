import Foundation
import StockadeEvents
import StockadeProfile
import StockadeSeccomp
import Testing

/// Root and rootless runs get the same program, compiled or read from
/// root's cache (rootless runs only read it): the
/// workload of a filtered run, root or rootless, is seen from inside to live
/// under exactly the program this code compiles for the policy, and a policy
/// libseccomp cannot compile stops the sandbox before anything runs.
@Suite("Seccomp, root and rootless", .enabled(if: Harness.requireRoot()))
struct RootlessSeccompTests {
    /// The shell line a workload runs to report its own seccomp state and
    /// try a namespace syscall the filter denies.
    static let selfReport = "grep -E '^Seccomp(_filters)?:' /proc/self/status; "
        + "/usr/bin/unshare -U /bin/true 2>/dev/null && echo unshare-allowed || echo unshare-denied"

    @Test("filtered, root and rootless: the workload is under the default policy's program (Seccomp 2, unshare denied, same digest)",
          .enabled(if: NetworkWorld.available()))
    func filteredRunsAreFiltered() throws {
        let policy = try SeccompCacheTrustTests.defaultPolicy()
        let expected = try SeccompCompiler.compile(policy)
        try NetworkWorld.with { world in
            for rootless in [false, true] {
                let ws = Harness.makeWorkspace()
                defer { Harness.removeTree(ws) }
                let r = try world.run(inHost: ["--workspace", ws] + world.netArgs(allow: ["allowed.test"]) + ["--", "/bin/sh", "-c", Self.selfReport],
                                      cwd: ws, asUser: rootless ? Harness.testUID : nil)
                let mode = rootless ? "rootless" : "root"
                #expect(r.status == 0, "\(mode): \(r.transcript)")
                #expect(r.stdout.contains("Seccomp:\t2"), "\(mode): \(r.stdout)")
                #expect(r.stdout.contains("Seccomp_filters:\t1"), "\(mode): \(r.stdout)")
                #expect(r.stdout.contains("unshare-denied"), "\(mode): \(r.stdout)")
                let denied = r.events("syscall.denied").compactMap { $0["syscall"]?.stringValue }
                #expect(denied.contains("unshare"), "\(mode): \(denied)")
                // The program the supervisor handed over is the one this
                // process compiles for the same policy.
                let seccomp = r.events("sandbox.start").first?["policy"]?.objectValue?["seccomp"]?.objectValue
                #expect(seccomp?["digest"]?.stringValue == expected.digest, "\(mode): \(String(describing: seccomp))")
                #expect(seccomp?["instructions"]?.int64Value == Int64(expected.instructionCount))
            }
        }
    }

    @Test("a policy libseccomp cannot compile: exit 125, sandbox.error names the step, nothing ran (root and rootless)")
    func compileFailureFailsClosed() throws {
        // ioctl's hardening already tests argument 1 with a mask; libseccomp
        // allows one test per argument, so this range test cannot be
        // compiled. The profile itself loads fine: only the compile fails.
        var template = Array("/tmp/stockade-badseccomp-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(dir) }
        chmod(dir, 0o755)
        let json = #"""
        {"defaultAction": "SCMP_ACT_ERRNO",
         "syscalls": [
           {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 24576, "op": "SCMP_CMP_LT"}]}
         ]}
        """#
        try Data(json.utf8).write(to: URL(fileURLWithPath: dir + "/broken.json"))
        try Data("seccomp:\n  oci: ./broken.json\n".utf8).write(to: URL(fileURLWithPath: dir + "/broken.yaml"))
        chmod(dir + "/broken.json", 0o644)
        chmod(dir + "/broken.yaml", 0o644)

        for rootless in [false, true] {
            let ws = Harness.makeWorkspace()
            // Where the workload (the workspace's owner) cannot write.
            let eventsDir = Harness.makeWorkspace(owner: rootless ? Harness.testUID : 0)
            defer { Harness.removeTree(ws); Harness.removeTree(eventsDir) }
            chmod(eventsDir, 0o700)
            let events = eventsDir + "/events.jsonl"
            let prefix = rootless ? ["/usr/bin/setpriv", "--reuid=\(Harness.testUID)", "--regid=\(Harness.testUID)", "--clear-groups",
                                     "/usr/bin/env", "-u", "XDG_RUNTIME_DIR", "HOME=\(ws)"] : []
            let r = try Harness.runProcess(prefix + [Harness.binary, "--events", events, "--profile", dir + "/broken.yaml",
                                                     "--workspace", ws, "--", "/bin/sh", "-c", "echo ran > \(ws)/ran"], cwd: ws)
            let mode = rootless ? "rootless" : "root"
            let log = ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONParser().parseObject(String($0)) }
            #expect(r.status == 125, "\(mode): \(r.stdout) \(r.stderr)")
            let error = log.first { $0["type"]?.stringValue == "sandbox.error" }
            #expect(error?["step"]?.stringValue == "plan", "\(mode): \(log)")
            #expect(error?["code"]?.stringValue == "seccomp_compile", "\(mode): \(log)")
            #expect(error?["message"]?.stringValue?.contains("ioctl") == true, "\(mode): \(String(describing: error))")
            #expect(log.last?["type"]?.stringValue == "sandbox.end", "\(mode): \(log)")
            #expect(!log.contains { $0["type"]?.stringValue == "sandbox.start" }, "\(mode): \(log)")
            #expect(!FileManager.default.fileExists(atPath: ws + "/ran"), "\(mode): the workload ran")
        }
    }
}

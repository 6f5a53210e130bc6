import Foundation
import StockadeEvents
import Testing

/// Every wall, tried from inside a real sandbox.
@Suite("Walls", .enabled(if: Harness.requireRoot()))
struct WallTests {
    @Test("privileges: no capabilities in any set, no_new_privs, seccomp filter mode")
    func privileges() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/cat", "/proc/self/status"])
        #expect(r.status == 0, "\(r.stderr)")
        func field(_ name: String) -> String? {
            r.stdout.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(field(cap) == "0000000000000000", "\(cap) = \(field(cap) ?? "missing")")
        }
        #expect(field("NoNewPrivs") == "1")
        #expect(field("Seccomp") == "2")
        // Runs as the workspace owner, never root; no supplementary groups.
        #expect(field("Uid")?.hasPrefix("\(Harness.testUID)") == true)
        #expect(field("Groups") == "")
    }

    @Test("pid namespace: the workload sees itself near pid 1 and no host process")
    func pidNamespace() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "echo self=$$; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '"])
        #expect(r.status == 0, "\(r.stderr)")
        let selfPid = r.stdout.split(separator: "\n").first { $0.hasPrefix("self=") }.flatMap { Int($0.dropFirst(5)) }
        #expect(selfPid != nil && selfPid! <= 3, "workload pid \(String(describing: selfPid))")
        let pids = r.stdout.split(separator: "\n").last!.split(separator: " ").compactMap { Int($0) }
        #expect(pids.count <= 6, "visible pids: \(pids)")
        #expect(pids.allSatisfy { $0 < 10 })
    }

    @Test("filesystem: writes outside the workspace fail, inside land on the host")
    func writes() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let script = """
        echo hello > \(ws)/out.txt && echo ws-ok
        touch /usr/evil 2>/dev/null && echo usr-WRITABLE || echo usr-denied
        touch /etc/evil 2>/dev/null && echo etc-WRITABLE || echo etc-denied
        touch /evil 2>/dev/null && echo root-WRITABLE || echo root-denied
        echo tmp > /tmp/x && echo tmp-ok
        """
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        for expected in ["ws-ok", "usr-denied", "etc-denied", "root-denied", "tmp-ok"] {
            #expect(r.stdout.contains(expected), "missing \(expected) in \(r.stdout)")
        }
        #expect((try? String(contentsOfFile: ws + "/out.txt", encoding: .utf8)) == "hello\n")
        #expect(!FileManager.default.fileExists(atPath: "/usr/evil"))
        var st = stat()
        #expect(stat(ws + "/out.txt", &st) == 0 && st.st_uid == Harness.testUID)
    }

    @Test("filesystem: host home, /root and /etc/shadow are absent or empty")
    func hidden() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let script = """
        ls /root 2>/dev/null && echo root-VISIBLE || echo root-absent
        ls /home 2>/dev/null | head -1 | grep -q . && echo home-VISIBLE || echo home-absent
        test -s /etc/shadow && echo shadow-READABLE || echo shadow-empty
        cat /etc/shadow
        """
        let r = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("root-absent"))
        #expect(r.stdout.contains("home-absent"))
        #expect(r.stdout.contains("shadow-empty"))
        #expect(!r.stdout.contains("root:"))
    }

    @Test("filesystem: masked secrets in the workspace read as nothing")
    func masks() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try "API_KEY=supersecretvalue\n".write(toFile: ws + "/.env", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: ws + "/sub/deeper", withIntermediateDirectories: true)
        try "-----BEGIN PRIVATE KEY-----\nabc\n".write(toFile: ws + "/sub/deeper/server.pem", atomically: false, encoding: .utf8)
        try "visible\n".write(toFile: ws + "/README", atomically: false, encoding: .utf8)
        let r = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c",
                                     "cat .env; cat sub/deeper/server.pem; cat README; echo x >> .env || echo write-denied"],
                                    cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("supersecretvalue"))
        #expect(!r.stdout.contains("PRIVATE KEY"))
        #expect(r.stdout.contains("visible"))
        #expect(r.stdout.contains("write-denied"))
        // The host file is untouched.
        #expect((try? String(contentsOfFile: ws + "/.env", encoding: .utf8)) == "API_KEY=supersecretvalue\n")
    }

    @Test("filesystem: a symlink planted in the workspace does not redirect a mask")
    func maskSymlink() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // `.env` → /etc/passwd: the mask must not cover /etc/passwd (nor fail).
        symlink("/etc/passwd", ws + "/.env")
        let r = try Harness.sandbox(["--profile", "agent", "--workspace", ws, "--", "/bin/sh", "-c", "head -1 /etc/passwd"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("root:"))
    }

    @Test("environment: a secret set outside is absent inside, from env and /proc/1/environ, and from events")
    func environment() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        var env = ProcessInfo.processInfo.environment
        env["STOCKADE_TEST_SECRET"] = "hunter2-very-secret-token"
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "env; ./climb proc1-environ"], cwd: ws, env: env)
        #expect(r.status != 125, "\(r.stderr)")
        #expect(!r.stdout.contains("hunter2-very-secret-token"))
        #expect(!r.stdout.contains("STOCKADE_TEST_SECRET"))
        #expect(r.climbResult("proc1-environ")?.hasPrefix("denied") == true, "\(r.stdout)")
        #expect(!r.eventLines.joined().contains("hunter2-very-secret-token"))
        let start = r.events("sandbox.start").first
        let scrubbed = start?["policy"]?.objectValue?["env"]?.objectValue?["scrubbed"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(scrubbed.contains("STOCKADE_TEST_SECRET"))
    }
}

/// Without root: every wall but the cgroup limits, like bubblewrap.
@Suite("Rootless", .enabled(if: Harness.requireRoot()))
struct RootlessTests {
    @Test("as an unprivileged user: namespaces, read-only view, no capabilities, seccomp")
    func rootless() throws {
        let ws = Harness.makeWorkspace(owner: 65534)
        defer { Harness.removeTree(ws) }
        let r = try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                        "/usr/bin/env", "HOME=\(ws)", Harness.binary, "--workspace", ws, "--", "/bin/sh", "-c",
                                        "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; touch /usr/x 2>/dev/null || echo usr-ro; echo ok > \(ws)/f; cat /proc/1/environ 2>/dev/null || echo environ-closed"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("CapEff:\t0000000000000000"))
        #expect(r.stdout.contains("CapBnd:\t0000000000000000"))
        #expect(r.stdout.contains("NoNewPrivs:\t1"))
        #expect(r.stdout.contains("Seccomp:\t2"))
        #expect(r.stdout.contains("usr-ro"))
        #expect(r.stdout.contains("environ-closed"))
        #expect((try? String(contentsOfFile: ws + "/f", encoding: .utf8)) == "ok\n")
    }

    @Test("asking for limits without root on a v1 host fails instead of running unlimited")
    func limitsWarn() throws {
        let ws = Harness.makeWorkspace(owner: 65534)
        defer { Harness.removeTree(ws) }
        let r = try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                        "/usr/bin/env", "HOME=\(ws)", Harness.binary, "--workspace", ws, "--memory", "64m", "--", "/bin/true"])
        #expect(r.status == 125, "\(r.stderr)")
        #expect(r.stderr.contains("cannot be enforced"))
    }
}

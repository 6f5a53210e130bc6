import Foundation
import StockadeEvents
import Testing

/// Issue 9, item 8: `sudo sandbox-run` gives the caller only what the caller
/// has. Simulated by running as root with SUDO_UID/SUDO_GID set to the
/// unprivileged test uid (what sudo sets); plain root is the control.
@Suite("sudo callers", .enabled(if: Harness.requireRoot()))
struct SudoCallerTests {
    static let caller = Harness.testUID

    static var sudoEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["SUDO_UID"] = String(caller)
        env["SUDO_GID"] = String(caller)
        env["SUDO_USER"] = "stockade-test-caller"
        return env
    }

    static func sudo(_ args: [String], cwd: String) throws -> Harness.Result {
        try Harness.sandbox(["--workspace", cwd] + args, cwd: cwd, env: sudoEnvironment)
    }

    @Test("--group shadow with --ro-bind /etc/shadow does not read the shadow file")
    func shadowGroup() throws {
        guard FileManager.default.fileExists(atPath: "/etc/shadow") else {
            print("SKIP: no /etc/shadow")
            return
        }
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Self.sudo(["--group", "shadow", "--ro-bind", "/etc/shadow:/s", "--", "/bin/cat", "/s"], cwd: ws)
        #expect(r.status == 125, "\(r.stderr)")
        #expect(!r.stdout.contains("root:"))
        #expect(r.stderr.contains("group"), "\(r.stderr)")

        // Without the group: the caller cannot read the file, so it is not bound.
        let bind = try Self.sudo(["--ro-bind", "/etc/shadow:/s", "--", "/bin/cat", "/s"], cwd: ws)
        #expect(bind.status == 125, "\(bind.stderr)")
        #expect(!bind.stdout.contains("root:"))
        #expect(bind.events("sandbox.error").first?["code"]?.stringValue == "bind_source_denied", "\(bind.eventLines)")

        // Control: plain root keeps full authority (and this test can fail).
        let root = try Harness.sandbox(["--workspace", ws, "--group", "shadow", "--ro-bind", "/etc/shadow:/s", "--", "/usr/bin/head", "-c", "5", "/s"], cwd: ws)
        #expect(root.status == 0, "\(root.stderr)")
        #expect(root.stdout.hasPrefix("root:"))
    }

    @Test("--user names only the caller or nobody")
    func userIsTheCaller() throws {
        let ws = Harness.makeWorkspace()
        chmod(ws, 0o777)
        defer { Harness.removeTree(ws) }
        for user in ["0", "root", "1"] {
            let r = try Self.sudo(["--user", user, "--", "/usr/bin/id", "-u"], cwd: ws)
            #expect(r.status == 125, "--user \(user): \(r.stdout) \(r.stderr)")
        }
        let me = try Self.sudo(["--", "/usr/bin/id", "-u"], cwd: ws)
        #expect(me.status == 0, "\(me.stderr)")
        #expect(me.stdout == "\(Self.caller)\n")
        let nobody = try Self.sudo(["--user", "65534", "--", "/usr/bin/id", "-u"], cwd: ws)
        #expect(nobody.status == 0, "\(nobody.stderr)")
        #expect(nobody.stdout == "65534\n")
    }

    @Test("bind sources are opened with the caller's rights: search on the way, read, and write for --bind")
    func callerRights() throws {
        let ws = Harness.makeWorkspace()
        var template = Array("/tmp/stockade-private-XXXXXX".utf8CString)
        let priv = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(ws); Harness.removeTree(priv) }
        // A world-readable file in a directory only root may search.
        chmod(priv, 0o700)
        _ = FileManager.default.createFile(atPath: priv + "/note", contents: Data("root only\n".utf8))
        chmod(priv + "/note", 0o644)
        let hidden = try Self.sudo(["--ro-bind", "\(priv)/note:/note", "--", "/bin/cat", "/note"], cwd: ws)
        #expect(hidden.status == 125, "\(hidden.stderr)")
        #expect(!hidden.stdout.contains("root only"))
        #expect(hidden.events("sandbox.error").first?["code"]?.stringValue == "bind_source_denied", "\(hidden.eventLines)")

        // Searchable and readable, but not writable by the caller: --ro-bind works, --bind does not.
        chmod(priv, 0o755)
        let ro = try Self.sudo(["--ro-bind", "\(priv):/p", "--", "/bin/cat", "/p/note"], cwd: ws)
        #expect(ro.status == 0, "\(ro.stderr)")
        #expect(ro.stdout == "root only\n")
        let rw = try Self.sudo(["--bind", "\(priv):/p", "--", "/bin/true"], cwd: ws)
        #expect(rw.status == 125, "\(rw.stderr)")
        #expect(rw.events("sandbox.error").first?["code"]?.stringValue == "bind_source_denied")
    }

    @Test("files the supervisor reads or writes for the caller: profile, check, report, --export-bpf")
    func callerFiles() throws {
        guard FileManager.default.fileExists(atPath: "/etc/shadow") else {
            print("SKIP: no /etc/shadow")
            return
        }
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let env = Self.sudoEnvironment
        let run = try Harness.runProcess([Harness.binary, "--profile", "/etc/shadow", "--", "/bin/true"], cwd: ws, env: env)
        #expect(run.status == 125)
        #expect(!run.stderr.contains("root:"), "the profile loader quoted the shadow file: \(run.stderr)")
        // The caller's EACCES, not a parse error of a file root could read.
        #expect(run.stderr.contains("may not read /etc/shadow"), "\(run.stderr)")
        for verb in ["check", "report", "verify"] {
            let r = try Harness.runProcess([Harness.binary, verb, "/etc/shadow"], cwd: ws, env: env)
            #expect(r.status != 0, "\(verb)")
            #expect(!(r.stdout + r.stderr).contains("root:"), "\(verb) read the shadow file: \(r.stdout) \(r.stderr)")
        }
        // prepare runs as root (it writes root's cache) but reads profiles as the caller.
        let prepare = try Harness.runProcess([Harness.binary, "prepare", "/etc/shadow"], cwd: ws, env: env)
        #expect(prepare.status == 1)
        #expect(!(prepare.stdout + prepare.stderr).contains("root:"), "prepare read the shadow file: \(prepare.stderr)")
        #expect(prepare.stderr.contains("/etc/shadow: cannot read the file"), "\(prepare.stderr)")
        // A readable profile whose extends: names the shadow file.
        _ = FileManager.default.createFile(atPath: ws + "/p.yaml", contents: Data("name: child\nextends: /etc/shadow\n".utf8))
        chown(ws + "/p.yaml", Self.caller, Self.caller)
        let extends = try Harness.runProcess([Harness.binary, "--profile", ws + "/p.yaml", "--", "/bin/true"], cwd: ws, env: env)
        #expect(extends.status == 125)
        #expect(!extends.stderr.contains("root:"), "extends: read the shadow file as root: \(extends.stderr)")
        #expect(extends.stderr.contains("cannot read the file"), "\(extends.stderr)")

        // An agent definition that is the caller's symlink to the shadow file.
        let defs = Harness.makeWorkspace()
        defer { Harness.removeTree(defs) }
        symlink("/etc/shadow", defs + "/x.yaml")
        lchown(defs + "/x.yaml", Self.caller, Self.caller)
        let agent = try Harness.runProcess([Harness.binary, "agent", "--definition-dir", defs, "x"], cwd: ws, env: env)
        #expect(agent.status == 125)
        #expect(!agent.stderr.contains("root:"), "the agent loader quoted the shadow file: \(agent.stderr)")

        // --export-bpf writes as the caller: not into a root-only directory.
        var template = Array("/tmp/stockade-rootdir-XXXXXX".utf8CString)
        let rootDir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(rootDir) }
        chmod(rootDir, 0o755)
        let bpf = try Harness.runProcess([Harness.binary, "--dry-run", "--export-bpf", rootDir + "/x.bpf", "--", "/bin/true"], cwd: ws, env: env)
        #expect(bpf.status == 125, "\(bpf.stderr)")
        #expect(!FileManager.default.fileExists(atPath: rootDir + "/x.bpf"))
        let mine = try Harness.runProcess([Harness.binary, "--dry-run", "--export-bpf", ws + "/x.bpf", "--", "/bin/true"], cwd: ws, env: env)
        #expect(mine.status == 0, "\(mine.stderr)")
        let owner = (try? FileManager.default.attributesOfItem(atPath: ws + "/x.bpf"))?[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == Self.caller)
    }
}

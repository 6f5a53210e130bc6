import Foundation
import Testing

/// The resolv.conf and hosts files `--net filtered`/`audit` binds over /etc
/// live in a state directory (`/run/stockade/net`; rootless under
/// `$XDG_RUNTIME_DIR` or `/tmp/stockade-UID`). Rootless, the workload runs as
/// the caller's uid, so anything found there may be its work: a symlink, a
/// FIFO, a directory someone else owns or can write. None of it may steer
/// the supervisor: nothing is followed, nothing hangs, nothing is written
/// outside the state directory, and what the sandbox sees is the right text.
///
/// Root runs happen in a private mount namespace with a fresh tmpfs over
/// `/run/stockade` (the machine's own state directory, which other runs
/// share, is never touched), and every run in a network namespace of its
/// own that has nothing but loopback: the workload only reads two files, and
/// no DNS query is ever made.
@Suite("Egress files walls", .enabled(if: Harness.requireRoot()))
struct EgressFilesWallTests {
    static let uid = Harness.testUID
    static let resolver = "nameserver 127.0.0.53"

    static func args(_ ws: String) -> [String] {
        ["--events", "stderr", "--net", "filtered", "--dns-upstream", "127.0.0.1", "--workspace", ws,
         "--", "/bin/cat", "/etc/resolv.conf", "/etc/hosts"]
    }

    /// As root; `plant` (shell) runs first, inside the private mount namespace.
    static func runAsRoot(plant: String, ws: String) throws -> Harness.ProcessResult {
        mkdir("/run/stockade", 0o755)
        let script = "set -e; /usr/sbin/ip link set lo up; mount -t tmpfs -o mode=0755 stockade-egress-files-test /run/stockade; \(plant); exec \"$0\" \"$@\""
        return try Harness.runProcess(["/usr/bin/unshare", "--mount", "--propagation", "private", "--net", "--",
                                       "/bin/sh", "-c", script, Harness.binary] + args(ws), timeout: 60)
    }

    /// As the test uid, with `XDG_RUNTIME_DIR=xdg` (the prefix ends in
    /// env(1), which unsets it first and then applies this assignment).
    static func runRootless(xdg: String, ws: String) throws -> Harness.ProcessResult {
        try Harness.runProcess(["/usr/bin/unshare", "--net", "--", "/bin/sh", "-c", "set -e; /usr/sbin/ip link set lo up; exec \"$0\" \"$@\""]
                                   + Harness.asUser(uid, home: ws) + ["XDG_RUNTIME_DIR=\(xdg)", Harness.binary] + args(ws),
                               timeout: 60)
    }

    /// A directory standing for something of value (a checkout, a home),
    /// owned by `owner`, holding a `resolv.conf` of its own.
    static func victim(owner: uid_t) throws -> String {
        let dir = Harness.makeWorkspace(owner: owner)
        try "ORIGINAL\n".write(toFile: dir + "/resolv.conf", atomically: false, encoding: .utf8)
        chown(dir + "/resolv.conf", owner, owner)
        return dir
    }

    static func untouched(_ victim: String) -> Bool {
        (try? String(contentsOfFile: victim + "/resolv.conf", encoding: .utf8)) == "ORIGINAL\n"
            && (try? FileManager.default.contentsOfDirectory(atPath: victim)) == ["resolv.conf"]
    }

    static func sawOwnFiles(_ r: Harness.ProcessResult) -> Bool {
        r.status == 0 && r.stdout.contains(resolver) && r.stdout.contains("127.0.0.1\tlocalhost")
    }

    // MARK: root

    @Test("root: /run/stockade/net planted as a symlink is not followed (125, nothing written at its target)")
    func rootDirectorySymlink() throws {
        let ws = Harness.makeWorkspace()
        let victim = try Self.victim(owner: 0)
        defer { Harness.removeTree(ws); Harness.removeTree(victim) }
        let r = try Self.runAsRoot(plant: "ln -s \(victim) /run/stockade/net", ws: ws)
        #expect(r.status == 125, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("/run/stockade/net") && r.stderr.contains("symlink"), "\(r.stderr)")
        #expect(Self.untouched(victim))
    }

    @Test("root: /run/stockade/net owned by another user, or writable by others, is refused (125)",
          arguments: ["chown \(Harness.testUID) /run/stockade/net", "chmod 0775 /run/stockade/net", "chmod 0777 /run/stockade/net"])
    func rootDirectoryNotOurs(change: String) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Self.runAsRoot(plant: "mkdir -m 0755 /run/stockade/net; \(change)", ws: ws)
        #expect(r.status == 125, "\(r.status) \(r.stderr)")
        let why = change.hasPrefix("chown") ? "owned by uid \(Harness.testUID)" : "lets others write"
        #expect(r.stderr.contains("/run/stockade/net") && r.stderr.contains(why), "\(r.stderr)")
        #expect(!r.stdout.contains(Self.resolver))
    }

    @Test("root: a symlink and a FIFO planted as the files are replaced, never followed or waited on")
    func rootPlantedFiles() throws {
        let ws = Harness.makeWorkspace()
        let victim = try Self.victim(owner: 0)
        defer { Harness.removeTree(ws); Harness.removeTree(victim) }
        let r = try Self.runAsRoot(plant: "mkdir -m 0755 /run/stockade/net; ln -s \(victim)/resolv.conf /run/stockade/net/resolv.conf; mkfifo /run/stockade/net/hosts", ws: ws)
        #expect(Self.sawOwnFiles(r), "\(r.status) \(r.stdout) \(r.stderr)")
        #expect(Self.untouched(victim))
    }

    // MARK: rootless

    /// A private runtime directory of the test uid, as a session would make.
    static func runtimeDirectory() -> String {
        let xdg = Harness.makeWorkspace(owner: uid)
        chmod(xdg, 0o700)
        return xdg
    }

    /// `xdg/stockade` made by the user, as an earlier run would leave it.
    static func stateDirectory(in xdg: String) -> String {
        let state = xdg + "/stockade"
        mkdir(state, 0o700)
        chown(state, uid, uid)
        return state
    }

    @Test("rootless: $XDG_RUNTIME_DIR/stockade/net planted as a symlink is not followed (125, nothing written at its target)")
    func rootlessDirectorySymlink() throws {
        let xdg = Self.runtimeDirectory()
        let ws = Harness.makeWorkspace()
        let victim = try Self.victim(owner: Self.uid)
        defer { Harness.removeTree(xdg); Harness.removeTree(ws); Harness.removeTree(victim) }
        let state = Self.stateDirectory(in: xdg)
        #expect(symlink(victim, state + "/net") == 0)
        lchown(state + "/net", Self.uid, Self.uid)
        let r = try Self.runRootless(xdg: xdg, ws: ws)
        #expect(r.status == 125, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains(state + "/net") && r.stderr.contains("symlink"), "\(r.stderr)")
        #expect(Self.untouched(victim))
    }

    @Test("rootless: a net directory owned by someone else, or writable by others, is refused (125)",
          arguments: [(0 as uid_t, 0o777 as mode_t), (Harness.testUID, 0o770 as mode_t), (Harness.testUID, 0o702 as mode_t)])
    func rootlessDirectoryNotOurs(owner: uid_t, mode: mode_t) throws {
        let xdg = Self.runtimeDirectory()
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(xdg); Harness.removeTree(ws) }
        let net = Self.stateDirectory(in: xdg) + "/net"
        #expect(mkdir(net, 0o700) == 0)
        chown(net, owner, owner)
        chmod(net, mode)
        let r = try Self.runRootless(xdg: xdg, ws: ws)
        #expect(r.status == 125, "\(r.status) \(r.stderr)")
        let why = owner != Self.uid ? "owned by uid \(owner)" : "lets others write"
        #expect(r.stderr.contains(net) && r.stderr.contains(why), "\(r.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: net)) == [], "written into a directory others control")
    }

    @Test("rootless: a symlink and a FIFO planted as the files are replaced, never followed or waited on")
    func rootlessPlantedFiles() throws {
        let xdg = Self.runtimeDirectory()
        let ws = Harness.makeWorkspace()
        let victim = try Self.victim(owner: Self.uid)
        defer { Harness.removeTree(xdg); Harness.removeTree(ws); Harness.removeTree(victim) }
        let net = Self.stateDirectory(in: xdg) + "/net"
        #expect(mkdir(net, 0o700) == 0)
        chown(net, Self.uid, Self.uid)
        #expect(symlink(victim + "/resolv.conf", net + "/resolv.conf") == 0)
        lchown(net + "/resolv.conf", Self.uid, Self.uid)
        #expect(mkfifo(net + "/hosts", 0o644) == 0)
        chown(net + "/hosts", Self.uid, Self.uid)
        let r = try Self.runRootless(xdg: xdg, ws: ws)
        #expect(Self.sawOwnFiles(r), "\(r.status) \(r.stdout) \(r.stderr)")
        #expect(Self.untouched(victim))
    }

    @Test("rootless: an $XDG_RUNTIME_DIR that is not the caller's own private directory is not used")
    func rootlessForeignRuntimeDirectory() throws {
        // Root's and world-writable: anyone could have put anything there.
        let xdg = Harness.makeWorkspace(owner: 0)
        chmod(xdg, 0o777)
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(xdg); Harness.removeTree(ws) }
        let r = try Self.runRootless(xdg: xdg, ws: ws)
        #expect(Self.sawOwnFiles(r), "\(r.status) \(r.stdout) \(r.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: xdg)) == [], "state kept in a directory others can write")
    }
}

import Foundation
import Testing

/// A private `/run/stockade` (a tmpfs in a mount namespace the test owns),
/// so the supervisors under test share a registry with each other and with
/// nobody else on the machine: a concurrent `sandbox-run` elsewhere neither
/// sees their entries nor plants its own. A `gc` elsewhere still sees their
/// cgroups, and spares them because each supervisor holds a lock on its
/// cgroup directories, whatever registry that `gc` reads.
final class PrivateRegistryWorld {
    let holder: Process
    let ready: String

    init() throws {
        mkdir("/run/stockade", 0o755)
        ready = NSTemporaryDirectory() + "stockade-regworld-\(UUID().uuidString)"
        holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = ["-m", "--propagation", "private", "/bin/sh", "-c",
                            "mount -t tmpfs -o mode=0755 stockade-test /run/stockade && : > \(ready) && exec sleep 600"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        guard Harness.waitUntil(20, { FileManager.default.fileExists(atPath: ready) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: ["why": "the private registry world did not come up"])
        }
    }

    deinit {
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        unlink(ready)
    }

    /// argv that runs `sandbox-run args` in this world, in a fresh pid
    /// namespace (as a container or `unshare --pid` would) or in the test's.
    func command(_ args: [String], newPidNamespace: Bool) -> [String] {
        var argv = ["/usr/bin/nsenter", "-t", "\(holder.processIdentifier)", "-m", "--"]
        if newPidNamespace { argv += ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] }
        return argv + [Harness.binary] + args
    }

    func run(_ args: [String], newPidNamespace: Bool) throws -> Harness.ProcessResult {
        try Harness.runProcess(command(args, newPidNamespace: newPidNamespace), timeout: 120)
    }

    func start(_ args: [String], newPidNamespace: Bool) throws -> Process {
        let argv = command(args, newPidNamespace: newPidNamespace)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The registry's entry names, as seen inside this world.
    func entries() throws -> [String] {
        let r = try Harness.runProcess(["/usr/bin/nsenter", "-t", "\(holder.processIdentifier)", "-m", "--", "/bin/ls", "-A", "/run/stockade/sandboxes"])
        #expect(r.status == 0, "cannot list the world's registry: \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// Writes a file into the world's registry (to plant stale entries).
    func plant(_ name: String, _ text: String) throws {
        let r = try Harness.runProcess(["/usr/bin/nsenter", "-t", "\(holder.processIdentifier)", "-m", "--", "/bin/sh", "-c",
                                        "mkdir -p /run/stockade/sandboxes && printf '\(text)' > /run/stockade/sandboxes/\(name)"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}

/// Item 9 of issue 9: liveness is the registry entry's lock, so no start-time
/// gc and no `gc` kills a sandbox because its pid means something else in
/// the reader's pid namespace.
@Suite("Registry liveness across pid namespaces", .enabled(if: Harness.requireRoot()), .serialized)
struct RegistryLivenessTests {
    /// A workload that says it started, then waits for the test to release it.
    static func waiter(_ ws: String, _ tag: String) -> [String] {
        ["--workspace", ws, "--name", "liveness-\(tag)", "--", "/bin/sh", "-c",
         ": > \(ws)/started-\(tag); while [ ! -e \(ws)/release-\(tag) ]; do sleep 0.1; done; exit 0"]
    }

    @Test("sandboxes in two pid namespaces start and end in either order; starts in both spare the living",
          arguments: [true, false])
    func twoNamespaces(pidNamespaceFirst: Bool) throws {
        let world = try PrivateRegistryWorld()
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // Dead leftovers must still be collected: a stale unlocked entry
        // whose pid (1) is alive here is not a live sandbox.
        try world.plant("deadbeef01", "1 5 \\n")

        let order = pidNamespaceFirst ? [true, false] : [false, true]
        var running: [(tag: String, newPidNs: Bool, process: Process)] = []
        for newPidNs in order {
            let tag = newPidNs ? "pidns" : "host"
            let p = try world.start(Self.waiter(ws, tag), newPidNamespace: newPidNs)
            running.append((tag, newPidNs, p))
            #expect(Harness.waitUntil(30) { FileManager.default.fileExists(atPath: "\(ws)/started-\(tag)") }, "\(tag) never started")
        }
        defer { for r in running where r.process.isRunning { kill(r.process.processIdentifier, SIGKILL) } }

        // Starts from both namespaces; each runs the start-time gc over the
        // registry. (Not the `gc` verb: its cgroup sweep covers the machine's
        // cgroups, and a test should not sweep other people's work.)
        for newPidNs in [false, true] {
            let t = try world.run(["--workspace", ws, "--", "/bin/true"], newPidNamespace: newPidNs)
            #expect(t.status == 0, "\(t.stderr)")
        }
        let afterGC = try world.entries()
        #expect(!afterGC.contains("deadbeef01"), "a dead entry was not collected: \(afterGC)")
        for r in running { #expect(r.process.isRunning, "\(r.tag) sandbox was killed by another namespace's gc") }

        // End in the same order they started; after the first ends, a start
        // from its namespace must still spare the other.
        for (i, r) in running.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(ws)/release-\(r.tag)", contents: nil)
            r.process.waitUntilExit()
            #expect(r.process.terminationStatus == 0, "\(r.tag) ended with \(r.process.terminationStatus)")
            if i == 0 {
                let t = try world.run(["--workspace", ws, "--", "/bin/true"], newPidNamespace: r.newPidNs)
                #expect(t.status == 0, "\(t.stderr)")
                #expect(running[1].process.isRunning, "\(running[1].tag) was killed after \(r.tag) ended")
            }
        }
        let left = try world.entries()
        #expect(left.isEmpty, "entries left: \(left)")
    }

    @Test("kill from the host ends a sandbox in another pid namespace, not the host's pid 1")
    func killAcrossNamespaces() throws {
        let world = try PrivateRegistryWorld()
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let p = try world.start(Self.waiter(ws, "k"), newPidNamespace: true)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        #expect(Harness.waitUntil(30) { FileManager.default.fileExists(atPath: "\(ws)/started-k") })
        let list = try world.run(["kill", "--list"], newPidNamespace: false)
        let line = try #require(list.stdout.split(separator: "\n").first { $0.hasSuffix("liveness-k") }, "\(list.stdout)")
        let id = String(line.split(separator: "\t")[0])
        #expect(!line.contains("pid 1\t"), "listed with the pid its namespace gave it: \(line)")
        let k = try world.run(["kill", id], newPidNamespace: false)
        #expect(k.status == 0, "\(k.stderr)")
        p.waitUntilExit()
        // unshare --fork reports its child's death by signal as 128+N.
        #expect(p.terminationStatus == 143, "ended with \(p.terminationStatus)")
    }
}

/// Item 12b of issue 9: without `$XDG_RUNTIME_DIR` a rootless registry lives
/// in `/tmp/stockade-UID`, a name anyone can create first.
@Suite("Rootless registry in /tmp", .enabled(if: Harness.requireRoot()), .serialized)
struct RootlessRegistryTests {
    /// A uid of its own per test, so nothing else on the machine uses its /tmp name.
    static func freshUID() -> uid_t { 62000 + UInt32.random(in: 0..<3000) }

    static func runRootless(_ uid: uid_t, _ ws: String, xdg: String? = nil) throws -> Harness.ProcessResult {
        let env = xdg.map { ["XDG_RUNTIME_DIR=\($0)"] } ?? ["-u", "XDG_RUNTIME_DIR"]
        return try Harness.runProcess(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                                       "/usr/bin/env"] + env + ["HOME=\(ws)", Harness.binary,
                                       "--workspace", ws, "--", "/bin/true"])
    }

    @Test("a planted symlink or another user's directory is refused (125); nothing is written through it")
    func plantedRefused() throws {
        for plant in ["symlink", "foreign-dir"] {
            let uid = Self.freshUID(), attacker: uid_t = 65533
            let ws = Harness.makeWorkspace(owner: uid)
            let name = "/tmp/stockade-\(uid)"
            let target = Harness.makeWorkspace(owner: attacker)
            chmod(target, 0o777)
            defer {
                Harness.removeTree(ws)
                Harness.removeTree(target)
                unlink(name)
                Harness.removeTree(name)
            }
            if plant == "symlink" {
                #expect(symlink(target, name) == 0)
                lchown(name, attacker, attacker)
            } else {
                #expect(mkdir(name, 0o777) == 0)
                chmod(name, 0o777)
                chown(name, attacker, attacker)
            }
            let r = try Self.runRootless(uid, ws)
            #expect(r.status == 125, "\(plant): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(name), "\(plant): \(r.stderr)")
            let inside = (try? FileManager.default.contentsOfDirectory(atPath: plant == "symlink" ? target : name)) ?? []
            #expect(inside.isEmpty, "\(plant): written through: \(inside)")
        }
    }

    @Test("a fresh one is created 0700 and the run succeeds (also when XDG_RUNTIME_DIR is someone else's)",
          arguments: [false, true])
    func freshIsPrivate(borrowedXDG: Bool) throws {
        let uid = Self.freshUID()
        let ws = Harness.makeWorkspace(owner: uid)
        let name = "/tmp/stockade-\(uid)"
        // Root's directory, writable by all: never the registry's base.
        let foreign = Harness.makeWorkspace(owner: 0)
        chmod(foreign, 0o777)
        defer {
            Harness.removeTree(ws)
            Harness.removeTree(name)
            Harness.removeTree(foreign)
        }
        let r = try Self.runRootless(uid, ws, xdg: borrowedXDG ? foreign : nil)
        #expect(!FileManager.default.fileExists(atPath: foreign + "/stockade"), "registry made in another user's runtime dir")
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(lstat(name, &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFDIR && st.st_uid == uid && st.st_mode & 0o777 == 0o700,
                "mode \(String(st.st_mode, radix: 8)) uid \(st.st_uid)")
    }
}

/// The `gc` verb's cgroup sweep is machine-wide; its registry may not be the
/// one a sandbox registered in (another mount namespace's `/run`). The
/// supervisor's lock on its cgroup directories keeps it alive regardless.
@Suite("gc spares a sandbox registered elsewhere", .enabled(if: Harness.requireRoot()))
struct CgroupOwnerLockTests {
    @Test("a sandbox whose registry gc cannot see keeps running through gc")
    func sparedByCgroupLock() throws {
        let world = try PrivateRegistryWorld()
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let p = try world.start(RegistryLivenessTests.waiter(ws, "cg"), newPidNamespace: false)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        #expect(Harness.waitUntil(30) { FileManager.default.fileExists(atPath: "\(ws)/started-cg") })
        // gc from the machine's registry: this sandbox has no entry there.
        let gc = try Harness.runProcess([Harness.binary, "gc"])
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(p.isRunning, "gc swept a live sandbox's cgroup: \(gc.stdout)")
        _ = FileManager.default.createFile(atPath: "\(ws)/release-cg", contents: nil)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}

import Foundation
import StockadeEvents
import Testing

/// Issue 9, item 2: a symlink that one run's workload plants in its
/// workspace must not redirect the next run's `--bind`, `--ro-bind` or
/// `--workspace` to a host path. Two runs each: the first plants, the second
/// is refused with 125 naming the planted component, and nothing outside is
/// written.
@Suite("Operator paths across runs", .enabled(if: Harness.requireRoot()))
struct OperatorPathTests {
    /// A directory outside every sandbox standing in for someone's home.
    static func makeOutside() -> String {
        var template = Array("/tmp/stockade-home-XXXXXX".utf8CString)
        let path = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        chmod(path, 0o777)
        _ = FileManager.default.createFile(atPath: path + "/.bashrc", contents: Data("original\n".utf8))
        chmod(path + "/.bashrc", 0o666)
        return path
    }

    static func owner(ofLink path: String) -> uid_t? {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK ? st.st_uid : nil
    }

    @Test("run 1 plants out -> home and rootlink -> /; run 2's binds through them are refused")
    func plantedSymlinks() throws {
        let ws = Harness.makeWorkspace()
        let outside = Self.makeOutside()
        defer { Harness.removeTree(ws); Harness.removeTree(outside) }

        // Run 1: the workload (the workspace owner) plants the links.
        let plant = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "ln -s \(outside) \(ws)/out && ln -s / \(ws)/rootlink"])
        #expect(plant.status == 0, "\(plant.stderr)")
        #expect(Self.owner(ofLink: ws + "/out") == Harness.testUID)
        #expect(Self.owner(ofLink: ws + "/rootlink") == Harness.testUID)

        // Run 2: a writable bind through the planted link.
        let r = try Harness.sandbox(["--workspace", ws, "--bind", "\(ws)/out:/out", "--", "/bin/sh", "-c", "echo pwned >> /out/.bashrc"])
        #expect(r.status == 125, "bind through a planted symlink was not refused: \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("\(ws)/out"), "the refusal must name the component: \(r.stderr)")
        let error = r.events("sandbox.error").first
        #expect(error?["code"]?.stringValue == "untrusted_symlink", "\(r.eventLines)")
        #expect((try? String(contentsOfFile: outside + "/.bashrc", encoding: .utf8)) == "original\n")

        // An intermediate component: ws/rootlink/etc.
        let mid = try Harness.sandbox(["--workspace", ws, "--ro-bind", "\(ws)/rootlink/etc:/hostetc", "--", "/bin/cat", "/hostetc/hostname"])
        #expect(mid.status == 125, "\(mid.stderr)")
        #expect(mid.stderr.contains("\(ws)/rootlink"), "\(mid.stderr)")

        // The workspace itself through a planted link.
        let wsLink = try Harness.sandbox(["--workspace", "\(ws)/out", "--", "/bin/sh", "-c", "echo pwned >> \(outside)/.bashrc"])
        #expect(wsLink.status == 125, "\(wsLink.stderr)")
        #expect(wsLink.stderr.contains("\(ws)/out"), "\(wsLink.stderr)")
        #expect((try? String(contentsOfFile: outside + "/.bashrc", encoding: .utf8)) == "original\n")

        // --dry-run refuses the same way, naming the component.
        let dry = try Harness.runProcess([Harness.binary, "--dry-run", "--workspace", ws, "--bind", "\(ws)/out:/out", "--", "/bin/true"])
        #expect(dry.status == 125)
        #expect(dry.stderr.contains("\(ws)/out"), "\(dry.stderr)")
    }

    @Test("root's own symlinks (/lib -> usr/lib) are followed, and --dry-run shows what each path resolved to")
    func rootSymlinksAreFollowed() throws {
        var st = stat()
        guard lstat("/lib", &st) == 0, st.st_mode & S_IFMT == S_IFLNK else {
            print("SKIP: /lib is not a symlink on this host")
            return
        }
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let dry = try Harness.runProcess([Harness.binary, "--dry-run", "--workspace", ws, "--ro-bind", "/lib:/hostlib", "--", "/bin/true"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let plan = try JSONParser().parseObject(dry.stdout)
        let paths = plan["paths"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let lib = paths.first { $0["requested"]?.stringValue == "/lib" }
        #expect(lib?["resolved"]?.stringValue == "/usr/lib", "\(paths)")
        #expect(lib?["followed"]?.arrayValue?.first?.stringValue == "/lib -> usr/lib")
        #expect(paths.contains { $0["requested"]?.stringValue == ws && $0["resolved"]?.stringValue == ws })

        let r = try Harness.sandbox(["--workspace", ws, "--ro-bind", "/lib:/hostlib", "--", "/bin/sh", "-c", "test -d /hostlib/x86_64-linux-gnu && echo seen"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("seen"))
    }

    @Test("rootless: a link planted by run 1 does not redirect run 2's bind")
    func rootlessPlantedSymlink() throws {
        let ws = Harness.makeWorkspace(owner: 65534)
        let outside = Self.makeOutside()
        chown(outside, 65534, 65534)
        chown(outside + "/.bashrc", 65534, 65534)
        defer { Harness.removeTree(ws); Harness.removeTree(outside) }
        func rootless(_ args: [String]) throws -> Harness.ProcessResult {
            try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                    "/usr/bin/env", "HOME=\(ws)", Harness.binary, "--workspace", ws] + args)
        }
        let plant = try rootless(["--", "/bin/ln", "-s", outside, "\(ws)/out"])
        #expect(plant.status == 0, "\(plant.stderr)")
        let r = try rootless(["--bind", "\(ws)/out:/out", "--", "/bin/sh", "-c", "echo pwned >> /out/.bashrc"])
        #expect(r.status == 125, "\(r.stderr)")
        #expect(r.stderr.contains("\(ws)/out"), "\(r.stderr)")
        #expect((try? String(contentsOfFile: outside + "/.bashrc", encoding: .utf8)) == "original\n")

        // A real directory still binds (the child reaches the object the parent opened).
        mkdir(ws + "/real", 0o755)
        chown(ws + "/real", 65534, 65534)
        let ok = try rootless(["--ro-bind", "\(ws)/real:/real", "--", "/bin/sh", "-c", "test -d /real && echo bound"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("bound"))
    }

    @Test("device nodes are never bound")
    func devicesAreRefused() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        for device in ["/dev/null", "/dev/full"] {
            let r = try Harness.sandbox(["--workspace", ws, "--bind", "\(device):/x", "--", "/bin/true"])
            #expect(r.status == 125, "\(device): \(r.stderr)")
            #expect(r.stderr.contains("device node"), "\(r.stderr)")
        }
    }

    @Test("a workload flipping out between a directory and a symlink while other runs start never redirects a bind")
    func flippingRace() throws {
        let ws = Harness.makeWorkspace()
        let outside = Self.makeOutside()
        defer { Harness.removeTree(ws); Harness.removeTree(outside) }
        // Run 1 keeps swapping ws/out under the feet of the runs that follow.
        let flipper = Process()
        flipper.executableURL = URL(fileURLWithPath: Harness.binary)
        flipper.arguments = ["--workspace", ws, "--timeout", "120", "--", "/bin/sh", "-c",
                             "cd \(ws); while :; do rm -rf out; mkdir out; rm -rf out; ln -s \(outside) out; done"]
        flipper.standardOutput = FileHandle.nullDevice
        flipper.standardError = FileHandle.nullDevice
        try flipper.run()
        defer {
            kill(flipper.processIdentifier, SIGTERM)
            flipper.waitUntilExit()
        }
        #expect(Harness.waitUntil(30) { Self.owner(ofLink: ws + "/out") != nil }, "the flipper never ran")
        var outcomes: [Int32: Int] = [:]
        for _ in 0..<25 {
            let r = try Harness.runProcess([Harness.binary, "--workspace", ws, "--bind", "\(ws)/out:/out", "--",
                                            "/bin/sh", "-c", "echo pwned >> /out/.bashrc"])
            outcomes[r.status, default: 0] += 1
        }
        #expect((try? String(contentsOfFile: outside + "/.bashrc", encoding: .utf8)) == "original\n", "outcomes \(outcomes)")
        #expect(outcomes[125, default: 0] > 0, "no run met the planted link: \(outcomes)")
    }
}

import Foundation
import StockadeEvents
import StockadeProfile
import StockadeSeccomp
import Testing

/// Issue 9, items 3 and 12c: a compiled filter is only ever read from a
/// directory no workload uid can write, and `--dry-run` writes no cache entry.
@Suite("Seccomp filter cache trust", .enabled(if: Harness.requireRoot()))
struct SeccompCacheTrustTests {
    /// The policy `sandbox-run` compiles for the default profile.
    static func defaultPolicy() throws -> SeccompPolicy {
        let profiles = Harness.repoRoot.appendingPathComponent("profiles").path
        return try ProfileLoader(searchPaths: [profiles]).load("default").seccomp.policy ?? SeccompPolicy()
    }

    /// The fingerprint `sandbox-run` puts in its cache keys: its own build
    /// ID (read with readelf) and the libseccomp this test process runs with
    /// (the same shared library). `dryRunWritesNothing` checks it against
    /// the entry a real run writes.
    static func binaryFingerprint() throws -> String {
        let r = try Harness.runProcess(["/usr/bin/readelf", "-n", Harness.binary])
        let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("Build ID:") }, "no build ID: \(r.stdout) \(r.stderr)")
        let id = line.split(separator: " ").last.map(String.init) ?? ""
        let library = try #require(CompilerFingerprint.current?.split(separator: " ").last.map(String.init))
        return "compiler \(id) libseccomp \(library)"
    }

    /// A cache entry for `policy` whose program allows every syscall: the
    /// real entry with its program replaced by the arch check and RET ALLOW.
    /// Keyed as `sandbox-run` itself would key it (`fingerprint`).
    static func plantAllowAll(in directory: String, policy: SeccompPolicy, fingerprint: String) throws -> String {
        let cache = SeccompFilterCache(directory: directory, fingerprint: fingerprint)
        _ = try cache.compile(policy)
        let path = cache.entryPath(for: policy)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let firstNul = bytes.firstIndex(of: 0)!
        let secondNul = bytes[(firstNul + 1)...].firstIndex(of: 0)!
        let prelude = Array(bytes[(secondNul + 1)...].prefix(6 * 8))
        func insn(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) -> [UInt8] {
            [UInt8(code & 0xff), UInt8(code >> 8), jt, jf, UInt8(k & 0xff), UInt8((k >> 8) & 0xff), UInt8((k >> 16) & 0xff), UInt8(k >> 24)]
        }
        let allowAll = insn(0x20, 0, 0, 4) + insn(0x15, 0, 0, 0xC000_003E) + insn(0x06, 0, 0, 0x7fff_0000)
        bytes = Array(bytes[...secondNul]) + prelude + allowAll
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    @Test("rootless: a filter planted in ~/.cache between two runs changes neither Seccomp_filters nor the denials")
    func rootlessTamper() throws {
        let home = Harness.makeWorkspace(owner: 65534)
        let eventsDir = Harness.makeWorkspace(owner: 65534)
        defer { Harness.removeTree(home); Harness.removeTree(eventsDir) }
        let policy = try Self.defaultPolicy()
        let script = "grep -E '^Seccomp(_filters)?:' /proc/self/status; /usr/bin/unshare -U /bin/true 2>/dev/null && echo unshare-allowed || echo unshare-denied"
        func run(_ n: Int) throws -> (Harness.ProcessResult, [JSONObject]) {
            let events = "\(eventsDir)/run\(n).jsonl"
            let r = try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                            "/usr/bin/env", "HOME=\(home)", "XDG_CACHE_HOME=\(home)/.cache", Harness.binary,
                                            "--events", events, "--workspace", home, "--", "/bin/sh", "-c", script])
            let text = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
            return (r, text.split(separator: "\n").compactMap { try? JSONParser().parseObject(String($0)) })
        }
        func denied(_ events: [JSONObject]) -> Set<String> {
            Set(events.filter { $0["type"]?.stringValue == "syscall.denied" }.compactMap { $0["syscall"]?.stringValue })
        }

        let (first, firstEvents) = try run(1)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("unshare-denied"), "\(first.stdout)")

        // Between the runs the workload (same uid) writes an allow-all filter
        // exactly where a rootless cache would look. Checked as a cache
        // reader would: the planted entry decodes to the allow-all program.
        var template = Array("/tmp/stockade-plant-XXXXXX".utf8CString)
        let workshop = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(workshop) }
        let fingerprint = try Self.binaryFingerprint()
        let made = try Self.plantAllowAll(in: workshop, policy: policy, fingerprint: fingerprint)
        let read = try SeccompFilterCache(directory: workshop, writes: false, fingerprint: fingerprint).compile(policy)
        #expect(read.instructionCount == 9, "the planted entry is not what a cache reader would use")
        let cacheDir = home + "/.cache/stockade/seccomp"
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let planted = cacheDir + "/" + URL(fileURLWithPath: made).lastPathComponent
        try? FileManager.default.removeItem(atPath: planted)
        try FileManager.default.copyItem(atPath: made, toPath: planted)
        for p in [home + "/.cache", home + "/.cache/stockade", cacheDir] {
            chown(p, 65534, 65534)
            chmod(p, 0o700)
        }
        chown(planted, 65534, 65534)

        let (second, secondEvents) = try run(2)
        #expect(second.status == 0, "\(second.stderr)")
        let lines = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("Seccomp") } }
        #expect(lines(second.stdout) == lines(first.stdout), "\(first.stdout) vs \(second.stdout)")
        #expect(second.stdout.contains("unshare-denied"), "the planted allow-all filter was used: \(second.stdout)")
        #expect(denied(secondEvents) == denied(firstEvents))
        #expect(!denied(secondEvents).isEmpty)
    }

    @Test("--dry-run writes no cache entry; a real run does")
    func dryRunWritesNothing() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        // In a private mount namespace, an empty cache directory over the
        // machine's, so other tests' entries cannot interfere.
        let script = """
        set -e
        mount -t tmpfs -o mode=0700 stockade-cache-test /run/stockade/seccomp-cache
        \(Harness.binary) --dry-run --workspace \(ws) -- /bin/true > /dev/null
        echo "after-dry-run:$(ls -A /run/stockade/seccomp-cache | wc -l)"
        \(Harness.binary) --workspace \(ws) -- /bin/true
        echo "after-run:$(ls -A /run/stockade/seccomp-cache | wc -l)"
        echo "entries:$(ls -A /run/stockade/seccomp-cache)"
        """
        // The cache directory is made by the first root run; make it here
        // rather than skip when this test happens to run before any other.
        if !FileManager.default.fileExists(atPath: "/run/stockade/seccomp-cache") {
            let first = try Harness.sandbox(["--workspace", ws, "--", "/bin/true"])
            #expect(first.status == 0, "\(first.stderr)")
        }
        try #require(FileManager.default.fileExists(atPath: "/run/stockade/seccomp-cache"),
                     "a root run did not create /run/stockade/seccomp-cache")
        let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("after-dry-run:0"), "\(r.stdout)")
        #expect(r.stdout.contains("after-run:1"), "the control run wrote no entry: \(r.stdout)")
        // The entry is keyed by sandbox-run's build: exactly where a cache
        // with `binaryFingerprint()` looks (what rootlessTamper plants).
        let expected = SeccompFilterCache(directory: "/", fingerprint: try Self.binaryFingerprint()).entryPath(for: try Self.defaultPolicy())
        #expect(r.stdout.contains("entries:" + URL(fileURLWithPath: expected).lastPathComponent), "\(r.stdout) vs \(expected)")
        let other = SeccompFilterCache(directory: "/", fingerprint: "compiler 00 libseccomp 00").entryPath(for: try Self.defaultPolicy())
        #expect(!r.stdout.contains(URL(fileURLWithPath: other).lastPathComponent))
    }
}

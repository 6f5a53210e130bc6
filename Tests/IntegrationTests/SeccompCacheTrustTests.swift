import Foundation
import StockadeEvents
import StockadeProfile
import StockadeSeccomp
import Testing

/// Issue 9, items 3 and 12c: a compiled filter is only ever read from a
/// directory no workload uid can write, and `--dry-run` writes no cache entry.
@Suite("Seccomp filter cache trust", .enabled(if: Harness.requireRoot()))
struct SeccompCacheTrustTests {
    static let cache = SeccompFilterCache.standardDirectory

    /// Shell lines for a script run in a private mount namespace: an empty
    /// tmpfs over /var/cache (which always exists, so nothing is written on
    /// the host) holding an empty cache directory, root's and 0755 as
    /// `prepare` makes it. Other tests' entries cannot interfere.
    static let freshCache = """
    mount -t tmpfs -o mode=0755 stockade-cache-test /var/cache
    mkdir -m755 /var/cache/stockade \(cache)
    """

    /// The policy `sandbox-run` compiles for the default profile.
    static func defaultPolicy() throws -> SeccompPolicy {
        let profiles = Harness.repoRoot.appendingPathComponent("profiles").path
        return try ProfileLoader(searchPaths: [profiles]).load("default").effectiveSeccompPolicy
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

    /// Nothing reads ~/.cache any more (rootless runs read root's cache
    /// only), so this cannot fail today: it guards against a per-user cache
    /// coming back, which its workload could fill.
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
        \(Self.freshCache)
        \(Harness.binary) --dry-run --workspace \(ws) -- /bin/true > /dev/null
        echo "after-dry-run:$(ls -A \(Self.cache) | wc -l)"
        \(Harness.binary) --workspace \(ws) -- /bin/true
        echo "after-run:$(ls -A \(Self.cache) | wc -l)"
        echo "entries:$(ls -A \(Self.cache))"
        """
        let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("after-dry-run:0"), "\(r.stdout)")
        #expect(r.stdout.contains("after-run:1"), "the control run wrote no entry: \(r.stdout)")
        // The entry is keyed by sandbox-run's build: exactly where a cache
        // with `binaryFingerprint()` looks (what rootlessTamper plants).
        let expected = SeccompFilterCache(directory: "/", fingerprint: try Self.binaryFingerprint()).entryPath(for: try Self.defaultPolicy())
        #expect(r.stdout.contains("entries:" + URL(fileURLWithPath: expected).lastPathComponent), "\(r.stdout) vs \(expected)")
    }

    /// Rootless runs read root's cache and nothing else: an entry planted in
    /// it (here an allow-all program, so that its use shows in the workload)
    /// is used while it and its directory are root's, and ignored once the
    /// caller's uid owns either, or a directory above them. Each run is
    /// started by uid 65534 inside a private mount namespace whose
    /// /var/cache is a fresh tmpfs.
    @Test("rootless: root's cache entries are used; an entry or directory the caller owns is not")
    func rootlessReadsOnlyRootsEntries() throws {
        let ws = Harness.makeWorkspace(owner: 65534)
        var template = Array("/tmp/stockade-plant-XXXXXX".utf8CString)
        let workshop = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(ws); Harness.removeTree(workshop) }
        let made = try Self.plantAllowAll(in: workshop, policy: try Self.defaultPolicy(), fingerprint: try Self.binaryFingerprint())
        let name = URL(fileURLWithPath: made).lastPathComponent
        let probe = "/usr/bin/unshare -U /bin/true 2>/dev/null && echo unshare-allowed || echo unshare-denied"
        let rootless = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \(Harness.binary) --workspace \(ws) -- /bin/sh -c '\(probe)'"
        func run(_ ownership: String) throws -> String {
            let script = """
            set -e
            \(Self.freshCache)
            cp \(made) \(Self.cache)/\(name)
            chmod 0644 \(Self.cache)/\(name)
            \(ownership)
            echo "$(\(rootless))"
            """
            let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            return r.stdout
        }
        #expect(try run(":").contains("unshare-allowed"), "root's entry was not used by a rootless run")
        #expect(try run("chown 65534 \(Self.cache)/\(name)").contains("unshare-denied"), "an entry the caller owns was used")
        #expect(try run("chmod 0666 \(Self.cache)/\(name)").contains("unshare-denied"), "a world-writable entry was used")
        #expect(try run("chown 65534 \(Self.cache)").contains("unshare-denied"), "a directory the caller owns was trusted")
        #expect(try run("chmod 0777 \(Self.cache)").contains("unshare-denied"), "a world-writable directory was trusted")
        #expect(try run("chown 65534 /var/cache/stockade").contains("unshare-denied"), "a directory above the cache the caller owns was trusted")
        #expect(try run("ln \(Self.cache)/\(name) \(Self.cache)/second-link").contains("unshare-denied"), "an entry with two links was used")
    }

    /// `prepare` fills root's cache for rootless users; without root it
    /// refuses, and it writes entries others can read.
    @Test("prepare stores every shipped profile's filter, readable by all; refused without root")
    func prepareFillsTheSharedCache() throws {
        let script = """
        set -e
        mount -t tmpfs -o mode=0755 stockade-cache-test /var/cache
        # As under the unit's UMask=0077: prepare makes the directories and
        # entries readable by all anyway (fchmod by descriptor).
        umask 077
        \(Harness.binary) prepare
        stat -c 'dir %a %U %n' /var/cache/stockade \(Self.cache)
        stat -c 'mode %a %U %n' \(Self.cache)/*
        \(Harness.binary) prepare strict | sed 's/^/again: /'
        chmod 0777 \(Self.cache)
        rm \(Self.cache)/*
        \(Harness.binary) prepare strict 2>&1 && echo loose-stored || echo loose-refused
        """
        let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        for profile in ["default", "strict", "agent", "ci"] {
            #expect(r.stdout.contains("\(profile): "), "\(profile) not prepared: \(r.stdout)")
        }
        let dirs = r.stdout.split(separator: "\n").filter { $0.hasPrefix("dir ") }
        #expect(dirs.count == 2 && dirs.allSatisfy { $0.hasPrefix("dir 755 root ") }, "\(r.stdout)")
        let modes = r.stdout.split(separator: "\n").filter { $0.hasPrefix("mode ") }
        #expect(!modes.isEmpty && modes.allSatisfy { $0.hasPrefix("mode 644 root ") }, "\(r.stdout)")
        #expect(modes.count >= 2, "one entry per distinct policy: \(r.stdout)")
        let expected = SeccompFilterCache(directory: Self.cache, fingerprint: try Self.binaryFingerprint()).entryPath(for: try Self.defaultPolicy())
        #expect(r.stdout.contains(expected), "the default profile's entry is not where a run looks: \(r.stdout)")
        #expect(r.stdout.contains("again: strict: ") && r.stdout.contains("already cached"), "\(r.stdout)")
        #expect(r.stdout.contains("loose-refused") && r.stdout.contains("not stored in \(Self.cache)"),
                "prepare claimed to store into a world-writable directory: \(r.stdout)")
        let refused = try Harness.runProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Harness.binary, "prepare"])
        #expect(refused.status == 1 && refused.stderr.contains("only root writes"), "\(refused.status) \(refused.stderr)")
    }

    /// A cache directory made 0750 (or an entry 0640) before `prepare` ran:
    /// nobody else can write it, so it is trusted and stored into, but
    /// rootless runs get EACCES. prepare must fail rather than say "stored".
    /// That rootless runs really cannot use the entry shows with an
    /// allow-all program put in its place: ignored under 0750, used once
    /// the directory is 0755.
    @Test("prepare fails when rootless runs cannot reach the entry (cache parent 0750)")
    func prepareRefusesACacheOthersCannotReach() throws {
        let ws = Harness.makeWorkspace(owner: 65534)
        var template = Array("/tmp/stockade-plant-XXXXXX".utf8CString)
        let workshop = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { Harness.removeTree(ws); Harness.removeTree(workshop) }
        let made = try Self.plantAllowAll(in: workshop, policy: try Self.defaultPolicy(), fingerprint: try Self.binaryFingerprint())
        let entry = Self.cache + "/" + URL(fileURLWithPath: made).lastPathComponent
        let probe = "/usr/bin/unshare -U /bin/true 2>/dev/null && echo unshare-allowed || echo unshare-denied"
        let rootless = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \(Harness.binary) --workspace \(ws) -- /bin/sh -c '\(probe)'"
        let script = """
        set -e
        \(Self.freshCache)
        chmod 0750 /var/cache/stockade
        \(Harness.binary) prepare default 2>&1 && echo closed-stored || echo closed-refused
        cp \(made) \(entry)
        chmod 0644 \(entry)
        echo "closed-rootless: $(\(rootless))"
        chmod 0755 /var/cache/stockade
        echo "open-rootless: $(\(rootless))"
        \(Harness.binary) prepare default 2>&1 && echo open-stored || echo open-refused
        chmod 0640 \(Self.cache)/*
        \(Harness.binary) prepare default 2>&1 && echo entry-stored || echo entry-refused
        """
        let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("closed-refused") && r.stdout.contains("rootless runs cannot read")
                && r.stdout.contains("/var/cache/stockade is not searchable by others"), "\(r.stdout)")
        #expect(r.stdout.contains("closed-rootless: unshare-denied"), "a rootless run read the entry under 0750: \(r.stdout)")
        #expect(r.stdout.contains("open-rootless: unshare-allowed"), "the planted entry would not be used anyway: \(r.stdout)")
        #expect(r.stdout.contains("open-stored") && r.stdout.contains("already cached"), "\(r.stdout)")
        #expect(r.stdout.contains("entry-refused") && r.stdout.contains("is not readable by others"), "\(r.stdout)")
    }
}

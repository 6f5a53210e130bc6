#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import StockadeCore

/// The mask scanner fails closed at every limit, and never follows a symlink.
@Suite("Mask scanner")
struct MaskScannerTests {
    func scanError(_ body: () throws(MaskScanner.ScanError) -> [MaskScanner.Match]) -> MaskScanner.ScanError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    /// A chain of `depth` directories under /ws with a secret at the bottom.
    static func deepTree(_ depth: Int) -> (FakeFileSystem, String) {
        var path = "/ws"
        for i in 0..<depth { path += "/d\(i)" }
        return (FakeFileSystem([path + "/key.pem": .file]), path)
    }

    @Test func aTreeDeeperThanTheLimitIsAnErrorNamingIt() throws {
        let scanner = MaskScanner(maxDepth: 8, maxEntries: 1000)
        let (ok, _) = Self.deepTree(7)
        #expect(try scanner.scan(workspace: "/ws", patterns: ["*.pem"], fs: ok).map(\.path).count == 1)
        let (deep, _) = Self.deepTree(9)
        let failure1 = scanError { () throws(MaskScanner.ScanError) in try scanner.scan(workspace: "/ws", patterns: ["*.pem"], fs: deep) }
        #expect(failure1 == .tooDeep(limit: 8, path: "/ws/d0/d1/d2/d3/d4/d5/d6/d7"))
    }

    @Test func aMatchedDirectoryNeedNotBeReadBelow() throws {
        // A masked directory hides everything under it, however deep.
        let scanner = MaskScanner(maxDepth: 4, maxEntries: 1000)
        let (fs, _) = Self.deepTree(10)
        #expect(try scanner.scan(workspace: "/ws", patterns: ["d0"], fs: fs).map(\.path) == ["/ws/d0"])
    }

    @Test func tooManyEntriesIsAnErrorNamingTheDirectory() {
        var nodes: [String: HostFileKind] = [:]
        for i in 0..<20 { nodes["/ws/many/f\(i)"] = .file }
        let scanner = MaskScanner(maxDepth: 8, maxEntries: 10)
        let failure2 = scanError { () throws(MaskScanner.ScanError) in try scanner.scan(workspace: "/ws", patterns: ["*.pem"], fs: FakeFileSystem(nodes)) }
        #expect(failure2 == .tooManyEntries(limit: 10, path: "/ws/many"))
    }

    @Test func anUnreadableDirectoryIsAnError() {
        struct Unreadable: HostFileSystem {
            let inner = FakeFileSystem(["/ws/locked/key.pem": .file])
            func kind(of path: String) -> HostFileKind { inner.kind(of: path) }
            func canonical(_ path: String) -> String? { inner.canonical(path) }
            func entries(of directory: String) -> [(name: String, kind: HostFileKind)]? {
                directory == "/ws/locked" ? nil : inner.entries(of: directory)
            }
        }
        let failure3 = scanError { () throws(MaskScanner.ScanError) in try MaskScanner().scan(workspace: "/ws", patterns: ["*.pem"], fs: Unreadable()) }
        #expect(failure3 == .unreadable(path: "/ws/locked", errno: EACCES))
    }

    @Test func errorsSayWhichLimitAndWhere() {
        let text = MaskScanner.ScanError.tooDeep(limit: 64, path: "/ws/a").description
        #expect(text.contains("depth limit of 64") && text.contains("/ws/a") && text.contains("refused"))
    }

    /// On the real filesystem: a symlinked directory is neither followed nor
    /// masked, and a deep real tree fails closed.
    @Test func liveTreeNeverFollowsSymlinks() throws {
        var template = Array("/tmp/stockade-maskscan-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template).map({ String(cString: $0) }) else {
            Issue.record("mkdtemp failed")
            return
        }
        defer { _ = system("rm -rf '\(dir)'") }
        let outside = dir + "/outside"
        let ws = dir + "/ws"
        #expect(mkdir(outside, 0o755) == 0 && mkdir(ws, 0o755) == 0 && mkdir(ws + "/sub", 0o755) == 0)
        #expect(creat(outside + "/key.pem", 0o600) >= 0)
        #expect(creat(ws + "/sub/key.pem", 0o600) >= 0)
        #expect(symlink(outside, ws + "/link") == 0)
        let found = try MaskScanner().scan(workspace: ws, patterns: ["*.pem"], fs: LiveHostFileSystem())
        #expect(found == [.init(path: ws + "/sub/key.pem", isDirectory: false)])

        var deep = ws
        for i in 0..<6 {
            deep += "/d\(i)"
            #expect(mkdir(deep, 0o755) == 0)
        }
        let failure4 = scanError { () throws(MaskScanner.ScanError) in try MaskScanner(maxDepth: 4).scan(workspace: ws, patterns: ["*.pem"], fs: LiveHostFileSystem()) }
        #expect(failure4 == .tooDeep(limit: 4, path: ws + "/d0/d1/d2/d3"))
        // A symlink as the workspace itself is walked as the bind walks it
        // (SafePath): one a workload could have planted (not root's) is
        // refused, not followed.
        #expect(symlink(ws, dir + "/wslink") == 0)
        if getuid() == 0 { #expect(lchown(dir + "/wslink", 4242, 4242) == 0) }
        let failure5 = scanError { () throws(MaskScanner.ScanError) in try MaskScanner().scan(workspace: dir + "/wslink", patterns: ["*.pem"], fs: LiveHostFileSystem()) }
        #expect(failure5 == .unreadable(path: dir + "/wslink", errno: ELOOP))
    }
}

import Glibc
import Testing
@testable import StockadeCgroups

/// The sweep's walk on a plain directory tree (any user): which names it
/// takes, where it descends, and that it says when its bound cut it short.
@Suite struct SweepWalkTests {
    @Test func takesGeneratedIdsWalksOtherStockadeNamesAndReportsItsCap() throws {
        var template = Array("/tmp/stockade-walk-XXXXXX".utf8CString)
        let root = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        let dirs = ["a", "a/stockade-ci.service", "a/stockade-ci.service/stockade-0123456789", "a/stockade-0123456789x",
                    "stockade-abcdef0123", "stockade-abcdef0123/stockade-fedcba9876", "b"]
        for d in dirs { #expect(mkdir(root + "/" + d, 0o700) == 0) }
        defer {
            for d in dirs.reversed() { rmdir(root + "/" + d) }
            rmdir(root)
        }
        let walk = SandboxCgroup.sandboxDirectories(under: root)
        #expect(!walk.stoppedAtCap)
        #expect(walk.found.map(\.0).sorted() == ["0123456789", "abcdef0123"])
        #expect(walk.found.map(\.1).sorted() == [root + "/a/stockade-ci.service/stockade-0123456789", root + "/stockade-abcdef0123"])
        #expect(SandboxCgroup.sandboxDirectories(under: root, maxDirectories: 3).stoppedAtCap)
        #expect(!SandboxCgroup.sandboxDirectories(under: root, maxDirectories: 6).stoppedAtCap)
    }
}

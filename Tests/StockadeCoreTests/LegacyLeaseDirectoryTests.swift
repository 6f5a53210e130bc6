import Foundation
import Glibc
import Testing
@testable import StockadeCore

/// gc removes the lease directory of the veth design, unless an older
/// supervisor may still be using it.
@Suite struct LegacyLeaseDirectoryTests {
    final class Parent {
        let base = FileManager.default.temporaryDirectory.path
        let name = "stockade-leases-\(UUID().uuidString)"
        var path: String { base + "/" + name }
        var leases: String { path + "/leases" }
        /// The parent as `remove` opens it: the test user's, nobody else may write.
        var owned: OwnedDirectory { OwnedDirectory(base: base, components: [name], owner: getuid(), mode: 0o700, privateMode: false) }
        init() {
            mkdir(path, 0o700)
            mkdir(leases, 0o755)
            _ = FileManager.default.createFile(atPath: leases + "/.lock", contents: nil)
        }
        func lease(_ name: String, pid: Int32) {
            _ = FileManager.default.createFile(atPath: leases + "/" + name, contents: Data("\(pid) 12345\n".utf8))
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A pid that was just used and is gone.
    static func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func removedWhenNobodyHoldsIt() throws {
        let dir = Parent()
        dir.lease("10.201.0.4-30", pid: try Self.deadPid())
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.leases))
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty, "a second gc has nothing to say")
    }

    @Test func keptWhileALeaseHolderLives() {
        let dir = Parent()
        dir.lease("10.201.0.4-30", pid: getpid())
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.leases + "/10.201.0.4-30"))
    }

    @Test func keptWhileTheLockIsHeld() {
        let dir = Parent()
        // flock conflicts between two open file descriptions, even in one process.
        // O_CLOEXEC: a parallel test's fork+exec must not inherit the lock.
        let fd = open(dir.leases + "/.lock", O_RDWR | O_CLOEXEC)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.leases + "/.lock"))
    }

    @Test func neitherASymlinkNorADirectoryWithOtherThingsIsTouched() {
        let dir = Parent()
        mkdir(dir.leases + "/sub", 0o700)
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.leases + "/.lock"))
        rmdir(dir.leases + "/sub")
        let elsewhere = Parent()
        try? FileManager.default.removeItem(atPath: dir.leases)
        symlink(elsewhere.leases, dir.leases)
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty)
        #expect(FileManager.default.fileExists(atPath: elsewhere.leases + "/.lock"))
    }

    /// A parent others may write into (or owned by someone else) is not
    /// trusted: its `leases` may be anybody's, and nothing in it is removed.
    @Test func aParentOthersCanWriteIsRefused() throws {
        let dir = Parent()
        dir.lease("10.201.0.4-30", pid: try Self.deadPid())
        #expect(chmod(dir.path, 0o777) == 0)
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.leases + "/10.201.0.4-30"))
        #expect(chmod(dir.path, 0o700) == 0)
        var other = dir.owned
        other.owner = getuid() &+ 1
        #expect(LegacyLeaseDirectory.remove(from: other).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir.leases + "/10.201.0.4-30"))
        #expect(LegacyLeaseDirectory.remove(from: dir.owned).count == 1, "the same directory, trusted, is removed")
    }
}

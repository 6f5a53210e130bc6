import Foundation
import Testing
@testable import StockadeCore

/// gc's one pass over the registry: live, dead and half-written entries.
/// Runs in a temporary directory, as any user.
@Suite("Registry scan")
struct RegistryScanTests {
    typealias TempDir = RegistryLockTests.TempDir

    func registry(_ dir: TempDir) -> SandboxRegistry {
        SandboxRegistry(location: OwnedDirectory(base: dir.path, components: ["reg", "sandboxes"], owner: getuid(), mode: 0o700, privateMode: true))
    }

    /// Sets a file's modification time `seconds` into the past.
    func age(_ path: String, by seconds: Int) {
        var times = [timespec(tv_sec: time(nil) - seconds, tv_nsec: 0), timespec(tv_sec: time(nil) - seconds, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)
    }

    @Test func onePassTellsLiveFromDeadAndClaimsTheDead() throws {
        let dir = TempDir()
        let reg = registry(dir)
        #expect(reg.scan().alive.isEmpty)  // no directory yet: nothing, no error
        let live = try reg.register(id: "aaaaaaaaaa", name: "job")
        defer { live.release() }
        try "1 5 \n".write(toFile: reg.directory + "/cccccccccc", atomically: false, encoding: .utf8)
        try "junk\n".write(toFile: reg.directory + "/dddddddddd", atomically: false, encoding: .utf8)

        let scan = reg.scan()
        #expect(scan.alive.map(\.id) == ["aaaaaaaaaa"])
        #expect(scan.dead.map(\.entry.id) == ["cccccccccc"])
        // While the claim is held, a second pass (another gc) sees it taken.
        #expect(reg.scan().dead.isEmpty)

        #expect(scan.dead[0].removeEntry())
        scan.dead[0].release()
        #expect(!FileManager.default.fileExists(atPath: reg.directory + "/cccccccccc"))
        #expect(FileManager.default.fileExists(atPath: reg.directory + "/aaaaaaaaaa"))
        #expect(FileManager.default.fileExists(atPath: reg.directory + "/dddddddddd"))  // not an entry: not ours
    }

    @Test func aStaleHalfWrittenEntryIsRemovedAndNothingElse() throws {
        let dir = TempDir()
        let reg = registry(dir)
        try reg.register(id: "bbbbbbbbbb", name: nil).release()  // makes the directories
        let d = reg.directory

        // A supervisor that died between write and rename, long ago.
        try "4242 7 job\n".write(toFile: d + "/.new-1111111111", atomically: false, encoding: .utf8)
        age(d + "/.new-1111111111", by: 600)
        // One being written right now: not yet locked, but young.
        try "".write(toFile: d + "/.new-2222222222", atomically: false, encoding: .utf8)
        // An old one whose writer still holds its lock.
        try "".write(toFile: d + "/.new-3333333333", atomically: false, encoding: .utf8)
        age(d + "/.new-3333333333", by: 600)
        let held = open(d + "/.new-3333333333", O_RDONLY | O_CLOEXEC)
        try #require(held >= 0)
        defer { close(held) }
        #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
        // A planted symlink and a directory under the same prefix.
        let outside = dir.path + "/outside"
        try "keep\n".write(toFile: outside, atomically: false, encoding: .utf8)
        age(outside, by: 600)
        symlink(outside, d + "/.new-4444444444")
        age(d + "/.new-4444444444", by: 600)
        mkdir(d + "/.new-5555555555", 0o700)
        age(d + "/.new-5555555555", by: 600)

        let scan = reg.scan()
        #expect(scan.removedTemporaries == [".new-1111111111"])
        let left = try FileManager.default.contentsOfDirectory(atPath: d).sorted()
        #expect(left == [".new-2222222222", ".new-3333333333", ".new-4444444444", ".new-5555555555"])
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "keep\n")
        #expect(scan.alive.isEmpty && scan.dead.isEmpty)
    }

    @Test func staleMeansOldEnough() {
        #expect(!SandboxRegistry.isStaleTemporary(modified: 1000, now: 1000))
        #expect(!SandboxRegistry.isStaleTemporary(modified: 1000, now: 1000 + SandboxRegistry.staleTemporaryAge - 1))
        #expect(SandboxRegistry.isStaleTemporary(modified: 1000, now: 1000 + SandboxRegistry.staleTemporaryAge))
        // A clock set back does not make a fresh file stale.
        #expect(!SandboxRegistry.isStaleTemporary(modified: 5000, now: 1000))
    }
}

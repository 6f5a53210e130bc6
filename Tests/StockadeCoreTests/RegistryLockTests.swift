import Foundation
import StockadeTestSupport
import Testing
@testable import StockadeCore

/// The registry decides liveness by the entry's lock and opens nothing
/// through a symlink. These run in a temporary directory, as any user.
@Suite("Registry locks and owned directories")
struct RegistryLockTests {
    final class TempDir {
        let path: String
        init() {
            var t = Array((NSTemporaryDirectory() + "stockade-reg-XXXXXX").utf8CString)
            path = String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
            chmod(path, 0o700)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func registry(_ dir: TempDir) -> SandboxRegistry {
        SandboxRegistry(location: OwnedDirectory(base: dir.path, components: ["reg", "sandboxes"], owner: getuid(), mode: 0o700, privateMode: true))
    }

    @Test func aRegisteredEntryIsAliveUntilReleasedAndNeverClaimed() throws {
        let dir = TempDir()
        let reg = registry(dir)
        let r = try reg.register(id: "aaaaaaaaaa", name: "job")
        let entry = try #require(reg.entries().first)
        #expect(entry.id == "aaaaaaaaaa" && entry.name == "job" && entry.pid == getpid())
        // flock conflicts between open file descriptions, even in one process.
        #expect(reg.isAlive(entry))
        #expect(reg.scan().alive == [entry] && reg.scan().dead.isEmpty)
        #expect(reg.lockHolder(of: entry) == getpid())
        r.release()
        #expect(reg.entries().isEmpty)
        #expect(!reg.isAlive(entry))
    }

    @Test func anUnlockedEntryIsDeadWhateverItsPidSays() throws {
        let dir = TempDir()
        let reg = registry(dir)
        _ = try reg.register(id: "bbbbbbbbbb", name: nil).release()  // makes the directories
        // pid 1 exists here, as it does in every pid namespace; its start
        // time differs, and nobody holds the lock.
        try "1 5 \n".write(toFile: reg.directory + "/cccccccccc", atomically: false, encoding: .utf8)
        let entry = try #require(reg.entries().first { $0.id == "cccccccccc" })
        #expect(reg.lockHolder(of: entry) == nil)
        // Other tests in this process fork (sandbox launches, spawned
        // tools), and a child holds a copy of every descriptor until it
        // closes or execs them, so a lock this process just dropped (here
        // by isAlive's probe) may linger for a moment; a lock that is
        // really kept never clears.
        #expect(!reg.isAlive(entry))
        var claim: SandboxRegistry.Claim?
        #expect(waitUntil(10) { claim = reg.scan().dead.first; return claim != nil })
        let held = try #require(claim)
        #expect(held.entry == entry)
        // While gc holds the claim, the kernel shows it as ours, and a
        // second gc sees the entry as taken (alive), not as dead.
        #expect(reg.lockHolder(of: entry) == getpid())
        let second = reg.scan()
        #expect(second.dead.isEmpty && second.alive.map(\.id) == ["cccccccccc"])
        held.release()
        #expect(waitUntil(10) { reg.lockHolder(of: entry) == nil })
    }

    @Test func symlinkAndFifoEntriesAreSkipped() throws {
        let dir = TempDir()
        let reg = registry(dir)
        _ = try reg.register(id: "dddddddddd", name: nil).release()
        let target = dir.path + "/elsewhere"
        try "1 5 \n".write(toFile: target, atomically: false, encoding: .utf8)
        symlink(target, reg.directory + "/eeeeeeeeee")
        mkfifo(reg.directory + "/ffffffffff", 0o600)  // opening it must not hang
        #expect(reg.entries().isEmpty)
        let scan = reg.scan()
        #expect(scan.alive.isEmpty && scan.dead.isEmpty)
    }

    @Test func proclocksLinesNameTheHolderOfAFlock() {
        let text = """
        1: POSIX  ADVISORY  WRITE 77 fe:00:1024 0 EOF
        2: FLOCK  ADVISORY  WRITE 1234 fe:00:16220173 0 EOF
        2: -> FLOCK  ADVISORY  WRITE 999 fe:00:16220173 0 EOF
        3: FLOCK  ADVISORY  WRITE 0 00:1a:42 0 EOF
        """
        let dev = (UInt64(0xfe) << 8) | 0x00
        #expect(SandboxRegistry.flockHolder(locks: text, device: dev, inode: 16220173) == 1234)
        #expect(SandboxRegistry.flockHolder(locks: text, device: dev, inode: 1024) == nil)  // POSIX, not ours
        // A holder in a pid namespace we cannot see is shown as 0.
        #expect(SandboxRegistry.flockHolder(locks: text, device: 0x1a, inode: 42) == nil)
    }

    @Test func ownedDirectoriesRefuseSymlinksLooseModesAndStrangers() throws {
        let dir = TempDir()
        let me = getuid()
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o700, uid: me, owner: me, privateMode: true) == .fit)
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o755, uid: me, owner: me, privateMode: true) == .tighten)
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o755, uid: me, owner: me, privateMode: false) == .fit)
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o775, uid: me, owner: me, privateMode: false) != .fit)
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o1777, uid: me, owner: me, privateMode: true) != .tighten)
        #expect(OwnedDirectory.judge(mode: S_IFDIR | 0o700, uid: me &+ 1, owner: me, privateMode: true) != .fit)
        #expect(OwnedDirectory.judge(mode: S_IFREG | 0o700, uid: me, owner: me, privateMode: true) != .fit)

        // A planted symlink in place of a component is not followed.
        let other = dir.path + "/target"
        mkdir(other, 0o700)
        symlink(other, dir.path + "/planted")
        let viaLink = OwnedDirectory(base: dir.path, components: ["planted", "sandboxes"], owner: me, mode: 0o700, privateMode: true)
        #expect(throws: OwnedDirectory.Refusal.self) { try viaLink.open(create: true) }
        #expect(!FileManager.default.fileExists(atPath: other + "/sandboxes"))

        // An existing component others can write into is refused, not fixed.
        mkdir(dir.path + "/loose", 0o700)
        chmod(dir.path + "/loose", 0o777)
        let loose = OwnedDirectory(base: dir.path, components: ["loose"], owner: me, mode: 0o700, privateMode: true)
        #expect(throws: OwnedDirectory.Refusal.self) { try loose.open(create: true) }

        // One others may only read is closed to 0700.
        mkdir(dir.path + "/readable", 0o700)
        chmod(dir.path + "/readable", 0o755)
        close(try OwnedDirectory(base: dir.path, components: ["readable"], owner: me, mode: 0o700, privateMode: true).open(create: true))
        var rs = stat()
        #expect(stat(dir.path + "/readable", &rs) == 0 && rs.st_mode & 0o777 == 0o700)

        let fine = OwnedDirectory(base: dir.path, components: ["fine", "sandboxes"], owner: me, mode: 0o700, privateMode: true)
        let fd = try fine.open(create: true)
        close(fd)
        var st = stat()
        #expect(stat(dir.path + "/fine", &st) == 0 && st.st_mode & 0o777 == 0o700)
    }
}

@Suite("The supervisor's argv area")
struct ArgvAreaTests {
    @Test func fieldsAfterTheLastParenthesis() {
        // A command name with spaces and a ')' must not shift the fields.
        var fields = (3...52).map { String($0) }
        fields[48 - 3] = "140737000000000"
        fields[49 - 3] = "140737000000123"
        let stat = "1234 (we) ird name) " + fields.joined(separator: " ")
        #expect(ArgvArea.parse(stat: stat) == ArgvArea(start: 140737000000000, end: 140737000000123))
        #expect(ArgvArea.parse(stat: "1234 (x) S 1 2") == nil)
    }

    @Test func thisProcessHasOne() throws {
        let area = try #require(ArgvArea.current())
        // It holds our argv[0] at its start.
        let p = try #require(UnsafePointer<CChar>(bitPattern: area.start))
        #expect(String(cString: p) == CommandLine.arguments[0])
    }
}

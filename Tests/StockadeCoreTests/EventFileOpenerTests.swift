import Glibc
import StockadeEvents
import Testing
@testable import StockadeCore

/// The events-file rules on a real filesystem (a scratch directory), as the
/// invoking user: no root needed.
@Suite("Events file opener")
struct EventFileOpenerTests {
    let dir: String
    let rules = EventFileRules(allowedOwners: [0, getuid()])

    init() {
        var template = Array("/tmp/stockade-opener-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }

    func cleanup() {
        for name in ["e.jsonl", "link", "two", "sub/e.jsonl", "dirlink", "ws/e.jsonl"] { unlink(dir + "/" + name) }
        rmdir(dir + "/sub")
        rmdir(dir + "/ws")
        rmdir(dir)
    }

    func open(_ path: String, rules: EventFileRules? = nil) -> Result<Int32, EventSinkError> {
        let r = EventFileOpener.open(path, cwd: dir, rules: rules ?? self.rules)
        if case let .success(fd) = r { close(fd) }
        return r
    }

    func reason(_ r: Result<Int32, EventSinkError>) -> String? {
        if case let .failure(e) = r, e.step == .unsafePath { return e.reason }
        return nil
    }

    @Test func createsAppendsAndTakesRelativePaths() throws {
        defer { cleanup() }
        let first = EventFileOpener.open("e.jsonl", cwd: dir, rules: rules)
        let fd = try first.get()
        #expect(write(fd, "a\n", 2) == 2)
        close(fd)
        var st = stat()
        #expect(stat(dir + "/e.jsonl", &st) == 0 && st.st_mode & 0o077 == 0)  // 0600 at most
        let again = try EventFileOpener.open(dir + "/./e.jsonl", cwd: "/", rules: rules).get()
        #expect(fcntl(again, F_GETFL) & O_APPEND != 0)
        close(again)
    }

    @Test func symlinksAnywhereAreRefused() {
        defer { cleanup() }
        #expect(symlink(dir + "/e.jsonl", dir + "/link") == 0)
        #expect(reason(open(dir + "/link"))?.contains("symbolic link") == true)
        #expect(mkdir(dir + "/sub", 0o700) == 0)
        #expect(symlink(dir + "/sub", dir + "/dirlink") == 0)
        #expect(reason(open(dir + "/dirlink/e.jsonl"))?.contains("\(dir)/dirlink is a symbolic link") == true)
        #expect(access(dir + "/e.jsonl", F_OK) != 0 && access(dir + "/sub/e.jsonl", F_OK) != 0)
    }

    @Test func hardLinksAndForeignOwnersAreRefused() throws {
        defer { cleanup() }
        close(try EventFileOpener.open(dir + "/e.jsonl", cwd: "/", rules: rules).get())
        #expect(link(dir + "/e.jsonl", dir + "/two") == 0)
        #expect(reason(open(dir + "/e.jsonl"))?.contains("2 hard links") == true)
        unlink(dir + "/two")
        let strict = EventFileRules(allowedOwners: [getuid() &+ 12345])
        #expect(reason(open(dir + "/e.jsonl", rules: strict))?.contains("owned by uid \(getuid())") == true)
    }

    @Test func writableAreasAreComparedByInodeNotSpelling() {
        defer { cleanup() }
        #expect(mkdir(dir + "/ws", 0o700) == 0)
        #expect(mkdir(dir + "/sub", 0o700) == 0)
        let inside = EventFileRules(allowedOwners: rules.allowedOwners, writableAreas: [dir + "/ws"])
        #expect(reason(open(dir + "/sub/../ws/e.jsonl", rules: inside))?.contains("inside \(dir)/ws") == true)
        // The area's parent is fine: the workload cannot reach it.
        let parent = EventFileRules(allowedOwners: rules.allowedOwners, writableAreas: [dir + "/ws"])
        #expect(reason(open(dir + "/e.jsonl", rules: parent)) == nil)
        let whole = EventFileRules(allowedOwners: rules.allowedOwners, writableAreas: [dir])
        #expect(reason(open(dir + "/sub/e.jsonl", rules: whole))?.contains("inside \(dir)") == true)
    }

    @Test func nonRegularFilesAreRefusedWithoutBlocking() {
        defer {
            unlink(dir + "/fifo")
            cleanup()
        }
        // open(2) of a FIFO without a reader would block; the opener must not.
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        #expect(reason(open(dir + "/fifo"))?.contains("not a regular file") == true)
        #expect(reason(open(dir))?.contains("not a regular file") == true)
    }
}

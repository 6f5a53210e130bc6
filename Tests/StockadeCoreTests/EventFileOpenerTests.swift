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
        if getuid() == 0 {
            #expect(chown(dir + "/e.jsonl", 4242, 4242) == 0)
            #expect(reason(open(dir + "/e.jsonl"))?.contains("it is owned by uid 4242") == true)
        } else {
            // Not root: the file cannot be given away; the rule itself.
            var st = stat()
            #expect(stat(dir + "/e.jsonl", &st) == 0)
            st.st_uid = getuid() &+ 12345
            #expect(EventFileOpener.problem(with: st, rules: rules, areas: [])?.contains("owned by uid \(st.st_uid)") == true)
        }
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

    @Test func directoriesOthersCanWriteAreRefused() {
        defer {
            chmod(dir + "/sub", 0o700)
            cleanup()
        }
        #expect(mkdir(dir + "/sub", 0o700) == 0)
        #expect(chmod(dir + "/sub", 0o777) == 0)
        #expect(reason(open(dir + "/sub/e.jsonl"))?.contains("\(dir)/sub is writable by others (mode 777) without the sticky bit") == true)
        #expect(chmod(dir + "/sub", 0o770) == 0)
        #expect(reason(open(dir + "/sub/e.jsonl"))?.contains("\(dir)/sub is writable by others (mode 770)") == true)
        #expect(access(dir + "/sub/e.jsonl", F_OK) != 0)
        // Sticky, like /tmp: others cannot rename or remove what is not theirs.
        #expect(chmod(dir + "/sub", 0o1777) == 0)
        #expect(reason(open(dir + "/sub/e.jsonl")) == nil)
    }

    @Test func aGroupWritableAncestorIsToleratedAnOthersWritableOneIsNot() {
        defer {
            unlink(dir + "/sub/inner/e.jsonl")
            rmdir(dir + "/sub/inner")
            cleanup()
        }
        #expect(mkdir(dir + "/sub", 0o700) == 0 && mkdir(dir + "/sub/inner", 0o700) == 0)
        #expect(chmod(dir + "/sub", 0o775) == 0)
        #expect(reason(open(dir + "/sub/inner/e.jsonl")) == nil)
        unlink(dir + "/sub/inner/e.jsonl")
        #expect(chmod(dir + "/sub", 0o757) == 0)
        #expect(reason(open(dir + "/sub/inner/e.jsonl"))?.contains("\(dir)/sub is writable by others") == true)
        #expect(access(dir + "/sub/inner/e.jsonl", F_OK) != 0)
    }

    @Test func directoriesOwnedBySomeoneElseAreRefused() throws {
        defer { cleanup() }
        #expect(mkdir(dir + "/sub", 0o755) == 0)
        // As root, give the directory away; as anyone else, take the
        // invoking user off the list of allowed owners, which refuses the
        // first directory on the way that user owns: the scratch directory
        // itself, above `sub`.
        if getuid() == 0 { #expect(chown(dir + "/sub", 4242, 4242) == 0) }
        let strict = getuid() == 0 ? rules : EventFileRules(allowedOwners: [0])
        let why = reason(open(dir + "/sub/e.jsonl", rules: strict))
        if getuid() == 0 {
            #expect(why?.contains("\(dir)/sub is owned by uid 4242, not by uid 0") == true, "\(why ?? "accepted")")
        } else {
            #expect(why?.contains("\(dir) is owned by uid \(getuid()), not by uid 0") == true, "\(why ?? "accepted")")
        }
        #expect(access(dir + "/sub/e.jsonl", F_OK) != 0)
    }

    @Test func theDirectoryRuleReadsOwnerModeAndStickyBit() {
        func dir(uid: UInt32, mode: mode_t) -> stat {
            var st = stat()
            st.st_uid = uid
            st.st_mode = S_IFDIR | mode
            return st
        }
        let rules = EventFileRules(allowedOwners: [0, 1000])
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 0, mode: 0o755), rules: rules) == nil)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 1000, mode: 0o700), rules: rules) == nil)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 0, mode: 0o1777), rules: rules) == nil)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 7, mode: 0o755), rules: rules)?.contains("owned by uid 7") == true)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 0, mode: 0o775), rules: rules)?.contains("writable by others") == true)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 1000, mode: 0o757), rules: rules)?.contains("writable by others") == true)
        // Above the file's own directory, a group may write (Ubuntu's /var/log); others may not.
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 0, mode: 0o775), rules: rules, holdsFile: false) == nil)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 0, mode: 0o757), rules: rules, holdsFile: false)?.contains("writable by others") == true)
        #expect(EventFileOpener.directoryProblem(with: dir(uid: 7, mode: 0o755), rules: rules, holdsFile: false)?.contains("owned by uid 7") == true)
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

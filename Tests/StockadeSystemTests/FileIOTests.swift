import Glibc
import Testing
import StockadeSystem

/// The one reader's bounds and its security options, on real files in a
/// private temporary directory.
@Suite("FileIO")
struct FileIOTests {
    let root: String

    init() {
        var template = Array("/tmp/stockade-fileio-XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = root + "/" + name
        #expect(FileIO.writeFile(path, bytes: bytes, flags: O_WRONLY | O_CREAT | O_TRUNC) == 0)
        return path
    }

    func cleanUp() {
        _ = Directory.entries(atPath: root)?.forEach { entry in
            if entry.isDirectory { _ = rmdir(root + "/" + entry.name) } else { _ = unlink(root + "/" + entry.name) }
        }
        rmdir(root)
    }

    @Test func readsWholeFileWithinLimit() {
        defer { cleanUp() }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = write("big", bytes)
        #expect(FileIO.readFile(path, limit: 1 << 20) == bytes)
        #expect(FileIO.readText(write("t", Array("hello\n".utf8)), limit: 100) == "hello\n")
    }

    /// A limit cuts the read short: a caller that must refuse an oversized
    /// file asks for one byte more than it accepts.
    @Test func limitBoundsTheRead() {
        defer { cleanUp() }
        let path = write("f", Array(repeating: 0x41, count: 100_000))
        #expect(FileIO.readFile(path, limit: 10)?.count == 10)
        #expect(FileIO.readFile(path, limit: 99_999 + 1)?.count == 100_000)
        #expect(FileIO.readFile(path, limit: 100_000 + 1)?.count == 100_000)
        #expect(FileIO.readFile(path, limit: 0) == [])
    }

    @Test func missingFileIsNilWithErrno() {
        defer { cleanUp() }
        errno = 0
        #expect(FileIO.readFile(root + "/absent", limit: 10) == nil)
        #expect(errno == ENOENT)
    }

    @Test func noFollowRefusesASymlink() {
        defer { cleanUp() }
        let target = write("target", Array("secret".utf8))
        #expect(symlink(target, root + "/link") == 0)
        #expect(FileIO.readFile(root + "/link", limit: 100) == Array("secret".utf8))
        errno = 0
        #expect(FileIO.readFile(root + "/link", limit: 100, noFollow: true) == nil)
        #expect(errno == ELOOP)
    }

    /// Opening a FIFO planted in place of a file would block forever
    /// without O_NONBLOCK; with it, `accept` then refuses anything but a
    /// regular file before a byte is read.
    @Test(.timeLimit(.minutes(1))) func nonBlockingOpenOfAFifoDoesNotHang() {
        defer { cleanUp() }
        #expect(mkfifo(root + "/fifo", 0o600) == 0)
        errno = 0
        let read = FileIO.readFile(root + "/fifo", limit: 100, nonBlocking: true, accept: { $0.st_mode & S_IFMT == S_IFREG })
        #expect(read == nil)
        #expect(errno == EINVAL)
    }

    @Test func relativeToADirectoryDescriptor() {
        defer { cleanUp() }
        _ = write("entry", Array("1 2 x\n".utf8))
        let dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(dir >= 0)
        defer { close(dir) }
        #expect(FileIO.readFile("entry", limit: 4096, relativeTo: dir) == Array("1 2 x\n".utf8))
    }

    @Test func acceptSeesTheOpenFilesStatus() {
        defer { cleanUp() }
        let path = write("sized", Array(repeating: 1, count: 64))
        #expect(FileIO.readFile(path, limit: 100, accept: { $0.st_size == 64 }) != nil)
        #expect(FileIO.readFile(path, limit: 100, accept: { $0.st_size < 64 }) == nil)
    }

    @Test func readAllFromAPipe() {
        defer { cleanUp() }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(FileIO.writeAll(fds[1], "through a pipe"))
        close(fds[1])
        #expect(FileIO.readAll(fd: fds[0], limit: 1000) == Array("through a pipe".utf8))
        close(fds[0])
    }
}

@Suite("Directory")
struct DirectoryTests {
    @Test func entriesListsEveryEntryButDotAndDotDot() {
        var template = Array("/tmp/stockade-dir-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer {
            rmdir(root + "/a")
            unlink(root + "/file")
            rmdir(root)
        }
        #expect(mkdir(root + "/a", 0o700) == 0)
        #expect(FileIO.writeFile(root + "/file", "x", flags: O_WRONLY | O_CREAT) == 0)

        let listing = Directory.entries(atPath: root)?.sorted { $0.name < $1.name }
        #expect(listing?.map(\.name) == ["a", "file"])
        #expect(listing?.map(\.isDirectory) == [true, false])
        #expect(Directory.entries(atPath: root + "/absent") == nil)
    }
}

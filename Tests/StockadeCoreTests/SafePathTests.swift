import Foundation
import Testing
@testable import StockadeCore

/// The symlink-safe walk for operator paths (issue 9, item 2), on a real
/// temporary tree. Ownership cases need root (lchown); they say so.
@Suite("Safe path walk")
struct SafePathTests {
    final class Tree {
        let root: String
        init() {
            var template = Array("/tmp/stockade-safepath-XXXXXX".utf8CString)
            root = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
            chmod(root, 0o755)
        }
        func dir(_ p: String, mode: mode_t = 0o755) { mkdir(root + "/" + p, mode); chmod(root + "/" + p, mode) }
        func file(_ p: String) { _ = FileManager.default.createFile(atPath: root + "/" + p, contents: Data("x".utf8)) }
        func link(_ p: String, to target: String, owner: uid_t? = nil) {
            symlink(target, root + "/" + p)
            if let owner { lchown(root + "/" + p, owner, owner) }
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    static let isRoot = getuid() == 0

    func refusal(_ path: String) -> PathRefusal? {
        do { _ = try SafePath.resolve(path); return nil } catch { return error }
    }

    @Test func plainPathsAndDotDot() throws {
        let t = Tree()
        t.dir("a"); t.dir("a/b"); t.file("a/b/f")
        let r = try SafePath.resolve(t.root + "/a/./b/../b//f")
        #expect(r.path == t.root + "/a/b/f")
        #expect(r.kind == .file)
        #expect(try SafePath.resolve(t.root + "/a").kind == .directory)
        #expect(try SafePath.resolve("/").path == "/")
    }

    @Test func missingAndNotDirectoryNameTheComponent() {
        let t = Tree()
        t.dir("a"); t.file("a/f")
        #expect(refusal(t.root + "/a/nope/x") == PathRefusal(requested: t.root + "/a/nope/x", component: t.root + "/a/nope", reason: .missing))
        #expect(refusal(t.root + "/a/f/x")?.component == t.root + "/a/f")
        #expect(refusal(t.root + "/a/f/x")?.reason == .notDirectory)
        #expect(refusal("relative/path")?.reason == .relative)
    }

    @Test func aLinkInAWritableDirectoryIsRefused() {
        let t = Tree()
        t.dir("ws", mode: 0o777)
        t.link("ws/out", to: "/etc")
        t.link("ws/rootlink", to: "/")
        let r = refusal(t.root + "/ws/out")
        #expect(r?.component == t.root + "/ws/out")
        if case .untrustedSymlink(let target, _, _, _)? = r?.reason { #expect(target == "/etc") } else { Issue.record("\(String(describing: r))") }
        #expect(r?.description.contains(t.root + "/ws/out") == true)
        // As an intermediate component too.
        #expect(refusal(t.root + "/ws/rootlink/etc/hostname")?.component == t.root + "/ws/rootlink")
    }

    @Test(.enabled(if: SafePathTests.isRoot)) func aLinkOwnedByAnotherUserIsRefusedEvenInARootDirectory() {
        let t = Tree()
        t.dir("ws")
        t.link("ws/out", to: "/etc", owner: 4242)
        guard case .untrustedSymlink(_, let linkOwner, _, _)? = refusal(t.root + "/ws/out")?.reason else {
            Issue.record("not refused")
            return
        }
        #expect(linkOwner == 4242)
        // A root-owned link in a directory owned by someone else: refused too.
        t.dir("theirs")
        chown(t.root + "/theirs", 4242, 4242)
        t.link("theirs/l", to: "/etc")
        #expect(refusal(t.root + "/theirs/l")?.component == t.root + "/theirs/l")
    }

    @Test(.enabled(if: SafePathTests.isRoot)) func rootsOwnLinksAreFollowed() throws {
        let t = Tree()
        t.dir("sys"); t.dir("sys/usr"); t.dir("sys/usr/lib"); t.file("sys/usr/lib/libc")
        t.link("sys/lib", to: "usr/lib")
        t.link("sys/abs", to: t.root + "/sys/usr")
        let r = try SafePath.resolve(t.root + "/sys/lib/libc")
        #expect(r.path == t.root + "/sys/usr/lib/libc")
        #expect(r.followed == ["\(t.root)/sys/lib -> usr/lib"])
        #expect(try SafePath.resolve(t.root + "/sys/abs/lib").path == t.root + "/sys/usr/lib")
        // A loop ends in a refusal, not a hang.
        t.link("sys/loop1", to: "loop2")
        t.link("sys/loop2", to: "loop1")
        #expect(refusal(t.root + "/sys/loop1")?.reason == .tooManyLinks)
    }

    @Test func theDescriptorIsTheObjectReached() throws {
        let t = Tree()
        t.dir("a"); t.file("a/f")
        let (fd, _) = try SafePath.open(t.root + "/a/f")
        defer { close(fd) }
        var viaFd = stat(), viaPath = stat()
        #expect(fstat(fd, &viaFd) == 0 && stat(t.root + "/a/f", &viaPath) == 0)
        #expect(viaFd.st_ino == viaPath.st_ino && viaFd.st_dev == viaPath.st_dev)
    }

    @Test func devicesAreMarked() throws {
        #expect(try SafePath.resolve("/dev/null").isDevice)
        #expect(try !SafePath.resolve("/etc/hostname").isDevice)
    }
}

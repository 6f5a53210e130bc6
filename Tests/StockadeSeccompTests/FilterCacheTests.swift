import Foundation
import Glibc
import Testing
@testable import StockadeSeccomp

@Suite struct FilterCacheTests {
    final class TemporaryDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stockade-seccomp-cache-\(UUID().uuidString)").path
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func hitReturnsWhatACompileReturns() throws {
        let tmp = TemporaryDirectory()
        let cache = SeccompFilterCache(directory: tmp.path + "/seccomp")
        let policy = TestPolicies.defaultLike(socketFamilies: [AF_INET])
        let fresh = try SeccompCompiler.compile(policy)
        #expect(try cache.compile(policy) == fresh)  // miss, stored
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(entries.count == 1)
        #expect(try cache.compile(policy) == fresh)  // hit
        let errnoMode = try cache.compile(policy, hardening: .init(denyMode: .errno))
        #expect(errnoMode == (try SeccompCompiler.compile(policy, hardening: .init(denyMode: .errno))))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.directory).count == 2)
    }

    @Test func tamperedOrForeignEntriesAreIgnored() throws {
        // Another policy's (valid) program is planted under `policy`'s entry
        // name: with the right key it would be used, so each case below
        // shows the cache refusing it by returning `policy`'s own program.
        let tmp = TemporaryDirectory()
        let cache = SeccompFilterCache(directory: tmp.path)
        let policy = TestPolicies.defaultLike()
        var other = policy
        other.socketFamilies = [AF_UNIX]
        let fresh = try SeccompCompiler.compile(policy)
        let foreign = try cache.compile(other)
        #expect(fresh.bpf != foreign.bpf)
        let fingerprint = try #require(cache.fingerprint)
        let otherEntry = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cache.entryPath(for: other))))
        let keyOther = SeccompFilterCache.key(other, .standard, fingerprint: fingerprint)
        let body = Array(otherEntry.dropFirst(keyOther.utf8.count))
        let key = Array(SeccompFilterCache.key(policy, .standard, fingerprint: fingerprint).utf8)
        func plant(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: cache.entryPath(for: policy)))
            chmod(cache.entryPath(for: policy), 0o600)
        }
        try plant(key + body)
        #expect(try cache.compile(policy).bpf == foreign.bpf, "the planted entry is not one the cache would use")
        // One byte of the key changed: ignored.
        var tampered = key
        tampered[tampered.firstIndex(of: UInt8(ascii: "\n"))! - 1] ^= 1
        try plant(tampered + body)
        #expect(try cache.compile(policy) == fresh)
        // The right key, but the directory is group-writable: bypassed.
        try plant(key + body)
        chmod(tmp.path, 0o777)
        #expect(try cache.compile(policy) == fresh)
    }

    @Test func keyCoversEverythingThatShapesTheProgram() {
        let base = TestPolicies.defaultLike()
        var other = base
        other.socketFamilies = [1]
        let keys: Set<String> = [
            SeccompFilterCache.key(base, .standard, fingerprint: "a"),
            SeccompFilterCache.key(base, .init(denyMode: .errno), fingerprint: "a"),
            SeccompFilterCache.key(other, .standard, fingerprint: "a"),
            SeccompFilterCache.key(SeccompPolicy(defaultAction: .deny(errno: 2), rules: base.rules), .standard, fingerprint: "a"),
            SeccompFilterCache.key(base, .standard, fingerprint: "b"),
        ]
        #expect(keys.count == 5)
    }

    @Test func thisBuildHasAFingerprint() throws {
        // Both objects of a normal build carry a GNU build ID (40 hex digits
        // for the default sha1).
        let fingerprint = try #require(CompilerFingerprint.current)
        let parts = fingerprint.split(separator: " ")
        #expect(parts.count == 4 && parts[0] == "compiler" && parts[2] == "libseccomp", "\(fingerprint)")
        #expect(parts.count == 4 && parts[1].count >= 16 && parts[1].allSatisfy(\.isHexDigit), "\(fingerprint)")
        #expect(parts.count == 4 && parts[3].count >= 16 && parts[3].allSatisfy(\.isHexDigit), "\(fingerprint)")
        #expect(CompilerFingerprint.compute() == fingerprint)
    }

    @Test func anEntryOfAnotherBuildIsNotUsed() throws {
        // Build A's entry for `policy` holds another policy's (valid)
        // program. A reads it back, so the planted entry is one a cache
        // would use; B, the same cache in every way but its build, compiles.
        let tmp = TemporaryDirectory()
        let policy = TestPolicies.defaultLike()
        var other = policy
        other.socketFamilies = [AF_UNIX]
        let a = SeccompFilterCache(directory: tmp.path, fingerprint: "compiler aaaa libseccomp 1111")
        let b = SeccompFilterCache(directory: tmp.path, fingerprint: "compiler bbbb libseccomp 1111")
        let fresh = try SeccompCompiler.compile(policy)
        let foreign = try SeccompCompiler.compile(other)
        #expect(fresh.bpf != foreign.bpf)
        _ = try a.compile(other)
        let otherEntry = try [UInt8](Data(contentsOf: URL(fileURLWithPath: a.entryPath(for: other))))
        let keyA = SeccompFilterCache.key(policy, .standard, fingerprint: "compiler aaaa libseccomp 1111")
        let keyOther = SeccompFilterCache.key(other, .standard, fingerprint: "compiler aaaa libseccomp 1111")
        let planted = Array(keyA.utf8) + otherEntry.dropFirst(keyOther.utf8.count)
        try Data(planted).write(to: URL(fileURLWithPath: a.entryPath(for: policy)))
        chmod(a.entryPath(for: policy), 0o600)
        #expect(try a.compile(policy).bpf == foreign.bpf, "the planted entry is not one a cache would use")
        #expect(a.entryPath(for: policy) != b.entryPath(for: policy))
        #expect(try b.compile(policy).bpf == fresh.bpf)
        // Even under the same file name, B checks the whole key.
        try Data(planted).write(to: URL(fileURLWithPath: b.entryPath(for: policy)))
        chmod(b.entryPath(for: policy), 0o600)
        #expect(try b.compile(policy).bpf == fresh.bpf)
    }

    @Test func noFingerprintNoCache() throws {
        let tmp = TemporaryDirectory()
        let cache = SeccompFilterCache(directory: tmp.path, fingerprint: nil)
        #expect(try cache.compile(TestPolicies.defaultLike()) == (try SeccompCompiler.compile(TestPolicies.defaultLike())))
        #expect(!FileManager.default.fileExists(atPath: tmp.path))
    }

    @Test func aSymlinkedCacheDirectoryIsNotFollowed() throws {
        let tmp = TemporaryDirectory()
        mkdir(tmp.path, 0o700)
        mkdir(tmp.path + "/real", 0o700)
        symlink(tmp.path + "/real", tmp.path + "/link")
        let cache = SeccompFilterCache(directory: tmp.path + "/link")
        #expect(try cache.compile(TestPolicies.defaultLike()) == (try SeccompCompiler.compile(TestPolicies.defaultLike())))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path + "/real").isEmpty)
        #expect(SeccompFilterCache(directory: tmp.path + "/link").openTrustedDirectory(create: false) == nil)
        // Nor is one above it.
        #expect(SeccompFilterCache(directory: tmp.path + "/link/sub").openTrustedDirectory(create: true) == nil)
        #expect(!FileManager.default.fileExists(atPath: tmp.path + "/real/sub"))
    }

    @Test func aWritableAncestorDisablesTheCache() throws {
        let tmp = TemporaryDirectory()
        mkdir(tmp.path, 0o755)
        let cache = SeccompFilterCache(directory: tmp.path + "/parent/seccomp")
        mkdir(tmp.path + "/parent", 0o777)
        chmod(tmp.path + "/parent", 0o777)
        _ = try cache.compile(TestPolicies.defaultLike())
        #expect(!FileManager.default.fileExists(atPath: cache.directory))
        // Sticky and world-writable (like /tmp) is fine: only an entry's owner may replace it.
        chmod(tmp.path + "/parent", 0o1777)
        _ = try cache.compile(TestPolicies.defaultLike())
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.directory).count == 1)
    }

    @Test func aCacheThatDoesNotWriteLeavesNoEntry() throws {
        let tmp = TemporaryDirectory()
        let reader = SeccompFilterCache(directory: tmp.path, writes: false)
        _ = try reader.compile(TestPolicies.defaultLike())
        #expect(!FileManager.default.fileExists(atPath: tmp.path))
        // An entry another (writing) run stored is still used.
        let writer = SeccompFilterCache(directory: tmp.path)
        let stored = try writer.compile(TestPolicies.defaultLike())
        #expect(try reader.compile(TestPolicies.defaultLike()) == stored)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).count == 1)
    }

    @Test func entriesOfAnotherOwnerAreNotUsed() throws {
        // The same cache, but one that trusts only another uid: what a
        // rootless reader of root's cache sees when the caller (or its
        // workload) planted the entry.
        let tmp = TemporaryDirectory()
        let policy = TestPolicies.defaultLike()
        let mine = SeccompFilterCache(directory: tmp.path, fingerprint: "compiler aa libseccomp 11")
        _ = try mine.compile(policy)
        let somebodyElse = geteuid() == 0 ? uid_t(65534) : 0
        var theirs = mine
        theirs.owner = somebodyElse
        theirs.writes = false
        #expect(theirs.openTrustedDirectory(create: false) == nil, "a directory of another owner was trusted")
        // Entry checks alone (the directory aside).
        var st = stat()
        #expect(lstat(mine.entryPath(for: policy), &st) == 0)
        #expect(SeccompFilterCache.isTrustedEntry(st, owner: geteuid()))
        #expect(!SeccompFilterCache.isTrustedEntry(st, owner: somebodyElse))
        // A second link: not used, whoever owns it (defence in depth: the
        // cache makes one name per entry, so a second one was linked from
        // elsewhere).
        let link = tmp.path + "/second-link"
        #expect(Glibc.link(mine.entryPath(for: policy), link) == 0)
        #expect(lstat(mine.entryPath(for: policy), &st) == 0)
        #expect(!SeccompFilterCache.isTrustedEntry(st, owner: geteuid()))
    }

    @Test func readableByAllWritesEntriesOthersCanRead() throws {
        let tmp = TemporaryDirectory()
        let cache = SeccompFilterCache(directory: tmp.path + "/a/b", readableByAll: true)
        let policy = TestPolicies.defaultLike()
        // The modes are set by descriptor, whatever the umask; a restrictive
        // umask is tried in SeccompCacheTrustTests.prepareFillsTheSharedCache,
        // in a process of its own (the umask is process-wide, and other tests
        // run in parallel threads of this one).
        #expect(try cache.lookUpOrCompile(policy).source == .stored)
        var st = stat()
        for directory in [tmp.path + "/a", tmp.path + "/a/b"] {
            #expect(stat(directory, &st) == 0 && st.st_mode & 0o7777 == 0o755, "\(directory) \(String(st.st_mode, radix: 8))")
        }
        #expect(stat(cache.entryPath(for: TestPolicies.defaultLike()), &st) == 0 && st.st_mode & 0o7777 == 0o644)
        let privateCache = SeccompFilterCache(directory: tmp.path + "/c")
        _ = try privateCache.compile(TestPolicies.defaultLike())
        #expect(stat(privateCache.entryPath(for: TestPolicies.defaultLike()), &st) == 0 && st.st_mode & 0o7777 == 0o600)
    }

    @Test func otherBuildsThenTheOldestArePrunedBeyondTheLimit() throws {
        let tmp = TemporaryDirectory()
        mkdir(tmp.path, 0o700)
        let cache = SeccompFilterCache(directory: tmp.path, fingerprint: "compiler aa libseccomp 11")
        let thisBuild = "\(SeccompFilterCache.format)\nbuild compiler aa libseccomp 11\nrest"
        let otherBuild = "\(SeccompFilterCache.format)\nbuild compiler bb libseccomp 11\nrest"
        // 0–7 this build's entries, 8–11 another build's (newer ones).
        for i in 0..<12 {
            let path = tmp.path + "/\(i).filter"
            _ = FileManager.default.createFile(atPath: path, contents: Data((i < 8 ? thisBuild : otherBuild).utf8))
            var times = [timespec(tv_sec: 1_000_000 + i, tv_nsec: 0), timespec(tv_sec: 1_000_000 + i, tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, 0)
        }
        let fd = open(tmp.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        cache.prune(fd, keeping: 6, above: 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).count == 12, "pruned at the limit")
        cache.prune(fd, keeping: 6, above: 10)
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }
        #expect(left == (2..<8).map { "\($0).filter" }, "another build's entries go first, then this build's oldest")
    }

    @Test func pruningSparesTemporaryFilesBeingWritten() {
        typealias C = SeccompFilterCache.PruneCandidate
        let second = 1_000_000_000
        let now = 10_000 * second
        let files = [
            C(name: "a.filter", current: true, mtime: now - 500 * second),
            C(name: "b.filter", current: true, mtime: now - 400 * second),
            C(name: "c.filter", current: false, mtime: now - 10 * second),
            C(name: "d.filter.tmp-12-34", current: true, mtime: now - 1 * second),   // being written
            C(name: "e.filter.tmp-56-78", current: true, mtime: now - 3600 * second), // left by a crash
        ]
        // The fresh temporary file does not count: 4 files, at the limit.
        #expect(SeccompFilterCache.pruneVictims(files, keeping: 2, above: 4, now: now).isEmpty)
        // Above it: other builds' first, then least recently used; never the fresh temporary file.
        #expect(SeccompFilterCache.pruneVictims(files, keeping: 1, above: 3, now: now) == ["c.filter", "e.filter.tmp-56-78", "a.filter"])
        #expect(!SeccompFilterCache.pruneVictims(files, keeping: 0, above: 0, now: now).contains("d.filter.tmp-12-34"))
        // Once it is old, it goes like any stray file.
        #expect(SeccompFilterCache.pruneVictims(files, keeping: 0, above: 0, now: now + 3600 * second).contains("d.filter.tmp-12-34"))
    }

    @Test func aHitOfAWritingCacheMarksTheEntryUsed() throws {
        // Pruning goes by modification time: a hit sets it, so entries in
        // use (install-time ones included) are the last to go.
        let tmp = TemporaryDirectory()
        let policy = TestPolicies.defaultLike()
        let writer = SeccompFilterCache(directory: tmp.path)
        _ = try writer.compile(policy)
        let path = writer.entryPath(for: policy)
        func setOld() {
            var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
            utimensat(AT_FDCWD, path, &times, 0)
        }
        func mtime() -> Int {
            var st = stat()
            return stat(path, &st) == 0 ? Int(st.st_mtim.tv_sec) : -1
        }
        setOld()
        var reader = writer
        reader.writes = false
        #expect(try reader.lookUpOrCompile(policy).source == .cached)
        #expect(mtime() == 1_000_000, "a cache that does not write changed the entry")
        #expect(try writer.lookUpOrCompile(policy).source == .cached)
        #expect(mtime() > 1_000_000, "a hit left the entry's time as stored")
    }

    @Test func pruningCountsRegularFilesOnly() throws {
        // Directories and symlinks are neither counted nor removed.
        let tmp = TemporaryDirectory()
        mkdir(tmp.path, 0o700)
        let cache = SeccompFilterCache(directory: tmp.path, fingerprint: "compiler aa libseccomp 11")
        for i in 0..<3 { _ = FileManager.default.createFile(atPath: tmp.path + "/\(i).filter", contents: Data("x".utf8)) }
        mkdir(tmp.path + "/sub", 0o700)
        symlink("/nonexistent", tmp.path + "/link")
        let fd = open(tmp.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        cache.prune(fd, keeping: 1, above: 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).count == 5, "non-files counted toward the limit")
        cache.prune(fd, keeping: 1, above: 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(left.contains("sub") && left.contains("link") && left.filter { $0.hasSuffix(".filter") }.count == 1, "\(left)")
    }
}

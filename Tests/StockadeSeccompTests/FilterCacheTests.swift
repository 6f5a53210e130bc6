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
        let tmp = TemporaryDirectory()
        let cache = SeccompFilterCache(directory: tmp.path)
        let policy = TestPolicies.defaultLike()
        let fresh = try cache.compile(policy)
        let entry = tmp.path + "/" + (try FileManager.default.contentsOfDirectory(atPath: tmp.path)[0])
        // A different program under the right name but with another key: ignored.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: entry)))
        bytes[bytes.firstIndex(of: UInt8(ascii: "\n"))! - 1] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: entry))
        #expect(try cache.compile(policy) == fresh)
        // Group-writable directory: the cache is bypassed, the result still right.
        chmod(tmp.path, 0o777)
        #expect(try cache.compile(policy) == fresh)
        #expect(!SeccompFilterCache.isPrivate(tmp.path, directory: true))
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
        #expect(SeccompFilterCache.openTrustedDirectory(tmp.path + "/link", create: false) == nil)
        // Nor is one above it.
        #expect(SeccompFilterCache.openTrustedDirectory(tmp.path + "/link/sub", create: true) == nil)
        #expect(!FileManager.default.fileExists(atPath: tmp.path + "/real/sub"))
    }

    @Test func aWritableAncestorDisablesTheCache() throws {
        let tmp = TemporaryDirectory()
        mkdir(tmp.path, 0o755)
        let cache = SeccompFilterCache(directory: tmp.path + "/parent/seccomp")
        mkdir(tmp.path + "/parent", 0o755)
        #expect(SeccompFilterCache.ancestorsAreTrusted(cache.directory))
        chmod(tmp.path + "/parent", 0o777)
        #expect(!SeccompFilterCache.ancestorsAreTrusted(cache.directory))
        _ = try cache.compile(TestPolicies.defaultLike())
        #expect(!FileManager.default.fileExists(atPath: cache.directory))
        // Sticky and world-writable (like /tmp) is fine: only an entry's owner may replace it.
        chmod(tmp.path + "/parent", 0o1777)
        #expect(SeccompFilterCache.ancestorsAreTrusted(cache.directory))
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

    @Test func rootlessHasNoDefaultCache() {
        #expect((SeccompFilterCache.defaultDirectory() == nil) == (geteuid() != 0))
    }
}

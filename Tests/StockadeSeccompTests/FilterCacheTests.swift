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
            SeccompFilterCache.key(base, .standard),
            SeccompFilterCache.key(base, .init(denyMode: .errno)),
            SeccompFilterCache.key(other, .standard),
            SeccompFilterCache.key(SeccompPolicy(defaultAction: .deny(errno: 2), rules: base.rules), .standard),
        ]
        #expect(keys.count == 4)
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

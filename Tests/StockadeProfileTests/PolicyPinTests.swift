import Foundation
import StockadeEvents
import StockadeProfile
import Testing

@Suite("--profile-sha256 and the policy digest")
struct PolicyPinTests {
    static func fixture() -> (TempDir, String) {
        let dir = TempDir()
        dir.write("base.yaml", "limits:\n  pids: 100\n")
        let child = dir.write("child.yaml", "extends: base\nactor: pinned\n")
        return (dir, child)
    }

    @Test func digestIsDefinedOverPathNulHashNewline() throws {
        let (dir, child) = Self.fixture()
        let profile = try ProfileLoader(searchPaths: []).load(child)
        #expect(profile.sources.map(\.path) == [dir.path + "/base.yaml", child])
        let text = profile.sources.map { "\($0.path)\u{0}\($0.sha256)\n" }.joined()
        #expect(profile.policyDigest == SHA256.hex(Array(text.utf8)))
    }

    @Test func pinMatchesTheNamedFileOrTheDigest() throws {
        let (dir, child) = Self.fixture()
        defer { withExtendedLifetime(dir) {} }
        let loader = ProfileLoader(searchPaths: [])
        let profile = try loader.load(child)
        let named = try loader.path(of: child)
        let fileHash = SHA256.hex(Array("extends: base\nactor: pinned\n".utf8))
        #expect(PolicyPin(fileHash)?.check(profile, namedFile: named) == .success(.namedFile))
        #expect(PolicyPin(fileHash.uppercased())?.check(profile, namedFile: named) == .success(.namedFile))
        #expect(PolicyPin(profile.policyDigest)?.check(profile, namedFile: named) == .success(.policyDigest))
        // The parent's own hash does not pin the child.
        let baseHash = try #require(profile.sources.first?.sha256)
        guard case let .failure(mismatch)? = PolicyPin(baseHash)?.check(profile, namedFile: named) else {
            Issue.record("a parent's hash must not pin the child")
            return
        }
        #expect(mismatch.expected == baseHash)
        #expect(mismatch.namedFile?.sha256 == fileHash)
        #expect(mismatch.description.contains(fileHash) && mismatch.description.contains(profile.policyDigest))
    }

    @Test func changedParentBreaksTheDigestPin() throws {
        let (dir, child) = Self.fixture()
        let before = try ProfileLoader(searchPaths: []).load(child)
        dir.write("base.yaml", "limits:\n  pids: 100000\n")
        let after = try ProfileLoader(searchPaths: []).load(child)
        #expect(before.policyDigest != after.policyDigest)
        let pin = try #require(PolicyPin(before.policyDigest))
        #expect(throws: PolicyPinMismatch.self) { try pin.check(after, namedFile: child).get() }
        // The child file itself did not change, so its own hash still matches.
        let own = try #require(PolicyPin(before.sources.last!.sha256))
        #expect(own.check(after, namedFile: child) == .success(.namedFile))
    }

    @Test func pinMustBeASHA256() {
        #expect(PolicyPin("abc") == nil)
        #expect(PolicyPin(String(repeating: "g", count: 64)) == nil)
        #expect(PolicyPin(String(repeating: "A", count: 64))?.expected == String(repeating: "a", count: 64))
    }
}

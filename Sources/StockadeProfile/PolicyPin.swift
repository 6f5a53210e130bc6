import StockadeEvents

extension Profile {
    /// SHA-256 of `path` NUL `sha256` LF for every source, base first: one
    /// value for the whole `extends:` chain (and imported seccomp files), so a
    /// pin also catches a changed parent. `sandbox-run check` prints it.
    public var policyDigest: String {
        var hasher = SHA256()
        for source in sources {
            hasher.update(Array(source.path.utf8))
            hasher.update(CollectionOfOne(UInt8(0)))
            hasher.update(Array(source.sha256.utf8))
            hasher.update(CollectionOfOne(UInt8(ascii: "\n")))
        }
        return hasher.finalizeHex()
    }

    /// The source recorded for the file at `path` (made absolute as `sources` are).
    public func source(at path: String) -> ProfileSource? {
        let absolute = Hashing.absolute(path)
        return sources.first { $0.path == absolute }
    }
}

extension ProfileLoader {
    /// The file `reference` names, as `load` finds it.
    public func path(of reference: String) throws(ProfileError) -> String {
        try locate(reference, from: nil)
    }
}

/// `--profile-sha256 HEX`: the run proceeds only under the policy the caller
/// reviewed. HEX may be the SHA-256 of the named profile file's bytes, or the
/// profile's `policyDigest` (which also covers every file it extends).
public struct PolicyPin: Equatable, Sendable {
    /// Lowercase hex.
    public let expected: String

    /// Nil unless `text` is 64 hex digits (either case).
    public init?(_ text: String) {
        let lower = String(text.lowercased())
        guard EventChain.isDigest(lower) else { return nil }
        expected = lower
    }

    public enum Match: Equatable, Sendable { case namedFile, policyDigest }

    /// Which value the pin matched, or why none did.
    public func check(_ profile: Profile, namedFile: String) -> Result<Match, PolicyPinMismatch> {
        let named = profile.source(at: namedFile)
        if named?.sha256 == expected { return .success(.namedFile) }
        let digest = profile.policyDigest
        if digest == expected { return .success(.policyDigest) }
        return .failure(PolicyPinMismatch(expected: expected, namedFile: named, policyDigest: digest))
    }
}

/// The pinned hash matched neither the named file nor the policy digest.
public struct PolicyPinMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    public var expected: String
    public var namedFile: ProfileSource?
    public var policyDigest: String

    public var description: String {
        let file = namedFile.map { "\($0.path) has sha256 \($0.sha256)" } ?? "the named profile file was not among its sources"
        return "profile pin mismatch: expected \(expected), but \(file) and the policy digest is \(policyDigest)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeAddress
import StockadeSystem

/// Finds, reads, decodes and merges profiles.
///
/// A reference containing `/` or ending in `.yaml`/`.yml` is a path (relative
/// to the working directory for `load`, to the extending file's directory for
/// `extends:`). Anything else is a name, looked up as `<dir>/<name>.yaml` —
/// for `extends:` first in the extending file's own directory, then in
/// `searchPaths` in order.
public struct ProfileLoader: Sendable {
    public var searchPaths: [String]

    public init(searchPaths: [String]) {
        self.searchPaths = searchPaths
    }

    /// Decodes one file's text without touching `extends:` (which stays
    /// unresolved in the result). `seccomp.oci` files are read relative to `path`.
    public static func decode(yaml: String, path: String) throws(ProfileError) -> ProfileDocument {
        try decode(yaml: yaml, path: path, sha256: Hashing.sha256Hex(yaml.utf8))
    }

    /// `sha256` is the digest of the file's bytes, computed once by the caller.
    private static func decode(yaml: String, path: String, sha256: String) throws(ProfileError) -> ProfileDocument {
        var document = try ProfileDecoder(path: path).decode(yaml: yaml)
        document.profile.sources = [ProfileSource(path: Hashing.absolute(path), sha256: sha256)]
        if let oci = document.seccomp?.oci {
            document.profile.sources.append(oci.source)
        }
        return document
    }

    /// Loads `reference` and everything it extends, merged parent first.
    public func load(_ reference: String) throws(ProfileError) -> Profile {
        var documents: [ProfileDocument] = []
        var applied: Set<String> = []
        let path = try locate(reference, from: nil)
        try collect(path: path, chain: [], documents: &documents, applied: &applied)
        var profile = Profile(name: "")
        for document in documents {
            profile = ProfileMerge.merge(parent: profile, child: document)
        }
        try checkECHCoverage(profile, documents)
        return profile
    }

    /// Every `allow_ech` entry must be covered by an allow rule of the merged
    /// profile (its `allow:`, from any file of the chain, or its presets):
    /// an opt-in for a name nothing allows is a mistake, reported at its line.
    private func checkECHCoverage(_ profile: Profile, _ documents: [ProfileDocument]) throws(ProfileError) {
        guard documents.contains(where: { !$0.echEntries.isEmpty }) else { return }
        var rules = profile.network.allow
        var presetsRead = false
        for document in documents {
            for entry in document.echEntries {
                guard let pattern = try? ECHAllowance.parse(entry.reference) else { continue }
                if ECHAllowance.isCovered(pattern, by: Self.allowlist(rules)) { continue }
                if !presetsRead {
                    // Only now: a profile without allow_ech never needs its presets here.
                    presetsRead = true
                    let presets = PresetLoader(searchPaths: searchPaths)
                    for name in profile.network.presets {
                        if let loaded = try? presets.load(name) { rules.append(contentsOf: loaded.rules) }
                    }
                    if ECHAllowance.isCovered(pattern, by: Self.allowlist(rules)) { continue }
                }
                throw ProfileError(code: .invalidValue, file: document.path, line: entry.line, column: entry.column, field: entry.field,
                                   message: "expected a name covered by an allow rule (network.allow or a preset; *.suffix needs a wildcard rule), got \"\(entry.reference)\"")
            }
        }
    }

    private static func allowlist(_ rules: [String]) -> DomainAllowlist {
        DomainAllowlist(rules.compactMap { try? DomainRule(parsing: $0) })
    }

    /// Where an `extends:` entry was written, for errors.
    struct Origin {
        var file: String
        var reference: ProfileReference
    }

    /// Depth-first, parents left to right before the child; a file reached
    /// twice (a diamond) is applied once, at its first position.
    private func collect(path: String, chain: [(canonical: String, shown: String)], documents: inout [ProfileDocument],
                         applied: inout Set<String>) throws(ProfileError) {
        let canonical = Self.canonical(path)
        if applied.contains(canonical) { return }
        let document = try read(path)
        let here = chain + [(canonical, path)]
        let directory = FilePath.directory(path)
        for reference in document.extends {
            let origin = Origin(file: path, reference: reference)
            let parentPath = try locate(reference.reference, from: (origin, directory.isEmpty ? "." : directory))
            let parentCanonical = Self.canonical(parentPath)
            if let start = here.firstIndex(where: { $0.canonical == parentCanonical }) {
                let loop = (here[start...].map(\.shown) + [parentPath]).joined(separator: " → ")
                throw ProfileError(code: .extendsCycle, file: path, line: reference.line, column: reference.column,
                                   field: reference.field, message: "extends cycle: \(loop)")
            }
            try collect(path: parentPath, chain: here, documents: &documents, applied: &applied)
        }
        applied.insert(canonical)
        documents.append(document)
    }

    private func read(_ path: String) throws(ProfileError) -> ProfileDocument {
        // One open, checked on its descriptor: what `locate` saw may have
        // changed since, and a FIFO put in its place must not hang the read.
        guard let data = FileIO.readFile(path, limit: ProfileDecoder.maxBytes + 1, nonBlocking: true, accept: { $0.st_mode & S_IFMT == S_IFREG }) else {
            throw ProfileError(code: .unreadable, file: path, message: "cannot read the file")
        }
        guard data.count <= ProfileDecoder.maxBytes else {
            throw ProfileError(code: .invalidValue, file: path, message: "file is larger than \(ProfileDecoder.maxBytes) bytes; not a profile")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProfileError(code: .unreadable, file: path, message: "the file is not UTF-8 text")
        }
        // Hash the bytes exactly as read, not the decoded text.
        return try Self.decode(yaml: text, path: path, sha256: Hashing.sha256Hex(data))
    }

    /// Resolves a reference to an existing file path, or says where it looked.
    func locate(_ reference: String, from: (origin: Origin, directory: String)?) throws(ProfileError) -> String {
        func notFound(_ message: String) -> ProfileError {
            if let origin = from?.origin {
                return ProfileError(code: .notFound, file: origin.file, line: origin.reference.line,
                                    column: origin.reference.column, field: origin.reference.field, message: message)
            }
            return ProfileError(code: .notFound, file: reference, message: message)
        }
        let isPath = reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
        if isPath {
            var path = reference
            if let directory = from?.directory, !reference.hasPrefix("/") {
                path = directory == "." ? reference : FilePath.join(directory, reference)
            }
            guard Self.isFile(path) else { throw notFound("no such profile file: \(path)") }
            return path
        }
        guard PathRules.isProfileName(reference) else {
            throw notFound("\"\(reference)\" is neither a profile name (letters, digits, -, _, .) nor a path")
        }
        var directories = searchPaths
        if let directory = from?.directory { directories.insert(directory, at: 0) }
        var tried: [String] = []
        for directory in directories {
            let candidate = directory == "." ? "\(reference).yaml" : FilePath.join(directory, "\(reference).yaml")
            if tried.contains(candidate) { continue }
            tried.append(candidate)
            if Self.isFile(candidate) { return candidate }
        }
        let looked = tried.isEmpty ? "no search paths are configured" : "looked in: " + tried.joined(separator: ", ")
        throw notFound("no profile named \"\(reference)\"; \(looked)")
    }

    private static func isFile(_ path: String) -> Bool {
        FilePath.kind(path) == .file
    }

    /// Symlinks resolved, for cycle and diamond detection.
    private static func canonical(_ path: String) -> String {
        FilePath.resolved(path)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Finds the workspace paths that `mask:` globs cover.
///
/// A pattern without `/` matches a base name at any depth; a pattern with `/`
/// is matched against the path relative to the workspace root. Symlinks are
/// never followed nor masked: a mount cannot sit on a symlink, and what a
/// symlink leads to inside the sandbox is itself scanned or not visible.
public struct MaskScanner: Sendable {
    public var maxDepth: Int
    public var maxEntries: Int

    public init(maxDepth: Int = 32, maxEntries: Int = 500_000) {
        self.maxDepth = maxDepth
        self.maxEntries = maxEntries
    }

    public struct Match: Equatable, Sendable {
        public var path: String
        public var isDirectory: Bool
    }

    public enum ScanError: Error, Equatable {
        case tooManyEntries(limit: Int)
    }

    public func scan(workspace: String, patterns: [String], fs: any HostFileSystem) throws(ScanError) -> [Match] {
        guard !patterns.isEmpty else { return [] }
        var matches: [Match] = []
        var seen = 0
        // Depth-first with an explicit stack: (absolute dir, relative dir, depth).
        var stack: [(String, String, Int)] = [(workspace, "", 0)]
        while let (dir, rel, depth) = stack.popLast() {
            guard let entries = fs.entries(of: dir) else { continue }
            for entry in entries {
                seen += 1
                if seen > maxEntries { throw .tooManyEntries(limit: maxEntries) }
                let relPath = rel.isEmpty ? entry.name : rel + "/" + entry.name
                let absPath = dir == "/" ? "/" + entry.name : dir + "/" + entry.name
                if case .symlink = entry.kind { continue }
                let isDir = entry.kind == .directory
                if Self.matches(patterns: patterns, name: entry.name, relativePath: relPath) {
                    matches.append(Match(path: absPath, isDirectory: isDir))
                    continue // a covered directory hides its contents already
                }
                if isDir && depth + 1 < maxDepth {
                    stack.append((absPath, relPath, depth + 1))
                }
            }
        }
        return matches.sorted { $0.path < $1.path }
    }

    static func matches(patterns: [String], name: String, relativePath: String) -> Bool {
        for pattern in patterns {
            let subject = pattern.contains("/") ? relativePath : name
            // FNM_PERIOD off: `*.pem` must also match `.hidden.pem`.
            let flags: Int32 = pattern.contains("/") ? FNM_PATHNAME : 0
            if fnmatch(pattern, subject, flags) == 0 { return true }
        }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Finds the workspace paths that `mask:` globs cover.
///
/// A pattern without `/` matches a base name at any depth; a pattern with `/`
/// is matched against the path relative to the workspace root. Symlinks are
/// never followed nor masked: a mount cannot sit on a symlink, and what a
/// symlink leads to inside the sandbox is itself scanned or not visible.
///
/// The workspace is hostile (an earlier run wrote it), so the scan fails
/// closed: a directory deeper than `maxDepth`, more than `maxEntries`
/// entries, or a directory it cannot read is a `ScanError` (the run exits
/// 125), never a quiet end of masking. On the host the walk goes descriptor
/// by descriptor (`openat` with `O_NOFOLLOW`), so a directory swapped for a
/// symlink mid-scan is an error, not a detour (`WorkspaceTree.swift`). The
/// root is reached as the bind reaches it (`SafePath`), and its identity is
/// kept (`Survey.root`): a workspace swapped after the scan is not bound.
public struct MaskScanner: Sendable {
    public var maxDepth: Int
    public var maxEntries: Int

    public init(maxDepth: Int = 64, maxEntries: Int = 500_000) {
        self.maxDepth = maxDepth
        self.maxEntries = maxEntries
    }

    public struct Match: Equatable, Sendable {
        public var path: String
        public var isDirectory: Bool
        /// A mask glob matched, but an `unmask` glob lifted it for this run.
        public var lifted: Bool = false
    }

    public enum ScanError: Error, Equatable, CustomStringConvertible {
        /// More entries than `limit`; `path` is the directory being read.
        case tooManyEntries(limit: Int, path: String)
        /// A directory below `limit` levels; `path` is that directory.
        case tooDeep(limit: Int, path: String)
        /// A directory that could not be opened or read.
        case unreadable(path: String, errno: Int32)

        public var path: String {
            switch self {
            case .tooManyEntries(_, let path), .tooDeep(_, let path), .unreadable(let path, _): return path
            }
        }

        public var description: String {
            switch self {
            case .tooManyEntries(let limit, let path):
                return "the mask scan stopped at its limit of \(limit) entries (at \(path)); masks cannot be checked past it, so the run is refused. Narrow the workspace or remove files from it"
            case .tooDeep(let limit, let path):
                return "the mask scan stopped at its depth limit of \(limit) directories (at \(path)); masks cannot be checked below it, so the run is refused. Flatten or remove that tree"
            case .unreadable(let path, let code):
                return "the mask scan cannot read \(path) (\(String(cString: strerror(code)))); masks cannot be checked there, so the run is refused"
            }
        }
    }

    /// Masked paths, and (`lifted`) the paths an `unmask` glob freed. A
    /// lifted directory is scanned inside like any other, so the masks below
    /// it still hold.
    public func scan(workspace: String, patterns: [String], unmask: [String] = [], fs: any HostFileSystem) throws(ScanError) -> [Match] {
        try survey(workspace: workspace, patterns: patterns, unmask: unmask, fs: fs).matches
    }

    /// What a scan found, and the identity of the directory it read as the
    /// workspace (nil on trees without one, the tests' fakes). The bind must
    /// reach that same directory: masks computed for one tree say nothing
    /// about another swapped in under the same name.
    public struct Survey: Equatable, Sendable {
        public var matches: [Match]
        public var root: FileIdentity?
    }

    /// `scan`, with the identity of the workspace it read.
    public func survey(workspace: String, patterns: [String], unmask: [String] = [], fs: any HostFileSystem) throws(ScanError) -> Survey {
        guard !patterns.isEmpty else { return Survey(matches: [], root: nil) }
        let masks = Globs(patterns)
        let unmasks = Globs(unmask)
        let tree: any WorkspaceTree = (fs as? LiveHostFileSystem).map { _ in LiveWorkspaceTree() } ?? PathWorkspaceTree(fs: fs)
        let root = try tree.open(workspace)
        var matches: [Match] = []
        var seen = 0
        // Depth-first with an explicit stack of directories still to read,
        // each opened only when its turn comes (from its open parent), so at
        // most `maxDepth` descriptors are open at once.
        var stack: [(parent: (any WorkspaceDirectory)?, name: String, abs: String, rel: String, depth: Int)] =
            [(nil, "", workspace, "", 0)]
        while let (parent, name, dir, rel, depth) = stack.popLast() {
            let handle = try parent.map { parent throws(ScanError) in try parent.child(name, path: dir) } ?? root
            for entry in try handle.entries(path: dir) {
                seen += 1
                if seen > maxEntries { throw .tooManyEntries(limit: maxEntries, path: dir) }
                let relPath = rel.isEmpty ? entry.name : rel + "/" + entry.name
                let absPath = dir == "/" ? "/" + entry.name : dir + "/" + entry.name
                if case .symlink = entry.kind { continue }
                let isDir = entry.kind == .directory
                if masks.matches(name: entry.name, relativePath: relPath) {
                    let lifted = unmasks.matches(name: entry.name, relativePath: relPath)
                    matches.append(Match(path: absPath, isDirectory: isDir, lifted: lifted))
                    if !lifted { continue } // a covered directory hides its contents already
                }
                if isDir {
                    guard depth + 1 < maxDepth else { throw .tooDeep(limit: maxDepth, path: absPath) }
                    stack.append((handle, entry.name, absPath, relPath, depth + 1))
                }
            }
        }
        return Survey(matches: matches.sorted { $0.path < $1.path }, root: root.identity)
    }

    /// Globs prepared once per scan: C strings for fnmatch, and whether each
    /// is anchored (contains `/`), so the per-entry loop does no string work
    /// beyond what a match needs.
    struct Globs {
        var patterns: [(c: [CChar], anchored: Bool)]

        init(_ globs: [String]) {
            patterns = globs.map { (Array($0.utf8CString), $0.utf8.contains(UInt8(ascii: "/"))) }
        }

        var isEmpty: Bool { patterns.isEmpty }

        func matches(name: String, relativePath: String) -> Bool {
            guard !patterns.isEmpty else { return false }
            return name.withCString { cName in
                relativePath.withCString { cPath in
                    for pattern in patterns {
                        // FNM_PERIOD off: `*.pem` must also match `.hidden.pem`.
                        let result = pattern.c.withUnsafeBufferPointer { glob in
                            pattern.anchored ? fnmatch(glob.baseAddress, cPath, FNM_PATHNAME) : fnmatch(glob.baseAddress, cName, 0)
                        }
                        if result == 0 { return true }
                    }
                    return false
                }
            }
        }
    }
}

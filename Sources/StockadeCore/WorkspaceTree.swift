#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// A directory tree as the mask scanner reads it: open the root, list a
/// directory, open a child directory from its parent. Two implementations:
/// descriptors on the host (no symlink ever followed) and path strings over
/// any `HostFileSystem` (the planning tests' fake tree).
protocol WorkspaceTree {
    func open(_ path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory
}

protocol WorkspaceDirectory {
    /// `st_dev`/`st_ino` of the directory read, when the tree has them.
    var identity: FileIdentity? { get }
    /// The entries, without `.` and `..`; `path` names it in errors.
    func entries(path: String) throws(MaskScanner.ScanError) -> [(name: String, kind: HostFileKind)]
    /// The child directory `name`, opened without following a symlink.
    func child(_ name: String, path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory
}

/// The host's tree, one descriptor per directory. The root is reached by the
/// same symlink-safe walk as the bind (`SafePath`), and each child is opened
/// from its parent's descriptor with `O_NOFOLLOW|O_DIRECTORY`: a symlink put
/// in place of a directory between listing and opening fails (`ELOOP`), and
/// no path string is resolved twice. The root's identity is recorded so the
/// bind can check it reaches the tree that was scanned.
struct LiveWorkspaceTree: WorkspaceTree {
    func open(_ path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory {
        let walked: Int32
        do { walked = try SafePath.open(path).fd } catch {
            let code: Int32
            switch error.reason {
            case .missing: code = ENOENT
            case .notDirectory: code = ENOTDIR
            case .system(let e): code = e
            default: code = ELOOP
            }
            throw .unreadable(path: error.component, errno: code)
        }
        // The walk's O_PATH descriptor, opened again for reading from itself.
        let fd = openat(walked, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let e = errno
        close(walked)
        guard fd >= 0 else { throw .unreadable(path: path, errno: e) }
        return try LiveWorkspaceDirectory(fd: fd, path: path)
    }
}

/// One open directory stream; its descriptor (`dirfd`) is where children are
/// opened from. The scanner lists each directory once.
final class LiveWorkspaceDirectory: WorkspaceDirectory {
    private let dir: OpaquePointer

    /// Takes ownership of `fd` (closed with the stream).
    init(fd: Int32, path: String) throws(MaskScanner.ScanError) {
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        guard let dir = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw .unreadable(path: path, errno: code)
        }
        self.dir = dir
        identity = FileIdentity.of(fd: fd)
    }

    let identity: FileIdentity?

    deinit {
        closedir(dir)
    }

    func entries(path: String) throws(MaskScanner.ScanError) -> [(name: String, kind: HostFileKind)] {
        let listing = Directory.entries(of: dir)
        if listing.errno != 0 { throw .unreadable(path: path, errno: listing.errno) }
        var result: [(name: String, kind: HostFileKind)] = []
        for entry in listing.entries {
            if let kind = HostFileKind(entryType: entry.type) {
                result.append((entry.name, kind))
            } else {
                result.append((entry.name, try statKind(entry.name, path: path)))
            }
        }
        return result
    }

    func child(_ name: String, path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory {
        try LiveWorkspaceDirectory(fd: openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), path: path)
    }

    /// For filesystems that leave `d_type` unknown: `fstatat` without following.
    private func statKind(_ name: String, path: String) throws(MaskScanner.ScanError) -> HostFileKind {
        var st = stat()
        guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .unreadable(path: path + "/" + name, errno: errno)
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFLNK: return .symlink(target: "")
        default: return .special
        }
    }
}

/// Any `HostFileSystem` read by path (tests' fake trees).
struct PathWorkspaceTree: WorkspaceTree {
    let fs: any HostFileSystem

    func open(_ path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory {
        PathWorkspaceDirectory(fs: fs, path: path)
    }
}

struct PathWorkspaceDirectory: WorkspaceDirectory {
    let fs: any HostFileSystem
    let path: String
    var identity: FileIdentity? { nil }

    func entries(path: String) throws(MaskScanner.ScanError) -> [(name: String, kind: HostFileKind)] {
        guard let entries = fs.entries(of: self.path) else { throw .unreadable(path: path, errno: EACCES) }
        return entries
    }

    func child(_ name: String, path: String) throws(MaskScanner.ScanError) -> any WorkspaceDirectory {
        guard fs.kind(of: path) == .directory else { throw .unreadable(path: path, errno: ENOTDIR) }
        return PathWorkspaceDirectory(fs: fs, path: path)
    }
}

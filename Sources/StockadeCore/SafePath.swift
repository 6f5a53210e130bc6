#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys

/// An operator path (`--bind`, `--ro-bind`, `--workspace`, a profile bind)
/// after a walk that trusted nothing the workload could have written.
public struct ResolvedPath: Equatable, Sendable {
    /// The path as the operator or profile named it.
    public var requested: String
    /// The object reached, as an absolute path with no symlink in it.
    public var path: String
    /// `.directory`, `.file` or `.special` (never `.symlink` or `.missing`).
    public var kind: HostFileKind
    /// A character or block device.
    public var isDevice: Bool
    /// Root-owned symlinks followed on the way (`/lib -> usr/lib`), in order.
    public var followed: [String]

    public init(requested: String, path: String, kind: HostFileKind, isDevice: Bool = false, followed: [String] = []) {
        self.requested = requested
        self.path = path
        self.kind = kind
        self.isDevice = isDevice
        self.followed = followed
    }
}

/// Why an operator path was refused, naming the component at fault.
public struct PathRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case relative
        case missing
        case notDirectory
        /// A symlink the walk will not follow: its owner or its directory's
        /// owner is not root, or its directory is group/world-writable.
        case untrustedSymlink(target: String, linkOwner: UInt32, directoryOwner: UInt32, directoryMode: UInt32)
        case tooManyLinks
        case system(errno: Int32)
    }

    public var requested: String
    /// The absolute path of the component at fault, as reached so far.
    public var component: String
    public var reason: Reason

    public var description: String {
        switch reason {
        case .relative:
            return "\(requested) is not an absolute path"
        case .missing:
            return "\(component) does not exist (resolving \(requested))"
        case .notDirectory:
            return "\(component) is not a directory (resolving \(requested))"
        case .untrustedSymlink(let target, let linkOwner, let directoryOwner, let mode):
            let why: String
            if linkOwner != 0 {
                why = "it is owned by uid \(linkOwner), not root"
            } else if directoryOwner != 0 {
                why = "its directory is owned by uid \(directoryOwner), not root"
            } else {
                why = "its directory is writable by others (mode \(String(mode & 0o7777, radix: 8)))"
            }
            return "\(component) is a symlink to \(target) that could have been planted by a workload (\(why)); refusing to follow it while resolving \(requested). Name the real path instead"
        case .tooManyLinks:
            return "too many symlinks while resolving \(requested) (at \(component))"
        case .system(let e):
            return "cannot resolve \(component) (resolving \(requested)): \(String(cString: strerror(e)))"
        }
    }
}

/// Resolves absolute host paths one component at a time with
/// `openat(O_PATH | O_NOFOLLOW)`, so no symlink is ever followed by the
/// kernel. A symlink met on the way is followed (by reading it and going on
/// with the walk) only when root owns it and its directory, and that
/// directory is not group- or world-writable: such a link (`/lib -> usr/lib`)
/// was made by root, never by a workload. Anything else is refused, naming
/// the link. `..` pops the walk's own stack of directories, never the
/// kernel's idea of the parent.
///
/// The result is an `O_PATH` descriptor for the object reached; callers hand
/// it to `open_tree(AT_EMPTY_PATH)` rather than resolving any string again.
public enum SafePath {
    /// The kernel's own limit for symlinks in one resolution (ELOOP).
    public static let maxLinks = 40

    /// The object at `path` as an `O_PATH | O_CLOEXEC` descriptor the caller
    /// closes, and what it resolved to.
    public static func open(_ path: String) throws(PathRefusal) -> (fd: Int32, resolved: ResolvedPath) {
        guard path.hasPrefix("/") else {
            throw PathRefusal(requested: path, component: path, reason: .relative)
        }
        let root = Glibc.open("/", STK_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else {
            throw PathRefusal(requested: path, component: "/", reason: .system(errno: errno))
        }
        // The directories walked so far: (descriptor, name); [0] is "/".
        var stack: [(fd: Int32, name: String)] = [(root, "")]
        func closeStack(keepingFirst n: Int) {
            while stack.count > n { close(stack.removeLast().fd) }
        }
        func here(_ name: String? = nil) -> String {
            let parts = stack.dropFirst().map(\.name) + (name.map { [$0] } ?? [])
            return "/" + parts.joined(separator: "/")
        }
        func fail(_ component: String, _ reason: PathRefusal.Reason) -> PathRefusal {
            closeStack(keepingFirst: 0)
            return PathRefusal(requested: path, component: component, reason: reason)
        }

        var pending: [String] = Array(path.split(separator: "/").map(String.init).reversed())
        var followed: [String] = []
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                if stack.count > 1 { close(stack.removeLast().fd) }
                continue
            }
            let dir = stack[stack.count - 1].fd
            let fd = openat(dir, name, STK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                throw fail(here(name), e == ENOENT ? .missing : e == ENOTDIR ? .notDirectory : .system(errno: e))
            }
            var st = stat()
            guard fstat(fd, &st) == 0 else {
                let e = errno
                close(fd)
                throw fail(here(name), .system(errno: e))
            }
            if st.st_mode & S_IFMT == S_IFLNK {
                let target = readLink(fd)
                var dst = stat()
                let dirOK = fstat(dir, &dst) == 0
                close(fd)
                guard let target, dirOK else { throw fail(here(name), .system(errno: EIO)) }
                guard st.st_uid == 0, dst.st_uid == 0, dst.st_mode & 0o022 == 0 else {
                    throw fail(here(name), .untrustedSymlink(target: target, linkOwner: st.st_uid,
                                                              directoryOwner: dst.st_uid, directoryMode: UInt32(dst.st_mode)))
                }
                followed.append("\(here(name)) -> \(target)")
                guard followed.count <= maxLinks else { throw fail(here(name), .tooManyLinks) }
                if target.hasPrefix("/") { closeStack(keepingFirst: 1) }
                pending += target.split(separator: "/").map(String.init).reversed()
                continue
            }
            if st.st_mode & S_IFMT != S_IFDIR && !pending.isEmpty {
                close(fd)
                throw fail(here(name), .notDirectory)
            }
            stack.append((fd, name))
        }

        let final = stack[stack.count - 1].fd
        var st = stat()
        guard fstat(final, &st) == 0 else { throw fail(here(), .system(errno: errno)) }
        let resolvedPath = here()
        // Keep the last descriptor, close the directories above it.
        let fd = stack.removeLast().fd
        closeStack(keepingFirst: 0)
        let type = st.st_mode & S_IFMT
        let kind: HostFileKind = type == S_IFDIR ? .directory : type == S_IFREG ? .file : .special
        return (fd, ResolvedPath(requested: path, path: resolvedPath, kind: kind,
                                 isDevice: type == S_IFCHR || type == S_IFBLK, followed: followed))
    }

    /// `open` for callers that only want the answer (planning, `--dry-run`).
    public static func resolve(_ path: String) throws(PathRefusal) -> ResolvedPath {
        let (fd, resolved) = try open(path)
        close(fd)
        return resolved
    }

    /// `readlinkat(fd, "")` on an `O_PATH | O_NOFOLLOW` descriptor of a link.
    private static func readLink(_ fd: Int32) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, "", &buf, Int(PATH_MAX))
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

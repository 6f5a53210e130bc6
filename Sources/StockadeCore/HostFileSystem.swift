#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// What `lstat` says a host path is.
public enum HostFileKind: Equatable, Sendable {
    case missing
    case directory
    case file
    /// A device, socket or fifo.
    case special
    case symlink(target: String)
}

extension HostFileKind {
    /// What a directory entry's `d_type` says; nil for `DT_UNKNOWN` (some
    /// filesystems leave it so; only a stat can tell). A symlink's target
    /// is not read here.
    init?(entryType type: UInt8) {
        switch Int32(type) {
        case Int32(DT_DIR): self = .directory
        case Int32(DT_REG): self = .file
        case Int32(DT_LNK): self = .symlink(target: "")
        case Int32(DT_UNKNOWN): return nil
        default: self = .special
        }
    }
}

/// The host filesystem facts the planner needs. A protocol so planning is
/// testable with a fake tree and no root.
public protocol HostFileSystem: Sendable {
    /// `lstat(2)`: never follows a final symlink.
    func kind(of path: String) -> HostFileKind
    /// `realpath(3)`, nil when the path does not resolve. It follows every
    /// symlink: never use it for a path the supervisor will open or bind
    /// (`resolve` is for those).
    func canonical(_ path: String) -> String?
    /// Entries of a directory (no `.`/`..`), nil when unreadable.
    func entries(of directory: String) -> [(name: String, kind: HostFileKind)]?
    /// An operator path resolved without following any symlink the workload
    /// could have planted (see `SafePath`); refused with the component at fault.
    func resolve(_ path: String) throws(PathRefusal) -> ResolvedPath
}

extension HostFileSystem {
    /// For fakes: `canonical` plus `kind`, with nothing refused but absence.
    public func resolve(_ path: String) throws(PathRefusal) -> ResolvedPath {
        guard let c = canonical(path) else {
            throw PathRefusal(requested: path, component: path, reason: .missing)
        }
        let k = kind(of: c)
        return ResolvedPath(requested: path, path: c, kind: k == .directory ? .directory : k == .file ? .file : .special)
    }
}

/// The real filesystem, through Glibc (no Foundation on the launch path).
public struct LiveHostFileSystem: HostFileSystem {
    public init() {}

    public func kind(of path: String) -> HostFileKind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buf, Int(PATH_MAX))
            guard n >= 0 else { return .missing }
            let bytes = buf[0..<n].map { UInt8(bitPattern: $0) }
            return .symlink(target: String(decoding: bytes, as: UTF8.self))
        default: return .special
        }
    }

    public func canonical(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    public func resolve(_ path: String) throws(PathRefusal) -> ResolvedPath {
        try SafePath.resolve(path)
    }

    public func entries(of directory: String) -> [(name: String, kind: HostFileKind)]? {
        guard let listing = Directory.entries(atPath: directory) else { return nil }
        return listing.map { ($0.name, HostFileKind(entryType: $0.type) ?? kind(of: directory + "/" + $0.name)) }
    }
}

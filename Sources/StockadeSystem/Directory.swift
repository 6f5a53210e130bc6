#if canImport(Glibc)
import Glibc
#endif

/// One entry of a directory as `readdir(3)` gives it.
public struct DirectoryEntry: Equatable, Sendable {
    public var name: String
    /// `d_type`: `DT_DIR`, `DT_REG`, `DT_LNK`, … or `DT_UNKNOWN` where the
    /// filesystem does not say (then only a stat can tell).
    public var type: UInt8

    public init(name: String, type: UInt8) {
        self.name = name
        self.type = type
    }

    public var isDirectory: Bool { type == UInt8(DT_DIR) }
}

/// Listing directories: the one `readdir` loop of the project.
public enum Directory {
    /// Every entry of the open stream `stream` except `.` and `..`, in the
    /// order the filesystem gives them. `errno` is 0 when the stream ended
    /// cleanly, else the error `readdir` stopped on (`entries` then holds
    /// what was read before it).
    public static func entries(of stream: OpaquePointer) -> (entries: [DirectoryEntry], errno: Int32) {
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let ent = readdir(stream) else { return (result, errno) }
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            result.append(DirectoryEntry(name: name, type: ent.pointee.d_type))
        }
    }

    /// `opendir(path)` and its entries; nil with errno set when it cannot be
    /// opened. An error part-way is not reported (best-effort listings).
    public static func entries(atPath path: String) -> [DirectoryEntry]? {
        guard let stream = opendir(path) else { return nil }
        defer { closedir(stream) }
        return entries(of: stream).entries
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A filesystem object's identity (`st_dev`, `st_ino`): what the supervisor
/// compares when it must know that the thing it is about to use is the very
/// one it checked earlier, whatever names were swapped in between.
public struct FileIdentity: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public init(_ st: stat) {
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// `fstat(fd)`'s identity; nil (errno set) when it fails.
    public static func of(fd: Int32) -> FileIdentity? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileIdentity(st)
    }

    public var description: String { "\(device):\(inode)" }
}

#if canImport(Glibc)
import Glibc
#endif

/// Which network namespace a process is in: the device and inode of its
/// `/proc/PID/ns/net` (`"dev:ino"`), the identity `ip netns identify` uses.
///
/// Recorded in a sandbox's registry entry for diagnostics only: a sandbox's
/// network (its nft table, routes and listeners) lives in the sandbox's own
/// namespace and dies with it, so nothing is ever collected by namespace.
public struct NetworkNamespaceID: Hashable, Sendable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// `"dev:ino"` as written in a registry entry; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        self.init(device: device, inode: inode)
    }

    public var description: String { "\(device):\(inode)" }

    /// The namespace of the file at `path` (`/proc/self/ns/net`, `/run/netns/NAME`).
    public static func of(path: String) -> NetworkNamespaceID? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return NetworkNamespaceID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// This process's network namespace.
    public static func current() -> NetworkNamespaceID? { of(path: "/proc/self/ns/net") }
}

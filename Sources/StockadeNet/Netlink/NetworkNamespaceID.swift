#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// Which network namespace a process is in: the device and inode of its
/// `/proc/PID/ns/net` (`"dev:ino"`), the identity `ip netns identify` uses.
///
/// nft tables and veths live in the supervisor's network namespace, but the
/// sandbox registry in `/run/stockade` is shared by every namespace on the
/// machine; `gc` may only remove what lives in its own.
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

    /// Whether the namespace still exists: some process is in it, or a file
    /// under `/run/netns` holds it. A namespace nobody holds has been
    /// destroyed, and everything in it (tables, veths) with it.
    public static func exists(_ id: NetworkNamespaceID, netnsDirectory: String = "/run/netns", procDirectory: String = "/proc") -> Bool {
        for path in directoryEntries(netnsDirectory).map({ netnsDirectory + "/" + $0 }) where of(path: path) == id { return true }
        for name in directoryEntries(procDirectory) where name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            if of(path: procDirectory + "/" + name + "/ns/net") == id { return true }
        }
        return false
    }

    private static func directoryEntries(_ path: String) -> [String] {
        (Directory.entries(atPath: path) ?? []).map(\.name).filter { !$0.hasPrefix(".") }
    }
}

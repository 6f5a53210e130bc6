import Glibc
import StockadeSystem

/// Thin Glibc wrappers for cgroupfs. Every call reports the raw errno so the
/// caller can build a `CgroupError` naming its own step; nothing here uses
/// Foundation because it runs on the sandbox launch path.
enum CgroupFS {
    /// The most read from one cgroupfs or procfs file (`cgroup.procs` of a
    /// large sandbox, `/proc/self/mountinfo` of a busy host are the largest).
    static let readLimit = FileIO.smallFileLimit

    /// Reads a whole (small) file; the errno on failure.
    static func read(_ path: String) -> Result<String, Errno> {
        guard let bytes = FileIO.readFile(path, limit: readLimit) else { return .failure(Errno(Glibc.errno)) }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// Reads a file, `nil` when it is missing or unreadable (stats are best effort).
    static func readIfPresent(_ path: String) -> String? {
        if case .success(let text) = read(path) { return text }
        return nil
    }

    /// Writes `value` with one write(2): cgroupfs parses each write as a
    /// whole, and reports a rejected value as that write's errno.
    static func write(_ path: String, _ value: String) -> Errno? {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { return Errno(Glibc.errno) }
        defer { close(fd) }
        var utf8 = Array(value.utf8)
        if utf8.isEmpty { utf8 = [0x0A] }
        while true {
            let written = utf8.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && Glibc.errno == EINTR { continue }
            if written < 0 { return Errno(Glibc.errno) }
            if written != utf8.count { return Errno(EIO) }
            return nil
        }
    }

    static func mkdir(_ path: String) -> Errno? {
        Glibc.mkdir(path, 0o755) == 0 ? nil : Errno(Glibc.errno)
    }

    static func rmdir(_ path: String) -> Errno? {
        Glibc.rmdir(path) == 0 ? nil : Errno(Glibc.errno)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isWritableDirectory(_ path: String) -> Bool {
        access(path, W_OK | X_OK) == 0
    }

    /// Names of the subdirectories of `path` (no `.`/`..`); empty on error.
    static func subdirectories(_ path: String) -> [String] {
        (Directory.entries(atPath: path) ?? []).filter(\.isDirectory).map(\.name).sorted()
    }

    static func sleepMilliseconds(_ ms: Int) {
        var request = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && Glibc.errno == EINTR {
            request = remaining
        }
    }
}

/// An errno value as a distinct type so it cannot be confused with a count.
struct Errno: Error, Equatable {
    var rawValue: Int32
    init(_ rawValue: Int32) { self.rawValue = rawValue }
}

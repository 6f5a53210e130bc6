import Glibc

/// Thin Glibc wrappers for cgroupfs. Every call reports the raw errno so the
/// caller can build a `CgroupError` naming its own step; nothing here uses
/// Foundation because it runs on the sandbox launch path.
enum CgroupFS {
    /// Reads a whole (small) file; `nil` with errno on failure.
    static func read(_ path: String) -> Result<String, Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(Errno(Glibc.errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if Glibc.errno == EINTR { continue }
                return .failure(Errno(Glibc.errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
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
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            if entry.pointee.d_type == UInt8(DT_DIR) { names.append(name) }
        }
        return names.sorted()
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

#if canImport(Glibc)
import Glibc
#endif

/// The few whole-file and whole-buffer loops the launcher and the CLI need,
/// in one place so every caller retries EINTR and short writes the same way.
public enum FileIO {
    /// Everything readable from `fd` until end of file, at most `limit`
    /// bytes; nil with errno set when a read fails.
    public static func readAll(fd: Int32, limit: Int = Int.max) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - out.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The whole file at `path` (at most `limit` bytes); nil with errno set.
    public static func readFile(_ path: String, limit: Int = Int.max) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd: fd, limit: limit)
    }

    /// Writes all of `text` to `fd`, retrying EINTR and short writes; false
    /// with errno set when a write fails.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        writeAll(fd, bytes: Array(text.utf8))
    }

    /// Writes all of `bytes` to `fd`, as `writeAll(_:_:)`.
    @discardableResult
    public static func writeAll(_ fd: Int32, bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }

    /// Opens `path` with `flags` and writes all of `text`; 0, or the errno of
    /// the step that failed.
    static func writeFile(_ path: String, _ text: String, flags: Int32 = O_WRONLY, mode: mode_t = 0o644) -> Int32 {
        writeFile(path, bytes: Array(text.utf8), flags: flags, mode: mode)
    }

    static func writeFile(_ path: String, bytes: [UInt8], flags: Int32 = O_WRONLY, mode: mode_t = 0o644) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return writeAll(fd, bytes: bytes) ? 0 : (errno == 0 ? EIO : errno)
    }
}

/// At most 16 MiB of a file as text; nil when it cannot be read.
func readSmallFile(_ path: String) -> String? {
    FileIO.readFile(path, limit: 16 << 20).map { String(decoding: $0, as: UTF8.self) }
}

/// A message for the person at the terminal; a closed stderr is ignored.
public func writeStderr(_ s: String) {
    FileIO.writeAll(2, s)
}

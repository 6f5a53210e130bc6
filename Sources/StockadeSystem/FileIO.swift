#if canImport(Glibc)
import Glibc
#endif

/// The one place that reads and writes whole files and buffers, so every
/// caller retries EINTR and short writes the same way and no read is
/// unbounded. Plain libc: it runs on the launch path (no Foundation).
public enum FileIO {
    /// The bound for small text files (`/proc/PID/stat`, `/etc/group`,
    /// `/etc/resolv.conf`, `/proc/locks`).
    public static let smallFileLimit = 16 << 20

    /// Everything readable from `fd` until end of file, at most `limit`
    /// bytes (a caller that must tell an oversized file from a full one asks
    /// for `limit + 1` and checks the count); nil with errno set when a read
    /// fails.
    public static func readAll(fd: Int32, limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(65536, max(limit, 1)))
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

    /// The file `path` (at most `limit` bytes, as `readAll`); nil with errno
    /// set. Always `O_NOCTTY`: a terminal planted in place of the file never
    /// becomes the supervisor's controlling terminal.
    ///
    /// - `directory`: a relative `path` is opened from this descriptor
    ///   (`openat(2)`), so a caller that holds a directory it checked never
    ///   resolves the directory's path again.
    /// - `noFollow`: `O_NOFOLLOW`, a final symlink fails with `ELOOP` (for
    ///   files in directories someone else can write).
    /// - `nonBlocking`: `O_NONBLOCK`, so opening a FIFO planted in place of
    ///   the file cannot hang. Only an `accept` that checks for `S_IFREG`
    ///   makes the read one of a regular file; without it a FIFO or device
    ///   is read too (non-blocking: `EAGAIN` rather than a hang).
    /// - `accept`: judges the open file's `fstat(2)` (type, owner, mode,
    ///   size) before any byte is read; a refusal is nil with `EINVAL`.
    public static func readFile(
        _ path: String, limit: Int, relativeTo directory: Int32 = AT_FDCWD,
        noFollow: Bool = false, nonBlocking: Bool = false, accept: ((stat) -> Bool)? = nil
    ) -> [UInt8]? {
        let flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (noFollow ? O_NOFOLLOW : 0) | (nonBlocking ? O_NONBLOCK : 0)
        let fd = openat(directory, path, flags)
        guard fd >= 0 else { return nil }
        defer { closeKeepingErrno(fd) }
        if let accept {
            var st = stat()
            guard fstat(fd, &st) == 0 else { return nil }
            guard accept(st) else {
                errno = EINVAL
                return nil
            }
        }
        return readAll(fd: fd, limit: limit)
    }

    /// `readFile` decoded as UTF-8 (invalid bytes become U+FFFD).
    public static func readText(_ path: String, limit: Int) -> String? {
        readFile(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes all of `text` to `fd`, retrying EINTR and short writes; false
    /// with errno set when a write fails (`EIO` when it wrote nothing and
    /// named no error).
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
                if n < 0 { return false }
                if n == 0 {
                    // write(2) made no progress and set no errno: do not
                    // leave a caller reporting a stale one (or 0).
                    errno = EIO
                    return false
                }
                off += n
            }
            return true
        }
    }

    /// Opens `path` with `flags` and writes all of `text`; 0, or the errno of
    /// the step that failed.
    public static func writeFile(_ path: String, _ text: String, flags: Int32 = O_WRONLY, mode: mode_t = 0o644) -> Int32 {
        writeFile(path, bytes: Array(text.utf8), flags: flags, mode: mode)
    }

    /// As `writeFile(_:_:flags:mode:)`, for bytes.
    public static func writeFile(_ path: String, bytes: [UInt8], flags: Int32 = O_WRONLY, mode: mode_t = 0o644) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return writeAll(fd, bytes: bytes) ? 0 : errno
    }

    /// `close(2)` that leaves the errno of the step before it for the caller.
    static func closeKeepingErrno(_ fd: Int32) {
        let saved = errno
        close(fd)
        errno = saved
    }
}

/// A message for the person at the terminal; a closed stderr is ignored.
public func writeStderr(_ s: String) {
    FileIO.writeAll(2, s)
}

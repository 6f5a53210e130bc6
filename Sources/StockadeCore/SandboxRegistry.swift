#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// Running sandboxes, one small file each (`<dir>/<id>`, holding the
/// supervisor's pid and start time and its name), so `gc` can tell leftovers of a dead
/// supervisor from live sandboxes and `kill` can find them.
///
/// Liveness is the entry's `flock`, not its pid: the supervisor holds
/// `LOCK_EX` on its entry for its whole life (the kernel drops it when the
/// process dies, however it dies), and a reader that cannot take the lock
/// knows the owner is alive. A pid means nothing outside the pid namespace
/// it was read in; a lock is the same for every reader on the machine.
public struct SandboxRegistry: Sendable {
    public var location: OwnedDirectory

    public var directory: String { location.path }

    public init(location: OwnedDirectory) {
        self.location = location
    }

    /// Root: `/run/stockade/sandboxes`. Rootless: under `$XDG_RUNTIME_DIR`
    /// (the session's private directory), else `/tmp/stockade-UID`, which
    /// must be the user's own and mode 0700 because anyone can create that
    /// name in /tmp first.
    public static func `default`(rootless: Bool) -> SandboxRegistry {
        SandboxRegistry(location: .runtime("sandboxes", rootless: rootless))
    }

    public struct Entry: Equatable, Sendable {
        public var id: String
        public var pid: pid_t
        public var startTicks: UInt64
        public var name: String?

        public init(id: String, pid: pid_t, startTicks: UInt64, name: String?) {
            self.id = id
            self.pid = pid
            self.startTicks = startTicks
            self.name = name
        }
    }

    /// Why an entry could not be registered: the sandbox does not start
    /// without one, or `gc` would take it for a dead one's leftovers.
    public struct RegisterError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var reason: String
        public var description: String { "sandbox registry \(path): \(reason)" }
    }

    /// Writes the entry under a hidden name, locks it, then renames it into
    /// place: no reader ever sees an entry whose owner does not hold its lock.
    public func register(id: String, name: String?) throws(RegisterError) -> Registration {
        let dir: Int32
        do { dir = try location.open(create: true) } catch {
            throw RegisterError(path: error.path, errno: error.errno, reason: error.reason)
        }
        func failed(_ step: String, _ e: Int32, _ fd: Int32 = -1) -> RegisterError {
            if fd >= 0 { close(fd) }
            unlinkat(dir, ".new-" + id, 0)
            close(dir)
            return RegisterError(path: directory + "/" + id, errno: e, reason: "\(step): \(String(cString: strerror(e)))")
        }
        let temp = ".new-" + id
        let fd = openat(dir, temp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failed("create", errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw failed("flock", errno, fd) }
        let pid = getpid()
        let text = "\(pid) \(Self.startTicks(of: pid) ?? 0) \(name ?? "")\n"
        guard FileIO.writeAll(fd, text) else { throw failed("write", errno, fd) }
        guard renameat(dir, temp, dir, id) == 0 else { throw failed("rename", errno, fd) }
        return Registration(id: id, directoryFd: dir, entryFd: fd)
    }

    /// A live entry: its file stays open and locked until `release()`.
    public final class Registration: @unchecked Sendable {
        public let id: String
        private var directoryFd: Int32
        private var entryFd: Int32

        init(id: String, directoryFd: Int32, entryFd: Int32) {
            self.id = id
            self.directoryFd = directoryFd
            self.entryFd = entryFd
        }

        /// Removes the entry, then drops the lock (closing it): a gc that
        /// opened the file before the unlink still finds it locked.
        public func release() {
            guard entryFd >= 0 else { return }
            if SandboxRegistry.sameFile(directoryFd, id, entryFd) { unlinkat(directoryFd, id, 0) }
            close(entryFd)
            close(directoryFd)
            entryFd = -1
            directoryFd = -1
        }

        deinit { release() }
    }

    public func entries() -> [Entry] {
        guard let dirFd = try? location.open(create: false), let dir = fdopendir(dirFd) else { return [] }
        defer { closedir(dir) }
        var out: [Entry] = []
        for name in Directory.entries(of: dir).entries.map(\.name) {
            if name.hasPrefix(".") { continue }
            let fd = Self.openEntry(dirfd(dir), name)
            guard fd >= 0 else { continue }
            let bytes = FileIO.readAll(fd: fd, limit: 4096)
            close(fd)
            guard let bytes, let entry = Self.parse(id: name, text: String(decoding: bytes, as: UTF8.self)) else { continue }
            out.append(entry)
        }
        return out.sorted { $0.id < $1.id }
    }

    /// An entry file, read-only, never through a symlink, never a FIFO or
    /// device (`O_NONBLOCK` so opening one cannot hang; then it must be a
    /// regular file).
    static func openEntry(_ dir: Int32, _ name: String) -> Int32 {
        let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return -1 }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Whether `name` in `dir` is still the file open as `fd`.
    static func sameFile(_ dir: Int32, _ name: String, _ fd: Int32) -> Bool {
        var a = stat(), b = stat()
        guard fstat(fd, &a) == 0, fstatat(dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// An entry file's contents: `PID TICKS NAME` (later lines, such as the
    /// `net DEV:INO` older versions wrote, are ignored).
    static func parse(id: String, text: String) -> Entry? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let pid = pid_t(parts[0]), let ticks = UInt64(parts[1]) else { return nil }
        let n = parts.count > 2 ? String(parts[2]) : ""
        return Entry(id: id, pid: pid, startTicks: ticks, name: n.isEmpty ? nil : n)
    }

    /// Start time in clock ticks since boot (`/proc/PID/stat` field 22).
    static func startTicks(of pid: pid_t) -> UInt64? { ProcStartTime.of(pid) }
}

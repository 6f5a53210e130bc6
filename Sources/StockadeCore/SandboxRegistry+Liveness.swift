#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// Who is alive, decided by the entry's lock. Works the same from every pid
/// namespace: a supervisor in a container records pid 1, which here is init.
extension SandboxRegistry {
    /// A dead entry's lock, held by gc while it removes what the entry's
    /// supervisor left: a second gc cannot take it too, and sees "alive".
    public final class Claim: @unchecked Sendable {
        public let entry: Entry
        private var fd: Int32
        /// The registry directory (a copy of the descriptor the claim was
        /// made in): the entry is removed relative to it, not by path.
        private var directoryFd: Int32

        init(entry: Entry, fd: Int32, directoryFd: Int32) {
            self.entry = entry
            self.fd = fd
            self.directoryFd = directoryFd
        }

        /// Removes the entry's file, still locked, if the name is still the
        /// file claimed.
        @discardableResult
        public func removeEntry() -> Bool {
            guard fd >= 0, directoryFd >= 0, SandboxRegistry.sameFile(directoryFd, entry.id, fd) else { return false }
            return unlinkat(directoryFd, entry.id, 0) == 0
        }

        public func release() {
            if fd >= 0 { close(fd) }
            if directoryFd >= 0 { close(directoryFd) }
            fd = -1
            directoryFd = -1
        }

        deinit { release() }
    }

    /// Whether the entry's supervisor is running (holds the entry's lock).
    public func isAlive(_ entry: Entry) -> Bool {
        guard let dir = try? location.open(create: false) else { return false }
        defer { close(dir) }
        let fd = Self.openEntry(dir, entry.id)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { return errno == EWOULDBLOCK }
        return isLegacyAlive(entry)
    }

    func isLegacyAlive(_ entry: Entry) -> Bool {
        entry.startTicks != 0 && entry.pid > 0 && Self.startTicks(of: entry.pid) == entry.startTicks
    }

    /// The pid, in this process's pid namespace, of whoever holds the
    /// entry's lock (`/proc/locks` translates it); nil when the holder is
    /// not visible from here (it runs in a pid namespace we cannot see
    /// into) or holds no lock.
    public func lockHolder(of entry: Entry) -> pid_t? {
        guard let dir = try? location.open(create: false) else { return nil }
        defer { close(dir) }
        var st = stat()
        guard fstatat(dir, entry.id, &st, AT_SYMLINK_NOFOLLOW) == 0,
              let text = FileIO.readText("/proc/locks", limit: FileIO.smallFileLimit) else { return nil }
        return Self.flockHolder(locks: text, device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// From `/proc/locks` text: the pid holding a `FLOCK` on the file
    /// (device and inode), skipping waiters (`->`). Lines look like
    /// `3: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF`, the device's
    /// major and minor in hex (fs/locks.c, lock_get_status).
    static func flockHolder(locks: String, device: UInt64, inode: UInt64) -> pid_t? {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        for line in locks.split(separator: "\n") {
            let t = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard t.count >= 6, t[1] == "FLOCK" else { continue }
            let where_ = t[5].split(separator: ":")
            guard where_.count == 3, UInt64(where_[0], radix: 16) == major, UInt64(where_[1], radix: 16) == minor,
                  UInt64(where_[2]) == inode, let pid = pid_t(t[4]), pid > 0 else { continue }
            return pid
        }
        return nil
    }
}

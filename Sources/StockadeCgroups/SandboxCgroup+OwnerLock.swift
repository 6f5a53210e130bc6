import Glibc

/// The supervisor holds `flock(LOCK_EX)` on each of its sandbox's cgroup
/// directories for as long as it lives, like its registry entry. A janitor
/// that cannot take the lock knows the owner is alive, whatever registry or
/// pid namespace it sees: a supervisor whose `/run` (and so registry) is not
/// the janitor's, or whose pid means nothing there, is never swept.
extension SandboxCgroup {
    /// An open, locked descriptor per directory; close them (after
    /// `destroy()`) to let go. Directories that cannot be opened are skipped:
    /// the registry entry still protects them.
    public func holdOwnerLocks() -> [Int32] {
        paths.compactMap { directory in
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return nil
            }
            return fd
        }
    }

    /// Whether some process holds the owner lock of any of its directories.
    public var isOwnerHoldingLock: Bool {
        paths.contains { directory in
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return false }  // closing drops it
            return errno == EWOULDBLOCK
        }
    }
}

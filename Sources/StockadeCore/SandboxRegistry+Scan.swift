#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// One pass over the registry for gc and for the cheap pass of every root
/// start: the directory is opened once and listed once, and each entry is
/// opened once, read and tried for its lock on that same descriptor.
///
/// The pass also removes a `.new-<id>` a supervisor left when it died
/// between writing its entry and renaming it into place (`register`).
/// Such a file's owner is dead when nobody holds its lock and it is older
/// than `staleTemporaryAge`: a live `register` takes the lock microseconds
/// after creating the file, so the age covers that window. Everything is
/// done relative to the directory's descriptor, never through a symlink.
extension SandboxRegistry {
    /// How old an unlocked `.new-` file must be before it counts as a dead
    /// supervisor's.
    static let staleTemporaryAge: time_t = 60

    public struct Scan: Sendable {
        /// Entries whose supervisor holds the lock.
        public var alive: [Entry] = []
        /// Entries of dead supervisors, their locks held until each claim
        /// is released.
        public var dead: [Claim] = []
        /// `.new-` leftovers removed by this pass (file names).
        public var removedTemporaries: [String] = []
    }

    /// Lists the registry once (see `Scan`); an absent or untrusted
    /// directory lists nothing.
    public func scan(now: time_t = time(nil)) -> Scan {
        var scan = Scan()
        guard let dirFd = try? location.open(create: false) else { return scan }
        guard let dir = fdopendir(dirFd) else {
            close(dirFd)
            return scan
        }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        let names = Directory.entries(of: dir).entries.map(\.name)
        for name in names.sorted() {
            if name.hasPrefix(Self.temporaryPrefix) {
                if Self.removeStaleTemporary(fd, name, now: now) { scan.removedTemporaries.append(name) }
                continue
            }
            if name.hasPrefix(".") { continue }
            let entryFd = Self.openEntry(fd, name)
            guard entryFd >= 0 else { continue }
            guard let bytes = FileIO.readAll(fd: entryFd, limit: 4096),
                  let entry = Self.parse(id: name, text: String(decoding: bytes, as: UTF8.self)) else {
                close(entryFd)
                continue
            }
            switch judge(fd, entry, entryFd) {
            case .alive: scan.alive.append(entry)
            case .gone: break
            case .dead: scan.dead.append(Claim(entry: entry, fd: entryFd, directoryFd: fcntl(fd, F_DUPFD_CLOEXEC, 0)))
            }
        }
        return scan
    }

    static let temporaryPrefix = ".new-"

    enum Liveness: Equatable {
        case alive
        /// Released and unlinked by its owner while we opened it: neither
        /// alive nor ours to remove.
        case gone
        /// Nobody holds its lock: `entryFd` now holds it.
        case dead
    }

    /// Tries the lock of `entry`, open in `dir` as `entryFd`. Closes
    /// `entryFd` unless the verdict is `.dead`.
    func judge(_ dir: Int32, _ entry: Entry, _ entryFd: Int32) -> Liveness {
        if flock(entryFd, LOCK_EX | LOCK_NB) != 0 {
            close(entryFd)  // EWOULDBLOCK: its supervisor holds it
            return .alive
        }
        guard Self.sameFile(dir, entry.id, entryFd) else {
            close(entryFd)
            return .gone
        }
        // An entry written before entries were locked: its pid, if it is
        // still that process here, keeps it (this can only spare, never kill).
        if isLegacyAlive(entry) {
            close(entryFd)
            return .alive
        }
        return .dead
    }

    /// Removes `.new-…` when it is a regular file nobody holds locked and
    /// old enough (see `Scan`). The lock is kept across the unlink, and the
    /// name must still be the file we locked.
    static func removeStaleTemporary(_ dir: Int32, _ name: String, now: time_t) -> Bool {
        let fd = openEntry(dir, name)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, isStaleTemporary(modified: st.st_mtim.tv_sec, now: now) else { return false }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, sameFile(dir, name, fd) else { return false }
        return unlinkat(dir, name, 0) == 0
    }

    /// Whether a `.new-` file last written at `modified` may be a dead
    /// supervisor's (its lock is checked too).
    static func isStaleTemporary(modified: time_t, now: time_t) -> Bool {
        now - modified >= staleTemporaryAge
    }
}

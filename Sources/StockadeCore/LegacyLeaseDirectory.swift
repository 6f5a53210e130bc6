#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// `/run/stockade/leases`: the address leases of the veth design that egress
/// v2 replaced (one /30 per sandbox, a lease file each, one `.lock`).
/// Nothing reads it any more; `gc` removes it once no supervisor of an older
/// version holds its lock, so an upgraded host keeps nothing of that design.
enum LegacyLeaseDirectory {
    /// `/run/stockade`, which must be root's with no group or other write
    /// bit: in one anybody else could write to, the names are not ours.
    static let parent = OwnedDirectory(base: "/run", components: ["stockade"], owner: 0, mode: 0o755, privateMode: false)
    static let name = "leases"

    /// Removes the directory and the regular files in it, all through
    /// descriptors opened with `O_NOFOLLOW`. Returns what was removed, or
    /// nothing when it is absent, locked, holds anything but files, cannot
    /// be listed in full, or its parent is not owned as `parent` requires.
    static func remove(from parent: OwnedDirectory = parent) -> [String] {
        guard let parentFD = try? parent.open(create: false) else { return [] }
        defer { close(parentFD) }
        let dirFD = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dirFD >= 0 else { return [] }
        // Held until every file is gone: an older supervisor still running
        // takes it while it leases or releases, and must not find its
        // directory emptied in between.
        let lock = openat(dirFD, ".lock", O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        defer { if lock >= 0 { close(lock) } }
        guard lock < 0 || flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(dirFD)
            return []
        }
        guard let stream = fdopendir(dirFD) else {
            close(dirFD)
            return []
        }
        defer { closedir(stream) }
        // A listing cut short by an error could hide a live lease.
        let listing = Directory.entries(of: stream)
        guard listing.errno == 0 else { return [] }
        let entries = listing.entries
        guard entries.allSatisfy({ $0.type == UInt8(DT_REG) }) else { return [] }
        let leases = entries.filter { $0.name != ".lock" }
        guard !leases.contains(where: { leaseHolderAlive(dirFD, $0.name) }) else { return [] }
        for entry in entries { unlinkat(dirFD, entry.name, 0) }
        guard unlinkat(parentFD, name, AT_REMOVEDIR) == 0 else { return [] }
        return ["\(parent.path)/\(name) (address leases of versions before egress v2)"]
    }

    /// A lease file starts with its supervisor's pid; alive if that process
    /// exists (a recycled pid keeps the directory one more gc, no harm).
    static func leaseHolderAlive(_ dirFD: Int32, _ lease: String) -> Bool {
        guard let bytes = FileIO.readFile(lease, limit: 4096, relativeTo: dirFD, noFollow: true, nonBlocking: true,
                                          accept: { $0.st_mode & S_IFMT == S_IFREG }),
              let pid = Int32(String(decoding: bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)) else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}

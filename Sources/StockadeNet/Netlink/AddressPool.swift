import Glibc

/// The subnet one sandbox's veth pair uses: host side `.1`, sandbox side `.2` of a /30.
public struct AddressLease: Hashable, Sendable {
    public let subnet: IPv4Subnet
    /// The host-side veth address: gateway of the sandbox and DNS proxy address.
    public var hostAddress: UInt32 { subnet.address(1) }
    /// The sandbox-side veth address.
    public var sandboxAddress: UInt32 { subnet.address(2) }
    public var prefixLength: UInt8 { subnet.prefixLength }

    public init(subnet: IPv4Subnet) { self.subnet = subnet }

    /// The lease file's name: `10.201.0.4-30` (no slash, so it is one path component).
    public var fileName: String { "\(IPv4Subnet.dotted(subnet.network))-\(subnet.prefixLength)" }

    /// The lease a file name stands for; nil for any other file.
    public init?(fileName: String) {
        let parts = fileName.split(separator: "-")
        guard parts.count == 2, let address = IPv4Subnet.parse(String(parts[0])), let length = UInt8(parts[1]),
              let subnet = IPv4Subnet(address: address, prefixLength: length), subnet.network == address else { return nil }
        self.subnet = subnet
    }
}

/// Who holds a lease: a process, identified by pid and start time so a recycled pid
/// does not keep a dead owner's lease alive.
public struct LeaseOwner: Hashable, Sendable {
    public var pid: Int32
    /// Start time in clock ticks after boot (`/proc/PID/stat` field 22).
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The calling process.
    public static func current() -> LeaseOwner? {
        let pid = getpid()
        return startTime(of: pid).map { LeaseOwner(pid: pid, startTime: $0) }
    }

    /// The lease file's contents: `PID STARTTIME\n`.
    public var fileContents: String { "\(pid) \(startTime)\n" }

    /// Parses ``fileContents``; nil for anything else (a half-written file).
    public init?(fileContents: String) {
        let fields = fileContents.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let pid = Int32(fields[0]), pid > 0, let start = UInt64(fields[1]) else { return nil }
        self.init(pid: pid, startTime: start)
    }

    /// True while this very process runs (same pid, same start time).
    public var isAlive: Bool { Self.startTime(of: pid) == startTime }

    /// Field 22 of `/proc/PID/stat` (start time in clock ticks since boot), counted after
    /// the `(comm)` field, which may hold spaces. Also the sandbox registry's liveness key.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let text = readSmallFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}

/// A failure allocating or releasing a subnet, naming the step, the path and the errno.
public struct AddressPoolError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Step: String, Sendable {
        case createDirectory = "create_directory", lock, readLeases = "read_leases", writeLease = "write_lease"
        case removeLease = "remove_lease", exhausted, ownerUnknown = "owner_unknown"
    }
    public var step: Step
    public var errno: Int32
    public var target: String

    public var code: String { "address_pool_\(step.rawValue)" }
    public var description: String { "address pool \(step.rawValue): \(target) (errno \(errno))" }
}

/// Hands out one /30 per sandbox from a pool, safely across processes.
///
/// The default pool is 10.201.0.0/16 (16384 sandboxes): private, and away from the
/// ranges most often taken by Docker (172.17.0.0/16 and up), libvirt (192.168.122.0/24),
/// home routers (192.168.0.0/16), CGNAT and Tailscale (100.64.0.0/10), and the low
/// 10.0–10.10 networks common in clouds and offices. Configure another when it clashes.
///
/// Each lease is a file `<directory>/<subnet>` holding the owner's pid and start time.
/// Allocation and release hold an exclusive `flock` on `<directory>/.lock`, so two
/// supervisors never pick the same subnet; a lease whose owner is gone (pid dead or
/// reused) is reclaimed by the next allocation.
public struct AddressPool: Sendable {
    public static let defaultPool = IPv4Subnet("10.201.0.0/16")!
    public static let defaultLeaseDirectory = "/run/stockade/leases"

    public let pool: IPv4Subnet
    public let leaseDirectory: String

    public init(pool: IPv4Subnet = defaultPool, leaseDirectory: String = defaultLeaseDirectory) {
        self.pool = pool
        self.leaseDirectory = leaseDirectory
    }

    /// Number of /30s in the pool.
    public var capacity: Int { pool.prefixLength > 30 ? 0 : Int(pool.size / 4) }

    /// The `index`-th /30 of the pool.
    public func slot(_ index: Int) -> AddressLease {
        AddressLease(subnet: IPv4Subnet(address: pool.network &+ UInt32(index) * 4, prefixLength: 30)!)
    }

    /// The first slot that is free: no lease file, or one whose owner is unreadable or
    /// not alive, and whose host address no interface holds any more. Pure: the caller
    /// supplies the leases, the liveness check and the addresses in use.
    ///
    /// The address check matters right after a sandbox ends: the kernel destroys its
    /// namespace, and with it the veth pair, asynchronously, so for some milliseconds
    /// the old host-side veth still holds `.1/30` and its route. A new sandbox given the
    /// same /30 then has its replies routed into the dying namespace.
    public func choose(leases: [AddressLease: LeaseOwner?], isAlive: (LeaseOwner) -> Bool,
                       addressInUse: (UInt32) -> Bool = { _ in false }) -> AddressLease? {
        for index in 0..<capacity {
            let candidate = slot(index)
            if addressInUse(candidate.hostAddress) { continue }
            guard let entry = leases[candidate] else { return candidate }
            guard let owner = entry, isAlive(owner) else { return candidate }
        }
        return nil
    }

    /// Takes a free /30 for `owner` (default: this process); `addressInUse` says which
    /// host addresses interfaces still hold (see ``choose(leases:isAlive:addressInUse:)``).
    public func allocate(owner: LeaseOwner? = nil, addressInUse: (UInt32) -> Bool = { _ in false }) throws(AddressPoolError) -> AddressLease {
        guard let owner = owner ?? LeaseOwner.current() else {
            throw AddressPoolError(step: .ownerUnknown, errno: 0, target: "/proc/self/stat")
        }
        return try withLock { () throws(AddressPoolError) -> AddressLease in
            let leases = try readLeases()
            guard let lease = choose(leases: leases, isAlive: { $0.isAlive }, addressInUse: addressInUse) else {
                throw AddressPoolError(step: .exhausted, errno: 0, target: "\(pool)")
            }
            try write(owner, to: lease, replacing: leases[lease] != nil)
            return lease
        }
    }

    /// Gives `lease` back. Only removes the file when it still names `owner` (default:
    /// this process), so a reclaimed lease is never taken from its new holder.
    public func release(_ lease: AddressLease, owner: LeaseOwner? = nil) throws(AddressPoolError) {
        let owner = owner ?? LeaseOwner.current()
        try withLock { () throws(AddressPoolError) in
            let path = "\(leaseDirectory)/\(lease.fileName)"
            guard let text = readSmallFile(path) else { return }
            guard LeaseOwner(fileContents: text) == owner else { return }
            if unlink(path) != 0 && errno != ENOENT {
                throw AddressPoolError(step: .removeLease, errno: errno, target: path)
            }
        }
    }

    /// Removes the lease files of owners that are gone (a supervisor killed with
    /// SIGKILL); allocation would reclaim them anyway, `gc` leaves nothing behind.
    /// Returns the subnets freed.
    public func releaseDeadOwners() throws(AddressPoolError) -> [AddressLease] {
        try withLock { () throws(AddressPoolError) -> [AddressLease] in
            var freed: [AddressLease] = []
            for (lease, owner) in try readLeases() where !(owner?.isAlive ?? false) {
                if unlink("\(leaseDirectory)/\(lease.fileName)") == 0 { freed.append(lease) }
            }
            return freed
        }
    }

    /// Every lease file in the directory with its owner (nil when unreadable).
    public func readLeases() throws(AddressPoolError) -> [AddressLease: LeaseOwner?] {
        guard let directory = opendir(leaseDirectory) else {
            throw AddressPoolError(step: .readLeases, errno: errno, target: leaseDirectory)
        }
        defer { closedir(directory) }
        var leases: [AddressLease: LeaseOwner?] = [:]
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let lease = AddressLease(fileName: name) else { continue }
            leases[lease] = readSmallFile("\(leaseDirectory)/\(name)").flatMap(LeaseOwner.init(fileContents:))
        }
        return leases
    }

    private func write(_ owner: LeaseOwner, to lease: AddressLease, replacing: Bool) throws(AddressPoolError) {
        let path = "\(leaseDirectory)/\(lease.fileName)"
        // A stale lease is replaced by rename, so readers never see a half-written file;
        // a new one is created with O_EXCL as a second guard besides the lock.
        let target = replacing ? "\(path).tmp" : path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let fd = open(target, flags, 0o644)
        guard fd >= 0 else { throw AddressPoolError(step: .writeLease, errno: errno, target: target) }
        let bytes = Array(owner.fileContents.utf8)
        let written = Glibc.write(fd, bytes, bytes.count)
        let writeErrno = errno
        close(fd)
        guard written == bytes.count else {
            unlink(target)
            throw AddressPoolError(step: .writeLease, errno: written < 0 ? writeErrno : EIO, target: target)
        }
        if replacing && rename(target, path) != 0 {
            let code = errno
            unlink(target)
            throw AddressPoolError(step: .writeLease, errno: code, target: path)
        }
    }

    private func withLock<T>(_ body: () throws(AddressPoolError) -> T) throws(AddressPoolError) -> T {
        try makeDirectories(leaseDirectory)
        let lockPath = "\(leaseDirectory)/.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AddressPoolError(step: .lock, errno: errno, target: lockPath) }
        defer { close(fd) }  // closing the descriptor drops the flock
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw AddressPoolError(step: .lock, errno: errno, target: lockPath) }
        }
        return try body()
    }

    private func makeDirectories(_ path: String) throws(AddressPoolError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw AddressPoolError(step: .createDirectory, errno: errno, target: prefix)
            }
        }
    }
}

/// Reads a small text file whole; nil when it cannot be opened.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

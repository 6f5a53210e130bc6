import CSeccomp
import Glibc
import CStockadeSys
import StockadeSystem

/// An on-disk cache of compiled programs.
///
/// libseccomp needs about 2.5–3 ms for a ~350-rule policy (most of it in
/// its per-rule transactions and BPF generation); a cache hit is one small
/// file read. The cache is an optimisation only: any problem with it (missing,
/// unreadable, foreign owner, loose permissions, mismatching content) means
/// compiling afresh, never an error.
///
/// An entry is found by the FNV-1a digest of its key, but used only if the
/// full key stored in it — the canonical text of the policy, the hardening
/// mode, the libseccomp version, the cache format and the build of the
/// compiler (``CompilerFingerprint``) — is byte-for-byte
/// the same, so a digest collision can never hand out another policy's
/// program. Whoever can write the cache chooses the filter, so entries and
/// the directory must belong to ``owner`` and be writable by nobody else, and
/// every directory above it must be a real directory owned by root or
/// ``owner`` and writable by nobody else (sticky directories such as /tmp
/// excepted), or a workload could swap the whole directory. The walk that
/// checks them holds each directory open (`openat`, `O_NOFOLLOW`), and
/// entries are read and written through the descriptor it ends with.
///
/// The standard cache (``standard(writes:)``) is root's and readable by
/// everyone: root writes, and a rootless run reads root's entries without
/// ever writing one. A workload runs as its caller's uid or one mapped from
/// it, never as root of the initial namespace, so it cannot write or forge
/// a root-owned entry; a cache a rootless caller owned (`~/.cache`) its
/// workload could fill with an allow-all program for the next run.
public struct SeccompFilterCache: Sendable {
    public var directory: String
    /// false: look entries up but never write one (`--dry-run` changes nothing).
    public var writes: Bool
    /// The build of the compiler and libseccomp (``CompilerFingerprint``),
    /// part of every key. nil: the cache is not used.
    public var fingerprint: String?
    /// Who must own the directory and every entry (root or the caller may
    /// own the directories above it).
    public var owner: uid_t
    /// Entries 0644 and new directories 0755, so that other users may read
    /// them; otherwise 0600 and 0700.
    public var readableByAll: Bool

    public init(directory: String, writes: Bool = true, fingerprint: String? = CompilerFingerprint.current,
                owner: uid_t = geteuid(), readableByAll: Bool = false) {
        self.directory = directory
        self.writes = writes
        self.fingerprint = fingerprint
        self.owner = owner
        self.readableByAll = readableByAll
    }

    /// Where the standard cache lives. Under /var/cache (kept across boots;
    /// every entry can be rebuilt) so that entries `sandbox-run prepare`
    /// stores at install time are still there for the first rootless run
    /// after a reboot.
    public static let standardDirectory = "/var/cache/stockade/seccomp"

    /// The cache `sandbox-run` uses: root's, in ``standardDirectory``.
    /// Root reads and writes it (`writes`: false for `--dry-run`); anyone
    /// else only reads it, and only entries root owns.
    public static func standard(writes: Bool = true) -> SeccompFilterCache {
        SeccompFilterCache(directory: standardDirectory, writes: writes && geteuid() == 0, owner: 0, readableByAll: true)
    }

    /// At most this many entries: a store beyond it removes the oldest
    /// down to ``pruneTarget``. Each build of sandbox-run keys its own
    /// entries, so without a bound rebuilds and upgrades would pile up
    /// entries nothing reads any more.
    static let entryLimit = 512
    static let pruneTarget = 384

    /// Where a program came from.
    public enum Source: Sendable, Equatable {
        /// Read from an entry.
        case cached
        /// Compiled, and an entry written for next time.
        case stored
        /// Compiled; no entry written (a cache that does not write, an
        /// untrusted directory, a failed write, no build fingerprint).
        case compiled
    }

    /// The cached program for `policy`, or a fresh compile stored for next time.
    public func compile(_ policy: SeccompPolicy, hardening: SeccompHardening = .standard) throws(SeccompError) -> CompiledSeccompFilter {
        try lookUpOrCompile(policy, hardening: hardening).filter
    }

    /// ``compile(_:hardening:)``, saying where the program came from. The
    /// directory is walked once for both the lookup and the store.
    public func lookUpOrCompile(_ policy: SeccompPolicy, hardening: SeccompHardening = .standard)
        throws(SeccompError) -> (filter: CompiledSeccompFilter, source: Source) {
        guard let fingerprint else { return (try SeccompCompiler.compile(policy, hardening: hardening), .compiled) }
        let key = Self.key(policy, hardening, fingerprint: fingerprint)
        let name = Self.entryName(key: key)
        let dir = openTrustedDirectory(create: writes)
        defer { if let dir { close(dir) } }
        if let dir, let cached = load(name: name, key: key, mode: hardening.denyMode, in: dir) { return (cached, .cached) }
        let filter = try SeccompCompiler.compile(policy, hardening: hardening)
        guard writes, let dir, store(filter, name: name, key: key, in: dir) else { return (filter, .compiled) }
        return (filter, .stored)
    }

    /// Where the entry for `policy` lives (tests plant and inspect it).
    public func entryPath(for policy: SeccompPolicy, hardening: SeccompHardening = .standard) -> String {
        directory + "/" + Self.entryName(key: Self.key(policy, hardening, fingerprint: fingerprint ?? ""))
    }

    static func entryName(key: String) -> String {
        CompiledSeccompFilter.fnv1a64Hex(Array(key.utf8)) + ".filter"
    }

    // MARK: Key

    /// Bumped whenever the compiler emits a different program for the same
    /// policy (2: netlink protocols restricted; 3: mknod by file type;
    /// 4: stacked filters reported, ``StackedFilterReport``). Since every
    /// key also holds the build fingerprint, a rebuilt compiler no longer
    /// relies on this bump; it stays as the version of the entry format.
    static let format = "stockade-seccomp-cache 4"

    /// Canonical text of everything the program depends on.
    static func key(_ policy: SeccompPolicy, _ hardening: SeccompHardening, fingerprint: String) -> String {
        var lines = [format, "build \(fingerprint)"]
        if let v = seccomp_version() { lines.append("libseccomp \(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)") }
        lines.append("mode \(hardening.denyMode.rawValue)")
        lines.append("default \(text(policy.defaultAction))")
        lines.append("families " + (policy.socketFamilies.map { $0.map(String.init).joined(separator: ",") } ?? "any"))
        for rule in policy.rules {
            let conditions = rule.conditions.map { "\($0.index) \($0.op.rawValue) \($0.value) \($0.valueTwo)" }
            lines.append((["rule \(rule.name) \(text(rule.action))"] + conditions).joined(separator: " ; "))
        }
        return lines.joined(separator: "\n")
    }

    private static func text(_ action: SeccompAction) -> String {
        switch action {
        case .allow: "allow"
        case .deny(let errno): "deny \(errno)"
        case .killProcess: "kill"
        }
    }

    // MARK: Entry format: key NUL metadata NUL bpf

    private static func metadata(_ f: CompiledSeccompFilter) -> String {
        let errnos = f.errnoBySyscall.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        return [String(f.defaultErrno), String(f.allowedCount), errnos,
                f.droppedAllowRules.joined(separator: ","), f.nonNativeSyscalls.joined(separator: ",")]
            .joined(separator: ";")
    }

    static func decode(_ bytes: [UInt8], key: String, mode: SeccompHardening.DenyMode) -> CompiledSeccompFilter? {
        let keyBytes = Array(key.utf8)
        guard bytes.count > keyBytes.count, Array(bytes[..<keyBytes.count]) == keyBytes, bytes[keyBytes.count] == 0 else { return nil }
        let rest = bytes[(keyBytes.count + 1)...]
        guard let end = rest.firstIndex(of: 0) else { return nil }
        let fields = String(decoding: rest[..<end], as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)
        let bpf = Array(rest[(end + 1)...])
        guard fields.count == 5, let defaultErrno = Int32(fields[0]), let allowed = Int(fields[1]) else { return nil }
        var errnos: [Int32: Int32] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let nr = Int32(parts[0]), let errno = Int32(parts[1]) else { return nil }
            errnos[nr] = errno
        }
        guard bpf.count > 6 * BPFInstruction.size,
              (try? SeccompCompiler.validate(bpf, body: Array(bpf[(6 * BPFInstruction.size)...]))) != nil else { return nil }
        return CompiledSeccompFilter(
            bpf: bpf, denyMode: mode, defaultErrno: defaultErrno, errnoBySyscall: errnos, allowedCount: allowed,
            droppedAllowRules: fields[3].split(separator: ",").map(String.init),
            nonNativeSyscalls: fields[4].split(separator: ",").map(String.init))
    }

    // MARK: Files

    /// Reads the entry `name` through the directory descriptor the trust
    /// walk opened: no path is resolved twice. A hit of a cache that writes
    /// sets the entry's times to now (on the descriptor read), so that
    /// pruning removes the least recently used entries, not the oldest
    /// stored (install-time `prepare` entries would go first).
    private func load(name: String, key: String, mode: SeccompHardening.DenyMode, in dir: Int32) -> CompiledSeccompFilter? {
        let fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, Self.isTrustedEntry(st, owner: owner),
              let bytes = FileIO.readAll(fd: fd, limit: 1 << 20),
              let filter = Self.decode(bytes, key: key, mode: mode) else { return nil }
        if writes { futimens(fd, nil) }
        return filter
    }

    /// Writes the entry under a temporary name and renames it into place.
    /// True when it is there.
    private func store(_ filter: CompiledSeccompFilter, name: String, key: String, in dir: Int32) -> Bool {
        let bytes = Array(key.utf8) + [0] + Array(Self.metadata(filter).utf8) + [0] + filter.bpf
        let temporary = name + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let mode: mode_t = readableByAll ? 0o644 : 0o600
        let fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { return false }
        // Explicitly: a umask of 077 would otherwise hide root's entries
        // from every rootless run.
        let written = fchmod(fd, mode) == 0 && FileIO.writeAll(fd, bytes: bytes)
        close(fd)
        if !written || renameat(dir, temporary, dir, name) != 0 {
            unlinkat(dir, temporary, 0)
            return false
        }
        prune(dir, keeping: Self.pruneTarget, above: Self.entryLimit)
        return true
    }

    /// Entries may be used: a regular file with one link, owned by `owner`,
    /// writable by nobody else. One link is defence in depth, not a wall
    /// anyone is known to climb: the cache only ever makes an entry under
    /// one name, so a second name means someone linked the file from
    /// elsewhere (with `fs.protected_hardlinks=0` any user can link to a
    /// root file it can read). Such an entry is not used; for rootless runs
    /// that only switches it off until root stores it again.
    static func isTrustedEntry(_ st: stat, owner: uid_t) -> Bool {
        st.st_mode & S_IFMT == S_IFREG && st.st_nlink == 1 && st.st_uid == owner
            && st.st_mode & 0o022 == 0 && st.st_size < 1 << 20
    }

    /// When the directory holds more than `limit` regular files, removes
    /// files until `target` are left: first those that are not entries of
    /// this build (older builds' entries, which nothing reads once the
    /// binary is replaced, and stray temporary files), then this build's,
    /// least recently used first (a hit of a writing cache sets an entry's
    /// modification time, see `load`). So install-time entries that runs
    /// keep using outlive a pile of older builds' ones. A temporary file
    /// younger than ``temporaryGrace`` seconds is another root process's
    /// store under way: neither counted nor removed.
    func prune(_ dir: Int32, keeping target: Int, above limit: Int) {
        let readable = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { return }
        guard let stream = fdopendir(readable) else {
            close(readable)
            return
        }
        defer { closedir(stream) }
        // d_type may be DT_UNKNOWN (some filesystems): the type is taken
        // from fstatat below. No more names than the limit: nothing to do.
        let names = Directory.entries(of: stream).entries.map(\.name)
        guard names.count > limit else { return }
        let thisBuild = Array("\(Self.format)\nbuild \(fingerprint ?? "")\n".utf8)
        var files: [PruneCandidate] = []
        for name in names {
            var st = stat()
            guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            let head = FileIO.readFile(name, limit: thisBuild.count, relativeTo: dir, noFollow: true, nonBlocking: true,
                                       accept: { $0.st_mode & S_IFMT == S_IFREG })
            files.append(PruneCandidate(name: name, current: head.map { $0.starts(with: thisBuild) } ?? false,
                                        mtime: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec)))
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        for name in Self.pruneVictims(files, keeping: target, above: limit,
                                      now: Int(now.tv_sec) * 1_000_000_000 + Int(now.tv_nsec)) {
            unlinkat(dir, name, 0)
        }
    }

    /// A regular file of the cache directory, as `prune` ranks it.
    struct PruneCandidate: Equatable {
        var name: String
        /// Its first bytes are this build's key prefix.
        var current: Bool
        /// Modification time, nanoseconds since the epoch.
        var mtime: Int
    }

    /// Seconds a temporary file (`store`'s `NAME.tmp-PID-RANDOM`) is left
    /// alone: another root process may still be writing it.
    static let temporaryGrace = 60

    /// `store`'s temporary names: `NAME.tmp-PID-RANDOM`.
    static func isTemporary(_ name: String) -> Bool {
        name.split(separator: ".").contains { $0.hasPrefix("tmp-") }
    }

    /// The names `prune` removes (pure): none while at most `limit`
    /// files count; else all but `target`, other builds' files first, then
    /// the least recently modified. Temporary files younger than
    /// ``temporaryGrace`` do not count and are never chosen.
    static func pruneVictims(_ files: [PruneCandidate], keeping target: Int, above limit: Int, now: Int) -> [String] {
        let graceNanos = temporaryGrace * 1_000_000_000
        let settled = files.filter { !(Self.isTemporary($0.name) && now - $0.mtime < graceNanos) }
        guard settled.count > limit else { return [] }
        let ranked = settled.sorted { ($0.current ? 1 : 0, $0.mtime, $0.name) < ($1.current ? 1 : 0, $1.mtime, $1.name) }
        return ranked.prefix(max(0, ranked.count - target)).map { $0.name }
    }

    /// `O_PATH`, which Swift's Glibc module leaves out (it needs `_GNU_SOURCE`).
    static let oPath: Int32 = STK_O_PATH

    /// Opens ``directory`` one component at a time from `/`, each with
    /// `openat` on the descriptor of the one above and `O_NOFOLLOW`, checking
    /// each as it is held: every directory above the cache is a real
    /// directory owned by root or ``owner`` and writable by nobody else
    /// unless sticky (in a sticky directory only an entry's owner may rename
    /// or remove it); the cache directory itself is ``owner``'s and writable
    /// by nobody else. `create`: missing directories are made on the way
    /// (0700, or 0755 when ``readableByAll``). Returns a descriptor of the
    /// cache directory (`O_PATH`, or `O_RDONLY` when this call made it), or
    /// nil. A symlink anywhere on the path (even root's own `/var` ->
    /// `/usr/var`) is not followed: the cache is then off.
    func openTrustedDirectory(create: Bool) -> Int32? {
        let path = directory
        guard path.hasPrefix("/") else { return nil }
        let components = path.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        let mode: mode_t = readableByAll ? 0o755 : 0o700
        var fd = open("/", Self.oPath | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        for component in components {
            var st = stat()
            guard fstat(fd, &st) == 0, Self.isTrustedAncestor(st, owner: owner) else {
                close(fd)
                return nil
            }
            var next = openat(fd, component, Self.oPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                let made = mkdirat(fd, component, mode) == 0
                if made || errno == EEXIST {
                    // A directory we made is opened readable, for fchmod: the
                    // umask may have narrowed its mode. The mode is set on
                    // the descriptor, never by name.
                    next = openat(fd, component, (made ? O_RDONLY : Self.oPath) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    if made, next >= 0 { fchmod(next, mode) }
                }
            }
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == owner, st.st_mode & 0o022 == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// A directory owned by root or `owner`, writable by nobody else unless
    /// sticky.
    static func isTrustedAncestor(_ st: stat, owner: uid_t) -> Bool {
        guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == 0 || st.st_uid == owner else { return false }
        return st.st_mode & 0o022 == 0 || st.st_mode & S_ISVTX != 0
    }
}

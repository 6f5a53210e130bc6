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
/// program. Entries and the directory must belong to the effective user and
/// be writable by nobody else: whoever can write the cache chooses the filter.
/// Every directory above it must be a real directory owned by root or the
/// effective user and writable by nobody else (sticky directories such as
/// /tmp excepted), or a workload could swap the whole directory. The walk
/// that checks them holds each directory open (`openat`, `O_NOFOLLOW`), and
/// entries are read and written through the descriptor it ends with.
public struct SeccompFilterCache: Sendable {
    public var directory: String
    /// false: look entries up but never write one (`--dry-run` changes nothing).
    public var writes: Bool
    /// The build of the compiler and libseccomp (``CompilerFingerprint``),
    /// part of every key. nil: the cache is not used.
    public var fingerprint: String?

    public init(directory: String, writes: Bool = true, fingerprint: String? = CompilerFingerprint.current) {
        self.directory = directory
        self.writes = writes
        self.fingerprint = fingerprint
    }

    /// `/run/stockade/seccomp-cache` for root, nil otherwise. A rootless
    /// workload runs as the same uid as the supervisor, so any cache that
    /// user can write (`~/.cache`) the workload can write too, and could
    /// plant an allow-all filter for the next run: rootless runs compile
    /// afresh every time (about 3 ms).
    public static func defaultDirectory() -> String? {
        geteuid() == 0 ? "/run/stockade/seccomp-cache" : nil
    }

    /// The cached program for `policy`, or a fresh compile stored for next time.
    public func compile(_ policy: SeccompPolicy, hardening: SeccompHardening = .standard) throws(SeccompError) -> CompiledSeccompFilter {
        guard let fingerprint else { return try SeccompCompiler.compile(policy, hardening: hardening) }
        let key = Self.key(policy, hardening, fingerprint: fingerprint)
        let name = Self.entryName(key: key)
        if let cached = load(name: name, key: key, mode: hardening.denyMode) { return cached }
        let filter = try SeccompCompiler.compile(policy, hardening: hardening)
        if writes { store(filter, name: name, key: key) }
        return filter
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
    /// walk opened: no path is resolved twice.
    private func load(name: String, key: String, mode: SeccompHardening.DenyMode) -> CompiledSeccompFilter? {
        guard let dir = Self.openTrustedDirectory(directory, create: false) else { return nil }
        defer { close(dir) }
        let euid = geteuid()
        guard let bytes = FileIO.readFile(name, limit: 1 << 20, relativeTo: dir, noFollow: true, nonBlocking: true, accept: { st in
            st.st_mode & S_IFMT == S_IFREG && st.st_uid == euid && st.st_mode & 0o022 == 0 && st.st_size < 1 << 20
        }) else { return nil }
        return Self.decode(bytes, key: key, mode: mode)
    }

    private func store(_ filter: CompiledSeccompFilter, name: String, key: String) {
        guard let dir = Self.openTrustedDirectory(directory, create: true) else { return }
        defer { close(dir) }
        let bytes = Array(key.utf8) + [0] + Array(Self.metadata(filter).utf8) + [0] + filter.bpf
        let temporary = name + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let written = FileIO.writeAll(fd, bytes: bytes)
        close(fd)
        if !written || renameat(dir, temporary, dir, name) != 0 { unlinkat(dir, temporary, 0) }
    }

    /// `O_PATH`, which Swift's Glibc module leaves out (it needs `_GNU_SOURCE`).
    static let oPath: Int32 = STK_O_PATH

    /// Opens `path` one component at a time from `/`, each with `openat` on
    /// the descriptor of the one above and `O_NOFOLLOW`, checking each as it
    /// is held: every directory above the cache is a real directory owned by
    /// root or the effective user and writable by nobody else unless sticky
    /// (in a sticky directory only an entry's owner may rename or remove it);
    /// the cache directory itself is the effective user's and writable by
    /// nobody else. `create`: missing directories are made 0700 on the way.
    /// Returns an `O_PATH` descriptor of the cache directory, or nil.
    static func openTrustedDirectory(_ path: String, create: Bool) -> Int32? {
        guard path.hasPrefix("/") else { return nil }
        let components = path.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        var fd = open("/", oPath | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        for component in components {
            var st = stat()
            guard fstat(fd, &st) == 0, isTrustedAncestor(st) else {
                close(fd)
                return nil
            }
            var next = openat(fd, component, oPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create, mkdirat(fd, component, 0o700) == 0 || errno == EEXIST {
                next = openat(fd, component, oPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        var st = stat()
        guard fstat(fd, &st) == 0, isPrivate(st, type: S_IFDIR) else {
            close(fd)
            return nil
        }
        return fd
    }

    /// A directory owned by root or the effective user, writable by nobody
    /// else unless sticky.
    static func isTrustedAncestor(_ st: stat) -> Bool {
        guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == 0 || st.st_uid == geteuid() else { return false }
        return st.st_mode & 0o022 == 0 || st.st_mode & S_ISVTX != 0
    }

    /// Of `type`, owned by the effective user, writable by nobody else.
    static func isPrivate(_ st: stat, type: mode_t) -> Bool {
        st.st_mode & S_IFMT == type && st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }

    /// Whether every existing directory above `path` passes
    /// ``openTrustedDirectory(_:create:)``'s walk (a missing one would be
    /// created 0700). For tests and diagnostics; the cache itself walks once
    /// per use and keeps the descriptor.
    static func ancestorsAreTrusted(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        var fd = open("/", oPath | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        for component in path.split(separator: "/").dropLast() {
            var st = stat()
            guard fstat(fd, &st) == 0, isTrustedAncestor(st) else { return false }
            let next = openat(fd, String(component), oPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return errno == ENOENT }
            close(fd)
            fd = next
        }
        var st = stat()
        return fstat(fd, &st) == 0 && isTrustedAncestor(st)
    }

    /// Owned by the effective user, writable by nobody else, not a symlink.
    static func isPrivate(_ path: String, directory: Bool) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }
        return isPrivate(st, type: directory ? S_IFDIR : S_IFREG)
    }
}

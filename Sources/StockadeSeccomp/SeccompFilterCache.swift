import CSeccomp
import Glibc
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
/// mode, the libseccomp version and the cache format — is byte-for-byte
/// the same, so a digest collision can never hand out another policy's
/// program. Entries and the directory must belong to the effective user and
/// be writable by nobody else: whoever can write the cache chooses the filter.
/// Every directory above it must be a real directory owned by root or the
/// effective user and writable by nobody else (sticky directories such as
/// /tmp excepted), or a workload could swap the whole directory.
public struct SeccompFilterCache: Sendable {
    public var directory: String
    /// false: look entries up but never write one (`--dry-run` changes nothing).
    public var writes: Bool

    public init(directory: String, writes: Bool = true) {
        self.directory = directory
        self.writes = writes
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
        let key = Self.key(policy, hardening)
        let path = entryPath(for: policy, hardening: hardening)
        if let cached = load(path: path, key: key, mode: hardening.denyMode) { return cached }
        let filter = try SeccompCompiler.compile(policy, hardening: hardening)
        if writes { store(filter, path: path, key: key) }
        return filter
    }

    /// Where the entry for `policy` lives (tests plant and inspect it).
    public func entryPath(for policy: SeccompPolicy, hardening: SeccompHardening = .standard) -> String {
        directory + "/" + CompiledSeccompFilter.fnv1a64Hex(Array(Self.key(policy, hardening).utf8)) + ".filter"
    }

    // MARK: Key

    /// Bumped whenever the compiler emits a different program for the same
    /// policy (2: netlink protocols restricted; 3: mknod by file type;
    /// 4: stacked filters reported, ``StackedFilterReport``).
    static let format = "stockade-seccomp-cache 4"

    /// Canonical text of everything the program depends on.
    static func key(_ policy: SeccompPolicy, _ hardening: SeccompHardening) -> String {
        var lines = [format]
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

    private func load(path: String, key: String, mode: SeccompHardening.DenyMode) -> CompiledSeccompFilter? {
        guard Self.ancestorsAreTrusted(directory), Self.isPrivate(directory, directory: true) else { return nil }
        let euid = geteuid()
        guard let bytes = FileIO.readFile(path, limit: 1 << 20, noFollow: true, accept: { st in
            st.st_mode & S_IFMT == S_IFREG && st.st_uid == euid && st.st_mode & 0o022 == 0 && st.st_size < 1 << 20
        }) else { return nil }
        return Self.decode(bytes, key: key, mode: mode)
    }

    private func store(_ filter: CompiledSeccompFilter, path: String, key: String) {
        guard Self.ancestorsAreTrusted(directory), makeDirectory(), Self.isPrivate(directory, directory: true) else { return }
        let bytes = Array(key.utf8) + [0] + Array(Self.metadata(filter).utf8) + [0] + filter.bpf
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let written = FileIO.writeAll(fd, bytes: bytes)
        close(fd)
        if !written || rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Creates the directory and missing parents, each 0700.
    private func makeDirectory() -> Bool {
        Directory.makeAll(directory, mode: 0o700) == 0
    }

    /// Every existing directory above `path`: not a symlink, owned by root
    /// or the effective user, and writable by nobody else unless sticky (in
    /// a sticky directory only an entry's owner may rename or remove it).
    static func ancestorsAreTrusted(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        var prefix = ""
        for component in ["/"] + path.split(separator: "/").dropLast().map(String.init) {
            prefix = component == "/" ? "/" : (prefix == "/" ? "" : prefix) + "/" + component
            var st = stat()
            guard lstat(prefix, &st) == 0 else {
                // Missing from here on: `makeDirectory` creates them 0700.
                return errno == ENOENT
            }
            guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == 0 || st.st_uid == geteuid() else { return false }
            if st.st_mode & 0o022 != 0 && st.st_mode & S_ISVTX == 0 { return false }
        }
        return true
    }

    /// Owned by the effective user, writable by nobody else, not a symlink.
    static func isPrivate(_ path: String, directory: Bool) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }
        let type: mode_t = directory ? S_IFDIR : S_IFREG
        return st.st_mode & S_IFMT == type && st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }
}

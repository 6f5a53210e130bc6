import CSeccomp
import Glibc

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
public struct SeccompFilterCache: Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `/run/stockade/seccomp-cache` for root; otherwise
    /// `$XDG_CACHE_HOME/stockade/seccomp` (or `~/.cache/stockade/seccomp`).
    public static func defaultDirectory() -> String? {
        if geteuid() == 0 { return "/run/stockade/seccomp-cache" }
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee == UInt8(ascii: "/") {
            return String(cString: xdg) + "/stockade/seccomp"
        }
        if let home = getenv("HOME"), home.pointee == UInt8(ascii: "/") {
            return String(cString: home) + "/.cache/stockade/seccomp"
        }
        return nil
    }

    /// The cached program for `policy`, or a fresh compile stored for next time.
    public func compile(_ policy: SeccompPolicy, hardening: SeccompHardening = .standard) throws(SeccompError) -> CompiledSeccompFilter {
        let key = Self.key(policy, hardening)
        let path = directory + "/" + CompiledSeccompFilter.fnv1a64Hex(Array(key.utf8)) + ".filter"
        if let cached = load(path: path, key: key, mode: hardening.denyMode) { return cached }
        let filter = try SeccompCompiler.compile(policy, hardening: hardening)
        store(filter, path: path, key: key)
        return filter
    }

    // MARK: Key

    /// 2+stacked-filter-report: programs report stacked filters
    /// (``StackedFilterReport``). A distinct word, not just a number: other
    /// branches bump the number for their own changes, and the cache
    /// directory is shared by every build on the machine.
    static let format = "stockade-seccomp-cache 2+stacked-filter-report"

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
        guard Self.isPrivate(directory, directory: true) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(),
              st.st_mode & 0o022 == 0, st.st_size < 1 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return Self.decode(bytes, key: key, mode: mode)
    }

    private func store(_ filter: CompiledSeccompFilter, path: String, key: String) {
        guard makeDirectory(), Self.isPrivate(directory, directory: true) else { return }
        let bytes = Array(key.utf8) + [0] + Array(Self.metadata(filter).utf8) + [0] + filter.bpf
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        close(fd)
        if done != bytes.count || rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Creates the directory and missing parents, each 0700.
    private func makeDirectory() -> Bool {
        var prefix = ""
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { return false }
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

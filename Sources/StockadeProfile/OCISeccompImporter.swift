#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StockadeEvents
import StockadeSeccomp

/// The result of importing an OCI/Docker seccomp JSON file.
public struct OCISeccompImport: Equatable, Sendable {
    public var policy: SeccompPolicy
    /// Names in the file that libseccomp does not know as x86_64 syscalls
    /// (newer than the library, or other architectures' calls). Skipped, not fatal.
    public var skippedSyscalls: [String]
    /// The JSON file and the SHA-256 of its bytes.
    public var source: ProfileSource

    public init(policy: SeccompPolicy, skippedSyscalls: [String], source: ProfileSource) {
        self.policy = policy
        self.skippedSyscalls = skippedSyscalls
        self.source = source
    }
}

/// Imports the `linux.seccomp` object of the OCI runtime spec, which is also
/// the format of Docker's `--security-opt seccomp=FILE` profiles.
///
/// Stockade drops every capability and enforces native x86_64 only, so:
/// rules that `includes` capabilities never apply and are skipped; rules
/// that only `excludes` capabilities always apply; rules limited to other
/// architectures are skipped; `architectures`/`archMap` are accepted and
/// ignored. `includes.minKernel` is compared with `kernel` (the running
/// kernel unless given).
public enum OCISeccompImporter {
    /// Kernel release as (major, minor), for `minKernel`.
    public struct KernelVersion: Comparable, Sendable {
        public var major: Int
        public var minor: Int
        public init(major: Int, minor: Int) {
            self.major = major
            self.minor = minor
        }

        public static func < (a: Self, b: Self) -> Bool {
            (a.major, a.minor) < (b.major, b.minor)
        }

        /// Reads `4.8`, `5.10.0-27-amd64`, `6.18.1`.
        public init?(_ text: String) {
            let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let major = Int(parts[0]) else { return nil }
            let minorDigits = parts[1].prefix { $0.isASCII && $0.isNumber }
            guard !minorDigits.isEmpty, let minor = Int(minorDigits) else { return nil }
            self.init(major: major, minor: minor)
        }

        /// `uname(2)` release of the running kernel.
        public static func running() -> KernelVersion? {
            var info = utsname()
            guard uname(&info) == 0 else { return nil }
            let release = withUnsafeBytes(of: &info.release) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return KernelVersion(release)
        }
    }

    static let nativeArches: Set<String> = ["amd64", "x86_64", "SCMP_ARCH_X86_64"]

    /// Larger files are rejected before parsing; Docker's default profile is about 20 KB.
    public static let maxBytes = 16 << 20

    /// Parses and maps `json` (the file's bytes); `path` names the file in errors and in `source`.
    public static func importPolicy(json: some Collection<UInt8>, path: String, kernel: KernelVersion? = nil) throws(ProfileError) -> OCISeccompImport {
        guard json.count <= maxBytes else {
            throw ProfileError(code: .invalidValue, file: path, message: "file is larger than \(maxBytes) bytes; not a seccomp profile")
        }
        let bytes = Array(json)
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes: bytes)
        } catch {
            throw ProfileError(code: .syntax, file: path, message: "not valid JSON: \(error)")
        }
        let file = try OCIFile(value, OCIFields(file: path))
        let kernel = kernel ?? KernelVersion.running() ?? KernelVersion(major: 0, minor: 0)
        let defaultErrno = Int32(clamping: file.defaultErrnoRet ?? 1)
        var policy = SeccompPolicy(defaultAction: try action(file.defaultAction, errno: defaultErrno, path: path, field: "defaultAction"))
        var skipped: [String] = []
        for (index, entry) in (file.syscalls ?? []).enumerated() {
            let field = "syscalls[\(index)]"
            guard try applies(entry, kernel: kernel, path: path, field: field) else { continue }
            let errno = Int32(clamping: entry.errnoRet ?? file.defaultErrnoRet ?? 1)
            let ruleAction = try action(entry.action, errno: errno, path: path, field: "\(field).action")
            var conditions: [SeccompArgCondition] = []
            for (argIndex, arg) in (entry.args ?? []).enumerated() {
                let argField = "\(field).args[\(argIndex)]"
                guard arg.index <= 5 else {
                    throw ProfileError(code: .invalidValue, file: path, field: "\(argField).index",
                                       message: "expected an argument index 0…5, got \(arg.index)")
                }
                guard let op = SeccompArgCondition.Op(rawValue: arg.op) else {
                    let known = SeccompArgCondition.Op.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ProfileError(code: .invalidValue, file: path, field: "\(argField).op",
                                       message: "expected one of \(known), got \"\(arg.op)\"")
                }
                conditions.append(SeccompArgCondition(index: arg.index, op: op, value: arg.value, valueTwo: arg.valueTwo ?? 0))
            }
            let names = (entry.names ?? []) + (entry.name.map { [$0] } ?? [])
            guard !names.isEmpty else {
                throw ProfileError(code: .invalidValue, file: path, field: "\(field).names", message: "expected at least one syscall name")
            }
            for name in names {
                guard SyscallName.isKnown(name) else {
                    skipped.appendUnique(name)
                    continue
                }
                policy.rules.appendUnique(SeccompRule(name: name, action: ruleAction, conditions: conditions))
            }
        }
        let source = ProfileSource(path: Hashing.absolute(path), sha256: Hashing.sha256Hex(bytes))
        return OCISeccompImport(policy: policy, skippedSyscalls: skipped, source: source)
    }

    /// Whether a rule applies to a capability-less x86_64 process on `kernel`.
    private static func applies(_ entry: OCISyscall, kernel: KernelVersion, path: String, field: String) throws(ProfileError) -> Bool {
        if let includes = entry.includes {
            if !(includes.caps ?? []).isEmpty { return false }
            if let arches = includes.arches, !arches.isEmpty, nativeArches.isDisjoint(with: arches) { return false }
            if let text = includes.minKernel, !text.isEmpty {
                guard let minimum = KernelVersion(text) else {
                    throw ProfileError(code: .invalidValue, file: path, field: "\(field).includes.minKernel",
                                       message: "expected a kernel version like 4.8, got \"\(text)\"")
                }
                if kernel < minimum { return false }
            }
        }
        if let excludes = entry.excludes {
            if let arches = excludes.arches, !nativeArches.isDisjoint(with: arches) { return false }
            // excludes.caps: we hold none of them, so the rule stays.
            if let text = excludes.minKernel, !text.isEmpty {
                guard let limit = KernelVersion(text) else {
                    throw ProfileError(code: .invalidValue, file: path, field: "\(field).excludes.minKernel",
                                       message: "expected a kernel version like 4.8, got \"\(text)\"")
                }
                if kernel >= limit { return false }
            }
        }
        return true
    }

    private static func action(_ text: String, errno: Int32, path: String, field: String) throws(ProfileError) -> SeccompAction {
        switch text {
        case "SCMP_ACT_ALLOW", "SCMP_ACT_LOG": return .allow
        case "SCMP_ACT_ERRNO": return .deny(errno: errno)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD": return .killProcess
        case "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", "SCMP_ACT_NOTIFY":
            throw ProfileError(code: .unsupported, file: path, field: field,
                               message: "\(text) is not supported; use SCMP_ACT_ERRNO, SCMP_ACT_ALLOW or SCMP_ACT_KILL")
        default:
            throw ProfileError(code: .invalidValue, file: path, field: field,
                               message: "expected SCMP_ACT_ERRNO, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_KILL*, got \"\(text)\"")
        }
    }
}

/// Why a profile (or an imported OCI seccomp JSON) was rejected.
///
/// Carries enough to point an editor at the spot: the file, the 1-based line
/// and column (0 when the position is not known, e.g. inside JSON or for a
/// missing file), the dotted field path (`limits.memory`,
/// `syscalls[3].action`) and a sentence saying what was expected.
/// `Equatable` so tests can assert the exact error.
public struct ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable snake_case identifiers; events and tests key on these.
    public enum Code: String, Equatable, Sendable, CaseIterable, Codable {
        /// The YAML (or JSON) text itself does not parse.
        case syntax = "syntax"
        case unknownKey = "unknown_key"
        case duplicateKey = "duplicate_key"
        case wrongType = "wrong_type"
        case invalidValue = "invalid_value"
        case relativePath = "relative_path"
        case unknownSyscall = "unknown_syscall"
        case unknownRlimit = "unknown_rlimit"
        case unknownSocketFamily = "unknown_socket_family"
        case unknownErrno = "unknown_errno"
        /// Keys that cannot be used together (`seccomp.oci` with `allow`).
        case conflictingKeys = "conflicting_keys"
        /// A profile reference or a referenced file does not exist.
        case notFound = "not_found"
        case extendsCycle = "extends_cycle"
        /// The file exists but could not be read (permissions, not UTF-8…).
        case unreadable = "unreadable"
        /// Valid input asking for something Stockade does not do (SCMP_ACT_TRACE).
        case unsupported = "unsupported"
    }

    public var code: Code
    /// The file the problem is in, as it was named when loading.
    public var file: String
    /// 1-based; 0 when unknown.
    public var line: Int
    /// 1-based; 0 when unknown.
    public var column: Int
    /// Dotted path of the offending field; empty for whole-file problems.
    public var field: String
    /// What was expected and what was found.
    public var message: String

    public init(code: Code, file: String, line: Int = 0, column: Int = 0, field: String = "", message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `FILE:LINE:COL: FIELD: MESSAGE`; position and field are left out when unknown.
    public var description: String {
        var text = file
        if line > 0 {
            text += ":\(line):\(column)"
        }
        text += ": "
        if !field.isEmpty {
            text += field + ": "
        }
        return text + message
    }
}

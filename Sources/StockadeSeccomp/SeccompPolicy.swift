/// A seccomp policy as data: what the profile (or an imported OCI/Docker
/// seccomp JSON) says, before compilation. StockadeCore compiles it with
/// libseccomp in the parent and adds the walls no profile can remove
/// (io_uring denied, namespace flags on clone/unshare denied, clone3 → ENOSYS,
/// TIOCSTI/TIOCLINUX denied, non-native architectures killed).
public struct SeccompPolicy: Equatable, Sendable, Codable {
    /// What a syscall not matched by any rule gets.
    public var defaultAction: SeccompAction
    /// Rules in file order. Names are validated against libseccomp at load.
    public var rules: [SeccompRule]
    /// Address families `socket(2)` may create (`socket_families:`), as
    /// AF_* numbers. `nil` means no restriction beyond the rules.
    public var socketFamilies: [Int32]?

    public init(defaultAction: SeccompAction = .deny(errno: 1), rules: [SeccompRule] = [], socketFamilies: [Int32]? = nil) {
        self.defaultAction = defaultAction
        self.rules = rules
        self.socketFamilies = socketFamilies
    }
}

public enum SeccompAction: Equatable, Sendable, Codable, Hashable {
    case allow
    /// Fail the call with this errno. Reported as a `syscall.denied` event
    /// (through the supervisor's user-notification listener).
    case deny(errno: Int32)
    /// Kill the whole process (SIGSYS).
    case killProcess
}

public struct SeccompRule: Equatable, Sendable, Codable {
    /// Syscall name as libseccomp knows it (`openat`, `clone`).
    public var name: String
    public var action: SeccompAction
    /// All must hold (AND). Empty: unconditional.
    public var conditions: [SeccompArgCondition]

    public init(name: String, action: SeccompAction, conditions: [SeccompArgCondition] = []) {
        self.name = name
        self.action = action
        self.conditions = conditions
    }
}

public struct SeccompArgCondition: Equatable, Sendable, Codable {
    public enum Op: String, Equatable, Sendable, Codable, CaseIterable {
        case equal = "SCMP_CMP_EQ"
        case notEqual = "SCMP_CMP_NE"
        case lessThan = "SCMP_CMP_LT"
        case lessOrEqual = "SCMP_CMP_LE"
        case greaterThan = "SCMP_CMP_GT"
        case greaterOrEqual = "SCMP_CMP_GE"
        /// `(arg & value) == valueTwo`
        case maskedEqual = "SCMP_CMP_MASKED_EQ"
    }
    /// Argument index 0…5.
    public var index: UInt32
    public var op: Op
    public var value: UInt64
    public var valueTwo: UInt64

    public init(index: UInt32, op: Op, value: UInt64, valueTwo: UInt64 = 0) {
        self.index = index
        self.op = op
        self.value = value
        self.valueTwo = valueTwo
    }
}

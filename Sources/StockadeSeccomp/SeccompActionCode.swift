/// `SECCOMP_RET_*` values (as libseccomp's `SCMP_ACT_*` spell them). The
/// function-like macros (`SCMP_ACT_ERRNO`) do not import into Swift.
enum SeccompActionCode {
    static let killProcess: UInt32 = 0x8000_0000
    static let userNotify: UInt32 = 0x7FC0_0000
    static let allow: UInt32 = 0x7FFF_0000
    static func errno(_ errno: Int32) -> UInt32 { 0x0005_0000 | (UInt32(bitPattern: errno) & 0xFFFF) }
}

extension PlannedAction {
    /// The filter's return value for this action.
    func code(errno: Int32, mode: SeccompHardening.DenyMode) -> UInt32 {
        switch self {
        case .allow: SeccompActionCode.allow
        case .kill: SeccompActionCode.killProcess
        case .errno(let value): SeccompActionCode.errno(value)
        case .deny: mode == .notify ? SeccompActionCode.userNotify : SeccompActionCode.errno(errno)
        }
    }
}

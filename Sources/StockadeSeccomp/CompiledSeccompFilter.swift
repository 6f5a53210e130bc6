/// A compiled seccomp program and what the supervisor needs to serve it.
///
/// `bpf` is handed to the C child, which installs it with
/// `seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)`;
/// the listener fd it gets back is served with ``errno(forSyscall:)``.
public struct CompiledSeccompFilter: Sendable, Equatable {
    /// `struct sock_filter[]`, 8 bytes an instruction, little-endian.
    public var bpf: [UInt8]
    public var instructionCount: Int
    /// FNV-1a 64 of `bpf`, 16 lowercase hex digits. Identifies a program in
    /// events and caches; not cryptographic.
    public var digest: String
    /// How denials reach the workload (``SeccompHardening/DenyMode``).
    public var denyMode: SeccompHardening.DenyMode
    /// The errno for a notified syscall without an entry in
    /// ``errnoBySyscall``: the policy's default `deny` errno, or `EPERM`
    /// when the default is allow or kill. Also what x32 calls get.
    public var defaultErrno: Int32
    /// Native syscall number → errno, for explicit deny rules and the
    /// hardening (`ENOSYS` for io_uring, `EPERM` for namespace flags and
    /// terminal injection, `EAFNOSUPPORT` for a socket family not allowed).
    public var errnoBySyscall: [Int32: Int32]
    /// Native syscalls the filter allows, unconditionally or for some
    /// arguments.
    public var allowedCount: Int
    /// Syscalls the policy allowed and the hardening denied anyway
    /// (`io_uring_*`, `setns`, `clone3`), in hardening order.
    public var droppedAllowRules: [String]
    /// Rule names libseccomp knows only on other architectures
    /// (`socketcall`, `arm_fadvise64_64`): skipped, not errors.
    public var nonNativeSyscalls: [String]

    public init(
        bpf: [UInt8], denyMode: SeccompHardening.DenyMode, defaultErrno: Int32,
        errnoBySyscall: [Int32: Int32], allowedCount: Int,
        droppedAllowRules: [String] = [], nonNativeSyscalls: [String] = []
    ) {
        self.bpf = bpf
        self.instructionCount = bpf.count / BPFInstruction.size
        self.digest = Self.fnv1a64Hex(bpf)
        self.denyMode = denyMode
        self.defaultErrno = defaultErrno
        self.errnoBySyscall = errnoBySyscall
        self.allowedCount = allowedCount
        self.droppedAllowRules = droppedAllowRules
        self.nonNativeSyscalls = nonNativeSyscalls
        // Only the head of the program holds the block: decode just that.
        let head = Array(bpf.prefix(StackedFilterReport.headInstructions * BPFInstruction.size))
        self.stackingSyscalls = StackedFilterReport.routedSyscalls(in: BPFInstruction.decode(head))
    }

    /// The errno the supervisor answers for a notification about `nr`
    /// (`seccomp_notif.data.nr`, which may carry the x32 bit).
    public func errno(forSyscall nr: Int32) -> Int32 {
        errnoBySyscall[nr] ?? defaultErrno
    }

    /// Syscalls the program notifies only to report a stacked filter; the
    /// supervisor continues them (``StackedFilterReport``).
    /// Read from `bpf` itself, so a cached program says the same as a fresh one.
    public var stackingSyscalls: [Int32]

    /// The program, decoded.
    public var instructions: [BPFInstruction] { BPFInstruction.decode(bpf) }

    /// FNV-1a, 64 bit: small, stable across runs and platforms.
    static func fnv1a64Hex(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

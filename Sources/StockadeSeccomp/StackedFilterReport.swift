/// Reporting a seccomp filter the workload stacks on the sandbox's.
///
/// Installing a filter stays allowed (browsers and some runtimes do it), but
/// the kernel runs every filter and keeps the highest-precedence answer, and
/// `SECCOMP_RET_ERRNO` outranks `SECCOMP_RET_USER_NOTIF`: once the workload
/// has its own filter returning ERRNO for a call the sandbox also denies,
/// the sandbox's notification never comes and the denial vanishes from the
/// log. So the install itself must be seen.
///
/// The compiler puts this block right after the x32 prefix, in notify mode
/// only. It sends `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, …)` and, when
/// the policy allows `seccomp` for every argument, `seccomp(SECCOMP_SET_MODE_FILTER, …)`
/// to the supervisor's listener; everything else falls through to the
/// policy unchanged. The supervisor answers those notifications with
/// `SECCOMP_USER_NOTIF_FLAG_CONTINUE` and emits `seccomp.stacked`.
///
/// CONTINUE is unsafe for security decisions (seccomp_unotify(2): the
/// arguments in memory can change before the kernel reads them). It is fine
/// here because nothing is decided: the policy allows the call anyway, the
/// notification only tells the supervisor that it happened, and the fields
/// reported come from the registers the kernel copied, not from memory.
public enum StackedFilterReport {
    /// `prctl` and `seccomp` on x86_64.
    public static let prctlNr: Int32 = 157
    public static let seccompNr: Int32 = 317
    /// `PR_SET_SECCOMP`, `SECCOMP_MODE_FILTER`, `SECCOMP_SET_MODE_FILTER`.
    static let prSetSeccomp: UInt32 = 22
    static let modeFilter: UInt32 = 2
    static let setModeFilter: UInt32 = 1

    /// Offsets in `struct seccomp_data` (little-endian x86_64): args[i] at 16 + 8i.
    static func argLow(_ i: UInt32) -> UInt32 { 16 + 8 * i }
    static func argHigh(_ i: UInt32) -> UInt32 { 16 + 8 * i + 4 }

    /// The block; empty in errno mode (no listener to report to).
    ///
    /// `prctl`'s option is an `int`, so only its low 32 bits are compared
    /// (the kernel ignores the rest); its mode is an `unsigned long` and is
    /// compared whole. `seccomp`'s operation is an `unsigned int`.
    public static func block(routeSeccomp: Bool, mode: SeccompHardening.DenyMode) -> [BPFInstruction] {
        guard mode == .notify else { return [] }
        let count = routeSeccomp ? 14 : 11
        let ret = count - 1
        // Relative jump from instruction `from` to instruction `to`.
        func jump(_ from: Int, _ to: Int) -> UInt8 { UInt8(to - from - 1) }
        let ld = BPFInstruction.loadWordAbsolute
        let jeq = BPFInstruction.jumpIfEqual
        var p: [BPFInstruction] = [
            BPFInstruction(code: ld, k: BPFInstruction.offsetOfArch),
            BPFInstruction(code: jeq, jt: 0, jf: jump(1, count), k: BPFInstruction.auditArchX86_64),
            BPFInstruction(code: ld, k: BPFInstruction.offsetOfNr),
            BPFInstruction(code: jeq, jt: 0, jf: jump(3, routeSeccomp ? 10 : count), k: UInt32(prctlNr)),
            BPFInstruction(code: ld, k: argLow(0)),
            BPFInstruction(code: jeq, jt: 0, jf: jump(5, count), k: prSetSeccomp),
            BPFInstruction(code: ld, k: argLow(1)),
            BPFInstruction(code: jeq, jt: 0, jf: jump(7, count), k: modeFilter),
            BPFInstruction(code: ld, k: argHigh(1)),
            BPFInstruction(code: jeq, jt: jump(9, ret), jf: jump(9, count), k: 0),
        ]
        if routeSeccomp {
            // The accumulator still holds nr here (instruction 3 jumped).
            p += [
                BPFInstruction(code: jeq, jt: 0, jf: jump(10, count), k: UInt32(seccompNr)),
                BPFInstruction(code: ld, k: argLow(0)),
                BPFInstruction(code: jeq, jt: jump(12, ret), jf: jump(12, count), k: setModeFilter),
            ]
        }
        p.append(BPFInstruction(code: BPFInstruction.returnConstant, k: SeccompActionCode.userNotify))
        return p
    }

    /// Instructions enough to hold the x32 prefix and the longest block.
    static let headInstructions = 6 + 14

    /// The syscalls a compiled program routes here, read from the program
    /// itself (so a cached program says the same as a fresh one).
    public static func routedSyscalls(in program: [BPFInstruction]) -> [Int32] {
        let start = 6  // after the x32 prefix
        guard program.count > start + 10,
              program[start] == BPFInstruction(code: BPFInstruction.loadWordAbsolute, k: BPFInstruction.offsetOfArch),
              program[start + 2] == BPFInstruction(code: BPFInstruction.loadWordAbsolute, k: BPFInstruction.offsetOfNr),
              program[start + 3].code == BPFInstruction.jumpIfEqual, program[start + 3].k == UInt32(prctlNr),
              program[start + 5].k == prSetSeccomp
        else { return [] }
        var out = [prctlNr]
        if program.count > start + 13, program[start + 10].code == BPFInstruction.jumpIfEqual,
           program[start + 10].k == UInt32(seccompNr), program[start + 13].code == BPFInstruction.returnConstant {
            out.append(seccompNr)
        }
        return out
    }
}

import CSeccomp

/// Compiles a ``SeccompPolicy`` into a BPF program with libseccomp, in the
/// parent process. Nothing is installed here.
public enum SeccompCompiler {
    /// Compiles `policy` plus `hardening` for native x86_64.
    ///
    /// The program is libseccomp's (arch check, rules as a binary tree by
    /// syscall number) behind a six-instruction prefix of our own; see
    /// ``x32Prefix(deny:)``.
    public static func compile(
        _ policy: SeccompPolicy, hardening: SeccompHardening = .standard
    ) throws(SeccompError) -> CompiledSeccompFilter {
        let plan = try SeccompPlan.make(policy, hardening: hardening)
        let mode = hardening.denyMode
        let defaultCode = plan.defaultAction.code(errno: plan.defaultErrno, mode: mode)

        let ctx = try LibseccompContext(defaultAction: defaultCode)
        // Any architecture but x86_64 (i386 through `int 0x80`, x32 should
        // the prefix be bypassed) kills the whole process.
        try ctx.set(SCMP_FLTATR_ACT_BADARCH, SeccompActionCode.killProcess, "ACT_BADARCH")
        // The C child sets no_new_privs itself and installs the program
        // with the raw syscall: libseccomp only exports here.
        try ctx.set(SCMP_FLTATR_CTL_NNP, 0, "CTL_NNP")
        try ctx.set(SCMP_FLTATR_CTL_TSYNC, 0, "CTL_TSYNC")
        // A binary tree by syscall number: O(log n) for syscalls the
        // kernel's action cache does not short-cut.
        try ctx.set(SCMP_FLTATR_CTL_OPTIMIZE, 2, "CTL_OPTIMIZE")

        var allowed = 0
        for syscall in plan.syscalls {
            let errno = plan.errno(forSyscall: syscall.nr)
            if syscall.clauses.contains(where: { $0.action == .allow }) { allowed += 1 }
            for clause in syscall.clauses {
                let code = clause.action.code(errno: errno, mode: mode)
                // libseccomp refuses (EACCES) a rule whose action is the
                // default; the default already does it.
                if code == defaultCode { continue }
                try ctx.add(action: code, nr: syscall.nr, name: syscall.name, conditions: clause.conditions)
            }
        }

        let body = try ctx.exportBPF()
        let prefixCode = PlannedAction.deny.code(errno: plan.defaultErrno, mode: mode)
        let stacking = StackedFilterReport.block(routeSeccomp: plan.allowsEverySeccompCall, mode: mode)
        let bpf = x32Prefix(deny: prefixCode).flatMap(\.bytes) + stacking.flatMap(\.bytes) + body
        try validate(bpf, body: body)

        return CompiledSeccompFilter(
            bpf: bpf, denyMode: mode, defaultErrno: plan.defaultErrno,
            errnoBySyscall: plan.errnoBySyscall, allowedCount: allowed,
            droppedAllowRules: plan.droppedAllowRules, nonNativeSyscalls: plan.nonNativeSyscalls)
    }

    /// Denies x32 syscalls through the deny action instead of a kill.
    ///
    /// On an x86_64-only filter libseccomp sends every number with the x32
    /// bit (`0x40000000`, except the `-1` of a skipped syscall) to the
    /// bad-arch action, i.e. a silent `SIGSYS` kill with nothing for the
    /// supervisor to report. An x32 call arrives with `arch` x86_64, so this
    /// prefix catches it first and returns the deny action (notify: the
    /// supervisor answers `defaultErrno` and emits `syscall.denied` naming
    /// `x32:<name>`). Other architectures fall through to libseccomp's own
    /// arch check, which kills. Relative jumps make prepending safe.
    public static func x32Prefix(deny: UInt32) -> [BPFInstruction] {
        [
            BPFInstruction(code: BPFInstruction.loadWordAbsolute, k: BPFInstruction.offsetOfArch),
            BPFInstruction(code: BPFInstruction.jumpIfEqual, jt: 0, jf: 4, k: BPFInstruction.auditArchX86_64),
            BPFInstruction(code: BPFInstruction.loadWordAbsolute, k: BPFInstruction.offsetOfNr),
            BPFInstruction(code: BPFInstruction.jumpIfGreaterOrEqual, jt: 0, jf: 2, k: UInt32(SyscallTable.x32SyscallBit)),
            BPFInstruction(code: BPFInstruction.jumpIfEqual, jt: 1, jf: 0, k: 0xFFFF_FFFF),
            BPFInstruction(code: BPFInstruction.returnConstant, k: deny),
        ]
    }

    static func validate(_ bpf: [UInt8], body: [UInt8]) throws(SeccompError) {
        guard !body.isEmpty, body.count % BPFInstruction.size == 0 else {
            throw SeccompError(step: .program, message: "libseccomp exported \(body.count) bytes, not whole instructions")
        }
        let count = bpf.count / BPFInstruction.size
        guard count <= BPFInstruction.maxCount else {
            throw SeccompError(step: .program, errno: 7 /* E2BIG */, message: "program has \(count) instructions, the kernel allows \(BPFInstruction.maxCount)")
        }
        let first = BPFInstruction.decode(Array(body.prefix(16)))
        guard first.count == 2, first[0].code == BPFInstruction.loadWordAbsolute, first[0].k == BPFInstruction.offsetOfArch,
              first[1].code == BPFInstruction.jumpIfEqual, first[1].k == BPFInstruction.auditArchX86_64 else {
            throw SeccompError(step: .program, message: "libseccomp's program does not start with the x86_64 arch check")
        }
    }
}

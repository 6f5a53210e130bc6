#if canImport(Glibc)
import Glibc
#endif
import StockadeCgroups
import StockadeEvents

/// How the sandbox ended: the `exit_reason` and sandbox-run's exit status,
/// following the conventions of timeout(1) and docker run.
struct Outcome: Equatable {
    var reason: ExitReason
    var status: Int32
    var signal: Int32?

    static func decide(state: RunState, stats: CgroupStats?, setupFailed: Bool, forcedStatus: Int32?) -> Outcome {
        if let s = forcedStatus { return Outcome(reason: .setupFailed, status: s) }
        if setupFailed { return Outcome(reason: .setupFailed, status: ExitStatus.setupFailed) }
        if let e = state.execErrno {
            return Outcome(reason: .setupFailed, status: e == ENOENT ? ExitStatus.notFound : ExitStatus.notExecutable)
        }
        if state.timedOut { return Outcome(reason: .timeout, status: ExitStatus.timeout) }
        let oom = (stats?.oomKills ?? 0) > 0
        if let ws = state.workloadStatus {
            if ws & 0x7f == 0 { // WIFEXITED
                return Outcome(reason: .exit, status: (ws >> 8) & 0xff)
            }
            let sig = ws & 0x7f
            if sig == SIGSYS { return Outcome(reason: .seccompKill, status: ExitStatus.forSignal(sig), signal: sig) }
            if sig == SIGKILL && oom { return Outcome(reason: .oomKill, status: ExitStatus.forSignal(sig), signal: sig) }
            return Outcome(reason: .signal, status: ExitStatus.forSignal(sig), signal: sig)
        }
        // The init died without reporting (killed from outside, or by us after
        // a forwarded signal was ignored): report how it died.
        if oom { return Outcome(reason: .oomKill, status: ExitStatus.forSignal(SIGKILL), signal: SIGKILL) }
        let st = state.initStatus
        if st & 0x7f != 0 {
            let sig = st & 0x7f
            return Outcome(reason: .signal, status: ExitStatus.forSignal(sig), signal: sig)
        }
        return Outcome(reason: .setupFailed, status: ExitStatus.setupFailed)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeCgroups
import StockadeEvents

extension Supervisor {
    /// Fail closed: `sandbox.error` naming the step, teardown, exit 125.
    func fail(_ error: SetupError) -> Int32 {
        lastError = error.description
        events.emit(error.event)
        return teardown(setupFailed: true, exitStatus: ExitStatus.setupFailed)
    }

    /// Teardown and the final event, on every path.
    func teardown(setupFailed: Bool, exitStatus: Int32?) -> Int32 {
        let stats = cgroup?.stats()
        notify?.stopping("stopping: removing host objects")
        egress?.teardown(sandboxGone: state.initReaped && state.setupError == nil)
        if let cg = cgroup {
            do { try cg.destroy() } catch {
                events.emit(.warning(code: "cgroup_cleanup", message: "could not remove \(error.path): \(SystemNames.errnoName(error.errno)); `sandbox-run gc` will retry"))
            }
        }
        for fd in cgroupLocks { close(fd) }
        cgroupLocks = []
        registry?.release()

        var outcome = Outcome.decide(state: state, stats: stats, setupFailed: setupFailed, forcedStatus: exitStatus)
        if let n = stats?.oomKills, n > 0 {
            events.emit(.limitHit(.memory, value: plan.spec.memoryBytes, count: Int(n)))
        }
        if let n = stats?.pidsLimitHits, n > 0 {
            events.emit(.limitHit(.pids, value: plan.spec.pids.map { UInt64($0) }, count: Int(n)))
        }
        if state.deniedSuppressed > 0 {
            events.emit(.suppressed(.syscallDenied, count: state.deniedSuppressed))
        }
        var denials = DenialCounts(syscalls: state.deniedTotal, queries: egress?.queriesRefused ?? 0, packets: egress?.packetsDropped ?? 0)
        denials.stackedFilters = state.stackedFilters
        if failOnDeny, let s = FailOnDeny.override(reason: outcome.reason, status: outcome.status, denials: denials) {
            events.emit(.warning(code: FailOnDeny.warningCode, message: FailOnDeny.message(denials)))
            outcome.status = s
        }
        events.emit(EndEvent.event(outcome: outcome, state: state, stats: stats, started: started, network: egress?.totals))
        events.close()
        notify?.status("ended: \(outcome.reason.rawValue), exit status \(outcome.status)")
        return outcome.status
    }
}


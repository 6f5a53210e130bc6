import Glibc
import StockadeCgroups
import StockadeEvents
import Testing
@testable import StockadeCore

@Suite("Exit outcome")
struct OutcomeTests {
    func decide(_ edit: (inout RunState) -> Void, oom: UInt64 = 0) -> Outcome {
        var s = RunState()
        edit(&s)
        let stats = CgroupStats(memoryPeakBytes: nil, memoryLimitHits: nil, oomKills: oom, pidsPeak: nil, pidsLimitHits: nil, cpuUsageNanos: nil)
        return Outcome.decide(state: s, stats: stats, setupFailed: false, forcedStatus: nil)
    }

    @Test func exitCodesPassThrough() {
        #expect(decide { $0.workloadStatus = 3 << 8 } == Outcome(reason: .exit, status: 3))
        #expect(decide { $0.workloadStatus = 0 } == Outcome(reason: .exit, status: 0))
        #expect(decide { $0.workloadStatus = 0xFF << 8 } == Outcome(reason: .exit, status: 255))
    }

    @Test func signalsAre128PlusN() {
        #expect(decide { $0.workloadStatus = SIGTERM } == Outcome(reason: .signal, status: 143, signal: SIGTERM))
        #expect(decide { $0.workloadStatus = SIGSYS } == Outcome(reason: .seccompKill, status: 159, signal: SIGSYS))
        #expect(decide({ $0.workloadStatus = SIGKILL }, oom: 1) == Outcome(reason: .oomKill, status: 137, signal: SIGKILL))
        #expect(decide { $0.workloadStatus = SIGKILL } == Outcome(reason: .signal, status: 137, signal: SIGKILL))
    }

    @Test func timeoutWinsOverHowItDied() {
        #expect(decide { $0.timedOut = true; $0.workloadStatus = SIGKILL } == Outcome(reason: .timeout, status: 124))
        #expect(decide { $0.timedOut = true; $0.workloadStatus = 7 << 8 } == Outcome(reason: .timeout, status: 124))
    }

    @Test func execFailures() {
        #expect(decide { $0.execErrno = ENOENT } == Outcome(reason: .setupFailed, status: 127))
        #expect(decide { $0.execErrno = EACCES } == Outcome(reason: .setupFailed, status: 126))
        // Only ENOENT is "not found" (the child's PATH search reports it for
        // a name on no PATH entry); anything else found but not runnable.
        #expect(decide { $0.execErrno = ENOTDIR } == Outcome(reason: .setupFailed, status: 126))
        #expect(decide { $0.execErrno = EISDIR } == Outcome(reason: .setupFailed, status: 126))
        #expect(decide { $0.execErrno = ENOEXEC } == Outcome(reason: .setupFailed, status: 126))
    }

    @Test func setupFailureIs125() {
        #expect(Outcome.decide(state: RunState(), stats: nil, setupFailed: true, forcedStatus: nil) == Outcome(reason: .setupFailed, status: 125))
    }
}

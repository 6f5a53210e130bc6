import Testing
@testable import StockadeEvents

@Suite struct ExitStatusTests {
    @Test func conventions() {
        #expect(ExitStatus.timeout == 124)
        #expect(ExitStatus.setupFailed == 125)
        #expect(ExitStatus.notExecutable == 126)
        #expect(ExitStatus.notFound == 127)
        #expect(ExitStatus.forSignal(9) == 137)
        #expect(ExitStatus.forSignal(15) == 143)
        #expect(ExitStatus.forSignal(31) == 159)
        #expect(ExitStatus.seccompKill == 159)
        #expect(ExitStatus.forSignal(64) == 192)
        #expect(ExitStatus.forSignal(0) == 255)
        #expect(ExitStatus.forSignal(200) == 255)
        #expect(ExitStatus.oomKill == 137)
    }

    /// How an ending maps to a status is `Outcome.decide` in StockadeCore
    /// (tested in OutcomeTests); here only the names.
    @Test func reasonNames() {
        #expect(ExitReason.allCases.map(\.rawValue) == ["exit", "signal", "timeout", "oom_kill", "seccomp_kill", "setup_failed"])
    }

    @Test func names() {
        #expect(SystemNames.errnoName(1) == "EPERM")
        #expect(SystemNames.errnoName(11) == "EAGAIN")
        #expect(SystemNames.errnoName(13) == "EACCES")
        #expect(SystemNames.errnoName(38) == "ENOSYS")
        #expect(SystemNames.errnoName(95) == "EOPNOTSUPP")
        #expect(SystemNames.errnoName(133) == "EHWPOISON")
        #expect(SystemNames.errnoName(0) == "E0")
        #expect(SystemNames.errnoName(999) == "E999")
        #expect(SystemNames.errnoValue("EPERM") == 1)
        #expect(SystemNames.errnoValue("ENOPE") == nil)
        #expect(SystemNames.signalName(9) == "SIGKILL")
        #expect(SystemNames.signalName(31) == "SIGSYS")
        #expect(SystemNames.signalName(32) == "SIGRTMIN")
        #expect(SystemNames.signalName(34) == "SIGRTMIN+2")
        #expect(SystemNames.signalName(65) == "SIG65")
        #expect(SystemNames.signalValue("term") == 15)
        #expect(SystemNames.signalValue("SIGRTMIN+2") == 34)
        #expect(SystemNames.signalValue("SIGRTMIN+99") == nil)
        for n in Int32(1)...64 {
            #expect(SystemNames.signalValue(SystemNames.signalName(n)) == n)
        }
    }
}

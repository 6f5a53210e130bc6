import Testing
@testable import StockadeEvents

@Suite("--fail-on-deny")
struct FailOnDenyTests {
    @Test func failOnDenyChangesOnlyAPassingRunWithDenials() {
        let some = DenialCounts(syscalls: 1)
        #expect(FailOnDeny.override(reason: .exit, status: 0, denials: some) == 1)
        #expect(FailOnDeny.override(reason: .exit, status: 0, denials: DenialCounts()) == nil)
        #expect(FailOnDeny.override(reason: .exit, status: 2, denials: some) == nil)
        #expect(FailOnDeny.override(reason: .timeout, status: 124, denials: some) == nil)
        #expect(FailOnDeny.override(reason: .signal, status: 137, denials: some) == nil)
        #expect(FailOnDeny.message(DenialCounts(syscalls: 2, queries: 1, packets: 3))
            == "the workload exited 0 but the sandbox denied 2 system calls, 1 DNS query, 3 packets; --fail-on-deny exits 1")
    }
}

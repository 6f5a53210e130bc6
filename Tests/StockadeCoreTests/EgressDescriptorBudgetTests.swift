import Glibc
import Testing
@testable import StockadeCore

/// The DNS proxy's TCP cap and the relay's connection cap come from one
/// descriptor budget and together fit in RLIMIT_NOFILE.
@Suite struct EgressDescriptorBudgetTests {
    @Test(arguments: [1024, 2048, 4096, 5256, 8192, 20_000, 65_536, 524_288, 1 << 20])
    func bothCapsFitInTheLimit(limit: Int) {
        let b = EgressDescriptorBudget(descriptorLimit: limit)
        #expect(b.descriptorsAtCaps <= limit, "\(b)")
        #expect(b.dnsTCPClients <= EgressDescriptorBudget.maxDNSTCPClients)
        #expect(b.relayConnections <= EgressDescriptorBudget.maxRelayConnections)
        #expect(b.dnsTCPClients >= EgressDescriptorBudget.minDNSTCPClients)
        #expect(b.relayConnections >= EgressDescriptorBudget.minRelayConnections)
        // Issue 10: at least 1,000 DNS TCP clients, wherever the limit allows it.
        if limit >= 5256 { #expect(b.dnsTCPClients >= 1000, "\(b)") }
    }

    @Test func theUsualLimitsGiveTheFullCaps() {
        // systemd's default hard limit (524288) and a container's (1048576).
        for limit in [524_288, 1 << 20] {
            let b = EgressDescriptorBudget(descriptorLimit: limit)
            #expect(b.dnsTCPClients == 2048 && b.relayConnections == 1024)
        }
    }

    @Test func currentRaisesTheSoftLimitToTheHardOne() {
        let b = EgressDescriptorBudget.current()
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == limit.rlim_max || limit.rlim_max == rlim_t.max)
        #expect(b.descriptorLimit == Int(min(limit.rlim_cur, 1 << 20)))
        if b.descriptorLimit >= 1024 { #expect(b.descriptorsAtCaps <= b.descriptorLimit) }
    }
}

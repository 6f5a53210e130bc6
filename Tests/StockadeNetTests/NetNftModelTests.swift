import StockadeAddress
import Testing
@testable import StockadeNet

/// The firewall's shape, checked as text and as frames, without privileges.
struct NetNftModelTests {
    static let firewall = NetGoldenTests.firewall

    @Test func tableDescription() {
        #expect(Self.firewall.describe() == """
            table inet stockade_abc123 {
            \tset allow4 {
            \t\ttype ipv4_addr . inet_service
            \t\tflags timeout
            \t}
            \tset allow6 {
            \t\ttype ipv6_addr . inet_service
            \t\tflags timeout
            \t}
            \tchain redirect {
            \t\ttype nat hook output priority -100; policy accept;
            \t\tip daddr . tcp dport @allow4 redirect to :4444
            \t\tip6 daddr . tcp dport @allow6 redirect to :4444
            \t}
            \tchain output {
            \t\ttype filter hook output priority filter; policy accept;
            \t\tct state established,related accept
            \t\tip daddr 127.0.0.0/8 accept
            \t\tip6 daddr ::1 accept
            \t\tmeta l4proto tcp log prefix "stk:abc123:output" group 7 reject with tcp reset
            \t\tlog prefix "stk:abc123:output" group 7 drop
            \t}
            }

            """)
    }

    @Test func auditRedirectsEveryTCPConnectionLeavingLoopback() {
        var audit = Self.firewall
        audit.enforcing = false
        let redirect = audit.chains.first { $0.name == "redirect" }
        #expect(redirect?.rules.map(\.text) == ["meta l4proto tcp ip daddr != 127.0.0.0/8 redirect to :4444",
                                               "meta l4proto tcp ip6 daddr != ::1 redirect to :4444"])
        // The drop default is the same: nothing but TCP has a way past it.
        #expect(audit.chains.last == Self.firewall.chains.last)
    }

    @Test func batchDescription() throws {
        let text = try NftBatch.createTable(Self.firewall).describe()
        let lines = text.split(separator: "\n")
        #expect(lines.count == 12)
        #expect(lines.first == "add table inet stockade_abc123")
        #expect(lines.last == "add rule inet stockade_abc123 output log prefix \"stk:abc123:output\" group 7 drop")
    }

    /// The last rule of the output chain drops whatever the rules before it
    /// did not accept: the chain's policy never decides.
    @Test func theOutputChainEndsInAnUnconditionalDrop() {
        let output = Self.firewall.chains.first { $0.name == "output" }
        #expect(output?.rules.last?.expressions.last == .drop)
        #expect(output?.rules.last?.expressions.count == 2)
    }

    @Test func framesAreConsecutiveAndBracketed() throws {
        let batch = try NftBatch.createTable(Self.firewall, sequenceBase: 40)
        let frames = NetlinkMessage.split(batch.bytes)
        #expect(frames.count == batch.messages.count + 2)
        #expect(frames.first?.type == 0x10)  // NFNL_MSG_BATCH_BEGIN
        #expect(frames.last?.type == 0x11)   // NFNL_MSG_BATCH_END
        #expect(frames.map(\.sequence) == Array(40..<(40 + UInt32(frames.count))))
        #expect(batch.messages.map(\.sequence) == Array(41..<(41 + UInt32(batch.messages.count))))
        #expect(frames.allSatisfy { $0.portID == 0 })
        // NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWTABLE, then sets, chains, rules.
        #expect(frames[1].type == 0x0A00)
        #expect(frames[2].type == 0x0A09 && frames[3].type == 0x0A09)
        #expect(frames[4...5].allSatisfy { $0.type == 0x0A03 })
        #expect(frames[6..<(frames.count - 1)].allSatisfy { $0.type == 0x0A06 })
        #expect(batch.summary(forSequence: 41) == "add table inet stockade_abc123")
    }

    @Test func elementKeysPadThePort() {
        let v4 = NftSetElement(address: .v4(IPv4Address(value: 0xC000_020A)), port: 443, timeoutMilliseconds: 1)
        #expect(v4.key == [192, 0, 2, 10, 0x01, 0xBB, 0, 0])
        #expect(v4.setName == "allow4")
        let v6 = NftSetElement(address: IPAddress("::1")!, port: 53, timeoutMilliseconds: 1)
        #expect(v6.key.count == 20)
        #expect(v6.setName == "allow6")
    }

    @Test func noElementsMeansAnEmptyBatch() throws {
        let batch = try NftBatch.addElements([], to: NetGoldenTests.id)
        #expect(batch.messages.isEmpty)
        #expect(NetlinkMessage.split(batch.bytes).count == 2)
    }

    @Test func netIDsAreShortAndPlain() {
        #expect(SandboxNetID("abc123")?.tableName == "stockade_abc123")
        #expect(SandboxNetID("abcdefghijk") != nil)
        #expect(SandboxNetID("abcdefghijkl") == nil)
        #expect(SandboxNetID("") == nil)
        #expect(SandboxNetID("ABC") == nil)
        #expect(SandboxNetID("a-b") == nil)
    }

    @Test func routeRequestsRejectLongNames() {
        #expect(throws: NetlinkError(step: .build, errno: 22, target: "interface name \"abcdefghijklmnop\" in link set abcdefghijklmnop up")) {
            try RouteRequest.setLinkUp(name: "abcdefghijklmnop").bytes(sequence: 1)
        }
    }

    @Test func netlinkErrorCodes() {
        #expect(NetlinkError(step: .kernel, errno: 17, target: "x").code == "netlink_kernel")
    }
}

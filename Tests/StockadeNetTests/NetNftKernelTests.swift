import Foundation
import Glibc
import Testing
@testable import StockadeNet

/// Applies the real batches inside a namespace this test makes and checks them with nft(8).
@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces and nftables tables inside them"))
struct NetNftKernelTests {
    @Test func createListAddElementsAndDeleteTable() throws {
        let ns = try TestNamespace("nft")
        defer { ns.remove() }
        let id = uniqueNetID()
        let firewall = SandboxFirewall(id: id, subnet: IPv4Subnet("10.201.0.4/30")!,
                                       proxyAddress: IPv4Subnet.parse("10.201.0.5")!, nflogGroup: 7)
        let executor = NftExecutor(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: ns.path))

        try executor.apply(try NftBatch.createTable(firewall))
        let listed = ns.run(["nft", "list", "table", "inet", id.tableName])
        #expect(listed.status == 0, "\(listed.output)")
        print(listed.output)
        for fragment in ["set allow4", "ipv4_addr . inet_service", "flags timeout", "hook forward priority filter; policy accept;",
                         "iifname \"\(id.hostInterface)\" ct state established,related accept",
                         "iifname \"\(id.hostInterface)\" ip daddr . tcp dport @allow4 accept",
                         "iifname \"\(id.hostInterface)\" ip6 daddr . udp dport @allow6 accept",
                         "log prefix \"stk:\(id.rawValue):forward\" group 7 drop",
                         "ip daddr 10.201.0.5 udp dport 53 accept",
                         "type nat hook postrouting priority srcnat; policy accept;",
                         "ip saddr 10.201.0.4/30 oifname != \"\(id.hostInterface)\" masquerade"] {
            #expect(listed.output.contains(fragment), "missing: \(fragment)")
        }

        // A second create of the same table fails closed with EEXIST, naming the message.
        #expect(throws: NetlinkError(step: .kernel, errno: EEXIST, target: "add table inet \(id.tableName)")) {
            try executor.apply(try NftBatch.createTable(firewall))
        }

        let elements = [
            NftSetElement(address: .v4(IPv4Subnet.parse("192.0.2.10")!), port: 443, timeoutMilliseconds: 60_000),
            NftSetElement(address: .v4(IPv4Subnet.parse("192.0.2.11")!), port: 80, timeoutMilliseconds: 120_000),
            NftSetElement(address: .v6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]), port: 443, timeoutMilliseconds: 60_000),
        ]
        try executor.apply(try NftBatch.addElements(elements, to: id))
        let set4 = ns.run(["nft", "list", "set", "inet", id.tableName, "allow4"]).output
        let set6 = ns.run(["nft", "list", "set", "inet", id.tableName, "allow6"]).output
        print(set4, set6)
        #expect(set4.contains("192.0.2.10 . 443 timeout 1m expires"))
        #expect(set4.contains("192.0.2.11 . 80 timeout 2m expires"))
        #expect(set6.contains("2001:db8::1 . 443 timeout 1m expires"))

        try executor.apply(try NftBatch.deleteTable(id))
        #expect(ns.run(["nft", "list", "table", "inet", id.tableName]).status != 0)
        #expect(!ns.run(["nft", "list", "tables"]).output.contains(id.tableName))
    }
}

import StockadeAddress
import Foundation
import Glibc
import Testing
@testable import StockadeNet

/// Applies the real batches inside a namespace this test makes and checks them with nft(8),
/// then sends traffic through the table: a set member is redirected to a listener on the
/// namespace's loopback (which reads the original destination), anything else is refused
/// and logged to NFLOG.
@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces and nftables tables inside them"))
struct NetNftKernelTests {
    @Test func createListAddElementsRedirectAndDrop() throws {
        let ns = try TestNamespace("nft")
        defer { ns.remove() }
        let id = uniqueNetID()
        let firewall = SandboxFirewall(id: id, relayPort: 4444, nflogGroup: 7)
        let executor = NftExecutor(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: ns.path))
        let routes = RouteExecutor(socket: try NetlinkSocket.open(netlinkProtocol: RouteExecutor.netlinkProtocol, inNamespaceAt: ns.path))
        try routes.addDefaultRoute(ipv6: false, device: "lo")
        try routes.addDefaultRoute(ipv6: true, device: "lo")
        #expect(ns.run(["ip", "route", "show", "default"]).output.contains("scope link src 127.0.0.1"))

        try executor.apply(try NftBatch.createTable(firewall))
        let listed = ns.run(["nft", "list", "table", "inet", id.tableName])
        #expect(listed.status == 0, "\(listed.output)")
        for fragment in ["set allow4", "ipv4_addr . inet_service", "flags timeout",
                         "type nat hook output priority -100; policy accept;",
                         "ip daddr . tcp dport @allow4 redirect to :4444",
                         "ip6 daddr . tcp dport @allow6 redirect to :4444",
                         "type filter hook output priority filter; policy accept;",
                         "ct state established,related accept", "ip daddr 127.0.0.0/8 accept", "ip6 daddr ::1 accept",
                         "meta l4proto tcp log prefix \"stk:\(id.rawValue):output\" group 7 reject with tcp reset",
                         "log prefix \"stk:\(id.rawValue):output\" group 7 drop"] {
            #expect(listed.output.contains(fragment), "missing: \(fragment)\n\(listed.output)")
        }

        // A second create of the same table fails closed with EEXIST, naming the message.
        #expect(throws: NetlinkError(step: .kernel, errno: EEXIST, target: "add table inet \(id.tableName)")) {
            try executor.apply(try NftBatch.createTable(firewall))
        }

        let elements = [
            NftSetElement(address: IPAddress("192.0.2.10")!, port: 443, timeoutMilliseconds: 60_000),
            NftSetElement(address: IPAddress("192.0.2.11")!, port: 80, timeoutMilliseconds: 120_000),
            NftSetElement(address: IPAddress("2001:db8::1")!, port: 443, timeoutMilliseconds: 60_000),
        ]
        try executor.apply(try NftBatch.addElements(elements, to: id))
        let set4 = ns.run(["nft", "list", "set", "inet", id.tableName, "allow4"]).output
        let set6 = ns.run(["nft", "list", "set", "inet", id.tableName, "allow6"]).output
        #expect(set4.contains("192.0.2.10 . 443 timeout 1m expires"))
        #expect(set4.contains("192.0.2.11 . 80 timeout 2m expires"))
        #expect(set6.contains("2001:db8::1 . 443 timeout 1m expires"))

        // Traffic: python inside the namespace listens where the redirect points.
        let nflog = try NflogReader(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: ns.path), group: 7)
        let script = """
        import socket, struct
        l = socket.socket(); l.bind(("127.0.0.1", 4444)); l.listen(4); l.settimeout(5)
        s = socket.socket(); s.settimeout(5); s.connect(("192.0.2.10", 443))
        c, _ = l.accept(); d = c.getsockopt(socket.SOL_IP, 80, 16)
        s.sendall(b"hi"); got = c.recv(2); c.sendall(b"yo"); back = s.recv(2)
        print("ORIG", socket.inet_ntoa(d[4:8]), struct.unpack(">H", d[2:4])[0], got.decode(), back.decode())
        r = socket.socket(); r.settimeout(5)
        try:
            r.connect(("192.0.2.12", 443)); print("RAW connected")
        except OSError as e:
            print("RAW", e.errno)
        """
        let run = ns.run(["python3", "-c", script])
        #expect(run.output.contains("ORIG 192.0.2.10 443 hi yo"), "\(run.output)")
        #expect(run.output.contains("RAW \(ECONNREFUSED)"), "\(run.output)")
        let dropped = try nflog.next()
        #expect(dropped.contains { $0.destination == IPAddress("192.0.2.12") && $0.destinationPort == 443 }, "\(dropped)")
    }

    /// Why EgressLedger.prepare sends each (address, port) once with the
    /// longest life its bindings need: the kernel keeps the LAST timeout
    /// given to an element, in one batch and when a live element is added
    /// again, even a shorter one. If this ever fails, the ledger's merging
    /// is still right, only no longer needed.
    @Test func theKernelKeepsTheLastTimeoutOfARepeatedElement() throws {
        let ns = try TestNamespace("nftto")
        defer { ns.remove() }
        let id = uniqueNetID()
        let executor = NftExecutor(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: ns.path))
        try executor.apply(try NftBatch.createTable(SandboxFirewall(id: id, relayPort: 4444, nflogGroup: 7)))
        let cdn = IPAddress("192.0.2.20")!
        try executor.apply(try NftBatch.addElements([NftSetElement(address: cdn, port: 443, timeoutMilliseconds: 300_000),
                                                     NftSetElement(address: cdn, port: 443, timeoutMilliseconds: 120_000)], to: id))
        let batched = ns.run(["nft", "list", "set", "inet", id.tableName, "allow4"]).output
        #expect(batched.contains("192.0.2.20 . 443 timeout 2m expires"), "\(batched)")
        // The merged element the ledger sends instead keeps the longer life.
        try executor.apply(try NftBatch.addElements([NftSetElement(address: cdn, port: 443, timeoutMilliseconds: 300_000)], to: id))
        let merged = ns.run(["nft", "list", "set", "inet", id.tableName, "allow4"]).output
        #expect(merged.contains("192.0.2.20 . 443 timeout 5m expires"), "\(merged)")
        // Re-adding the live element with a shorter timeout shortens it.
        try executor.apply(try NftBatch.addElements([NftSetElement(address: cdn, port: 443, timeoutMilliseconds: 60_000)], to: id))
        let readded = ns.run(["nft", "list", "set", "inet", id.tableName, "allow4"]).output
        #expect(readded.contains("192.0.2.20 . 443 timeout 1m expires"), "\(readded)")
    }
}

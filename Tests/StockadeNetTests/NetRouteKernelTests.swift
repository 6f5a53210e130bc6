import Foundation
import Glibc
import Testing
@testable import StockadeNet

/// Builds a host/sandbox pair of namespaces joined by a veth, entirely inside namespaces
/// this test makes, then checks links, addresses, route, and that the firewall logs a
/// denied packet to NFLOG while letting DNS to the proxy through.
@Suite(.serialized, .enabled(if: isRoot, "needs root: creates network namespaces, veths and nftables tables inside them"))
struct NetRouteKernelTests {
    @Test func vethAddressRouteAndNflogDrop() throws {
        let host = try TestNamespace("host")
        defer { host.remove() }
        let sandbox = try TestNamespace("sbx")
        defer { sandbox.remove() }
        let id = uniqueNetID()
        let subnet = IPv4Subnet("10.201.0.4/30")!
        let hostAddress = subnet.address(1), sandboxAddress = subnet.address(2)

        let hostRoute = RouteExecutor(socket: try NetlinkSocket.open(netlinkProtocol: RouteExecutor.netlinkProtocol, inNamespaceAt: host.path))
        let sandboxFD = open(sandbox.path, O_RDONLY | O_CLOEXEC)
        #expect(sandboxFD >= 0)
        defer { close(sandboxFD) }
        try hostRoute.createVethPair(host: id.hostInterface, peer: id.sandboxInterface, peerNamespace: .fileDescriptor(sandboxFD))
        try hostRoute.addIPv4Address(hostAddress, prefixLength: 30, interface: id.hostInterface)
        try hostRoute.setLinkUp(id.hostInterface)

        let sandboxRoute = RouteExecutor(socket: try NetlinkSocket.open(netlinkProtocol: RouteExecutor.netlinkProtocol, inNamespaceAt: sandbox.path))
        try sandboxRoute.addIPv4Address(sandboxAddress, prefixLength: 30, interface: id.sandboxInterface)
        try sandboxRoute.setLinkUp(id.sandboxInterface)
        try sandboxRoute.addDefaultRoute(via: hostAddress)

        let hostAddr = runTool(["ip", "-n", host.name, "-4", "addr", "show", "dev", id.hostInterface]).output
        let sandboxAddr = runTool(["ip", "-n", sandbox.name, "-4", "addr", "show", "dev", id.sandboxInterface]).output
        let sandboxRoutes = runTool(["ip", "-n", sandbox.name, "route"]).output
        #expect(hostAddr.contains("inet 10.201.0.5/30"), "\(hostAddr)")
        #expect(hostAddr.contains("state UP") || hostAddr.contains(",UP"), "\(hostAddr)")
        #expect(sandboxAddr.contains("inet 10.201.0.6/30"), "\(sandboxAddr)")
        #expect(sandboxRoutes.contains("default via 10.201.0.5 dev \(id.sandboxInterface)"), "\(sandboxRoutes)")
        // The peer really left the host namespace.
        #expect(runTool(["ip", "-n", host.name, "link", "show", id.sandboxInterface]).status != 0)

        // Duplicate names fail with EEXIST and say which request.
        #expect(throws: NetlinkError(step: .kernel, errno: EEXIST,
                                     target: "link add \(id.hostInterface) type veth peer name \(id.sandboxInterface)")) {
            try hostRoute.createVethPair(host: id.hostInterface, peer: id.sandboxInterface, peerNamespace: nil)
        }

        // Firewall + NFLOG in the host namespace.
        let group = UInt16.random(in: 100...60000)
        let firewall = SandboxFirewall(id: id, subnet: subnet, proxyAddress: hostAddress, nflogGroup: group)
        let nft = NftExecutor(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: host.path))
        try nft.apply(try NftBatch.createTable(firewall))
        let reader = try NflogReader(socket: try NetlinkSocket.open(netlinkProtocol: NftExecutor.netlinkProtocol, inNamespaceAt: host.path), group: group)

        // A fake DNS proxy listening on the host-side address.
        let proxy = try #require(try udpSocket(in: host.path, bindTo: hostAddress, port: 53))
        defer { close(proxy) }

        try sendUDP(from: sandbox.path, to: hostAddress, port: 53, payload: [1, 2, 3])
        try sendUDP(from: sandbox.path, to: hostAddress, port: 9999, payload: [4, 5, 6])

        var received = [UInt8](repeating: 0, count: 16)
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(proxy, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let count = recv(proxy, &received, received.count, 0)
        #expect(count == 3, "DNS to the proxy passed the input chain")

        var denied: DroppedPacket?
        for _ in 0..<10 where denied == nil {
            denied = try reader.next().first { $0.destinationPort == 9999 }
        }
        let packet = try #require(denied)
        #expect(packet.prefix == "stk:\(id.rawValue):input")
        #expect(packet.sandboxAndChain?.id == id.rawValue)
        #expect(packet.source == .v4(sandboxAddress))
        #expect(packet.destination == .v4(hostAddress))
        #expect(packet.ipProtocol == 17)
        #expect(packet.hook == 1)
        #expect(packet.inInterfaceIndex == UInt32(try hostRoute.interfaceIndex(named: id.hostInterface)))

        try nft.apply(try NftBatch.deleteTable(id))
        try hostRoute.deleteLink(id.hostInterface)
        #expect(runTool(["ip", "-n", sandbox.name, "link", "show", id.sandboxInterface]).status != 0, "peer went with the host end")
    }
}

/// A UDP socket made inside the namespace at `path`, bound to `address:port`.
private func udpSocket(in path: String, bindTo address: UInt32, port: UInt16) throws -> Int32? {
    let result = NetworkNamespace.run(atPath: path) { () -> Int32 in
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address.bigEndian
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if bound != 0 { close(fd); return -1 }
        return fd
    }
    let fd = try result.get()
    return fd >= 0 ? fd : nil
}

/// Sends one UDP datagram from inside the namespace at `path`.
private func sendUDP(from path: String, to address: UInt32, port: UInt16, payload: [UInt8]) throws {
    let sent = try NetworkNamespace.run(atPath: path) { () -> Int in
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address.bigEndian
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }.get()
    if sent != payload.count { throw TestFailure("sendto \(IPv4Subnet.dotted(address)):\(port) failed") }
}

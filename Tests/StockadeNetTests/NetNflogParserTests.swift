import StockadeAddress
import Testing
@testable import StockadeNet

/// NFLOG packet messages built by hand, parsed without a socket.
struct NetNflogParserTests {
    /// A `NFULNL_MSG_PACKET` message with the attributes the kernel sends (host order
    /// netlink header, network-order values inside the attributes).
    static func packetMessage(prefix: String, hook: UInt8, inDevice: UInt32, payload: [UInt8]) -> [UInt8] {
        func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
            let length = UInt16(4 + value.count)
            var bytes = [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(type & 0xFF), UInt8(type >> 8)] + value
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        var body: [UInt8] = [2, 0, 0, 7]  // nfgenmsg: AF_INET, v0, group 7
        body += attribute(1, [0x08, 0x00, hook, 0])
        body += attribute(10, Array(prefix.utf8) + [0])
        body += attribute(4, [UInt8(inDevice >> 24), UInt8(inDevice >> 16 & 0xFF), UInt8(inDevice >> 8 & 0xFF), UInt8(inDevice & 0xFF)])
        body += attribute(9, payload)
        let length = UInt32(16 + body.count)
        var header: [UInt8] = []
        for value in [length] { header += withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        header += [0x00, 0x04, 0, 0]  // type 0x0400, flags 0
        header += [UInt8](repeating: 0, count: 8)
        return header + body
    }

    static func ipv4(proto: UInt8, source: [UInt8], destination: [UInt8], ports: (UInt16, UInt16)?, fragmentOffset: UInt16 = 0) -> [UInt8] {
        var header: [UInt8] = [0x45, 0, 0, 28, 0, 0, UInt8(fragmentOffset >> 8), UInt8(fragmentOffset & 0xFF), 64, proto, 0, 0]
        header += source + destination
        if let (sp, dp) = ports { header += [UInt8(sp >> 8), UInt8(sp & 0xFF), UInt8(dp >> 8), UInt8(dp & 0xFF), 0, 8, 0, 0] }
        return header
    }

    @Test func ipv4UDPDrop() {
        let datagram = Self.packetMessage(prefix: "stk:abc123:forward", hook: 2, inDevice: 5,
                                          payload: Self.ipv4(proto: 17, source: [10, 201, 0, 6], destination: [192, 0, 2, 1], ports: (40000, 53)))
        let packets = NflogParser.packets(in: datagram)
        #expect(packets == [DroppedPacket(prefix: "stk:abc123:forward", hook: 2, inInterfaceIndex: 5,
                                          source: .v4(IPv4Address(value: 0x0AC9_0006)), destination: .v4(IPv4Address(value: 0xC000_0201)),
                                          ipProtocol: 17, sourcePort: 40000, destinationPort: 53)])
        #expect(packets.first?.sandboxAndChain?.id == "abc123")
        #expect(packets.first?.sandboxAndChain?.chain == "forward")
    }

    @Test func laterFragmentsHaveNoPorts() {
        let datagram = Self.packetMessage(prefix: "p", hook: 2, inDevice: 1,
                                          payload: Self.ipv4(proto: 6, source: [1, 2, 3, 4], destination: [5, 6, 7, 8], ports: (1, 2), fragmentOffset: 10))
        let packet = NflogParser.packets(in: datagram).first
        #expect(packet?.ipProtocol == 6)
        #expect(packet?.destinationPort == nil)
        #expect(packet?.sandboxAndChain == nil)
    }

    @Test func ipv6TCPDrop() {
        var payload: [UInt8] = [0x60, 0, 0, 0, 0, 20, 6, 64]
        payload += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
        payload += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [9]
        payload += [0xC3, 0x50, 0x01, 0xBB] + [UInt8](repeating: 0, count: 16)
        let packet = NflogParser.packets(in: Self.packetMessage(prefix: "stk:x:input", hook: 1, inDevice: 3, payload: payload)).first
        #expect(packet?.source.description == "2001:db8::2")
        #expect(packet?.destination.description == "2001:db8::9")
        #expect(packet?.ipProtocol == 6)
        #expect(packet?.sourcePort == 50000)
        #expect(packet?.destinationPort == 443)
        #expect(packet?.hook == 1)
    }

    @Test func junkIsSkipped() {
        #expect(NflogParser.packets(in: []).isEmpty)
        #expect(NflogParser.packets(in: [1, 2, 3]).isEmpty)
        #expect(NflogParser.packets(in: Self.packetMessage(prefix: "p", hook: 1, inDevice: 1, payload: [0x45, 0, 0])).isEmpty)
        #expect(NflogParser.packets(in: Self.packetMessage(prefix: "p", hook: 1, inDevice: 1, payload: [0x70] + [UInt8](repeating: 0, count: 40))).isEmpty)
        // A truncated length field stops the walk rather than reading past the end.
        var datagram = Self.packetMessage(prefix: "p", hook: 1, inDevice: 1,
                                          payload: Self.ipv4(proto: 1, source: [1, 1, 1, 1], destination: [2, 2, 2, 2], ports: nil))
        datagram[0] = 0xFF
        #expect(NflogParser.packets(in: datagram).isEmpty)
    }

    @Test func acknowledgementsAreRecognised() {
        // NLMSG_ERROR with error -17 (EEXIST) for sequence 9.
        var bytes: [UInt8] = [36, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        bytes += withUnsafeBytes(of: Int32(-17).littleEndian) { Array($0) }
        bytes += [UInt8](repeating: 0, count: 16)
        let message = NetlinkMessage.split(bytes).first
        #expect(message?.sequence == 9)
        #expect(message?.ackErrno == 17)
    }
}

import StockadeAddress
import Testing
@testable import StockadeNet

@Suite struct DNSParserTests {
    @Test func parsesDigQueryWithEDNSCookie() throws {
        let m = try DNSMessage.parse(Packets.queryA)
        #expect(m.header.id == 0x1234)
        #expect(!m.header.isResponse && m.header.recursionDesired && m.header.authenticData)
        #expect(m.questions == [DNSQuestion(name: name("www.example.com"), type: .a)])
        let opt = try #require(m.opt)
        #expect(opt.rclass == 1232)
        #expect(opt.data == .opaque(hex("000a 0008 0102030405060708")))
        #expect(m.maxUDPPayload == 1232)
    }

    @Test func followsCompressionInOwnersAndRData() throws {
        let m = try DNSMessage.parse(Packets.cnameChain)
        #expect(m.answers.count == 2)
        #expect(m.answers[0].name == name("www.github.com"))
        #expect(m.answers[0].data == .cname(name("github.com")))
        #expect(m.answers[0].ttl == 3600)
        #expect(m.answers[1].name == name("github.com"))
        #expect(m.answers[1].data == .a(IPv4Address(140, 82, 121, 3)))
    }

    @Test func parsesAAAAAndSOA() throws {
        let m = try DNSMessage.parse(Packets.aaaa)
        #expect(m.answers[0].data == .aaaa(IPv6Address("2606:2800:220:1:248:1893:25c8:1946")!))
        let nx = try DNSMessage.parse(Packets.nxdomainSOA)
        #expect(nx.header.responseCode == .nxDomain)
        guard case .soa(let soa) = nx.authorities[0].data else { Issue.record("no SOA"); return }
        #expect(soa.mname == name("ns.example.com"))
        #expect(soa.rname == name("hostmaster.example.com"))
        #expect(soa.minimum == 3600)
    }

    @Test(arguments: Packets.all)
    func roundTripsThroughSerializer(packet: [UInt8]) throws {
        let m = try DNSMessage.parse(packet)
        let again = try DNSMessage.parse(try m.serialize())
        #expect(again == m)
    }

    @Test func serializerKeepsQuestionCaseExactly() throws {
        let asked = query("WwW.ExAmPlE.CoM")
        let m = try DNSMessage.parse(asked)
        #expect(try m.serialize() == asked)
        #expect(m.questions[0].name.labels[0] == Array("WwW".utf8))
    }

    @Test func labelMayContainADot() throws {
        // One label "a.b" then "com": two labels, not three.
        let bytes = hex("0001 0100 0001 0000 0000 0000 03 612e62 03 636f6d 00 0001 0001")
        let m = try DNSMessage.parse(bytes)
        #expect(m.questions[0].name.labels.count == 2)
        #expect(m.questions[0].name != name("a.b.com"))
        #expect(m.questions[0].name.description == "a\\.b.com")
    }

    // MARK: malformed input

    static let header1Q = "0001 0100 0001 0000 0000 0000"

    @Test func rejectsPointerLoop() {
        // Name at 12 is a pointer to itself.
        let selfLoop = hex(Self.header1Q + " c00c 0001 0001")
        #expect(throws: DNSParseError.badPointer(offset: 12, target: 12)) { try DNSMessage.parse(selfLoop) }
        // "a" then a pointer back to the "a": a two-step loop that only
        // "strictly before the segment start" catches.
        let twoStep = hex(Self.header1Q + " 0161 c00c 0001 0001")
        #expect(throws: DNSParseError.badPointer(offset: 14, target: 12)) { try DNSMessage.parse(twoStep) }
    }

    @Test func rejectsForwardAndPastEndPointers() {
        let forward = hex(Self.header1Q + " c011 0001 0001 00 0161 00")
        #expect(throws: DNSParseError.self) { try DNSMessage.parse(forward) }
        let pastEnd = hex(Self.header1Q + " ffff 0001 0001")
        #expect(throws: DNSParseError.badPointer(offset: 12, target: 0x3FFF)) { try DNSMessage.parse(pastEnd) }
        let halfPointer = hex(Self.header1Q + " c0")
        #expect(throws: DNSParseError.self) { try DNSMessage.parse(halfPointer) }
    }

    @Test func rejectsLongLabelsAndNames() {
        let label64 = hex(Self.header1Q + " 40" + String(repeating: "61", count: 64) + "00 0001 0001")
        #expect(throws: DNSParseError.reservedLabelType(offset: 12)) { try DNSMessage.parse(label64) }
        // Five 63-byte labels: 5 * 64 + 1 = 321 > 255.
        let long = hex(Self.header1Q + String(repeating: " 3f" + String(repeating: "61", count: 63), count: 5) + " 00 0001 0001")
        #expect(throws: DNSParseError.nameTooLong(offset: 12 + 3 * 64)) { try DNSMessage.parse(long) }
        let reserved = hex(Self.header1Q + " 80 00 0001 0001")
        #expect(throws: DNSParseError.reservedLabelType(offset: 12)) { try DNSMessage.parse(reserved) }
    }

    @Test func rejectsLyingCountsAndTruncation() {
        let lying = hex("0001 0100 ffff ffff ffff ffff 00 0001 0001")
        #expect(throws: DNSParseError.countsExceedMessage(count: 4 * 0xFFFF, remaining: 5)) { try DNSMessage.parse(lying) }
        #expect(throws: DNSParseError.truncated(field: "header.id", offset: 0)) { try DNSMessage.parse([]) }
        #expect(throws: DNSParseError.self) { try DNSMessage.parse([0x12]) }
        for cut in 0..<Packets.cnameChain.count {
            #expect(throws: DNSParseError.self) { try DNSMessage.parse(Array(Packets.cnameChain.prefix(cut))) }
        }
        #expect(throws: DNSParseError.trailingBytes(offset: Packets.queryA.count)) {
            try DNSMessage.parse(Packets.queryA + [0])
        }
    }

    @Test func rejectsBadRData() {
        // An A record with 3 bytes of rdata.
        let shortA = hex("0001 8100 0000 0001 0000 0000 00 0001 0001 00000001 0003 010203")
        #expect(throws: DNSParseError.badRData(type: 1, offset: 23)) { try DNSMessage.parse(shortA) }
        // A CNAME whose name runs past rdlength.
        let longName = hex("0001 8100 0000 0001 0000 0000 00 0005 0001 00000001 0002 0161 00")
        #expect(throws: DNSParseError.self) { try DNSMessage.parse(longName) }
        // rdlength larger than what is left.
        let overrun = hex("0001 8100 0000 0001 0000 0000 00 0010 0001 00000001 0009 0102")
        #expect(throws: DNSParseError.truncated(field: "record.rdata", offset: 23)) { try DNSMessage.parse(overrun) }
    }

    @Test func zeroLengthAndRootNames() throws {
        let root = hex(Self.header1Q + " 00 0002 0001")
        #expect(try DNSMessage.parse(root).questions[0].name == .root)
        let empty = hex("0001 0100 0000 0000 0000 0000")
        #expect(try DNSMessage.parse(empty).questions.isEmpty)
    }
}

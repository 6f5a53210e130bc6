import Testing
@testable import StockadeAddress

@Suite struct AddressClassTests {
    @Test(arguments: [
        ("127.0.0.1", AddressClass.loopback),
        ("127.255.0.9", .loopback),
        ("::1", .loopback),
        ("::ffff:127.0.0.1", .loopback),
        ("169.254.169.254", .linkLocal),
        ("::ffff:169.254.169.254", .linkLocal),
        ("fe80::1", .linkLocal),
        ("febf::1", .linkLocal),
        ("10.1.2.3", .private),
        ("172.16.0.1", .private),
        ("172.31.255.255", .private),
        ("192.168.1.1", .private),
        ("100.64.0.1", .private),
        ("100.127.255.255", .private),
        ("fc00::1", .private),
        ("fd12:3456::1", .private),
        ("64:ff9b::10.0.0.1", .private),
        ("2002:a9fe:a9fe::1", .linkLocal),
        ("0.0.0.0", .unspecified),
        ("::", .unspecified),
        ("224.0.0.1", .multicast),
        ("ff02::1", .multicast),
        ("255.255.255.255", .reserved),
        ("::7f00:1", .reserved),
        ("8.8.8.8", .public),
        ("172.32.0.1", .public),
        ("100.128.0.1", .public),
        ("2606:4700::1111", .public),
        ("::ffff:8.8.8.8", .public),
        ("fec0::1", .public),
    ])
    func classifies(text: String, expected: AddressClass) {
        #expect(AddressClass.classify(IPAddress(text)!) == expected)
    }

    @Test func hostAddressesInEitherForm() {
        let host: Set<IPAddress> = [IPAddress("203.0.113.5")!]
        #expect(AddressClass.classify(IPAddress("203.0.113.5")!, hostAddresses: host) == .hostOwn)
        #expect(AddressClass.classify(IPAddress("::ffff:203.0.113.5")!, hostAddresses: host) == .hostOwn)
        #expect(AddressClass.classify(IPAddress("203.0.113.6")!, hostAddresses: host) == .public)
    }

    @Test func policyAllowsOnlyDeclaredPrivateRanges() throws {
        let policy = RebindingPolicy(allowPrivate: [try CIDR("10.20.0.0/16"), try CIDR("fd00::/8")])
        #expect(policy.evaluate(IPAddress("10.20.3.4")!).allowed)
        #expect(policy.evaluate(IPAddress("::ffff:10.20.3.4")!).allowed)
        #expect(!policy.evaluate(IPAddress("10.21.0.1")!).allowed)
        #expect(policy.evaluate(IPAddress("fd00::5")!).allowed)
        #expect(!policy.evaluate(IPAddress("169.254.169.254")!).allowed)
        #expect(policy.evaluate(IPAddress("8.8.8.8")!) == (.public, true))
        let everything = RebindingPolicy(allowPrivate: [try CIDR("0.0.0.0/0")])
        #expect(!everything.evaluate(IPAddress("0.0.0.0")!).allowed)
        #expect(!everything.evaluate(IPAddress("224.0.0.1")!).allowed)
    }

    @Test func cidrParsing() throws {
        #expect(try CIDR("192.168.0.0/16").description == "192.168.0.0/16")
        #expect(try CIDR("10.0.0.7").prefixLength == 32)
        #expect(throws: CIDRParseError.hostBitsSet("10.0.0.1/8")) { try CIDR("10.0.0.1/8") }
        #expect(throws: CIDRParseError.badPrefixLength("10.0.0.0/33")) { try CIDR("10.0.0.0/33") }
        #expect(throws: CIDRParseError.badAddress("nope/8")) { try CIDR("nope/8") }
        #expect(IPv6Address("::ffff:1.2.3.4")!.description == "::ffff:1.2.3.4")
    }
}

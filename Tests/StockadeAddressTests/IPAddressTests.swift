import StockadeTestSupport
import Testing
@testable import StockadeAddress

@Suite struct IPAddressTests {
    @Test func parsesBothFamiliesAndRefusesTheRest() {
        #expect(IPAddress("10.0.0.1") == .v4(IPv4Address(10, 0, 0, 1)))
        #expect(IPv4Address("10.0.0.1")?.value == 0x0A00_0001)
        #expect(IPAddress("::1")?.byteArray == [UInt8](repeating: 0, count: 15) + [1])
        for bad in ["", "1.2.3", "1.2.3.256", "1.2.3.4.5", "01.2.3.4", " 1.2.3.4", "::g", "1::2::3", "[::1]"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsIPv6AsRFC5952() {
        func v6(_ bytes: [UInt8]) -> String { IPv6Address(bytes: bytes)!.description }
        #expect(v6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == "2001:db8::1")
        #expect(v6([UInt8](repeating: 0, count: 16)) == "::")
        #expect(v6([0, 1] + [UInt8](repeating: 0, count: 14)) == "1::")
        #expect(v6([0, 1, 0, 0, 0, 2] + [UInt8](repeating: 0, count: 10)) == "1:0:2::")
        #expect(IPv6Address("::ffff:1.2.3.4")!.description == "::ffff:1.2.3.4")
        #expect(IPv6Address(bytes: [1, 2, 3]) == nil)
    }

    /// Property: any sixteen bytes print as text that parses back to them.
    @Test func ipv6TextRoundTrips() {
        var rng = SplitMix64(seed: 0x5EED_AD0D)
        for _ in 0..<2000 {
            // Runs of zero groups are common in real addresses: make them likely.
            let bytes = (0..<8).flatMap { _ -> [UInt8] in
                rng.next() % 3 == 0 ? [0, 0] : [UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng)]
            }
            let text = IPv6Address(bytes: bytes)!.description
            #expect(IPv6Address(text)?.bytes == bytes, "\(bytes) -> \(text)")
        }
    }

    @Test func cidrContainsAndMasks() throws {
        let net = try CIDR("10.201.0.4/30")
        #expect(net.contains(IPAddress("10.201.0.7")!))
        #expect(!net.contains(IPAddress("10.201.0.8")!))
        #expect(net.contains(IPAddress("::ffff:10.201.0.5")!))
        #expect(net.maskBytes == [255, 255, 255, 252])
        #expect(try CIDR("0.0.0.0/0").maskBytes == [0, 0, 0, 0])
        #expect(try CIDR("fd00::/8").maskBytes == [0xFF] + [UInt8](repeating: 0, count: 15))
        #expect(CIDR(clearingHostBitsOf: IPAddress("10.201.0.6")!, prefixLength: 30) == net)
        #expect(CIDR(clearingHostBitsOf: IPAddress("10.0.0.1")!, prefixLength: 33) == nil)
        #expect(CIDR(clearingHostBitsOf: IPAddress("fd00::1")!, prefixLength: 8)?.description == "fd00::/8")
    }

    /// Property: a prefix made from any address holds it, and no address
    /// that differs inside the prefix.
    @Test func prefixFromAddressHoldsIt() {
        var rng = SplitMix64(seed: 0xC1D2)
        for _ in 0..<2000 {
            let v4 = rng.next() % 2 == 0
            let bytes = (0..<(v4 ? 4 : 16)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let address: IPAddress = v4 ? .v4(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3])) : .v6(IPv6Address(bytes: bytes)!)
            let length = Int.random(in: 0...(bytes.count * 8), using: &rng)
            let net = CIDR(clearingHostBitsOf: address, prefixLength: length)!
            #expect(net.contains(address))
            #expect((try? CIDR(net.description)) == net)
            if length > 0 {
                var flipped = bytes
                let bit = Int.random(in: 0..<length, using: &rng)
                flipped[bit / 8] ^= 0x80 >> UInt8(bit % 8)
                let other: IPAddress = v4
                    ? .v4(IPv4Address(flipped[0], flipped[1], flipped[2], flipped[3])) : .v6(IPv6Address(bytes: flipped)!)
                #expect(!net.contains(other), "\(net) \(other)")
            }
        }
    }

    @Test func upstreamsParseWithOptionalPort() {
        #expect(DNSEndpoint(parsing: "1.2.3.4") == DNSEndpoint(address: IPAddress("1.2.3.4")!, port: 53))
        #expect(DNSEndpoint(parsing: "1.2.3.4:5353")?.port == 5353)
        #expect(DNSEndpoint(parsing: "::1") == DNSEndpoint(address: IPAddress("::1")!, port: 53))
        #expect(DNSEndpoint(parsing: "[::1]:5353")?.description == "[::1]:5353")
        #expect(DNSEndpoint(parsing: "[::1]")?.port == 53)
        for bad in ["1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "[::1]:", "[::1]x", "::1:53x", "host:53", "1.2.3.4:+5"] {
            #expect(DNSEndpoint(parsing: bad) == nil, "\(bad)")
        }
    }
}

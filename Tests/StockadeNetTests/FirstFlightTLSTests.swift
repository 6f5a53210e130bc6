import Testing
@testable import StockadeNet

/// The ClientHello reader on real and hand-built hellos.
@Suite struct FirstFlightTLSTests {
    @Test func realHellosNameTheirServer() {
        #expect(inspectTLS(RealClientHellos.openSSL13) == .named("example.com"))
        #expect(inspectTLS(RealClientHellos.openSSL12) == .named("api.github.com"))
        #expect(inspectTLS(RealClientHellos.curl) == .named("registry.npmjs.org"))
        #expect(inspectTLS(RealClientHellos.python) == .named("pypi.org"))
        #expect(inspectTLS(RealClientHellos.node) == .named("registry.npmjs.org"))
        #expect(inspectTLS(RealClientHellos.openSSLNoSNI) == .refused(.noSNI))
    }

    @Test func everyPrefixOfARealHelloNeedsMore() {
        let cases: [([UInt8], FirstFlightVerdict)] = [
            (RealClientHellos.openSSL13, .named("example.com")),
            (RealClientHellos.openSSL12, .named("api.github.com")),
            (RealClientHellos.curl, .named("registry.npmjs.org")),
            (RealClientHellos.node, .named("registry.npmjs.org")),
            (RealClientHellos.openSSLNoSNI, .refused(.noSNI)),
        ]
        for (bytes, verdict) in cases {
            if let problem = checkPrefixes(bytes, .tls, verdict) { Issue.record("\(verdict): \(problem)") }
        }
    }

    @Test func aHelloSpreadOverManyRecordsIsReassembled() {
        let handshake = handshakeOf(RealClientHellos.curl)
        for fragment in [1, 2, 3, 4, 7, 64, 300, 511] {
            let bytes = HelloBuilder.records(handshake, fragment: fragment)
            if let problem = checkPrefixes(bytes, .tls, .named("registry.npmjs.org")) {
                Issue.record("fragment \(fragment): \(problem)")
            }
        }
        // Later records may carry any TLS 1.x record version.
        var mixed = HelloBuilder.records(Array(handshake[..<100]), fragment: 100, version: [3, 1])
        mixed += HelloBuilder.records(Array(handshake[100...]), fragment: 1000, version: [3, 3])
        #expect(inspectTLS(mixed) == .named("registry.npmjs.org"))
    }

    @Test func namesAreLowercasedWithoutTheirTrailingDot() {
        #expect(inspectTLS(HelloBuilder(sni: "WWW.Example.ORG.").bytes) == .named("www.example.org"))
        #expect(inspectTLS(HelloBuilder(sni: "_acme.example.org").bytes) == .named("_acme.example.org"))
        let longest = (0..<4).map { _ in String(repeating: "a", count: 62) }.joined(separator: ".")  // 251
        #expect(inspectTLS(HelloBuilder(sni: longest).bytes) == .named(longest))
    }

    @Test func namesThatAreNotHostNamesAreMalformed() {
        let bad = ["", ".", "a..b", ".example.com", "example.com..", "exa mple.com", "exa\0mple.com", "exämple.com",
                   "*.example.com", "-a.example.com", "a-.example.com", "10.0.0.1", "example.123",
                   String(repeating: "a", count: 64) + ".com",
                   (0..<4).map { _ in String(repeating: "a", count: 63) }.joined(separator: ".")]
        for name in bad {
            #expect(inspectTLS(HelloBuilder(sni: name).bytes) == .refused(.malformed), "\(name)")
        }
    }

    @Test func theServerNameListHoldsExactlyOneHostName() {
        func with(_ entries: [(UInt8, [UInt8])]) -> [UInt8] {
            var b = HelloBuilder()
            b.extensions.insert((0, HelloBuilder.serverName(entries)), at: 0)
            return b.bytes
        }
        let a = Array("a.example.com".utf8), b = Array("b.example.com".utf8)
        #expect(inspectTLS(with([(0, a)])) == .named("a.example.com"))
        #expect(inspectTLS(with([(0, a), (0, b)])) == .refused(.malformed))
        #expect(inspectTLS(with([(0, a), (1, b)])) == .refused(.malformed))
        #expect(inspectTLS(with([(1, a)])) == .refused(.malformed))
        #expect(inspectTLS(with([])) == .refused(.malformed))
        var lying = HelloBuilder()
        lying.extensions.insert((0, [0, 9, 0, 0, 5] + a), at: 0)  // list length disagrees
        #expect(inspectTLS(lying.bytes) == .refused(.malformed))
    }

    @Test func duplicateExtensionsAreMalformed() {
        var b = HelloBuilder(sni: "a.example.com")
        b.extensions.append((0, HelloBuilder.serverName([(0, Array("b.example.com".utf8))])))
        #expect(inspectTLS(b.bytes) == .refused(.malformed))
        var c = HelloBuilder(sni: "a.example.com")
        c.extensions.append((43, [2, 3, 4]))
        #expect(inspectTLS(c.bytes) == .refused(.malformed))
        // Two different GREASE values, as Chrome sends, are fine.
        var d = HelloBuilder(sni: "a.example.com")
        d.extensions += [(0x0A0A, []), (0x1A1A, [0])]
        #expect(inspectTLS(d.bytes) == .named("a.example.com"))
    }

    @Test func encryptedClientHelloShowsOnlyItsOuterName() {
        var b = HelloBuilder(sni: "Public.Example.NET")
        b.extensions.append((0xFE0D, [0, 0, 1, 0, 1, 7, 0, 0, 0, 4, 1, 2, 3, 4]))
        #expect(inspectTLS(b.bytes) == .encryptedHello(outerName: "public.example.net"))
        if let problem = checkPrefixes(b.bytes, .tls, .encryptedHello(outerName: "public.example.net")) { Issue.record("\(problem)") }
        var noName = HelloBuilder()
        noName.extensions.append((0xFE0D, [0]))
        #expect(inspectTLS(noName.bytes) == .refused(.noSNI))
        var badName = HelloBuilder(sni: "a..b")
        badName.extensions.append((0xFE0D, [0]))
        #expect(inspectTLS(badName.bytes) == .refused(.malformed))
    }

    @Test func noExtensionsAtAllIsNoSNI() {
        var b = HelloBuilder()
        b.omitExtensionsBlock = true
        #expect(inspectTLS(b.bytes) == .refused(.noSNI))
        var empty = HelloBuilder()
        empty.extensions = []
        #expect(inspectTLS(empty.bytes) == .refused(.noSNI))
    }

    @Test func brokenFieldsAreMalformed() {
        let good = HelloBuilder(sni: "a.example.com")
        #expect(inspectTLS(good.bytes) == .named("a.example.com"))
        var cases: [(String, HelloBuilder)] = []
        var b = good; b.legacyVersion = [3, 0]; cases.append(("SSL 3.0", b))
        b = good; b.legacyVersion = [3, 4]; cases.append(("legacy 0x0304", b))
        b = good; b.legacyVersion = [2, 0]; cases.append(("legacy 2.0", b))
        b = good; b.sessionID = Array(repeating: 1, count: 33); cases.append(("33-byte session id", b))
        b = good; b.cipherSuites = []; cases.append(("no cipher suites", b))
        b = good; b.cipherSuites = [0x13, 0x01, 0x13]; cases.append(("odd cipher suites", b))
        b = good; b.compression = []; cases.append(("no compression methods", b))
        for (what, hello) in cases { #expect(inspectTLS(hello.bytes) == .refused(.malformed), "\(what)") }

        let bytes = good.bytes
        func patched(_ at: Int, _ value: UInt8) -> [UInt8] { var c = bytes; c[at] = value; return c }
        #expect(inspectTLS(patched(0, 23)) == .refused(.malformed), "application data record")
        #expect(inspectTLS(patched(1, 2)) == .refused(.malformed), "record major 2")
        #expect(inspectTLS(patched(2, 0)) == .refused(.malformed), "record SSL 3.0")
        #expect(inspectTLS(patched(2, 5)) == .refused(.malformed), "record 0x0305")
        #expect(inspectTLS(patched(5, 2)) == .refused(.malformed), "a ServerHello")
        #expect(inspectTLS([0x80, 0x2E, 0x01, 0x03, 0x01]) == .refused(.malformed), "SSLv2 hello")
        #expect(inspectTLS([22, 3, 1, 0, 0]) == .refused(.malformed), "empty record")
        #expect(inspectTLS([22, 3, 1, 0x40, 0x01]) == .refused(.malformed), "record over 2^14")
        // A handshake length that cannot fit in maximumBytes is refused before it arrives.
        #expect(inspectTLS([22, 3, 1, 0x40, 0x00, 1, 0x01, 0, 0]) == .refused(.malformed))
        // Extensions block length disagreeing with what follows.
        var ext = HelloBuilder(sni: "a.example.com").handshake
        let extLengthAt = ext.count - (4 + 18) - (4 + 5) - 2
        ext[extLengthAt + 1] &+= 1
        #expect(inspectTLS(HelloBuilder.records(ext, fragment: 1 << 14)) == .refused(.malformed))
    }

    @Test func aSecondHandshakeMessageBesideTheHelloIsMalformed() {
        let handshake = HelloBuilder(sni: "a.example.com").handshake
        let twice = HelloBuilder.records(handshake + [20, 0, 0, 0], fragment: 1 << 14)
        #expect(inspectTLS(twice) == .refused(.malformed))
        // A second record after the hello's last one is not read (0-RTT data, CCS).
        let after = HelloBuilder.records(handshake, fragment: 1 << 14) + [20, 3, 3, 0, 1, 1]
        #expect(inspectTLS(after) == .named("a.example.com"))
    }

    @Test func neverCompleteWithinTheLimitIsMalformed() {
        // Records of one byte each: 6 bytes per handshake byte, so a 4 KB hello cannot fit.
        var b = HelloBuilder(sni: "a.example.com")
        b.extensions.append((21, Array(repeating: 0, count: 4000)))  // padding
        let bytes = HelloBuilder.records(b.handshake, fragment: 1)
        #expect(bytes.count > FirstFlight.maximumBytes)
        #expect(inspectTLS(Array(bytes[..<FirstFlight.maximumBytes])) == .refused(.malformed))
        #expect(inspectTLS(bytes) == .refused(.malformed))
        // The same in one record is fine.
        #expect(inspectTLS(b.bytes) == .named("a.example.com"))
    }
}

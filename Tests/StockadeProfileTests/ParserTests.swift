import StockadeProfile
import StockadeTestSupport
import Testing

@Suite("Size and duration parsers")
struct ParserTests {
    @Test func sizes() {
        let cases: [(String, UInt64?)] = [
            ("0", 0), ("4096", 4096), ("1k", 1024), ("1K", 1024), ("1kb", 1024), ("1KiB", 1024), ("512m", 512 << 20),
            ("2g", 2 << 30), ("2G", 2 << 30), ("1t", 1 << 40), ("1.5g", 3 << 29), ("0.5k", 512), ("10b", 10), ("10B", 10),
            (" 1g ", 1 << 30), ("16777215t", 16_777_215 << 40),
            ("", nil), ("lots", nil), ("-1", nil), ("1.5", nil), ("0.3k", nil), ("1x", nil), ("1gg", nil), ("g", nil),
            ("1 g", nil), ("1e9", nil), ("16777216t", nil), ("18446744073709551616", nil), ("1.", nil), (".", nil), ("ib", nil),
            ("+1", nil), ("0x10", nil),
        ]
        for (text, expected) in cases {
            #expect(ByteSize.parse(text) == expected, "\(text)")
        }
        #expect(ByteSize.parse("18446744073709551615") == UInt64.max)
    }

    @Test func durations() {
        let cases: [(String, Double?)] = [
            ("0", 0), ("30", 30), ("0.25", 0.25), ("90s", 90), ("20m", 1200), ("1h", 3600), ("1h30m", 5400), ("500ms", 0.5),
            ("1m30s", 90), ("1.5h", 5400), ("1d", 86400), ("2H", 7200), ("1h0m0s", 3600),
            ("", nil), ("soon", nil), ("-1s", nil), ("1x", nil), ("1h30", nil), ("h", nil), ("1 h", nil), ("1e3", nil),
            ("..5s", nil),
        ]
        for (text, expected) in cases {
            #expect(DurationParser.parse(text) == expected, "\(text)")
        }
    }

    @Test func sizeRoundTrips() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let shift = UInt64.random(in: 0...40, using: &rng)
            let value = UInt64.random(in: 0...(1 << 20), using: &rng) << shift
            let text = ByteSize.format(value)
            #expect(ByteSize.parse(text) == value, "\(value) → \(text)")
            #expect(ByteSize.parse(text.uppercased()) == value)
            #expect(ByteSize.parse(String(value)) == value)
        }
    }

    @Test func durationRoundTrips() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let millis = UInt64.random(in: 0...(10 * 86_400_000), using: &rng)
            let seconds = Double(millis) / 1000
            let text = DurationParser.format(seconds)
            let back = DurationParser.parse(text)
            #expect(back.map { abs($0 - seconds) < 1e-6 } == true, "\(seconds) → \(text)")
        }
    }

    @Test func garbageNeverCrashes() {
        var rng = SplitMix64(seed: 1234)
        let alphabet = Array("0123456789.kmgtbiKMGTBIhsdx -+_eE\u{0}\u{1F600}".unicodeScalars)
        for _ in 0..<20000 {
            let length = Int.random(in: 0...24, using: &rng)
            var text = String.UnicodeScalarView()
            for _ in 0..<length { text.append(alphabet.randomElement(using: &rng)!) }
            let string = String(text)
            if let bytes = ByteSize.parse(string) {
                #expect(ByteSize.parse(ByteSize.format(bytes)) == bytes)
            }
            if let seconds = DurationParser.parse(string) {
                #expect(seconds >= 0 && seconds.isFinite)
            }
        }
    }

    @Test func namesTables() {
        #expect(SocketFamily.number(named: "unix") == 1)
        #expect(SocketFamily.number(named: "AF_INET6") == 10)
        #expect(SocketFamily.number(named: "local") == 1)
        #expect(SocketFamily.number(named: "netlink") == 16)
        #expect(SocketFamily.number(named: "nope") == nil)
        #expect(SocketFamily.name(of: 2) == "inet")
        #expect(RlimitName.validate("NOFILE") == .nofile)
        #expect(RlimitName.validate("RLIMIT_AS") == .as)
        #expect(RlimitName.validate("files") == nil)
        for name in ["nofile", "core", "fsize", "nproc", "stack", "as", "cpu", "memlock", "data", "locks", "msgqueue",
                     "nice", "rtprio", "rttime", "sigpending"] {
            #expect(RlimitName.validate(name) != nil, "\(name)")
        }
        #expect(ErrnoName.number(for: "EPERM") == 1)
        #expect(ErrnoName.number(for: "enosys") == 38)
        #expect(ErrnoName.number(for: "0") == nil)
        #expect(SyscallName.isKnown("openat"))
        #expect(SyscallName.isKnown("clone3"))
        #expect(!SyscallName.isKnown("frobnicate"))
        #expect(!SyscallName.isKnown("socketcall"))
        #expect(!SyscallName.isKnown("READ"))
    }
}

import Glibc
import StockadeTestSupport
import Testing
@testable import StockadeNet

/// Random and mutated first flights: the readers never crash, never return
/// a name that is not a host name, and a decision, once made, never changes
/// as more bytes arrive (the relay acts on the first one).
///
/// `STOCKADE_FIRST_FLIGHT_FUZZ_ITERATIONS` and `..._SEED` widen or move the run.
@Suite struct FirstFlightFuzzTests {
    static func env(_ key: String) -> UInt64? {
        guard let raw = getenv(key) else { return nil }
        return UInt64(String(cString: raw))
    }

    static var seeds: [([UInt8], FirstFlightProtocol)] {
        var ech = HelloBuilder(sni: "public.example.net")
        ech.extensions.append((0xFE0D, [0, 0, 1, 0, 1]))
        return [
            (RealClientHellos.openSSL13, .tls), (RealClientHellos.openSSL12, .tls), (RealClientHellos.curl, .tls),
            (RealClientHellos.openSSLNoSNI, .tls), (HelloBuilder.records(handshakeOf(RealClientHellos.python), fragment: 40), .tls),
            (ech.bytes, .tls),
            (http(FirstFlightHTTPTests.curl), .http),
            (http("GET http://a.example.com:8080/x HTTP/1.1\r\nHost: A.example.com\r\nX: y\r\n\r\n"), .http),
            (http("CONNECT b.example.org:443 HTTP/1.1\r\nHost: b.example.org:443\r\n\r\n"), .http),
        ]
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let n = bytes.count
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where n > 0:
                bytes[Int.random(in: 0..<n, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1 where n > 0:
                bytes[Int.random(in: 0..<n, using: &rng)] = [0x00, 0x01, 0x0A, 0x0D, 0x20, 0x2E, 0x3A, 0x7F, 0x80, 0xFF].randomElement(using: &rng)!
            case 2 where n > 1:
                // Lie in a length: TLS lengths are big-endian 16-bit words.
                let at = Int.random(in: 0..<n - 1, using: &rng)
                let v = UInt16.random(in: 0...0xFFFF, using: &rng)
                bytes[at] = UInt8(v >> 8)
                bytes[at + 1] = UInt8(v & 0xFF)
            case 3:
                let at = Int.random(in: 0...n, using: &rng)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 4 where n > 0:
                let at = Int.random(in: 0..<n, using: &rng)
                bytes.removeSubrange(at..<min(n, at + Int.random(in: 1...8, using: &rng)))
            case 5 where n > 2:
                let from = Int.random(in: 0..<n, using: &rng)
                let chunk = bytes[from..<min(n, from + Int.random(in: 1...16, using: &rng))]
                bytes.insert(contentsOf: chunk, at: Int.random(in: 0...n, using: &rng))
            case 6 where n > 0:
                bytes.removeLast(Int.random(in: 1...n, using: &rng))
            case 7 where n > 0:
                // A case flip or a dot in the middle of a name.
                let at = Int.random(in: 0..<n, using: &rng)
                bytes[at] = bytes[at] ^ 0x20
            default:
                break
            }
        }
        return bytes
    }

    /// Checks one input; returns a problem or nil.
    static func check(_ bytes: [UInt8], _ proto: FirstFlightProtocol, _ rng: inout SplitMix64) -> String? {
        let verdict = FirstFlight.inspect(bytes, expecting: proto)
        switch verdict {
        case .named(let name), .encryptedHello(outerName: let name):
            if !FirstFlightName.isNormalized(name) { return "returned \(name.utf8.map { $0 })" }
        case .needMore, .refused:
            break
        }
        // Stability: a decision on a prefix is the decision on the whole.
        if !bytes.isEmpty {
            let cut = Int.random(in: 0..<bytes.count, using: &rng)
            let early = FirstFlight.inspect(Array(bytes[..<cut]), expecting: proto)
            if early != .needMore, early != verdict { return "prefix \(cut) gave \(early), whole \(verdict)" }
        }
        return nil
    }

    @Test func mutatedAndRandomInputsNeverCrashOrYieldABadName() {
        let iterations = Int(Self.env("STOCKADE_FIRST_FLIGHT_FUZZ_ITERATIONS") ?? 20_000)
        let seed = Self.env("STOCKADE_FIRST_FLIGHT_FUZZ_SEED") ?? 0xF1F5_7F11
        var rng = SplitMix64(seed: seed)
        let seeds = Self.seeds
        var counts: [String: Int] = [:]
        var problems = 0
        for i in 0..<iterations {
            let input: [UInt8]
            let proto: FirstFlightProtocol
            if i % 10 == 0 {
                proto = Bool.random(using: &rng) ? .tls : .http
                input = (0..<Int.random(in: 0..<600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                let base = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                proto = Int.random(in: 0..<20, using: &rng) == 0 ? (base.1 == .tls ? .http : .tls) : base.1
                input = Self.mutate(base.0, &rng)
            }
            let verdict = FirstFlight.inspect(input, expecting: proto)
            counts["\(verdict)".split(separator: "(").first.map(String.init) ?? "", default: 0] += 1
            if let problem = Self.check(input, proto, &rng) {
                problems += 1
                if problems <= 10 { Issue.record("seed \(seed) input #\(i) (\(proto)): \(problem)") }
            }
        }
        print("first-flight-fuzz: iterations=\(iterations) seed=\(seed) verdicts=\(counts.sorted { $0.key < $1.key })")
        #expect(problems == 0)
        // The mutations reach past the first checks: some names still come out.
        #expect((counts["named"] ?? 0) > 0 && (counts["refused"] ?? 0) > 0 && (counts["needMore"] ?? 0) > 0)
    }
}

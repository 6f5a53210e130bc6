import Glibc
import StockadeAddress
import StockadeTestSupport
import Testing
@testable import StockadeNet

/// Mutation fuzzing of the parser and the engine on real packets.
///
/// The default slice (20k inputs, fixed seed) runs with the unit tests.
/// `STOCKADE_DNS_FUZZ_ITERATIONS` raises it (Benchmarks/dns-fuzz runs 1M);
/// `STOCKADE_DNS_FUZZ_SEED` changes the seed. A crash or hang fails the run
/// by killing the process; the test also checks the round-trip property.
@Suite struct DNSFuzzTests {
    static func env(_ key: String) -> UInt64? {
        guard let raw = getenv(key) else { return nil }
        return UInt64(String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self))
    }

    static func seeds() -> [[UInt8]] {
        var seeds = Packets.all
        seeds.append(query("api.github.com", .aaaa, edns: true))
        seeds.append(query("x.githubusercontent.com", .https))
        let q = query("raw.githubusercontent.com")
        seeds.append(upstreamReply(to: q, answers: [
            cnameRecord("raw.githubusercontent.com", "a.fastly.net"), aRecord("a.fastly.net", "185.199.108.133"),
            aaaaRecord("a.fastly.net", "2606:50c0:8000::154"),
        ]))
        var withSOA = try! DNSMessage.parse(Packets.nxdomainSOA)
        withSOA.additionals = [.opt(payloadSize: 4096)]
        seeds.append(try! withSOA.serialize())
        return seeds
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let n = bytes.count
            switch Int.random(in: 0..<9, using: &rng) {
            case 0 where n > 0:
                bytes[Int.random(in: 0..<n, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1 where n > 0:
                bytes[Int.random(in: 0..<n, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 2 where n > 0:
                bytes[Int.random(in: 0..<n, using: &rng)] = [0x00, 0x01, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFF].randomElement(using: &rng)!
            case 3 where n > 1:
                // A compression pointer to a random offset, maybe forward, maybe self.
                let at = Int.random(in: 0..<n - 1, using: &rng)
                let target = Int.random(in: 0..<max(1, n + 4), using: &rng)
                bytes[at] = 0xC0 | UInt8(target >> 8 & 0x3F)
                bytes[at + 1] = UInt8(target & 0xFF)
            case 4:
                let at = Int.random(in: 0...n, using: &rng)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 5 where n > 0:
                let at = Int.random(in: 0..<n, using: &rng)
                bytes.removeSubrange(at..<min(n, at + Int.random(in: 1...8, using: &rng)))
            case 6 where n > 0:
                bytes.removeLast(Int.random(in: 1...n, using: &rng))
            case 7 where n >= 12:
                // Lie in a count field.
                let field = 4 + 2 * Int.random(in: 0..<4, using: &rng)
                let v = UInt16.random(in: 0...0xFFFF, using: &rng)
                bytes[field] = UInt8(v >> 8)
                bytes[field + 1] = UInt8(v & 0xFF)
            case 8 where n > 2:
                let from = Int.random(in: 0..<n, using: &rng)
                let chunk = bytes[from..<min(n, from + Int.random(in: 1...16, using: &rng))]
                bytes.insert(contentsOf: chunk, at: Int.random(in: 0...n, using: &rng))
            default:
                break
            }
        }
        return bytes
    }

    struct Stats {
        var parsed = 0
        var rejected = 0
        var replies = 0
    }

    static func run(iterations: Int, seed: UInt64) -> Stats {
        var rng = SplitMix64(seed: seed)
        let seeds = seeds()
        var engine = DNSProxyEngine(
            config: DNSProxyConfig(
                allowlist: try! DomainAllowlist(parsing: ["api.github.com", "*.githubusercontent.com", "*.example.com", "example.com"]),
                queriesPerSecond: 1e9, queryBurst: 1e9, maxPending: 64),
            ids: .seeded(seed))
        var stats = Stats()
        var now = at(0)
        for i in 0..<iterations {
            let input = mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            do {
                let message = try DNSMessage.parse(input)
                stats.parsed += 1
                if let again = try? message.serialize() {
                    let reparsed = try DNSMessage.parse(again)
                    if reparsed != message { Issue.record("round trip changed input #\(i): \(input)") }
                }
            } catch {
                stats.rejected += 1
            }
            now = DNSInstant(nanoseconds: now.nanoseconds + 1_000_000)
            // The engine sees every input as a query, and as a reply to a pending query.
            var decision = engine.handleQuery(input, from: testClient, now: now)
            if case .forward = decision.action {} else if Bool.random(using: &rng) {
                decision = engine.handleQuery(query("api.github.com", edns: Bool.random(using: &rng)), from: testClient, now: now)
            }
            var reply = input
            if case .forward(let up, let id) = decision.action, reply.count >= 2, Int.random(in: 0..<4, using: &rng) != 0 {
                let answers = [cnameRecord("api.github.com", "b.example"), aRecord("b.example", "140.82.112.6"),
                               aRecord("api.github.com", "10.0.0.1")]
                let clean = upstreamReply(to: up, answers: answers, truncated: Int.random(in: 0..<8, using: &rng) == 0)
                reply = Int.random(in: 0..<4, using: &rng) == 0 ? clean : mutate(clean, &rng)
                if reply.count >= 2 {
                    reply[0] = UInt8(id >> 8)
                    reply[1] = UInt8(id & 0xFF)
                }
            }
            if case .reply = engine.handleUpstreamReply(reply, now: now) { stats.replies += 1 }
            if i % 50 == 0 { _ = engine.expire(now: now.adding(seconds: 10)) }
        }
        return stats
    }

    @Test func mutatedPacketsNeverCrashOrHang() {
        let iterations = Int(Self.env("STOCKADE_DNS_FUZZ_ITERATIONS") ?? 20_000)
        let seed = Self.env("STOCKADE_DNS_FUZZ_SEED") ?? 0x5EED_D115
        let clock = ContinuousClock()
        var stats = Stats()
        let elapsed = clock.measure { stats = Self.run(iterations: iterations, seed: seed) }
        print("dns-fuzz: iterations=\(iterations) seed=\(seed) parsed=\(stats.parsed) rejected=\(stats.rejected) engine_replies=\(stats.replies) crashes=0 elapsed=\(elapsed)")
        #expect(stats.parsed + stats.rejected == iterations)
        #expect(stats.parsed > 0 && stats.rejected > 0)
    }
}

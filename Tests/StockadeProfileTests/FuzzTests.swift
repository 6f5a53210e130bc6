import Foundation
import StockadeProfile
import StockadeTestSupport
import Testing

@Suite("Mutated profiles")
struct FuzzTests {
    /// Random byte edits of a valid profile: decoding must never crash; it
    /// either succeeds or throws a ProfileError (typed throws guarantee the type).
    @Test func mutationsNeverCrash() throws {
        let seed = try String(contentsOfFile: shippedProfilesDirectory + "/default.yaml", encoding: .utf8)
            + "\n" + DecodeTests.full.replacingOccurrences(of: "extends: [default, ./base.yaml]\n", with: "")
        let original = Array(seed.utf8)
        let interesting: [UInt8] = Array(":-[]{},#&*!|>'\"%@`\n\t ~?0123456789abcxyz/.".utf8) + [0, 0xff, 0xc3]
        var rng = SplitMix64(seed: 0x5eed)
        var accepted = 0
        var rejected = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[position] = interesting.randomElement(using: &rng)!
                case 1: bytes.insert(interesting.randomElement(using: &rng)!, at: position)
                case 2: bytes.remove(at: position)
                default: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ProfileLoader.decode(yaml: text, path: "fuzz.yaml")
                accepted += 1
            } catch {
                #expect(error.file == "fuzz.yaml")
                #expect(!error.message.isEmpty)
                rejected += 1
            }
        }
        #expect(accepted + rejected == 3000)
        #expect(rejected > 0)
    }
}

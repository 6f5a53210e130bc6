import StockadeTestSupport
import Testing
@testable import StockadeEvents

@Suite struct RedactorTests {
    @Test func replacesEveryOccurrence() {
        let r = Redactor(secrets: ["hunter2!"])
        #expect(r.redact("pw=hunter2! and hunter2!") == "pw=[REDACTED] and [REDACTED]")
        #expect(r.redact("nothing here") == "nothing here")
        #expect(r.redact("hunter2") == "hunter2")
    }

    @Test func shortAndEmptySecretsAreIgnored() {
        let r = Redactor(secrets: ["", "a", "on", "abc"])
        #expect(r.isEmpty)
        #expect(r.redact("abc on a") == "abc on a")
        #expect(!Redactor(secrets: ["abcd"]).isEmpty)
    }

    @Test func overlappingSecretsLeaveNoFragment() {
        let r = Redactor(secrets: ["abcdef", "defghi"])
        #expect(r.redact("xabcdefghiy") == "x[REDACTED]y")
        let r2 = Redactor(secrets: ["aaaa"])
        #expect(r2.redact("aaaaaa") == "[REDACTED]")
        // Adjacent occurrences merge too.
        #expect(r2.redact("aaaaaaaa") == "[REDACTED]")
        #expect(r2.redact("aaaab") == "[REDACTED]b")
    }

    @Test func nonASCIISecretsMatchOnBytes() {
        let r = Redactor(secrets: ["pässwörd", "🔑🔑"])
        #expect(r.redact("x pässwörd y 🔑🔑 z") == "x [REDACTED] y [REDACTED] z")
        // Overlapping occurrences (at scalar 0 and 1) merge into one marker.
        #expect(r.redact("🔑🔑🔑") == "[REDACTED]")
        // A decomposed spelling is different bytes; redaction is exact, not normalizing.
        #expect(r.redact("pa\u{308}sswörd") == "pa\u{308}sswörd")
    }

    @Test func redactsNestedValuesAndKeys() {
        let secret = "tok_0123456789"
        let r = Redactor(secrets: [secret])
        let value: JSONValue = [
            "a": .string("Bearer \(secret)"),
            "list": [1, .string(secret), ["deep": [.string("x\(secret)")]]],
            .init(stringLiteral: "k-\(secret)"): true,
            "n": 42, "d": 1.5, "z": nil,
        ]
        let redacted = r.redact(value)
        let text = JSONEncoding.encode(redacted)
        #expect(!text.contains(secret))
        #expect(text == #"{"a":"Bearer [REDACTED]","list":[1,"[REDACTED]",{"deep":["x[REDACTED]"]}],"k-[REDACTED]":true,"n":42,"d":1.5,"z":null}"#)
    }

    @Test func secretsNeverSurviveEncodingRandomized() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let secret = "S" + rng.string() + "ecret"
            let r = Redactor(secrets: [secret])
            var value = rng.value(depth: 0)
            value = ["wrap": value, "s": .string(rng.string() + secret + rng.string())]
            let text = JSONEncoding.encode(r.redact(value))
            // Check on the parsed strings too: escaping could hide a match in the text.
            let parsed = try? JSONParser().parse(text)
            #expect(!allStrings(parsed ?? .null).contains { $0.utf8.contains(secret.utf8) })
        }
    }

    private func allStrings(_ v: JSONValue) -> [String] {
        switch v {
        case let .string(s): return [s]
        case let .array(a): return a.flatMap(allStrings)
        case let .object(o): return o.members.flatMap { [$0.key] + allStrings($0.value) }
        default: return []
        }
    }
}

extension Collection where Element == UInt8 {
    /// Whether `needle` occurs as a contiguous run of bytes.
    func contains(_ needle: some Collection<UInt8>) -> Bool {
        let hay = Array(self), n = Array(needle)
        guard !n.isEmpty, n.count <= hay.count else { return n.isEmpty }
        return (0...(hay.count - n.count)).contains { hay[$0..<($0 + n.count)].elementsEqual(n) }
    }
}

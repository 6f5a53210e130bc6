import StockadeTestSupport
import Testing
@testable import StockadeEvents

@Suite struct JSONParserTests {
    let parser = JSONParser()

    @Test func readsEveryKind() throws {
        let v = try parser.parse(#" {"a":[1,-2,3.5,1e3,true,false,null,"s"],"b":{},"c":[]} "#)
        #expect(v == ["a": [1, -2, 3.5, 1000.0, true, false, nil, "s"], "b": .object([:]), "c": []])
    }

    @Test func integerRanges() throws {
        #expect(try parser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try parser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parser.parse("18446744073709551615") == .uint(UInt64.max))
        #expect(try parser.parse("18446744073709551616") == .double(18446744073709551616.0))
        #expect(try parser.parse("-0") == .int(0))
        #expect(try parser.parse("-0.0") == .double(-0.0))
        #expect(try parser.parse("1E+2") == .double(100))
    }

    @Test func escapes() throws {
        #expect(try parser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parser.parse(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try parser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parser.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parser.parse("\"é😀\"") == .string("é😀"))
    }

    @Test(arguments: [
        ("", JSONParseError.Reason.unexpectedEnd),
        ("   ", .unexpectedEnd),
        ("{", .unexpectedEnd),
        ("[1,", .unexpectedEnd),
        (#"{"a"}"#, .unexpectedByte),
        (#"{"a":1,}"#, .unexpectedByte),
        ("[1,]", .unexpectedByte),
        ("[1 2]", .unexpectedByte),
        ("{'a':1}", .unexpectedByte),
        ("{a:1}", .unexpectedByte),
        ("// c\n1", .unexpectedByte),
        ("NaN", .unexpectedByte),
        ("Infinity", .unexpectedByte),
        ("+1", .unexpectedByte),
        ("tru", .unexpectedEnd),
        ("trUe", .invalidLiteral),
        ("nul", .unexpectedEnd),
        ("01", .invalidNumber),
        ("-", .invalidNumber),
        ("1.", .invalidNumber),
        (".5", .unexpectedByte),
        ("1e", .invalidNumber),
        ("1e+", .invalidNumber),
        ("-a", .invalidNumber),
        ("1e400", .numberOutOfRange),
        ("-1e400", .numberOutOfRange),
        (#""abc"#, .unexpectedEnd),
        ("\"a\tb\"", .controlCharacterInString),
        ("\"a\nb\"", .controlCharacterInString),
        (#""\x""#, .invalidEscape),
        (#""\u12""#, .unexpectedEnd),
        (#""\u12G4""#, .invalidEscape),
        (#""\ud800""#, .loneSurrogate),
        (#""\ud800\u0041""#, .loneSurrogate),
        (#""\udc00""#, .loneSurrogate),
        (#"{"a":1,"a":2}"#, .duplicateKey),
        ("1 2", .trailingData),
        ("{}x", .trailingData),
        ("{}\n{}", .trailingData),
    ])
    func rejects(text: String, reason: JSONParseError.Reason) {
        #expect(throws: JSONParseError.self) { try parser.parse(text) }
        do {
            _ = try parser.parse(text)
        } catch {
            #expect(error.reason == reason, "\(text.debugDescription): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() throws {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3],
            [0x22, 0xE2, 0x82, 0x22],
        ]
        for bytes in cases {
            #expect(throws: JSONParseError(.invalidUTF8, at: 1)) { try parser.parse(bytes: bytes) }
        }
        #expect(try parser.parse(bytes: Array("\"é€😀\"".utf8)) == .string("é€😀"))
    }

    @Test func depthIsBounded() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parser.parse(ok)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try parser.parse(deep) }
        let deepObject = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError(.tooDeep, at: 5 * 64)) { try parser.parse(deepObject) }
    }

    @Test func parseObjectRequiresAnObject() throws {
        #expect(try parser.parseObject(#"{"a":1}"#) == ["a": 1])
        #expect(throws: JSONParseError.self) { try parser.parseObject("[1]") }
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for _ in 0..<2000 {
            let value = rng.value(depth: 0)
            let text = JSONEncoding.encode(value)
            let back = try parser.parse(text)
            #expect(back == value, "\(text)")
            #expect(JSONEncoding.encode(back) == text)
        }
    }

    /// Mutates valid event lines thousands of times. The parser must
    /// return or throw (never trap, never hang), and whatever it accepts
    /// must re-encode to something it accepts again, unchanged.
    @Test func mutationFuzz() {
        var rng = SplitMix64(seed: 42)
        let seeds = SampleEvents.all().map { Array($0.utf8) } + [
            Array(#"{"a":"\ud83d\ude00\u0000","b":[1e5,-0.5,18446744073709551615,{}]}"#.utf8),
            Array("\"é€😀\"".utf8),
        ]
        let interesting = Array(#"{}[]",:\\u0123456789eE.+-tfnlrs "#.utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
        var accepted = 0
        for _ in 0..<6000 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let pos = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 6 {
                case 0 where !bytes.isEmpty: bytes[pos] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: pos)
                case 2 where !bytes.isEmpty: bytes.remove(at: pos)
                case 3: bytes.removeSubrange(pos...)
                case 4 where !bytes.isEmpty:
                    let end = min(bytes.count, pos + 1 + Int(rng.next() % 16))
                    bytes.insert(contentsOf: bytes[pos..<end], at: pos)
                default:
                    if !bytes.isEmpty { bytes[pos] = interesting[Int(rng.next() % UInt64(interesting.count))] }
                }
            }
            guard let value = try? parser.parse(bytes: bytes) else { continue }
            accepted += 1
            let again = try? parser.parse(JSONEncoding.encode(value))
            #expect(again == value)
        }
        // The mutations are gentle enough that some inputs stay valid.
        #expect(accepted > 0)
    }
}

import Testing
@testable import StockadeEvents

@Suite struct JSONEncodingTests {
    @Test func scalars() {
        #expect(JSONEncoding.encode(.null) == "null")
        #expect(JSONEncoding.encode(.bool(true)) == "true")
        #expect(JSONEncoding.encode(.bool(false)) == "false")
        #expect(JSONEncoding.encode(.string("")) == #""""#)
        #expect(JSONEncoding.encode([]) == "[]")
        #expect(JSONEncoding.encode(.object([:])) == "{}")
    }

    @Test func integersAreExact() {
        #expect(JSONEncoding.encode(.int(0)) == "0")
        #expect(JSONEncoding.encode(.int(-1)) == "-1")
        #expect(JSONEncoding.encode(.int(Int64.max)) == "9223372036854775807")
        #expect(JSONEncoding.encode(.int(Int64.min)) == "-9223372036854775808")
        #expect(JSONEncoding.encode(.uint(UInt64.max)) == "18446744073709551615")
        #expect(JSONValue(UInt64.max) == .uint(UInt64.max))
        #expect(JSONValue(UInt64(5)) == .int(5))
        #expect(JSONValue.uint(5) == JSONValue.int(5))
        #expect(JSONValue.int(-1) != JSONValue.uint(UInt64.max))
    }

    @Test func doubles() {
        #expect(JSONEncoding.encode(.double(1.5)) == "1.5")
        #expect(JSONEncoding.encode(.double(1)) == "1.0")
        #expect(JSONEncoding.encode(.double(-0.0)) == "-0.0")
        #expect(JSONEncoding.encode(.double(1e-5)) == "1e-05")
        #expect(JSONEncoding.encode(.double(.greatestFiniteMagnitude)) == "1.7976931348623157e+308")
        #expect(JSONEncoding.encode(.double(.nan)) == "null")
        #expect(JSONEncoding.encode(.double(.infinity)) == "null")
        #expect(JSONEncoding.encode(.double(-.infinity)) == "null")
        #expect(JSONValue.number(.nan) == .null)
        #expect(JSONValue.number(2.5) == .double(2.5))
        // Every finite double's text parses back to the same bits.
        for d in [0.1, 1.0 / 3.0, Double.leastNonzeroMagnitude, 2.2250738585072014e-308, 123456789.125, -9.5e100] {
            let back = try? JSONParser().parse(JSONEncoding.encode(.double(d)))
            #expect(back == .double(d))
        }
    }

    @Test func quotesAndBackslash() {
        #expect(JSONEncoding.encode(.string(#"a"b\c/d"#)) == #""a\"b\\c/d""#)
    }

    @Test func everyControlCharacterIsEscaped() {
        for v in UInt32(0)..<0x20 {
            let s = String(Unicode.Scalar(v)!)
            let hex = String(v, radix: 16)
            let expected = "\"\\u" + String(repeating: "0", count: 4 - hex.count) + hex + "\""
            #expect(JSONEncoding.encode(.string(s)) == expected)
        }
        #expect(JSONEncoding.encode(.string("\u{7F}")) == #""\u007f""#)
        #expect(JSONEncoding.encode(.string("\u{85}\u{9B}")) == #""\u0085\u009b""#)
        #expect(JSONEncoding.encode(.string("a\u{2028}b\u{2029}")) == #""a\u2028b\u2029""#)
        #expect(JSONEncoding.encode(.string("line1\r\nline2\t")) == #""line1\u000d\u000aline2\u0009""#)
    }

    @Test func nonASCIIIsUTF8() {
        let s = "é€😀日本 \u{A0}"
        #expect(JSONEncoding.encode(.string(s)) == "\"" + s + "\"")
        // Combining sequences stay byte-exact.
        let combining = "e\u{301}"
        #expect(Array(JSONEncoding.encode(.string(combining)).utf8) == Array("\"e\u{301}\"".utf8))
    }

    @Test func outputIsOneLine() throws {
        let all = String(String.UnicodeScalarView((0..<0x3000).compactMap(Unicode.Scalar.init)))
        let value: JSONValue = ["k\n": .string(all), "arr": [.string(all)]]
        let line = JSONEncoding.encode(value)
        for breaker: Unicode.Scalar in ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"] {
            #expect(!line.unicodeScalars.contains(breaker))
        }
        #expect(try JSONParser().parse(line) == value)
    }

    @Test func objectsKeepInsertionOrder() {
        var o: JSONObject = ["z": 1, "a": 2]
        o["m"] = 3
        o["z"] = 4  // replace in place, keep position
        #expect(JSONEncoding.encode(object: o) == #"{"z":4,"a":2,"m":3}"#)
        o["a"] = nil
        #expect(o.keys == ["z", "m"])
        let literal: JSONObject = ["b": true, "a": nil, "c": [1, "x", 2.5, ["n": []]]]
        #expect(JSONEncoding.encode(object: literal) == #"{"b":true,"a":null,"c":[1,"x",2.5,{"n":[]}]}"#)
        let xy: JSONObject = ["x": 1, "y": 2]
        #expect(xy.hasSameMembers(as: ["y": 2, "x": 1]))
        #expect(xy != ["y": 2, "x": 1])
    }

    @Test func keysAreEscapedToo() {
        #expect(JSONEncoding.encode(object: ["a\"\u{0}": 1]) == #"{"a\"\u0000":1}"#)
    }
}

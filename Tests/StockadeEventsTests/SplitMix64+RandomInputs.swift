@testable import StockadeEvents

import StockadeTestSupport

/// Random inputs for the fuzz and property tests of this target.
extension SplitMix64 {
    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(next() % 12) {
            switch next() % 4 {
            case 0: scalars.append(Unicode.Scalar(UInt8(next() % 0x80)))
            case 1: scalars.append(Unicode.Scalar(UInt32(next() % 0x30)) ?? "x")
            case 2: scalars.append(Unicode.Scalar(UInt32(0x80 + next() % 0xD700)) ?? "y")
            default: scalars.append(Unicode.Scalar(UInt32(0x10000 + next() % 0xFFFFF)) ?? "z")
            }
        }
        return String(scalars)
    }

    mutating func value(depth: Int) -> JSONValue {
        switch next() % (depth > 3 ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: next()) >> Int64(next() % 64))
        case 3: return .uint(UInt64(Int64.max) + 1 + next() % UInt64(Int64.max))
        case 4:
            let d = Double(bitPattern: next())
            return d.isFinite ? .double(d) : .double(Double(Int32(truncatingIfNeeded: next())) / 7)
        case 5: return .string(string())
        case 6: return .array((0..<Int(next() % 5)).map { _ in value(depth: depth + 1) })
        default:
            var o = JSONObject()
            for _ in 0..<Int(next() % 5) { o[string()] = value(depth: depth + 1) }
            return .object(o)
        }
    }
}

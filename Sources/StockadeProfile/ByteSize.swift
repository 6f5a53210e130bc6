/// Parses sizes such as `512m`, `2g`, `1.5G`, `4096`, `64KiB`.
///
/// Suffixes are 1024-based and case-insensitive: `k`, `m`, `g`, `t`, each
/// optionally followed by `b` or `ib`; a bare `b` means bytes. Fractions are
/// allowed with a suffix (`1.5g`) and must come out as a whole number of bytes.
public enum ByteSize {
    /// Bytes, or `nil` for anything malformed, negative or above `UInt64.max`.
    public static func parse(_ text: String) -> UInt64? {
        let lower = text.trimmingSpaces().lowercased()
        guard !lower.isEmpty, lower.utf8.count <= 64 else { return nil }
        var digits = Substring(lower)
        var unit: UInt64 = 1
        // Strip the unit from the end: [kmgt]?(i?b)?
        if digits.hasSuffix("ib") {
            digits = digits.dropLast(2)
            guard let last = digits.last, let mult = multiplier(last) else { return nil }
            unit = mult
            digits = digits.dropLast()
        } else {
            if digits.hasSuffix("b") {
                digits = digits.dropLast()
            }
            if let last = digits.last, let mult = multiplier(last) {
                unit = mult
                digits = digits.dropLast()
            }
        }
        guard let number = DecimalNumber(digits) else { return nil }
        return number.scaled(by: unit)
    }

    /// The most compact exact spelling (`2g`, `1536m`, `100`), which `parse` reads back.
    public static func format(_ bytes: UInt64) -> String {
        let units: [(UInt64, String)] = [(1 << 40, "t"), (1 << 30, "g"), (1 << 20, "m"), (1 << 10, "k")]
        for (size, suffix) in units where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return String(bytes)
    }

    private static func multiplier(_ c: Character) -> UInt64? {
        switch c {
        case "k": return 1 << 10
        case "m": return 1 << 20
        case "g": return 1 << 30
        case "t": return 1 << 40
        default: return nil
        }
    }
}

/// An unsigned decimal `123` or `1.25`, kept as integer and fraction digits so
/// byte sizes scale exactly without floating-point rounding.
struct DecimalNumber {
    var whole: Substring
    var fraction: Substring

    init?(_ text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        whole = parts[0]
        fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty,
              parts.count == 1 || !fraction.isEmpty,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    }

    var value: Double {
        Double("\(whole.isEmpty ? "0" : whole).\(fraction.isEmpty ? "0" : fraction)") ?? .infinity
    }

    /// `self * unit` when that is a whole number of bytes within `UInt64`.
    func scaled(by unit: UInt64) -> UInt64? {
        var result: UInt64 = 0
        for digit in whole {
            let (m, o1) = result.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(digit.asciiValue! - 48))
            guard !o1, !o2 else { return nil }
            result = a
        }
        let (scaled, overflow) = result.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        // The fraction must divide out exactly: fraction digits f over 10^n times unit.
        let trimmed = fraction.reversed().drop { $0 == "0" }.reversed()
        guard !trimmed.isEmpty else { return scaled }
        guard trimmed.count <= 19 else { return nil }
        var numerator: UInt64 = 0
        var denominator: UInt64 = 1
        for digit in trimmed {
            numerator = numerator * 10 + UInt64(digit.asciiValue! - 48)
            denominator *= 10
        }
        let (product, o3) = numerator.multipliedReportingOverflow(by: unit)
        guard !o3, product % denominator == 0 else { return nil }
        let (sum, o4) = scaled.addingReportingOverflow(product / denominator)
        return o4 ? nil : sum
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

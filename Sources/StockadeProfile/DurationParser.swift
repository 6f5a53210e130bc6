/// Parses durations into seconds: `90s`, `20m`, `1h30m`, `500ms`, `1.5h`, or
/// a plain number of seconds (`30`, `0.25`). Units: `ms`, `s`, `m`, `h`, `d`.
public enum DurationParser {
    /// Seconds, or `nil` when malformed or negative.
    public static func parse(_ text: String) -> Double? {
        let lower = text.trimmingSpaces().lowercased()
        guard !lower.isEmpty, lower.utf8.count <= 64 else { return nil }
        if let plain = DecimalNumber(Substring(lower)) {
            return plain.value
        }
        var total = 0.0
        var rest = Substring(lower)
        while !rest.isEmpty {
            let numberPart = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let number = DecimalNumber(numberPart) else { return nil }
            rest = rest.dropFirst(numberPart.count)
            let unitPart = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitPart.count)
            let scale: Double
            switch unitPart {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: return nil
            }
            total += number.value * scale
        }
        return total.isFinite ? total : nil
    }

    /// A spelling `parse` reads back to the same value (`90s` → `1m30s`, `0.5` → `500ms`).
    public static func format(_ seconds: Double) -> String {
        let millis = (seconds * 1000).rounded()
        guard millis.isFinite, millis >= 0, millis < 1e15 else { return String(seconds) }
        var ms = UInt64(millis)
        if ms == 0 { return "0s" }
        var out = ""
        for (size, suffix) in [(UInt64(3_600_000), "h"), (60_000, "m"), (1000, "s"), (1, "ms")] where ms >= size {
            out += "\(ms / size)\(suffix)"
            ms %= size
        }
        return out
    }
}

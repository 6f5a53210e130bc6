/// Indented JSON for people (`--dry-run`, `check`); events stay one line each.
public struct JSONPrettyPrinter: Sendable {
    /// Members in key order (byte-wise), so output is stable and diffable.
    public var sortKeys = false
    /// Between a key and its value: `": "`, or `" : "` as Foundation's
    /// `JSONEncoder` writes it (so `check` output reads back anywhere).
    public var keySeparator = ": "
    /// Whole doubles as integers (`3`, not `3.0`), as `JSONEncoder` writes them.
    public var wholeDoublesAsIntegers = false

    public init(sortKeys: Bool = false, keySeparator: String = ": ", wholeDoublesAsIntegers: Bool = false) {
        self.sortKeys = sortKeys
        self.keySeparator = keySeparator
        self.wholeDoublesAsIntegers = wholeDoublesAsIntegers
    }

    public func render(_ value: JSONValue) -> String {
        var out = ""
        render(value, indent: "", into: &out)
        return out
    }

    private func render(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                render(item, indent: inner, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            let members = sortKeys
                ? object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                : object.members
            for (index, member) in members.enumerated() {
                out += inner + JSONEncoding.encode(.string(member.key)) + keySeparator
                render(member.value, indent: inner, into: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case .double(let number) where wholeDoublesAsIntegers && number == number.rounded(.towardZero) && abs(number) < 9_007_199_254_740_992:
            out += String(Int64(number))
        default:
            out += JSONEncoding.encode(value)
        }
    }
}

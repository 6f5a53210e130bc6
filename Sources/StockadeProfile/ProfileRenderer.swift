import StockadeEvents

/// Renders a merged profile for `sandbox-run check` and `--dry-run`.
public enum ProfileRenderer {
    /// Pretty JSON with sorted keys, so output is stable and diffable. The
    /// layout (`"key" : value`, two-space indent) and the member names are
    /// those of the `Codable` conformances, so the text decodes back into a
    /// `Profile` with any JSON decoder.
    public static func json(_ profile: Profile) -> String {
        let root = JSONValueEncoder.Node()
        do {
            try profile.encode(to: JSONValueEncoder(node: root, codingPath: []))
        } catch {
            // Profile holds only strings, numbers and enums; encoding cannot fail.
            return "{}"
        }
        var out = ""
        render(root.value, indent: "", into: &out)
        return out
    }

    private static func render(_ value: JSONValue, indent: String, into out: inout String) {
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
            let members = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in members.enumerated() {
                out += inner + JSONEncoding.encode(.string(member.key)) + " : "
                render(member.value, indent: inner, into: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case .double(let number) where number == number.rounded(.towardZero) && abs(number) < 9_007_199_254_740_992:
            // Whole numbers print without ".0", as JSONEncoder writes them.
            out += String(Int64(number))
        default:
            out += JSONEncoding.encode(value)
        }
    }
}

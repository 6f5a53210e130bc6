import StockadeEvents

/// Indented JSON for humans (`--dry-run`); events stay one line each.
enum PrettyJSON {
    static func render(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + render($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let obj) where !obj.isEmpty:
            return "{\n" + obj.members.map { m in
                inner + JSONEncoding.encode(.string(m.key)) + ": " + render(m.value, indent: inner)
            }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return JSONEncoding.encode(value)
        }
    }
}

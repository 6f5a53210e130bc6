/// Strict, position-aware access to a composed YAML node tree.
///
/// Every accessor takes the dotted field path it is reading so errors can
/// name it; every error carries the line and column of the node at fault.
struct YAMLReader {
    let file: String

    /// One key of a mapping, with its nodes for error positions.
    struct Entry {
        var key: String
        var keyNode: YAMLNode
        var value: YAMLNode
        /// `parent.key`, or `key` at top level.
        var field: String
    }

    func error(_ code: ProfileError.Code, at node: YAMLNode?, _ field: String, _ message: String) -> ProfileError {
        let mark = node?.mark
        return ProfileError(code: code, file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                            field: field, message: message)
    }

    /// Reads a mapping whose keys must come from `allowed`: unknown and
    /// duplicate keys are errors. Entries keep file order.
    func mapping(_ node: YAMLNode, _ field: String, allowed: [String]?) throws(ProfileError) -> [Entry] {
        guard case .mapping(let map) = node else {
            throw error(.wrongType, at: node, field, "expected a mapping, got \(describe(node))")
        }
        var seen: Set<String> = []
        var entries: [Entry] = []
        for (keyNode, value) in map {
            guard case .scalar(let scalar) = keyNode, !isNull(keyNode) else {
                throw error(.wrongType, at: keyNode, field, "expected a plain key, got \(describe(keyNode))")
            }
            let key = scalar.string
            let path = field.isEmpty ? key : "\(field).\(key)"
            if let allowed, !allowed.contains(key) {
                let hint = allowed.isEmpty ? "" : "; expected one of: \(allowed.joined(separator: ", "))"
                throw error(.unknownKey, at: keyNode, path, "unknown key \"\(key)\"\(hint)")
            }
            guard seen.insert(key).inserted else {
                throw error(.duplicateKey, at: keyNode, path, "key \"\(key)\" appears more than once")
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value, field: path))
        }
        return entries
    }

    /// Any non-null scalar, as written (`1000`, `true` and `"x"` are all text).
    func string(_ node: YAMLNode, _ field: String, what: String = "a string") throws(ProfileError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(.wrongType, at: node, field, "expected \(what), got \(describe(node))")
        }
        guard !scalar.string.utf8.contains(0) else {
            throw error(.invalidValue, at: node, field, "NUL bytes are not allowed")
        }
        return scalar.string
    }

    /// A single scalar or a list of scalars.
    func stringOrList(_ node: YAMLNode, _ field: String, what: String) throws(ProfileError) -> [(String, YAMLNode, String)] {
        if case .sequence = node {
            return try stringList(node, field, what: what)
        }
        return [(try string(node, field, what: what), node, field)]
    }

    /// A list of scalars, each with its node and its `field[i]` path.
    func stringList(_ node: YAMLNode, _ field: String, what: String) throws(ProfileError) -> [(String, YAMLNode, String)] {
        let items = try list(node, field, what: "a list of \(what)")
        var out: [(String, YAMLNode, String)] = []
        for (index, item) in items.enumerated() {
            let path = "\(field)[\(index)]"
            out.append((try string(item, path, what: what), item, path))
        }
        return out
    }

    func list(_ node: YAMLNode, _ field: String, what: String) throws(ProfileError) -> [YAMLNode] {
        guard case .sequence(let seq) = node else {
            throw error(.wrongType, at: node, field, "expected \(what), got \(describe(node))")
        }
        return Array(seq)
    }

    func integer(_ node: YAMLNode, _ field: String, what: String = "an integer") throws(ProfileError) -> Int {
        let text = try scalarText(node, field, what: what)
        guard let value = Int(text) else {
            throw error(.wrongType, at: node, field, "expected \(what), got \(quoted(text))")
        }
        return value
    }

    func number(_ node: YAMLNode, _ field: String, what: String = "a number") throws(ProfileError) -> Double {
        let text = try scalarText(node, field, what: what)
        guard let value = Double(text), value.isFinite, text.first != "+" else {
            throw error(.wrongType, at: node, field, "expected \(what), got \(quoted(text))")
        }
        return value
    }

    func scalarText(_ node: YAMLNode, _ field: String, what: String) throws(ProfileError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error(.wrongType, at: node, field, "expected \(what), got \(describe(node))")
        }
        return scalar.string
    }

    /// YAML's null spellings, only when unquoted.
    func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a node reads in a message: `"lots"`, `a list`, `a mapping`, `null`.
    func describe(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar): return isNull(node) ? "null" : quoted(scalar.string)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(80) {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        if text.unicodeScalars.count > 80 { out += "…" }
        return out + "\""
    }
}

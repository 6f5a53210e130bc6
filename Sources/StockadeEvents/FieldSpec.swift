/// What a schema field may hold.
public indirect enum FieldKind: Equatable, Sendable {
    case string
    /// A whole number (no fraction, no exponent).
    case int
    /// Any JSON number.
    case number
    case bool
    /// A string or `null`.
    case stringOrNull
    /// An integer that must equal this value (the schema version `v`).
    case intEqual(Int64)
    /// A string that must be one of these values.
    case oneOf([String])
    /// An object with exactly these fields (required ones present, no others).
    case object([FieldSpec])
    /// An array whose elements all have this kind.
    case array(FieldKind)
    /// An object with free-form keys whose values all have this kind.
    case map(FieldKind)

    /// How docs/events.md spells this kind in its "kind" column.
    public var docName: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .number: return "number"
        case .bool: return "bool"
        case .stringOrNull: return "string or null"
        case let .intEqual(n): return "int = \(n)"
        case let .oneOf(values): return "one of: " + values.joined(separator: ", ")
        case .object: return "object"
        case let .array(element): return "array of \(element.docName)"
        case let .map(value): return "map of \(value.docName)"
        }
    }
}

/// One field of an event: its name, kind and whether it must be present.
public struct FieldSpec: Equatable, Sendable {
    public var name: String
    public var kind: FieldKind
    public var required: Bool

    public init(_ name: String, _ kind: FieldKind, required: Bool = true) {
        self.name = name
        self.kind = kind
        self.required = required
    }

    /// An optional field: when present it must have `kind`; absent is fine,
    /// `null` is not (optional means "left out").
    public static func optional(_ name: String, _ kind: FieldKind) -> FieldSpec {
        FieldSpec(name, kind, required: false)
    }
}

/// A field flattened to a dotted path, as one row of a docs table.
///
/// Nested object fields are `parent.child`; fields of objects inside an
/// array are `parent[].child`.
public struct FlatField: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var kind: String
    public var required: Bool

    public init(path: String, kind: String, required: Bool) {
        self.path = path
        self.kind = kind
        self.required = required
    }

    public var description: String { "\(path) | \(kind) | \(required ? "yes" : "no")" }

    /// Rows for `fields`, each object followed by its children (depth first).
    public static func flatten(_ fields: [FieldSpec], prefix: String = "") -> [FlatField] {
        var rows: [FlatField] = []
        for field in fields {
            let path = prefix + field.name
            rows.append(FlatField(path: path, kind: field.kind.docName, required: field.required))
            switch field.kind {
            case let .object(children):
                rows += flatten(children, prefix: path + ".")
            case let .array(.object(children)):
                rows += flatten(children, prefix: path + "[].")
            default:
                break
            }
        }
        return rows
    }
}

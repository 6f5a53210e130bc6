/// A JSON value as the event layer writes and reads it.
///
/// Integers are kept exact (`int` for everything that fits `Int64`, `uint`
/// only above `Int64.max`), so pids, byte counts and sequence numbers never
/// pass through a `Double`. Equality treats `int(n)` and `uint(n)` with the
/// same numeric value as equal, because both encode to the same text.
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.uint(a), .uint(b)): return a == b
        case let (.int(a), .uint(b)), let (.uint(b), .int(a)): return a >= 0 && UInt64(a) == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }
}

extension JSONValue {
    /// The value's JSON kind, as the schema names it.
    public var kind: JSONKind {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int, .uint: return .int
        case .double: return .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The value as `Int64` when it is an integer that fits.
    public var int64Value: Int64? {
        switch self {
        case let .int(i): return i
        case let .uint(u): return u <= UInt64(Int64.max) ? Int64(u) : nil
        default: return nil
        }
    }

    /// Any number (integer or double) as a `Double`; large integers lose precision.
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .uint(u): return Double(u)
        case let .double(d): return d
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// A JSON array of strings, the common shape of command lines and name lists.
    public static func strings(_ values: [String]) -> JSONValue {
        .array(values.map(JSONValue.string))
    }

    /// A finite double, or `null` for NaN and infinities (JSON has no spelling for them).
    public static func number(_ d: Double) -> JSONValue {
        d.isFinite ? .double(d) : .null
    }
}

/// The kinds of JSON value, as the schema and its documentation name them.
public enum JSONKind: String, Sendable, CaseIterable {
    case null, bool, int, number, string, array, object
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue {
    public init(_ value: Int) { self = .int(Int64(value)) }
    public init(_ value: Int32) { self = .int(Int64(value)) }
    public init(_ value: UInt64) {
        self = value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }
}

/// One way an event line breaks the schema.
public struct SchemaViolation: Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// `type` is missing, not a string, or not an `EventType`.
        case unknownType(String)
        case missingField
        case unknownField
        case wrongKind(expected: String, actual: JSONKind)
        /// Right kind, value not allowed (not in a `one of`, `v` not 1, bad `ts`).
        case badValue(String)
    }

    /// Dotted path to the field (`policy.seccomp.rules`, `command[2]`).
    public var path: String
    public var problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case let .unknownType(t): return "\(path): unknown event type \(t)"
        case .missingField: return "\(path): missing required field"
        case .unknownField: return "\(path): unknown field"
        case let .wrongKind(expected, actual): return "\(path): expected \(expected), found \(actual.rawValue)"
        case let .badValue(why): return "\(path): \(why)"
        }
    }
}

extension EventSchema {
    /// Every violation in one parsed event line; empty means valid.
    /// Unknown fields are violations at every depth: the schema is closed,
    /// so a reader can trust that nothing it does not know about was logged.
    public static func validate(_ line: JSONObject) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        var fields = common
        var knowsType = false
        switch line["type"] {
        case let .string(name)?:
            if let type = EventType(rawValue: name) {
                fields += self.fields(for: type)
                knowsType = true
            } else {
                violations.append(SchemaViolation(path: "type", problem: .unknownType(name)))
            }
        case let other?:
            violations.append(SchemaViolation(path: "type", problem: .unknownType(JSONEncoding.encode(other))))
        case nil:
            break  // reported as a missing field below
        }
        // Without a known type the type's own fields cannot be told from unknown ones.
        check(line, against: fields, prefix: "", reportUnknown: knowsType, into: &violations)
        if case let .string(ts)? = line["ts"], !Timestamp.isCanonicalRFC3339(ts) {
            violations.append(SchemaViolation(
                path: "ts", problem: .badValue("not RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ)")))
        }
        if let seq = line["seq"]?.int64Value, seq < 0 {
            violations.append(SchemaViolation(path: "seq", problem: .badValue("negative")))
        }
        for key in [EventChain.prevKey, EventChain.chainKey] {
            if case let .string(hash)? = line[key], !EventChain.isDigest(hash) {
                violations.append(SchemaViolation(path: key, problem: .badValue("not 64 lowercase hex digits (a SHA-256)")))
            }
        }
        return violations
    }

    /// Parses `text` and validates it; a parse failure is one violation at path "".
    public static func validate(line text: String) -> [SchemaViolation] {
        do {
            let object = try JSONParser().parseObject(text)
            return validate(object)
        } catch {
            return [SchemaViolation(path: "", problem: .badValue("not a JSON object: \(error)"))]
        }
    }

    private static func check(
        _ object: JSONObject, against fields: [FieldSpec], prefix: String,
        reportUnknown: Bool, into violations: inout [SchemaViolation]
    ) {
        for field in fields {
            let path = prefix + field.name
            if let value = object[field.name] {
                check(value, field.kind, path: path, into: &violations)
            } else if field.required {
                violations.append(SchemaViolation(path: path, problem: .missingField))
            }
        }
        guard reportUnknown else { return }
        for key in object.keys where !fields.contains(where: { $0.name == key }) {
            violations.append(SchemaViolation(path: prefix + key, problem: .unknownField))
        }
    }

    private static func check(_ value: JSONValue, _ kind: FieldKind, path: String, into violations: inout [SchemaViolation]) {
        func wrong() {
            violations.append(SchemaViolation(path: path, problem: .wrongKind(expected: kind.docName, actual: value.kind)))
        }
        switch kind {
        case .string:
            if value.stringValue == nil { wrong() }
        case .int:
            if value.kind != .int { wrong() }
        case .number:
            if value.doubleValue == nil { wrong() }
        case .bool:
            if value.boolValue == nil { wrong() }
        case .stringOrNull:
            if value.stringValue == nil && value != .null { wrong() }
        case let .intEqual(n):
            if value.kind != .int { wrong() } else if value != .int(n) {
                violations.append(SchemaViolation(path: path, problem: .badValue("must be \(n)")))
            }
        case let .oneOf(allowed):
            guard let s = value.stringValue else { return wrong() }
            if !allowed.contains(s) {
                violations.append(SchemaViolation(path: path, problem: .badValue("\(s) is not one of \(allowed.joined(separator: ", "))")))
            }
        case let .object(children):
            guard let object = value.objectValue else { return wrong() }
            check(object, against: children, prefix: path + ".", reportUnknown: true, into: &violations)
        case let .array(element):
            guard let items = value.arrayValue else { return wrong() }
            for (i, item) in items.enumerated() {
                check(item, element, path: "\(path)[\(i)]", into: &violations)
            }
        case let .map(element):
            guard let object = value.objectValue else { return wrong() }
            for member in object.members {
                check(member.value, element, path: "\(path).\(member.key)", into: &violations)
            }
        }
    }
}

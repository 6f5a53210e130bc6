import StockadeEvents

/// A minimal `Encoder` that turns `Encodable` values into a `JSONValue`
/// tree, so synthesized `Codable` conformances can be rendered without
/// Foundation's JSONEncoder. Keys keep the synthesized names; `nil`
/// optionals are left out (what `encodeIfPresent` asks for).
struct JSONValueEncoder: Encoder {
    /// One value under construction; containers share it by reference.
    final class Node {
        enum Content {
            case unset
            case leaf(JSONValue)
            case object([(String, Node)])
            case array([Node])
        }

        var content: Content = .unset

        var value: JSONValue {
            switch content {
            case .unset: return .object(JSONObject())
            case .leaf(let value): return value
            case .object(let members): return .object(JSONObject(members.map { ($0.0, $0.1.value) }))
            case .array(let items): return .array(items.map(\.value))
            }
        }

        func member(_ key: String) -> Node {
            let child = Node()
            if case .object(var members) = content {
                members.removeAll { $0.0 == key }
                members.append((key, child))
                content = .object(members)
            } else {
                content = .object([(key, child)])
            }
            return child
        }

        func appended() -> Node {
            let child = Node()
            if case .array(var items) = content {
                items.append(child)
                content = .array(items)
            } else {
                content = .array([child])
            }
            return child
        }
    }

    let node: Node
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(node: node, codingPath: codingPath)
    }

    /// Primitives become leaves; everything else encodes itself into `node`.
    static func encode<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
        switch value {
        case let v as String: node.content = .leaf(.string(v))
        case let v as Bool: node.content = .leaf(.bool(v))
        case let v as Double: node.content = .leaf(.number(v))
        case let v as Float: node.content = .leaf(.number(Double(v)))
        case let v as Int: node.content = .leaf(.int(Int64(v)))
        case let v as Int8: node.content = .leaf(.int(Int64(v)))
        case let v as Int16: node.content = .leaf(.int(Int64(v)))
        case let v as Int32: node.content = .leaf(.int(Int64(v)))
        case let v as Int64: node.content = .leaf(.int(v))
        case let v as UInt: node.content = .leaf(JSONValue(UInt64(v)))
        case let v as UInt8: node.content = .leaf(.int(Int64(v)))
        case let v as UInt16: node.content = .leaf(.int(Int64(v)))
        case let v as UInt32: node.content = .leaf(.int(Int64(v)))
        case let v as UInt64: node.content = .leaf(JSONValue(v))
        default: try value.encode(to: JSONValueEncoder(node: node, codingPath: codingPath))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .leaf(.null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try put(value, key) }

        private func put<T: Encodable>(_ value: T, _ key: Key) throws {
            try JSONValueEncoder.encode(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                            forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            JSONValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            JSONValueEncoder(node: node.member("super"), codingPath: codingPath)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey]
        var count: Int {
            if case .array(let items) = node.content { return items.count }
            return 0
        }

        mutating func encodeNil() throws { node.appended().content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.encode(value, into: node.appended(), codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoder(node: node.appended(), codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            JSONValueEncoder(node: node.appended(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            JSONValueEncoder(node: node.appended(), codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.encode(value, into: node, codingPath: codingPath)
        }
    }
}

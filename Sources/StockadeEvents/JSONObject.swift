/// A JSON object that keeps its members in insertion order.
///
/// Order matters here: events are read by people and diffed by tools, so the
/// common fields always come first and every line of one type has the same
/// shape. Keys are unique; setting an existing key replaces its value in
/// place. Equality is order-sensitive (two objects are equal when they
/// encode to the same text).
public struct JSONObject: Equatable, Sendable {
    /// One key and its value.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    /// Builds an object from pairs in order; a repeated key keeps its first
    /// position and its last value.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        members = []
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`; assigning `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            let index = members.firstIndex(where: { $0.key == key })
            switch (index, newValue) {
            case let (i?, v?): members[i].value = v
            case let (i?, nil): members.remove(at: i)
            case let (nil, v?): members.append(Member(key: key, value: v))
            case (nil, nil): break
            }
        }
    }

    /// Appends or replaces, returning whether the key was new.
    @discardableResult
    public mutating func set(_ key: String, _ value: JSONValue) -> Bool {
        let isNew = self[key] == nil
        self[key] = value
        return isNew
    }

    /// Appends without checking for an existing key; the parser uses it
    /// after its own duplicate check.
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    /// Same members regardless of order.
    public func hasSameMembers(as other: JSONObject) -> Bool {
        guard count == other.count else { return false }
        return members.allSatisfy { other[$0.key] == $0.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }
}

/// One event to write: its type and its own fields (the log adds the common
/// ones). Built by the typed constructors in `Event+*.swift`, one per event
/// type, so each field's name is written once, next to the others of its
/// type, and a caller cannot misspell one.
public struct Event: Equatable, Sendable {
    public var type: EventType
    public var fields: JSONObject

    public init(_ type: EventType, _ fields: JSONObject = [:]) {
        self.type = type
        self.fields = fields
    }
}

extension EventLog {
    /// Writes one built event; see `emit(_:_:)`.
    @discardableResult
    public func emit(_ event: Event) -> Bool {
        emit(event.type, event.fields)
    }
}

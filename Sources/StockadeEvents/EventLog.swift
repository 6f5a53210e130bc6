import Synchronization

/// The supervisor's audit log: one JSON object per line, in order.
///
/// Every line starts with the common fields, in this order: `v` (schema
/// version), `ts`, `sandbox`, `seq`, `type`, `actor`, `prev`; then the
/// event's own fields in the order given, and for `sandbox.end` a final
/// `chain` (see `EventChain`). Every string in the line, keys included, is
/// passed through the `Redactor` built from `secrets`; `prev` and `chain` are
/// added afterwards, since a secret that happens to look like hex must not
/// rewrite a hash.
///
/// Thread-safe: the supervisor emits from its main loop, its signal handler
/// thread and its network handlers. One lock covers numbering and the write,
/// so `seq` order is file order and lines never interleave. It is `Sendable`
/// because all mutable state lives in that `Mutex`.
///
/// `seq` counts from 0 and is consumed by every event that is written or
/// whose write failed, so a gap in a log means lost lines. Events dropped
/// by a rate cap consume no `seq`; they are counted and reported by an
/// `events.suppressed` event (before `sandbox.end`, or at `close()`), and
/// never enter the hash chain. `sandbox.end` seals the log: nothing is
/// written after it, so a line after the end is proof of tampering.
public final class EventLog: Sendable {
    /// Schema version written in `v`; see docs/events.md for the policy.
    public static let schemaVersion: Int64 = 1
    /// Keys the log writes itself; the same keys in an event's fields are ignored.
    public static let commonKeys = ["v", "ts", "sandbox", "seq", "type", "actor", EventChain.prevKey]

    public let sink: EventSinkSpec
    public let sandboxId: String
    public let actor: String
    private let redactor: Redactor
    private let rateCaps: [EventType: Int]
    private let clock: @Sendable () -> Timestamp
    private let state: Mutex<State>

    private struct State {
        var writer: EventWriter
        var nextSeq: Int64 = 0
        var closed = false
        /// `sandbox.end` was written; later events are dropped.
        var ended = false
        var chain: EventChain
        var emitted: [EventType: Int] = [:]
        var suppressed: [EventType: Int] = [:]
        var failedWrites = 0
        var lastError: EventSinkError?
    }

    /// Opens the sink (a file is opened O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC,
    /// mode 0600; `fd:N` must be open for writing and, unless it is 0–2, is
    /// made close-on-exec; `stderr` is fd 2).
    ///
    /// - Parameters:
    ///   - secrets: values that must never appear; see `Redactor` for which count.
    ///   - rateCaps: at most this many events of a type are written; the rest
    ///     are counted and reported in `events.suppressed`.
    ///   - clock: the source of `ts`; tests pass a fixed one.
    public init(
        sink: EventSinkSpec, sandboxId: String, actor: String, secrets: [String] = [],
        rateCaps: [EventType: Int] = [:],
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) throws(EventSinkError) {
        self.sink = sink
        self.sandboxId = sandboxId
        self.actor = actor
        self.redactor = Redactor(secrets: secrets)
        self.rateCaps = rateCaps.filter { $0.key != .eventsSuppressed }
        self.clock = clock
        let writtenId = redactor.redact(sandboxId)
        self.state = Mutex(State(writer: try EventWriter(spec: sink), chain: EventChain(sandboxId: writtenId)))
    }

    deinit {
        close()
    }

    /// Number of events numbered so far (the next event's `seq`).
    public var count: Int { state.withLock { Int($0.nextSeq) } }

    /// Lines that could not be written.
    public var failedWrites: Int { state.withLock { $0.failedWrites } }

    /// The most recent write failure, if any.
    public var lastError: EventSinkError? { state.withLock { $0.lastError } }

    /// Writes one event. Returns false when it was suppressed by a rate cap,
    /// the log is closed, or the write failed (see `lastError`); the
    /// supervisor keeps running either way, since losing an audit line must
    /// not leave a workload unsupervised.
    @discardableResult
    public func emit(_ type: EventType, _ fields: JSONObject = [:]) -> Bool {
        state.withLock { state in
            guard !state.closed, !state.ended else { return false }
            if type == .sandboxEnd { flushSuppressed(&state) }
            if let cap = rateCaps[type], state.emitted[type, default: 0] >= cap {
                state.suppressed[type, default: 0] += 1
                return false
            }
            state.emitted[type, default: 0] += 1
            let written = write(type, fields, &state)
            if type == .sandboxEnd { state.ended = true }
            return written
        }
    }

    /// Writes an `events.suppressed` event for every type with dropped events
    /// since the last flush. Called automatically before `sandbox.end`.
    public func flushSuppressed() {
        state.withLock { flushSuppressed(&$0) }
    }

    /// Flushes suppression counts and closes a file sink. Later `emit`s are ignored.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            flushSuppressed(&state)
            state.closed = true
            state.writer.close()
        }
    }

    /// The line `emit` would write for these values, without the newline,
    /// as the first line of a chain (or after a line whose digest is `prev`).
    public func render(_ type: EventType, _ fields: JSONObject, seq: Int64, at time: Timestamp, prev: String? = nil) -> String {
        var chain = EventChain(sandboxId: redactor.redact(sandboxId))
        if let prev { chain = chain.withPrev(prev) }
        return String(decoding: lineBytes(type, fields, seq: seq, at: time, chain: chain), as: UTF8.self)
    }

    /// The encoded line: redacted common fields, `prev`, redacted event
    /// fields, and for `sandbox.end` the `chain` over all of it.
    private func lineBytes(_ type: EventType, _ fields: JSONObject, seq: Int64, at time: Timestamp, chain: EventChain) -> [UInt8] {
        var object = redactor.redact([
            "v": .int(Self.schemaVersion),
            "ts": .string(time.rfc3339),
            "sandbox": .string(sandboxId),
            "seq": .int(seq),
            "type": .string(type.rawValue),
            "actor": .string(actor),
        ] as JSONObject)
        object[EventChain.prevKey] = .string(chain.prev)
        var own = JSONObject()
        for member in fields where !Self.commonKeys.contains(member.key) && member.key != EventChain.chainKey {
            own[member.key] = member.value
        }
        for member in redactor.redact(own) where object[member.key] == nil {
            object[member.key] = member.value
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        JSONEncoding.write(.object(object), into: &bytes)
        guard type == .sandboxEnd else { return bytes }
        // `chain` is last and covers the line up to itself: replace the
        // closing brace with `,` and hash everything so far.
        bytes[bytes.count - 1] = UInt8(ascii: ",")
        let value = chain.chainValue(coveredPrefix: bytes)
        bytes += Array(#""\#(EventChain.chainKey)":"\#(value)"}"#.utf8)
        return bytes
    }

    private func write(_ type: EventType, _ fields: JSONObject, _ state: inout State) -> Bool {
        let seq = state.nextSeq
        state.nextSeq += 1
        guard state.writer.isOpen else { return true }
        var bytes = lineBytes(type, fields, seq: seq, at: clock(), chain: state.chain)
        // A line whose write fails stays in the chain: the log has a gap
        // there either way, and `seq` already shows it.
        state.chain.append(line: bytes)
        bytes.append(0x0A)
        do {
            try state.writer.writeAll(bytes)
            return true
        } catch {
            state.failedWrites += 1
            state.lastError = error
            return false
        }
    }

    private func flushSuppressed(_ state: inout State) {
        guard !state.ended else { return }
        for type in EventType.allCases {
            guard let n = state.suppressed[type], n > 0 else { continue }
            state.suppressed[type] = 0
            _ = write(.eventsSuppressed, ["suppressed_type": .string(type.rawValue), "count": .int(Int64(n))], &state)
        }
    }
}

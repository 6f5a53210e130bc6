import Glibc
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
/// by a rate cap (a per-type `TokenBucket`), or because a stalled sink's
/// queue was full, consume no `seq`; they are counted and reported by an
/// `events.suppressed` event (before the type's next written event, before
/// `sandbox.end`, or at `close()`), and never enter the hash chain.
/// `sandbox.end` seals the log: nothing is written after it, so a line after
/// the end is proof of tampering.
///
/// A sink that is not a regular file is written by `EventSinkQueue`'s
/// thread, so `emit` never blocks on a reader that stopped reading.
public final class EventLog: Sendable {
    /// Schema version written in `v`; see docs/events.md for the policy.
    public static let schemaVersion: Int64 = 1
    /// Keys the log writes itself; the same keys in an event's fields are ignored.
    public static let commonKeys = ["v", "ts", "sandbox", "seq", "type", "actor", EventChain.prevKey]

    public let sink: EventSinkSpec
    public let sandboxId: String
    public let actor: String
    private let redactor: Redactor
    private let clock: @Sendable () -> Timestamp
    private let state: Mutex<State>

    private struct State {
        var writer: EventWriter
        /// Set when the sink is not a regular file: lines go through the
        /// writer thread and `emit` never blocks on the descriptor.
        var queue: EventSinkQueue?
        var buckets: [EventType: TokenBucket] = [:]
        /// Events dropped because the queue to a stalled sink was full.
        var sinkDropped = 0
        /// Every event suppressed so far, whatever the cause.
        var suppressedTotal = 0
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
    ///   - rateCaps: at most this many events of a type are written in the
    ///     whole run; the rest are counted and reported in `events.suppressed`.
    ///   - clock: the source of `ts`; tests pass a fixed one.
    ///   - openedFile: for a `.file` sink, the descriptor the caller already
    ///     opened safely (see `EventFileOpener`); the log owns it.
    ///   - rateLimits: per-type token buckets (see `EventRateLimit`); a type
    ///     in both maps gets the bucket.
    ///   - monotonic: seconds on a monotonic clock, for the buckets.
    public init(
        sink: EventSinkSpec, sandboxId: String, actor: String, secrets: [String] = [],
        rateCaps: [EventType: Int] = [:],
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        openedFile: Int32? = nil,
        rateLimits: [EventType: EventRateLimit] = [:],
        monotonic: @escaping @Sendable () -> Double = { EventLog.monotonicSeconds() }
    ) throws(EventSinkError) {
        self.sink = sink
        self.sandboxId = sandboxId
        self.actor = actor
        self.redactor = Redactor(secrets: secrets)
        self.clock = clock
        self.monotonic = monotonic
        let writtenId = redactor.redact(sandboxId)
        var initial = State(writer: try EventWriter(spec: sink, openedFile: openedFile), chain: EventChain(sandboxId: writtenId))
        for (type, cap) in rateCaps where type != .eventsSuppressed {
            initial.buckets[type] = TokenBucket(EventRateLimit(perSecond: 0, burst: cap))
        }
        for (type, limit) in rateLimits where type != .eventsSuppressed {
            initial.buckets[type] = TokenBucket(limit)
        }
        if initial.writer.isOpen && !initial.writer.isRegularFile {
            // Without its writer thread, a sink the workload can stall (a
            // pipe, its terminal) would be written from the watch loop: fail
            // closed instead.
            guard let queue = EventSinkQueue(writer: initial.writer) else {
                throw EventSinkError(step: .writerThread, target: sink.description, errno: EAGAIN)
            }
            initial.queue = queue
        }
        self.state = Mutex(initial)
    }

    private let monotonic: @Sendable () -> Double

    /// CLOCK_MONOTONIC in seconds.
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// How long `close()` waits for a queued sink to take the last lines.
    /// A stalled sink (a terminal with output stopped, a pipe nobody reads)
    /// then loses them, rather than keeping the supervisor alive.
    public static let closeWaitSeconds = 1.0

    deinit {
        close()
    }

    /// Number of events numbered so far (the next event's `seq`).
    public var count: Int { state.withLock { Int($0.nextSeq) } }

    /// Lines that could not be written (for a queued sink, once the writer
    /// thread got to them).
    public var failedWrites: Int { state.withLock { $0.failedWrites + ($0.queue?.failedWrites ?? 0) } }

    /// The most recent write failure, if any.
    public var lastError: EventSinkError? { state.withLock { $0.queue?.lastError ?? $0.lastError } }

    /// Events suppressed so far: by a rate cap, or because the sink could
    /// not keep up.
    public var suppressedCount: Int { state.withLock { $0.suppressedTotal } }

    /// Events dropped because a queued sink was stalled.
    public var sinkDropped: Int { state.withLock { $0.sinkDropped } }

    /// Whether lines go through the writer thread.
    public var usesWriterThread: Bool { state.withLock { $0.queue != nil } }

    /// Writes one event. Returns false when it was suppressed by a rate cap,
    /// the log is closed, or the write failed (see `lastError`); the
    /// supervisor keeps running either way, since losing an audit line must
    /// not leave a workload unsupervised.
    @discardableResult
    public func emit(_ type: EventType, _ fields: JSONObject = [:]) -> Bool {
        state.withLock { state in
            guard !state.closed, !state.ended else { return false }
            if type == .sandboxEnd { flushSuppressed(&state) }
            if state.buckets[type] != nil, !state.buckets[type]!.take(now: monotonic()) {
                state.suppressed[type, default: 0] += 1
                state.suppressedTotal += 1
                return false
            }
            // What a cap held back is summarised before the type's next
            // line, so a live reader learns of it; at most one summary per
            // written line, which keeps the volume bound.
            if let n = state.suppressed[type], n > 0 { flushSuppressed(type, &state) }
            var own = fields
            if type == .sandboxEnd, own["events_suppressed"] == nil {
                own["events_suppressed"] = .int(Int64(state.suppressedTotal))
            }
            state.emitted[type, default: 0] += 1
            let written = write(type, own, &state)
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
            if let queue = state.queue {
                // Never close a descriptor the writer thread may still be
                // blocked on; a stalled sink's is left to process exit.
                guard queue.finish(waitingAtMost: Self.closeWaitSeconds) else { return }
            }
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
        guard state.writer.isOpen else {
            state.nextSeq += 1
            return true
        }
        var bytes = lineBytes(type, fields, seq: seq, at: clock(), chain: state.chain)
        if let queue = state.queue {
            // A line the stalled sink has no room for is suppressed: no
            // seq, no place in the chain, like a rate-capped one.
            guard queue.offer(bytes + [0x0A]) else {
                state.suppressed[type, default: 0] += 1
                state.suppressedTotal += 1
                state.sinkDropped += 1
                return false
            }
            state.nextSeq += 1
            state.chain.append(line: bytes)
            return true
        }
        state.nextSeq += 1
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
        for type in EventType.allCases { flushSuppressed(type, &state) }
    }

    /// One `events.suppressed` for `type`, if it has dropped events. A
    /// summary the stalled sink has no room for keeps its count for later.
    private func flushSuppressed(_ type: EventType, _ state: inout State) {
        guard let n = state.suppressed[type], n > 0 else { return }
        state.suppressed[type] = 0
        let summary = Event.suppressed(type, count: n)
        let written = write(summary.type, summary.fields, &state)
        if !written, state.queue != nil, state.suppressed[.eventsSuppressed, default: 0] > 0 {
            // The summary itself was dropped: put its count back on `type`.
            state.suppressed[.eventsSuppressed, default: 0] -= 1
            state.suppressedTotal -= 1
            state.sinkDropped -= 1
            state.suppressed[type, default: 0] += n
        }
    }
}

import Glibc
import Synchronization

/// A bounded queue of event lines and the one thread that writes them, for
/// sinks whose writes someone else can stall.
///
/// A pipe or terminal the workload shares (its stderr, `-`, `fd:N`, the
/// journal socket) blocks a write when its reader stops: a full pipe, or a
/// terminal after `tcflow(TCOOFF)`. The supervisor's loop must never wait on
/// that, or a timeout would never fire. So lines for such a sink are handed
/// to this queue, which never blocks: when it is full the line is refused
/// and the caller counts it as suppressed. The writer thread is the only
/// one that touches the descriptor, and is the only place a stall can land.
///
/// Only runs with such a sink get the thread; a run without a sink, or with
/// a regular file (where a write cannot be held up by a reader), has none.
final class EventSinkQueue: Sendable {
    /// At most this many lines wait, and at most `maxBytes` in all.
    static let maxLines = 4096
    static let maxBytes = 2 << 20

    private struct State {
        var lines: [[UInt8]] = []
        var head = 0
        /// Bytes queued plus the line being written.
        var bytes = 0
        var finishing = false
        var failedWrites = 0
        var lastError: EventSinkError?
    }

    private let state = Mutex(State())
    private let writer: EventWriter
    // Semaphores need a stable address; they live as long as the queue
    // and are destroyed only once the thread has said it is done.
    private nonisolated(unsafe) let items: UnsafeMutablePointer<sem_t>
    private nonisolated(unsafe) let done: UnsafeMutablePointer<sem_t>

    /// Starts the writer thread; nil when it cannot be started (the caller
    /// then writes directly, as before).
    init?(writer: EventWriter) {
        self.writer = writer
        items = .allocate(capacity: 1)
        done = .allocate(capacity: 1)
        sem_init(items, 0, 0)
        sem_init(done, 0, 0)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let queue = Unmanaged<EventSinkQueue>.fromOpaque(raw!).takeRetainedValue()
            queue.drain()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<EventSinkQueue>.fromOpaque(context).release()
            return nil
        }
        pthread_detach(thread)
    }

    /// Queues one line (newline included) unless the queue is full.
    func offer(_ line: [UInt8]) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard !s.finishing, s.lines.count - s.head < Self.maxLines, s.bytes + line.count <= Self.maxBytes else { return false }
            s.lines.append(line)
            s.bytes += line.count
            return true
        }
        if accepted { sem_post(items) }
        return accepted
    }

    var failedWrites: Int { state.withLock { $0.failedWrites } }
    var lastError: EventSinkError? { state.withLock { $0.lastError } }

    /// Lets the thread write what is queued, waiting at most `seconds`.
    /// Returns true when everything was written and the thread has ended
    /// (the descriptor is then free to close); false when the sink is
    /// stalled, and the thread is left blocked until the process exits.
    func finish(waitingAtMost seconds: Double) -> Bool {
        let first = state.withLock { s -> Bool in
            defer { s.finishing = true }
            return !s.finishing
        }
        if first { sem_post(items) }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let whole = Int(seconds)
        deadline.tv_sec += whole
        deadline.tv_nsec += Int((seconds - Double(whole)) * 1e9)
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        while true {
            if sem_timedwait(done, &deadline) == 0 {
                sem_post(done)  // a second finish() sees it too
                return true
            }
            if errno != EINTR { return false }
        }
    }

    /// The thread: one line per `items` post; the post with nothing queued
    /// is `finish`'s, and ends it.
    private func drain() {
        while true {
            while sem_wait(items) != 0 {}
            let next = state.withLock { s -> [UInt8]? in
                guard s.head < s.lines.count else { return nil }
                let line = s.lines[s.head]
                s.head += 1
                if s.head >= 1024 && s.head * 2 >= s.lines.count {
                    s.lines.removeFirst(s.head)
                    s.head = 0
                }
                return line
            }
            guard let line = next else {
                sem_post(done)
                return
            }
            var failure: EventSinkError?
            do { try writer.writeAll(line) } catch { failure = error }
            state.withLock { s in
                s.bytes -= line.count
                if let failure {
                    s.failedWrites += 1
                    s.lastError = failure
                }
            }
        }
    }
}

import Glibc
import Synchronization
import Testing
@testable import StockadeEvents

/// A settable monotonic clock for the buckets.
final class FakeMonotonic: Sendable {
    let now = Mutex(100.0)
    func advance(_ s: Double) { now.withLock { $0 += s } }
    var clock: @Sendable () -> Double { { [self] in now.withLock { $0 } } }
}

@Suite struct EventRateLimitTests {
    @Test func bucketRefillsAtItsRateUpToItsBurst() {
        var b = TokenBucket(EventRateLimit(perSecond: 2, burst: 3))
        #expect((0..<5).map { _ in b.take(now: 0) } == [true, true, true, false, false])
        #expect(b.take(now: 0.4) == false)
        #expect(b.take(now: 0.6) == true)  // 1.2 tokens came back
        #expect(b.take(now: 100) == true)
        #expect((0..<3).map { _ in b.take(now: 100) } == [true, true, false])  // never above the burst
        var total = TokenBucket(EventRateLimit(perSecond: 0, burst: 1))
        #expect(total.take(now: 0) && !total.take(now: 1e6))
    }

    @Test func capsSummariseBeforeTheTypesNextLineAndInTheEnd() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let time = FakeMonotonic()
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a", clock: fixedClock,
                               rateLimits: [.dnsQuery: EventRateLimit(perSecond: 1, burst: 2)], monotonic: time.clock)
        let q = SampleEvents.fields(for: .dnsQuery)
        for _ in 0..<10 { log.emit(.dnsQuery, q) }      // 2 written, 8 held back
        time.advance(1)
        log.emit(.dnsQuery, q)                            // summary of 8, then the line
        for _ in 0..<3 { log.emit(.dnsQuery, q) }        // 3 held back
        log.emit(.sandboxEnd, ["exit_reason": "exit", "exit_status": 0, "duration_ms": 1, "cpu_time_ms": 1,
                               "denials": ["syscalls": 0, "by_syscall": [:], "limits": 0]])
        log.close()
        let read = lines(tmp.read())
        #expect(read.map { $0["type"]?.stringValue } == [
            "dns.query", "dns.query", "events.suppressed", "dns.query", "events.suppressed", "sandbox.end",
        ])
        #expect(read[2]["count"] == 8)
        #expect(read[4]["count"] == 3)
        #expect(read[5]["events_suppressed"] == 11)
        #expect(read.map { $0["seq"] } == [0, 1, 2, 3, 4, 5])
        #expect(read.allSatisfy { EventSchema.validate($0).isEmpty })
        #expect(log.suppressedCount == 11)
    }

    @Test func defaultsCoverEveryTypeTheWorkloadDrives() {
        for type in [EventType.dnsQuery, .netDenied, .syscallDenied, .seccompStacked] {
            #expect(EventRateLimit.defaults[type] != nil, "\(type)")
        }
    }
}

@Suite struct StalledSinkTests {
    /// A pipe nobody reads: emit must return at once, every time, and the
    /// excess must be counted rather than block the caller.
    @Test func emitNeverBlocksOnAFullPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        // Both ends stay open for the life of the test process: the writer
        // thread stays blocked in write(2), as it would on a stopped
        // terminal; closing the read end would turn that into SIGPIPE.
        _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 4096)
        let log = try EventLog(sink: .fd(fds[1]), sandboxId: "s", actor: "a", clock: fixedClock)
        #expect(log.usesWriterThread)
        let fields = SampleEvents.fields(for: .sandboxWarning)
        // Far more than the pipe and the queue hold together.
        for _ in 0..<(EventSinkQueue.maxLines + 2000) { log.emit(.sandboxWarning, fields) }
        #expect(log.sinkDropped > 0)
        #expect(log.suppressedCount >= log.sinkDropped)
        // close() gives up on the stalled writer instead of hanging.
        log.close()
    }

    @Test func fileSinksAndNoSinkHaveNoThread() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        #expect(try !EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a").usesWriterThread)
        #expect(try !EventLog(sink: .none, sandboxId: "s", actor: "a").usesWriterThread)
    }

    @Test func queuedLinesArriveWholeAndInOrder() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let log = try EventLog(sink: .fd(fds[1]), sandboxId: "s", actor: "a", clock: fixedClock)
        for i in 0..<50 { log.emit(.signalForwarded, ["signal": .string("SIG\(i)")]) }
        log.close()
        close(fds[1])
        let read = lines(readAll(fds[0]))
        close(fds[0])
        #expect(read.count == 50)
        #expect(read.map { $0["seq"] } == (0..<50).map { .int(Int64($0)) })
    }
}

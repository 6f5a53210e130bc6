import Glibc
import Testing
@testable import StockadeEvents

/// A unique temporary path, removed by `remove()`.
struct TempPath {
    let path: String
    init() {
        var template = Array("/tmp/stockade-events-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if fd >= 0 { close(fd) }
        unlink(path)
    }
    func remove() { unlink(path) }

    func read() -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        return readAll(fd)
    }
}

func readAll(_ fd: Int32) -> String {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

func lines(_ text: String) -> [JSONObject] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap {
        try? JSONParser().parseObject(String($0))
    }
}

let fixedClock: @Sendable () -> Timestamp = { Timestamp(seconds: 1_798_088_571, nanoseconds: 123_456_789) }

@Suite struct EventSinkSpecTests {
    @Test func parsing() {
        #expect(EventSinkSpec.parse("stderr") == .stderr)
        #expect(EventSinkSpec.parse("fd:3") == .fd(3))
        #expect(EventSinkSpec.parse("fd:0") == .fd(0))
        #expect(EventSinkSpec.parse("-") == .fd(1))
        #expect(EventSinkSpec.parse("none") == EventSinkSpec.none)
        #expect(EventSinkSpec.parse("/var/log/x.jsonl") == .file("/var/log/x.jsonl"))
        #expect(EventSinkSpec.parse("events.jsonl") == .file("events.jsonl"))
        #expect(EventSinkSpec.parse("./fd:x") == .file("./fd:x"))
        for bad in ["", "fd:", "fd:x", "fd:-1", "fd:+3", "fd:3x", "fd: 3", "fd:99999999999", "a\0b"] {
            #expect(EventSinkSpec.parse(bad) == nil, "\(bad.debugDescription)")
        }
        for spec: EventSinkSpec in [.stderr, .fd(7), .none, .file("/tmp/e.jsonl")] {
            #expect(EventSinkSpec.parse(spec.description) == spec)
        }
    }
}

@Suite struct EventLogTests {
    @Test func writesCommonFieldsFirstAndNumbersLines() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "sbx-1", actor: "ci/job-7", clock: fixedClock)
        // sandbox.end seals the log, so it goes last.
        for type in EventType.allCases where type != .eventsSuppressed && type != .sandboxEnd {
            #expect(log.emit(type, SampleEvents.fields(for: type)))
        }
        #expect(log.emit(.sandboxEnd, SampleEvents.fields(for: .sandboxEnd)))
        #expect(log.count == EventType.allCases.count - 1)
        log.close()
        let read = lines(tmp.read())
        #expect(read.count == EventType.allCases.count - 1)
        for (i, line) in read.enumerated() {
            #expect(Array(line.keys.prefix(7)) == EventLog.commonKeys)
            #expect(line["v"] == 1)
            #expect(line["seq"] == .int(Int64(i)))
            #expect(line["ts"] == "2026-12-24T05:02:51.123456Z")
            #expect(line["sandbox"] == "sbx-1")
            #expect(line["actor"] == "ci/job-7")
            #expect(EventSchema.validate(line) == [], "\(line)")
        }
    }

    @Test func fileIsCreated0600AndAppended() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let old = umask(0)
        defer { umask(old) }
        try EventLog(sink: .file(tmp.path), sandboxId: "a", actor: "x", clock: fixedClock)
            .emit(.signalForwarded, ["signal": "SIGINT"])
        var st = stat()
        #expect(stat(tmp.path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let second = try EventLog(sink: .file(tmp.path), sandboxId: "b", actor: "x", clock: fixedClock)
        second.emit(.signalForwarded, ["signal": "SIGTERM"])
        second.close()
        let read = lines(tmp.read())
        #expect(read.map { $0["sandbox"] } == ["a", "b"])
    }

    @Test func openFailureNamesStepTargetAndErrno() {
        #expect(throws: EventSinkError(step: .open, target: "/nonexistent-dir/e.jsonl", errno: ENOENT)) {
            try EventLog(sink: .file("/nonexistent-dir/e.jsonl"), sandboxId: "s", actor: "a")
        }
        #expect(throws: EventSinkError(step: .open, target: "/tmp", errno: EISDIR)) {
            try EventLog(sink: .file("/tmp"), sandboxId: "s", actor: "a")
        }
        let e = EventSinkError(step: .open, target: "/x", errno: ENOENT)
        #expect(e.code == "events_open")
        #expect(e.description == "events: open /x: ENOENT (2)")
    }

    @Test func inheritedDescriptorIsCheckedAndMadeCloseOnExec() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        #expect(fcntl(fds[1], F_GETFD) & FD_CLOEXEC == 0)
        let log = try EventLog(sink: .fd(fds[1]), sandboxId: "s", actor: "a", clock: fixedClock)
        #expect(fcntl(fds[1], F_GETFD) & FD_CLOEXEC != 0)
        log.emit(.sandboxWarning, ["code": "c", "message": "m"])
        log.close()
        // The log does not own an inherited descriptor; the caller closes it.
        #expect(fcntl(fds[1], F_GETFD) >= 0)
        close(fds[1])
        let text = readAll(fds[0])
        #expect(lines(text).first?["type"] == "sandbox.warning")

        #expect(throws: EventSinkError(step: .checkDescriptor, target: "fd:\(fds[1])", errno: EBADF)) {
            try EventLog(sink: .fd(fds[1]), sandboxId: "s", actor: "a")
        }
        // The read end of a pipe is open but not writable.
        #expect(throws: EventSinkError(step: .checkDescriptor, target: "fd:\(fds[0])", errno: EBADF)) {
            try EventLog(sink: .fd(fds[0]), sandboxId: "s", actor: "a")
        }
    }

    @Test func standardStreamsStayInheritable() throws {
        let before = fcntl(STDOUT_FILENO, F_GETFD)
        let log = try EventLog(sink: .fd(STDOUT_FILENO), sandboxId: "s", actor: "a")
        #expect(fcntl(STDOUT_FILENO, F_GETFD) == before)
        log.close()
        #expect(fcntl(STDOUT_FILENO, F_GETFD) >= 0)  // not ours to close
        _ = try EventLog(sink: .stderr, sandboxId: "s", actor: "a")
    }

    @Test func writeFailureIsCountedNotFatal() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[1]) }
        close(fds[0])  // the reader is gone: EPIPE, and no SIGPIPE since it is a socket
        let log = try EventLog(sink: .fd(fds[1]), sandboxId: "s", actor: "a")
        // A socket is not a regular file: the line is queued for the writer
        // thread, and its failure is known once the queue has drained.
        #expect(log.usesWriterThread)
        #expect(log.emit(.signalForwarded, ["signal": "SIGINT"]))
        log.close()
        #expect(log.failedWrites == 1)
        #expect(log.lastError == EventSinkError(step: .write, target: "fd:\(fds[1])", errno: EPIPE))
        #expect(log.count == 1)  // the lost line still took a seq, so readers see a gap
    }

    @Test func noneSinkCountsOnly() throws {
        let log = try EventLog(sink: .none, sandboxId: "s", actor: "a")
        #expect(log.emit(.signalForwarded, ["signal": "SIGINT"]))
        #expect(log.emit(.signalForwarded, ["signal": "SIGINT"]))
        #expect(log.count == 2)
        log.close()
        #expect(!log.emit(.signalForwarded, ["signal": "SIGINT"]))
        #expect(log.count == 2)
    }

    @Test func fieldsCannotOverrideCommonFields() throws {
        let log = try EventLog(sink: .none, sandboxId: "real", actor: "me", clock: fixedClock)
        let text = log.render(.signalForwarded, ["type": "forged", "seq": 99, "sandbox": "x", "prev": "00", "signal": "SIGHUP", "chain": "11"],
                              seq: 3, at: fixedClock())
        // prev is the SHA-256 of "stockade-events-v1:real" (sha256sum agrees).
        #expect(text == #"{"v":1,"ts":"2026-12-24T05:02:51.123456Z","sandbox":"real","seq":3,"type":"signal.forwarded","actor":"me","prev":"f548a620120ddacd1e5b6db944d0242b72b8aaf759bc83a3de0f5c6ea9645056","signal":"SIGHUP"}"#)
    }

    @Test func rateCapsSuppressAndReportBeforeEnd() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a",
                               rateCaps: [.syscallDenied: 2, .eventsSuppressed: 0], clock: fixedClock)
        for _ in 0..<5 { log.emit(.syscallDenied, SampleEvents.fields(for: .syscallDenied)) }
        log.emit(.sandboxEnd, SampleEvents.fields(for: .sandboxEnd))
        log.emit(.syscallDenied, SampleEvents.fields(for: .syscallDenied))
        log.close()
        let read = lines(tmp.read())
        // Nothing follows sandbox.end: the late event is neither written nor reported.
        #expect(read.map { $0["type"]?.stringValue } == [
            "syscall.denied", "syscall.denied", "events.suppressed", "sandbox.end",
        ])
        #expect(read[2]["suppressed_type"] == "syscall.denied")
        #expect(read[2]["count"] == 3)
        #expect(read.map { $0["seq"] } == [0, 1, 2, 3])
        #expect(read.allSatisfy { EventSchema.validate($0).isEmpty })
    }

    @Test func secretsNeverReachTheFile() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let secret = "ghp_s3cr3tT0ken"
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a", secrets: [secret, "x"], clock: fixedClock)
        log.emit(.sandboxError, [
            "step": "exec", "code": "exec_failed",
            "message": .string("token=\(secret)&again=\(secret)"),
        ])
        log.emit(.sandboxWarning, ["code": .string(secret), "message": ["nested": [.string("a\(secret)b")]]])
        log.close()
        let text = tmp.read()
        #expect(!text.contains(secret))
        #expect(!text.contains("s3cr3t"))
        #expect(text.contains("token=[REDACTED]&again=[REDACTED]"))
        #expect(text.contains("a[REDACTED]b"))
        #expect(text.contains(#""actor":"a""#))  // "x" is too short to count as a secret
    }

    @Test func concurrentEmittersNeverInterleave() async throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a")
        let message = String(repeating: "m", count: 3000)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<50 { log.emit(.sandboxWarning, ["code": .string("t\(t)-\(i)"), "message": .string(message)]) }
                }
            }
        }
        log.close()
        let read = lines(tmp.read())
        #expect(read.count == 400)
        #expect(read.map { $0["seq"]?.int64Value } == (0..<400).map { Int64($0) })
        #expect(Set(read.compactMap { $0["code"]?.stringValue }).count == 400)
    }
}

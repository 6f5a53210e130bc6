import Foundation
import StockadeEvents
import Testing
import StockadeTestSupport

/// A test-owned unix datagram socket standing in for systemd's notify or
/// journal socket. Descriptors passed with SCM_RIGHTS (the journal's memfd
/// form) are read and returned as the message.
final class DatagramListener {
    let path: String
    let fd: Int32
    /// How many datagrams carried a descriptor instead of data.
    private(set) var passedDescriptors = 0

    init() {
        path = NSTemporaryDirectory() + "stockade-dgram-\(UUID().uuidString.prefix(8)).sock"
        fd = boundDatagramSocket(at: path)
        precondition(fd >= 0, "bind \(path): errno \(errno)")
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram within `timeout` seconds, or nil.
    func receive(timeout: Double) -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var control = [UInt8](repeating: 0, count: 64)
        let n: Int = buf.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { cbuf in
                var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = cbuf.baseAddress
                    msg.msg_controllen = cbuf.count
                    let n = recvmsg(fd, &msg, Int32(MSG_CMSG_CLOEXEC))
                    if n >= 0, msg.msg_controllen >= MemoryLayout<cmsghdr>.size + 4 {
                        let h = cbuf.load(as: cmsghdr.self)
                        if h.cmsg_level == SOL_SOCKET && h.cmsg_type == Int32(SCM_RIGHTS) {
                            return -Int(cbuf.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)) - 1
                        }
                    }
                    return n
                }
            }
        }
        if n < -1 {
            // A passed descriptor: the memfd holding the whole entry.
            let passed = Int32(-n - 1)
            passedDescriptors += 1
            defer { close(passed) }
            var out: [UInt8] = []
            var off: off_t = 0
            while true {
                let r = pread(passed, &buf, buf.count, off)
                if r <= 0 { break }
                out += buf[0..<r]
                off += off_t(r)
            }
            return out
        }
        return n >= 0 ? Array(buf[0..<n]) : nil
    }

    /// Everything that arrives until nothing has for `quiet` seconds.
    func drain(quiet: Double = 0.3) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let m = receive(timeout: quiet) { out.append(m) }
        return out
    }
}

@Suite("systemd notify and journal", .serialized, .enabled(if: Harness.requireRoot()))
struct ServiceManagerTests {
    func text(_ m: [UInt8]) -> String { String(decoding: m, as: UTF8.self) }

    @Test func readyOnlyAfterTheSandboxIsReadyThenStatusAndStopping() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let notify = DatagramListener()
        let eventsPath = ws + ".events.jsonl"
        defer { unlink(eventsPath) }
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = ["--events", eventsPath, "--workspace", ws, "-e", "NOTIFY_SOCKET", "--", "/bin/sh", "-c",
                       "echo \"[$NOTIFY_SOCKET]\" > \(ws)/started; while [ ! -e \(ws)/release ]; do sleep 0.02; done"]
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let first = notify.receive(timeout: 20)
        // The moment READY=1 arrives, sandbox.ready is already in the log and the run is not over.
        let logAtReady = (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? ""
        // The workload holds on until the log has been read: the run cannot
        // end before READY=1 is checked, however slow the machine.
        _ = FileManager.default.createFile(atPath: ws + "/release", contents: nil)
        p.waitUntilExit()
        let rest = notify.drain()
        let firstText = first.map(text) ?? ""
        #expect(firstText.hasPrefix("READY=1\nSTATUS=running: sandbox "), "\(firstText)")
        #expect(logAtReady.contains("\"type\":\"sandbox.ready\""))
        #expect(!logAtReady.contains("\"type\":\"sandbox.end\""))
        #expect(p.terminationStatus == 0)
        // The workload ran and never saw the notify socket.
        #expect((try? String(contentsOfFile: ws + "/started", encoding: .utf8)) == "[]\n")
        let texts = rest.map(text)
        #expect(!texts.contains { $0.contains("READY=1") }, "READY=1 is sent once")
        #expect(texts.contains { $0.hasPrefix("STOPPING=1\nSTATUS=stopping") }, "\(texts)")
        #expect(texts.last == "STATUS=ended: exit, exit status 0", "\(texts)")
    }

    @Test func nothingIsSentWhenSetupFails() throws {
        let notify = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "200000"
        // Fails while planning (missing bind source) …
        let planFail = try Harness.runProcess([Harness.binary, "--ro-bind", "/nonexistent-stockade-src", "--", "/bin/true"], env: env)
        #expect(planFail.status == 125)
        // … and inside the sandbox, before exec succeeds (command not found).
        let execFail = try Harness.runProcess([Harness.binary, "--", "/nonexistent-stockade-cmd"], env: env)
        #expect(execFail.status == 127)
        let got = notify.drain().map(text)
        #expect(got.isEmpty, "\(got)")
    }

    @Test func sigtermIsReportedAsStopping() throws {
        let notify = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary)
        p.arguments = ["--", "/bin/sleep", "30"]
        p.environment = env
        p.standardError = FileHandle.nullDevice
        try p.run()
        let ready = notify.receive(timeout: 20).map(text) ?? ""
        #expect(ready.hasPrefix("READY=1"))
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        // The sleep really died of the forwarded signal, whatever the notifications say.
        #expect(p.terminationStatus == 128 + SIGTERM)
        let texts = notify.drain().map(text)
        #expect(texts.first == "STOPPING=1\nSTATUS=stopping: SIGTERM forwarded to the sandbox", "\(texts)")
        #expect(texts.last == "STATUS=ended: signal, exit status 143" || texts.last?.hasPrefix("STATUS=ended: ") == true, "\(texts)")
    }

    @Test func watchdogPingsEveryHalfInterval() throws {
        let notify = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "200000"
        let started = Date()
        let r = try Harness.runProcess([Harness.binary, "--", "/bin/sleep", "1"], env: env)
        let elapsed = Date().timeIntervalSince(started)
        #expect(r.status == 0)
        let pings = notify.drain().map(text).filter { $0 == "WATCHDOG=1" }.count
        // One ping per 100 ms while it ran (at least the 1 s sleep), with slack
        // at both ends; bounded by the run's own length, so a loaded machine
        // that stretches the run does not fail it.
        #expect(pings >= 5 && Double(pings) <= elapsed * 10 + 4, "\(pings) pings in \(elapsed) s")

        // WATCHDOG_PID naming another process: the watchdog is not ours.
        env["WATCHDOG_PID"] = "1"
        _ = try Harness.runProcess([Harness.binary, "--", "/bin/sleep", "0.5"], env: env)
        #expect(!notify.drain().map(text).contains("WATCHDOG=1"))
    }

    /// Parses a native-protocol entry (both field forms) into name → value.
    func fields(_ m: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while i < m.count {
            guard let end = m[i...].firstIndex(where: { $0 == 0x0A || $0 == UInt8(ascii: "=") }) else { break }
            let name = String(decoding: m[i..<end], as: UTF8.self)
            if m[end] == UInt8(ascii: "=") {
                let nl = m[end...].firstIndex(of: 0x0A) ?? m.count
                out[name] = String(decoding: m[(end + 1)..<nl], as: UTF8.self)
                i = nl + 1
            } else {
                var len: UInt64 = 0
                for k in 0..<8 { len |= UInt64(m[end + 1 + k]) << (8 * UInt64(k)) }
                let start = end + 9
                out[name] = String(decoding: m[start..<(start + Int(len))], as: UTF8.self)
                i = start + Int(len) + 1
            }
        }
        return out
    }

    @Test func journalSinkSendsStructuredEntries() throws {
        let journal = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["STOCKADE_JOURNAL_SOCKET"] = journal.path
        let r = try Harness.runProcess([Harness.binary, "--events", "journal", "--actor", "ci:7", "--", "/bin/sh", "-c", "exit 3"], env: env)
        #expect(r.status == 3)
        let entries = journal.drain().map(fields)
        #expect(entries.map { $0["STOCKADE_TYPE"] ?? "" } == ["sandbox.start", "sandbox.ready", "sandbox.end"])
        #expect(entries.map { $0["STOCKADE_SEQ"] ?? "" } == ["0", "1", "2"])
        for e in entries {
            #expect(e["SYSLOG_IDENTIFIER"] == "sandbox-run")
            #expect(e["PRIORITY"] == "6")
            #expect(e["STOCKADE_ACTOR"] == "ci:7")
            let event = try JSONParser().parseObject(e["STOCKADE_EVENT"] ?? "")
            #expect(event["type"]?.stringValue == e["STOCKADE_TYPE"])
            #expect(event["sandbox"]?.stringValue == e["STOCKADE_SANDBOX"])
        }
        #expect(entries.last?["MESSAGE"]?.hasPrefix("sandbox.end sandbox=") == true)
        #expect(entries.last?["MESSAGE"]?.contains("exit_status=3") == true)
    }

    @Test func largeEntriesArriveWhole() throws {
        let journal = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["STOCKADE_JOURNAL_SOCKET"] = journal.path
        // sandbox.start records the command line: 400 KB of it, above the
        // default socket buffer (one argument may be at most 128 KB, hence
        // four). Whether it goes as one datagram or as a memfd depends on
        // net.core.wmem_max; JournalSocketTests forces the memfd form.
        let big = String(repeating: "x", count: 100_000)
        let r = try Harness.runProcess([Harness.binary, "--events", "journal", "--", "/bin/true", big, big, big, big], env: env)
        #expect(r.status == 0)
        let entries = journal.drain().map(fields)
        #expect(entries.first?["STOCKADE_TYPE"] == "sandbox.start")
        #expect(entries.first?["STOCKADE_EVENT"]?.contains(big) == true)
        #expect(entries.count == 3)
    }

    @Test func agentVerbRunsTheDefinitionWithReadiness() throws {
        let ws = Harness.makeWorkspace()
        let defs = NSTemporaryDirectory() + "stockade-agents-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: defs, withIntermediateDirectories: true)
        let eventsPath = defs + "/events.jsonl"
        defer { Harness.removeTree(ws); Harness.removeTree(defs) }
        // The definition tries to hand the workload the notify socket; it must not arrive.
        try """
            command: [/bin/sh, -c, 'echo "notify=[$NOTIFY_SOCKET] mode=$MODE" > out.txt']
            workspace: \(ws)
            timeout: 1m
            env:
              pass: [NOTIFY_SOCKET]
              set: {MODE: service, WATCHDOG_USEC: "1"}
            events: \(eventsPath)
            """.write(toFile: defs + "/bot.yaml", atomically: true, encoding: .utf8)
        let notify = DatagramListener()
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        let r = try Harness.runProcess([Harness.binary, "agent", "bot", "--definition-dir", defs], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try? String(contentsOfFile: ws + "/out.txt", encoding: .utf8)) == "notify=[] mode=service\n")
        let texts = notify.drain().map(text)
        #expect(texts.first?.hasPrefix("READY=1\n") == true, "\(texts)")
        let lines = ((try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? "").split(separator: "\n")
        let start = try JSONParser().parseObject(String(lines.first ?? ""))
        #expect(start["actor"]?.stringValue == "agent:bot")
        #expect(start["name"]?.stringValue == "bot")
    }

    @Test func missingJournalFailsClosed() throws {
        var env = ProcessInfo.processInfo.environment
        env["STOCKADE_JOURNAL_SOCKET"] = "/nonexistent-stockade/journal.sock"
        let r = try Harness.runProcess([Harness.binary, "--events", "journal", "--", "/bin/true"], env: env)
        #expect(r.status == 125)
        #expect(r.stderr.contains("journal"), "\(r.stderr)")
    }
}

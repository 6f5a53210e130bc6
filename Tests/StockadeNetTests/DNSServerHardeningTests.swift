import Glibc
import StockadeAddress
import Testing
@testable import StockadeNet

/// The proxy under load and with broken upstreams, loopback only: many TCP
/// clients, idle clients, clients reusing one ID, silent and refusing
/// upstreams. No packet leaves 127.0.0.1.
@Suite(.serialized) struct DNSServerHardeningTests {
    static let loopback = DNSServerTests.loopback
    typealias FakeUpstream = DNSServerTests.FakeUpstream
    typealias Log = DNSServerTests.Log

    static func proxy(
        _ upstream: DNSEndpoint, fallback: [DNSEndpoint] = [], rules: [String] = ["api.github.com"],
        timeout: Double = 2, maxTCPClients: Int = 4096, idle: Double = 3, log: Log
    ) throws -> DNSProxyServer {
        let config = DNSProxyConfig(
            allowlist: try DomainAllowlist(parsing: rules), queriesPerSecond: 1e9, queryBurst: 1e9,
            maxPending: 4096, upstreamTimeoutSeconds: timeout)
        return try DNSProxyServer(
            engine: DNSProxyEngine(config: config),
            configuration: .init(listen: DNSEndpoint(address: loopback, port: 0), upstream: upstream,
                                 maxTCPClients: maxTCPClients, tcpIdleSeconds: idle, fallbackUpstreams: fallback),
            applyInsertions: { log.insertions += $0; return true },
            onRecord: { log.records.append($0) })
    }

    /// A UDP port that receives and never answers.
    static func silentUpstream() throws -> (Int32, DNSEndpoint) {
        let fd = try DNSSocket.listener(DNSEndpoint(address: loopback, port: 0), tcp: false)
        return (fd, DNSSocket.localEndpoint(fd)!)
    }

    /// A UDP port nobody listens on: the kernel answers ICMP port unreachable.
    static func refusingUpstream() throws -> DNSEndpoint {
        let fd = try DNSSocket.listener(DNSEndpoint(address: loopback, port: 0), tcp: false)
        let endpoint = DNSSocket.localEndpoint(fd)!
        close(fd)
        return endpoint
    }

    /// Sends `qname` from a fresh UDP socket and pumps until a reply (or ~4 s of rounds).
    static func ask(_ proxy: DNSProxyServer, _ qname: String, id: UInt16 = 0x2222, service: () -> Void = {}) throws -> DNSMessage? {
        let client = try DNSSocket.listener(DNSEndpoint(address: loopback, port: 0), tcp: false)
        defer { close(client) }
        DNSSocket.sendDatagram(client, query(qname, id: id), to: proxy.localEndpoint!)
        var buffer = [UInt8](repeating: 0, count: 65535)
        for _ in 0..<2000 {
            proxy.runOnce(timeoutMilliseconds: 5)
            service()
            if let (bytes, _) = DNSSocket.receive(client, buffer: &buffer) { return try DNSMessage.parse(bytes) }
        }
        return nil
    }

    @Test func theQuestionGoesUpstreamLowercaseAndComesBackAsAsked() throws {
        let (upstreamFD, endpoint) = try Self.silentUpstream()
        defer { close(upstreamFD) }
        let log = Log()
        let proxy = try Self.proxy(endpoint, log: log)
        defer { proxy.shutdown() }
        var seen: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65535)
        let reply = try Self.ask(proxy, "ApI.GiTHub.CoM") {
            // The upstream: record the question's raw bytes, answer it as received.
            while let (bytes, from) = DNSSocket.receive(upstreamFD, buffer: &buffer) {
                guard let q = try? DNSMessage.parse(bytes) else { continue }
                seen += q.questions[0].name.labels
                var r = DNSMessage(header: DNSHeader(id: q.header.id, isResponse: true, recursionAvailable: true))
                r.questions = q.questions
                r.answers = [DNSResourceRecord(name: q.questions[0].name, type: .a, ttl: 60, data: .a(IPv4Address(140, 82, 112, 6)))]
                DNSSocket.sendDatagram(upstreamFD, try! r.serialize(), to: from)
            }
        }
        #expect(seen == [Array("api".utf8), Array("github".utf8), Array("com".utf8)])
        let r = try #require(reply)
        #expect(r.questions[0].name.labels == [Array("ApI".utf8), Array("GiTHub".utf8), Array("CoM".utf8)])
        #expect(r.answers.count == 1 && r.header.responseCode == .noError)
    }

    @Test func aSilentUpstreamMeansSERVFAILAndAnEvent() throws {
        let (upstreamFD, endpoint) = try Self.silentUpstream()
        defer { close(upstreamFD) }
        let log = Log()
        let proxy = try Self.proxy(endpoint, timeout: 0.3, log: log)
        defer { proxy.shutdown() }
        let reply = try #require(try Self.ask(proxy, "api.github.com"))
        #expect(reply.header.responseCode == .servFail && reply.header.id == 0x2222)
        #expect(log.records.count == 1)
        #expect(log.records.first?.reason == .upstreamTimeout)
        // It reached the upstream (and at most once more: the retransmission,
        // which a loop woken too late skips; DNSEngineFailoverTests pins it).
        var buffer = [UInt8](repeating: 0, count: 512)
        var received = 0
        while DNSSocket.receive(upstreamFD, buffer: &buffer) != nil { received += 1 }
        #expect(received >= 1 && received <= 2)
    }

    @Test func aRefusingUpstreamFailsAtOnceWithUpstreamError() throws {
        let log = Log()
        // A long timeout: only the error path can answer within the test.
        let proxy = try Self.proxy(try Self.refusingUpstream(), timeout: 60, log: log)
        defer { proxy.shutdown() }
        let reply = try #require(try Self.ask(proxy, "api.github.com"))
        #expect(reply.header.responseCode == .servFail)
        #expect(log.records.map(\.reason) == [.upstreamError])
    }

    @Test func theNextUpstreamAnswersWhenTheFirstIsSilentOrRefuses() throws {
        let upstream = try FakeUpstream()
        let (silentFD, silent) = try Self.silentUpstream()
        defer { close(silentFD) }
        for first in [silent, try Self.refusingUpstream()] {
            let log = Log()
            let proxy = try Self.proxy(first, fallback: [upstream.endpoint], timeout: first == silent ? 3 : 60, log: log)
            defer { proxy.shutdown() }
            let reply = try #require(try Self.ask(proxy, "api.github.com") { upstream.service() })
            #expect(reply.header.responseCode == .noError && reply.answers.count == 1, "first upstream \(first)")
            #expect(log.records.count == 1 && log.records.first?.decision == .allow)
        }
    }

    @Test func queriesWithOneIDFromSeveralSocketsAreAllAnsweredOnTheirOwn() throws {
        let upstream = try FakeUpstream()
        let names = (0..<8).map { "h\($0).example.com" }
        let log = Log()
        let proxy = try Self.proxy(upstream.endpoint, rules: names, log: log)
        defer { proxy.shutdown() }
        let sockets = try names.map { _ in try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false) }
        defer { sockets.forEach { close($0) } }
        for (fd, n) in zip(sockets, names) { DNSSocket.sendDatagram(fd, query(n, id: 0x4242), to: proxy.localEndpoint!) }
        var replies: [Int: DNSMessage] = [:]
        var buffer = [UInt8](repeating: 0, count: 65535)
        for _ in 0..<400 where replies.count < names.count {
            proxy.runOnce(timeoutMilliseconds: 5)
            upstream.service()
            for (i, fd) in sockets.enumerated() {
                while let (bytes, _) = DNSSocket.receive(fd, buffer: &buffer) {
                    if replies[i] != nil { Issue.record("socket \(i) got a second reply") }
                    replies[i] = try DNSMessage.parse(bytes)
                }
            }
        }
        #expect(replies.count == names.count)
        for (i, r) in replies { #expect(r.header.id == 0x4242 && r.questions[0].name == name(names[i])) }
    }

    /// Raises this process's open-file limit so it can hold both ends of `pairs` connections.
    static func allowFiles(_ pairs: Int) -> Bool {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let want = rlim_t(2 * pairs + 256)
        if limit.rlim_cur >= want { return true }
        guard limit.rlim_max >= want else { return false }
        limit.rlim_cur = want
        return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0
    }

    /// A TCP client bound to 127.0.0.2: its ephemeral port cannot collide
    /// with the 127.0.0.1 ports other suites bind at the same time.
    /// One query over an open TCP connection, driving the proxy until its
    /// framed reply arrives; nil if none does within the rounds.
    static func askOverTCP(_ proxy: DNSProxyServer, _ client: Int32, _ qname: String, id: UInt16,
                           service: () -> Void) throws -> [UInt8]? {
        let framed = try DNSTCPFraming.frame(query(qname, id: id))
        var deframer = DNSTCPDeframer()
        var sent = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<400 {
            if !sent { sent = framed.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == framed.count }
            proxy.runOnce(timeoutMilliseconds: 5)
            service()
            let n = recv(client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { deframer.append(buffer[0..<n]) }
            if let reply = deframer.next() { return reply }
        }
        return nil
    }

    static func tcpClient(to endpoint: DNSEndpoint) throws -> Int32 {
        let fd = try DNSSocket.open(endpoint, type: Int32(SOCK_STREAM.rawValue), step: "test_client")
        let source = DNSEndpoint(address: IPAddress("127.0.0.2")!, port: 0)
        guard source.withSockaddr({ bind(fd, $0, $1) }) == 0,
              endpoint.withSockaddr({ connect(fd, $0, $1) }) == 0 || errno == EINPROGRESS else {
            let e = errno
            close(fd)
            throw DNSServerError(step: "test_client", target: endpoint.description, errno: e)
        }
        return fd
    }

    /// Closes with a reset (SO_LINGER 0): no TIME_WAIT left holding ports
    /// that other tests bind next.
    static func closeAbruptly(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    /// Connects `count` TCP clients and pumps until the proxy holds them all.
    static func connectClients(_ count: Int, to proxy: DNSProxyServer) throws -> [Int32] {
        var fds: [Int32] = []
        for _ in 0..<count {
            fds.append(try tcpClient(to: proxy.localEndpoint!))
            if fds.count % 64 == 0 { proxy.runOnce(timeoutMilliseconds: 0) }
        }
        for _ in 0..<200 where proxy.tcpClientCount < min(count, proxy.configuration.maxTCPClients) { proxy.runOnce(timeoutMilliseconds: 5) }
        return fds
    }

    @Test func aThousandTCPClientsAtOnceAreAllAnsweredEachOnItsOwnConnection() throws {
        let count = 1000
        guard Self.allowFiles(count) else {
            print("skipped: RLIMIT_NOFILE cannot be raised to hold \(count) connection pairs")
            return
        }
        let upstream = try FakeUpstream()
        let names = (0..<count).map { "c\($0).example.com" }
        let log = Log()
        // The fake upstream reads between rounds: give it room for the burst
        // (SO_RCVBUFFORCE passes rmem_max as root; a drop is retransmitted anyway).
        var size: Int32 = 4 << 20
        setsockopt(upstream.udp, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        let proxy = try Self.proxy(upstream.endpoint, rules: names, timeout: 8, idle: 60, log: log)
        defer { proxy.shutdown() }
        let fds = try Self.connectClients(count, to: proxy)
        defer { fds.forEach { Self.closeAbruptly($0) } }
        #expect(proxy.tcpClientCount == count)
        // All at once, all with the same ID.
        for (fd, n) in zip(fds, names) {
            let framed = try DNSTCPFraming.frame(query(n, id: 0x0101))
            #expect(framed.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == framed.count)
        }
        var deframers = [DNSTCPDeframer](repeating: DNSTCPDeframer(), count: count)
        var replies = [DNSMessage?](repeating: nil, count: count)
        var answered = 0
        var buffer = [UInt8](repeating: 0, count: 65535)
        // Bounded by wall time, not rounds: a datagram the fake upstream
        // dropped comes back with the proxy's retransmission, seconds later.
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: .seconds(60))
        while answered < count && clock.now < giveUp {
            proxy.runOnce(timeoutMilliseconds: 5)
            upstream.service()
            for (i, fd) in fds.enumerated() where replies[i] == nil {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if n > 0 { deframers[i].append(buffer[0..<n]) }
                if let bytes = deframers[i].next() {
                    replies[i] = try DNSMessage.parse(bytes)
                    answered += 1
                }
            }
        }
        #expect(answered == count)
        let wrong = replies.enumerated().filter { i, r in r.map { $0.header.id != 0x0101 || $0.questions[0].name != name(names[i]) } ?? false }
        #expect(wrong.isEmpty, "\(wrong.count) replies on the wrong connection")
        #expect(log.records.count == count)
    }

    @Test func idleClientsAreClosedAndNeverLockOthersOut() throws {
        let upstream = try FakeUpstream()
        let log = Log()
        // 200 idle connections against a limit of 50.
        let proxy = try Self.proxy(upstream.endpoint, maxTCPClients: 50, idle: 0.5, log: log)
        defer { proxy.shutdown() }
        let idle = try Self.connectClients(200, to: proxy)
        defer { idle.forEach { Self.closeAbruptly($0) } }
        #expect(proxy.tcpClientCount <= 50)
        // A new client still gets its answer.
        let client = try Self.tcpClient(to: proxy.localEndpoint!)
        defer { Self.closeAbruptly(client) }
        let reply = try Self.askOverTCP(proxy, client, "api.github.com", id: 9, service: { upstream.service() })
        let r = try DNSMessage.parse(try #require(reply))
        #expect(r.header.id == 9 && r.answers.count == 1)
        // And the idle ones are closed in the end: the proxy's side hangs up.
        for _ in 0..<400 where proxy.tcpClientCount > 0 { proxy.runOnce(timeoutMilliseconds: 10) }
        #expect(proxy.tcpClientCount == 0)
        var closed = 0
        for fd in idle {
            var byte: UInt8 = 0
            let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
            if n == 0 || (n < 0 && errno == ECONNRESET) { closed += 1 }
        }
        #expect(closed == idle.count)
    }
    /// Past its cap the proxy refuses cleanly: it never holds more clients
    /// than the cap, every client past it is closed (never left hanging),
    /// those it holds are answered, and the proxy goes on answering others,
    /// over TCP and UDP.
    @Test func clientsPastTheCapAreClosedCleanlyAndOthersStillAnswered() throws {
        let upstream = try FakeUpstream()
        let log = Log()
        let cap = 32, count = 128
        let proxy = try Self.proxy(upstream.endpoint, maxTCPClients: cap, idle: 30, log: log)
        defer { proxy.shutdown() }
        var fds: [Int32] = []
        defer { fds.forEach { Self.closeAbruptly($0) } }
        var most = 0
        for i in 0..<count {
            fds.append(try Self.tcpClient(to: proxy.localEndpoint!))
            if i % 8 == 7 {
                proxy.runOnce(timeoutMilliseconds: 0)
                most = max(most, proxy.tcpClientCount)
            }
        }
        for _ in 0..<50 {
            proxy.runOnce(timeoutMilliseconds: 2)
            most = max(most, proxy.tcpClientCount)
        }
        // Every client asks now; those past the cap find their connection closed.
        var answered = Set<Int>(), closed = Set<Int>()
        for (i, fd) in fds.enumerated() {
            let framed = try DNSTCPFraming.frame(query("api.github.com", id: UInt16(i)))
            let n = framed.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { closed.insert(i) }
        }
        var deframers = [DNSTCPDeframer](repeating: DNSTCPDeframer(), count: count)
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<2000 where answered.count + closed.count < count {
            proxy.runOnce(timeoutMilliseconds: 5)
            upstream.service()
            most = max(most, proxy.tcpClientCount)
            for (i, fd) in fds.enumerated() where !answered.contains(i) && !closed.contains(i) {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if n > 0 { deframers[i].append(buffer[0..<n]) }
                if let bytes = deframers[i].next() {
                    let reply = try DNSMessage.parse(bytes)
                    #expect(reply.header.id == UInt16(i), "a reply on the wrong connection")
                    answered.insert(i)
                } else if n == 0 || (n < 0 && errno == ECONNRESET) {
                    closed.insert(i)
                }
            }
        }
        #expect(most <= cap, "held \(most) clients over a cap of \(cap)")
        #expect(answered.count + closed.count == count, "\(count - answered.count - closed.count) clients left hanging")
        #expect(answered.count >= 1 && answered.count <= cap, "answered \(answered.count)")
        #expect(closed.count >= count - cap, "closed \(closed.count)")
        // Others are still served: a new TCP client and a UDP query.
        let late = try Self.tcpClient(to: proxy.localEndpoint!)
        defer { Self.closeAbruptly(late) }
        let reply = try Self.askOverTCP(proxy, late, "api.github.com", id: 0x7777, service: { upstream.service() })
        #expect(try DNSMessage.parse(try #require(reply)).header.id == 0x7777)
        let udp = try Self.ask(proxy, "api.github.com", id: 0x6666, service: { upstream.service() })
        #expect(udp?.header.id == 0x6666 && udp?.answers.count == 1)
        #expect(proxy.tcpClientCount <= cap)
    }
}

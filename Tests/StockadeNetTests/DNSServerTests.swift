import Glibc
import StockadeAddress
import Testing
@testable import StockadeNet

/// The proxy over real sockets, loopback only: a fake upstream on
/// 127.0.0.1 (ephemeral port, UDP and TCP), the proxy on another
/// 127.0.0.1 port, and a client socket. No packet leaves 127.0.0.1.
@Suite(.serialized) struct DNSServerTests {
    static let loopback = IPAddress("127.0.0.1")!

    /// Answers A queries: `tc.github.com` is truncated over UDP and
    /// complete over TCP; everything else gets a public and a loopback address.
    final class FakeUpstream {
        let udp: Int32
        let tcp: Int32
        let endpoint: DNSEndpoint
        var tcpConnections: [Int32] = []
        var udpQueries = 0
        var tcpQueries = 0

        init() throws {
            udp = try DNSSocket.listener(DNSEndpoint(address: DNSServerTests.loopback, port: 0), tcp: false)
            endpoint = DNSSocket.localEndpoint(udp)!
            tcp = try DNSSocket.listener(endpoint, tcp: true)
        }

        deinit {
            close(udp)
            close(tcp)
            tcpConnections.forEach { close($0) }
        }

        func answer(_ bytes: [UInt8], overTCP: Bool) -> [UInt8]? {
            guard let q = try? DNSMessage.parse(bytes), let question = q.questions.first else { return nil }
            var r = DNSMessage(header: DNSHeader(id: q.header.id, isResponse: true, recursionAvailable: true))
            r.questions = q.questions
            if question.name == name("tc.github.com") && !overTCP {
                r.header.truncated = true
            } else {
                r.answers = [
                    DNSResourceRecord(name: question.name, type: .a, ttl: 120, data: .a(IPv4Address(140, 82, 112, 6))),
                    DNSResourceRecord(name: question.name, type: .a, ttl: 120, data: .a(IPv4Address(127, 0, 0, 1))),
                ]
            }
            return try? r.serialize()
        }

        func service() {
            var buffer = [UInt8](repeating: 0, count: 65535)
            while let (bytes, from) = DNSSocket.receive(udp, buffer: &buffer) {
                udpQueries += 1
                if let reply = answer(bytes, overTCP: false) { DNSSocket.sendDatagram(udp, reply, to: from) }
            }
            let fd = accept(tcp, nil, nil)
            if fd >= 0 { tcpConnections.append(fd) }
            for fd in tcpConnections {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard n > 2 else { continue }
                var d = DNSTCPDeframer()
                d.append(buffer[0..<n])
                if let q = d.next(), let reply = answer(q, overTCP: true) {
                    tcpQueries += 1
                    let framed = try! DNSTCPFraming.frame(reply)
                    _ = framed.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }

    final class Log {
        var insertions: [DNSSetInsertion] = []
        var records: [DNSQueryRecord] = []
        var replyAlreadyVisible = false
        var applyCalls = 0
    }

    static func makeProxy(upstream: FakeUpstream, log: Log, client: Int32, batchesPerWake: Int = 8,
                          insertionsSucceed: Bool = true, tcpRetries: Int = 64) throws -> DNSProxyServer {
        let config = DNSProxyConfig(allowlist: try DomainAllowlist(parsing: ["api.github.com", "tc.github.com"]))
        return try DNSProxyServer(
            engine: DNSProxyEngine(config: config),
            configuration: .init(listen: DNSEndpoint(address: loopback, port: 0), upstream: upstream.endpoint,
                                 maxDatagramBatchesPerWake: batchesPerWake, maxUpstreamTCPRetries: tcpRetries),
            applyInsertions: { ins in
                // The client must not have its answer yet.
                var probe: UInt8 = 0
                if recv(client, &probe, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0 { log.replyAlreadyVisible = true }
                log.insertions += ins
                log.applyCalls += 1
                return insertionsSucceed
            },
            onRecord: { log.records.append($0) })
    }

    /// Drives proxy and upstream until `done` or about two seconds pass.
    static func pump(_ proxy: DNSProxyServer, _ upstream: FakeUpstream, until done: () -> Bool) {
        for _ in 0..<400 where !done() {
            proxy.runOnce(timeoutMilliseconds: 5)
            upstream.service()
        }
    }

    static func udpExchange(_ qname: String, insertionsSucceed: Bool = true) throws -> (DNSMessage?, Log, FakeUpstream) {
        let upstream = try FakeUpstream()
        let client = try DNSSocket.listener(DNSEndpoint(address: loopback, port: 0), tcp: false)
        defer { close(client) }
        let log = Log()
        let proxy = try makeProxy(upstream: upstream, log: log, client: client, insertionsSucceed: insertionsSucceed)
        defer { proxy.shutdown() }
        DNSSocket.sendDatagram(client, query(qname, id: 0xBEEF), to: proxy.localEndpoint!)
        var buffer = [UInt8](repeating: 0, count: 65535)
        var reply: [UInt8]?
        pump(proxy, upstream) {
            if reply == nil, let (bytes, _) = DNSSocket.receive(client, buffer: &buffer) { reply = bytes }
            return reply != nil
        }
        return (try reply.map { try DNSMessage.parse($0) }, log, upstream)
    }

    @Test func udpAllowedQueryInsertsBeforeReplying() throws {
        let (reply, log, upstream) = try Self.udpExchange("api.github.com")
        let r = try #require(reply)
        #expect(r.header.id == 0xBEEF)
        #expect(r.answers.map(\.data) == [.a(IPv4Address(140, 82, 112, 6))])  // loopback stripped
        #expect(log.insertions.map(\.address) == [IPAddress("140.82.112.6")!])
        #expect(!log.replyAlreadyVisible)
        #expect(log.records.last?.rebound == [Self.loopback])
        #expect(upstream.udpQueries == 1)
    }

    /// The bindings were full or the nft insertion failed: the client gets
    /// SERVFAIL, and the `dns.query` record says so instead of claiming
    /// the answer was given.
    @Test func failedInsertionIsReportedAsDeniedWithoutAnswers() throws {
        let (reply, log, _) = try Self.udpExchange("api.github.com", insertionsSucceed: false)
        #expect(reply?.header.responseCode == .servFail)
        #expect(reply?.answers.isEmpty == true)
        let record = try #require(log.records.last)
        #expect(record.decision == .deny)
        #expect(record.reason == .allowSetFailed)
        #expect(record.addresses.isEmpty && record.observed.isEmpty)
        #expect(record.eventFields["addresses"] == nil)
    }

    @Test func udpDeniedQueryNeverReachesUpstream() throws {
        let (reply, log, upstream) = try Self.udpExchange("exfil.attacker.example")
        #expect(reply?.header.responseCode == .nxDomain)
        #expect(upstream.udpQueries == 0 && upstream.tcpQueries == 0)
        #expect(log.records.first?.reason == .notAllowlisted)
    }

    @Test func truncatedAnswerIsRetriedOverTCP() throws {
        let (reply, log, upstream) = try Self.udpExchange("tc.github.com")
        let r = try #require(reply)
        #expect(!r.header.truncated && r.answers.count == 1)
        #expect(upstream.udpQueries == 1 && upstream.tcpQueries == 1)
        #expect(log.insertions.count == 1)
    }

    /// Truncated answers retried over TCP hold a descriptor each: past the
    /// cap the client gets SERVFAIL instead of another connection.
    @Test func tcpRetriesBeyondTheCapGetServfail() throws {
        let upstream = try FakeUpstream()
        let client = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(client) }
        let log = Log()
        let proxy = try Self.makeProxy(upstream: upstream, log: log, client: client, tcpRetries: 1)
        defer { proxy.shutdown() }
        DNSSocket.sendDatagram(client, query("tc.github.com", id: 1), to: proxy.localEndpoint!)
        DNSSocket.sendDatagram(client, query("tc.github.com", id: 2), to: proxy.localEndpoint!)
        var buffer = [UInt8](repeating: 0, count: 65535)
        var replies: [UInt16: DNSMessage] = [:]
        Self.pump(proxy, upstream) {
            while let (bytes, _) = DNSSocket.receive(client, buffer: &buffer), let m = try? DNSMessage.parse(bytes) {
                replies[m.header.id] = m
            }
            return replies.count == 2
        }
        let codes = replies.values.map(\.header.responseCode)
        #expect(codes.filter { $0 == .servFail }.count == 1, "\(codes)")
        #expect(replies.values.filter { $0.answers.count == 1 }.count == 1)
        #expect(upstream.udpQueries == 2 && upstream.tcpQueries == 1)
        #expect(log.records.filter { $0.reason == .upstreamError }.count == 1)
    }

    @Test func tcpClientGetsAFramedReply() throws {
        let upstream = try FakeUpstream()
        let log = Log()
        let dummy = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(dummy) }
        let proxy = try Self.makeProxy(upstream: upstream, log: log, client: dummy)
        defer { proxy.shutdown() }
        let client = try DNSSocket.connected(proxy.localEndpoint!, tcp: true)
        defer { close(client) }
        var out = try DNSTCPFraming.frame(query("api.github.com", id: 7))
        var deframer = DNSTCPDeframer()
        var reply: [UInt8]?
        var buffer = [UInt8](repeating: 0, count: 4096)
        Self.pump(proxy, upstream) {
            if !out.isEmpty {
                let n = out.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { out.removeFirst(n) }
            }
            let n = recv(client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { deframer.append(buffer[0..<n]) }
            if reply == nil { reply = deframer.next() }
            return reply != nil
        }
        let r = try DNSMessage.parse(try #require(reply))
        #expect(r.header.id == 7 && r.answers.count == 1)
        #expect(log.insertions.count == 1)
    }

    @Test func answersReadInOneWakeUpShareOneInsertionBatch() throws {
        let upstream = try FakeUpstream()
        let client = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(client) }
        let log = Log()
        let proxy = try Self.makeProxy(upstream: upstream, log: log, client: client)
        defer { proxy.shutdown() }
        // Loopback delivers synchronously: the proxy reads all five queries in
        // one wake-up, the upstream answers all five, and the proxy reads the
        // five answers in the next.
        for id in 1...5 { DNSSocket.sendDatagram(client, query("api.github.com", id: UInt16(id)), to: proxy.localEndpoint!) }
        var buffer = [UInt8](repeating: 0, count: 65535)
        var ids: [UInt16] = []
        Self.pump(proxy, upstream) {
            while let (bytes, _) = DNSSocket.receive(client, buffer: &buffer) {
                if let m = try? DNSMessage.parse(bytes) { ids.append(m.header.id) }
            }
            return ids.count == 5
        }
        #expect(ids.sorted() == [1, 2, 3, 4, 5])
        #expect(upstream.udpQueries == 5)
        #expect(log.applyCalls == 1)
        // The same address from five answers is one element.
        #expect(log.insertions.map(\.address) == [IPAddress("140.82.112.6")!])
        #expect(!log.replyAlreadyVisible)
        #expect(log.records.count == 5)
    }

    /// A flood on the listener cannot hold the supervisor's thread: one
    /// wake-up reads at most the configured number of batches, and the rest
    /// waits for the next poll (which reports it at once).
    @Test func oneWakeUpReadsAtMostTheConfiguredBatches() throws {
        let upstream = try FakeUpstream()
        let client = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(client) }
        let log = Log()
        let proxy = try Self.makeProxy(upstream: upstream, log: log, client: client, batchesPerWake: 1)
        defer { proxy.shutdown() }
        for id in 1...40 { DNSSocket.sendDatagram(client, query("api.github.com", id: UInt16(id)), to: proxy.localEndpoint!) }
        proxy.runOnce(timeoutMilliseconds: 100)
        upstream.service()
        #expect(upstream.udpQueries == 32, "one batch of 32 slots, then back to poll")
        Self.pump(proxy, upstream) { upstream.udpQueries == 40 }
        #expect(upstream.udpQueries == 40)
    }
}

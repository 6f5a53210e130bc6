import Glibc

/// The DNS proxy's sockets around a `DNSProxyEngine`: UDP and TCP
/// listeners, one connected UDP socket upstream, and a short TCP
/// connection upstream for each truncated answer.
///
/// Single-threaded and poll-driven so the supervisor's own loop can own
/// it: poll `pollDescriptors()`, pass each ready fd to `handle(fd:revents:)`,
/// and call `handleTimeouts()` when `nextTimeoutMilliseconds()` runs out.
/// `runOnce` does all three, for simple callers and tests.
public final class DNSProxyServer {
    /// Where to listen and where to forward; limits on TCP clients.
    public struct Configuration: Sendable {
        public var listen: DNSEndpoint
        public var upstream: DNSEndpoint
        public var maxTCPClients: Int
        public var tcpIdleSeconds: Double
        /// How many `recvmmsg` batches one wake-up reads from a socket. A
        /// workload flooding its proxy must not keep the supervisor's single
        /// thread in one drain loop: its timeout, signals and the other
        /// sockets wait on the next `poll`, which reports the rest at once.
        public var maxDatagramBatchesPerWake: Int
        public init(listen: DNSEndpoint, upstream: DNSEndpoint, maxTCPClients: Int = 64, tcpIdleSeconds: Double = 10,
                    maxDatagramBatchesPerWake: Int = 8) {
            self.listen = listen
            self.upstream = upstream
            self.maxTCPClients = maxTCPClients
            self.tcpIdleSeconds = tcpIdleSeconds
            self.maxDatagramBatchesPerWake = max(1, maxDatagramBatchesPerWake)
        }
    }

    private struct Connection {
        /// Never reused, unlike fds: a late reply cannot reach a newer client on the same fd.
        var id: UInt64 = 0
        var deframer = DNSTCPDeframer()
        var output: [UInt8] = []
        var deadline: DNSInstant
        /// Client connections: the peer, looked up once at accept.
        var peer: DNSEndpoint?
        /// Upstream retry connections: the ID of the query being retried.
        var upstreamID: UInt16?
    }

    public private(set) var engine: DNSProxyEngine
    public let configuration: Configuration
    /// Adds addresses to the allow sets; must return only once they are in
    /// place. False means failure: the client then gets SERVFAIL.
    private let applyInsertions: ([DNSSetInsertion]) -> Bool
    /// Receives every `dns.query` record.
    private let onRecord: (DNSQueryRecord) -> Void
    private let udpListener: Int32
    private let tcpListener: Int32
    private let upstreamUDP: Int32
    private var clients: [Int32: Connection] = [:]
    private var upstreamTCP: [Int32: Connection] = [:]
    private var connectionFDs: [UInt64: Int32] = [:]
    private var nextConnectionID: UInt64 = 1
    private var buffer = [UInt8](repeating: 0, count: 65535)
    /// UDP datagrams are read and written in batches: one `recvmmsg` per
    /// drain of a socket, one `sendmmsg` per socket per wake-up.
    private let datagrams = DNSDatagramReceiver()
    private var toClients = DNSDatagramOutbox()
    private var toUpstream = DNSDatagramOutbox()

    /// Opens every socket; on failure closes what it opened and throws.
    public init(
        engine: DNSProxyEngine, configuration: Configuration,
        applyInsertions: @escaping ([DNSSetInsertion]) -> Bool, onRecord: @escaping (DNSQueryRecord) -> Void
    ) throws(DNSServerError) {
        self.engine = engine
        self.configuration = configuration
        self.applyInsertions = applyInsertions
        self.onRecord = onRecord
        udpListener = try DNSSocket.listener(configuration.listen, tcp: false)
        var listen = configuration.listen
        // Port 0: TCP listens on the port the kernel chose for UDP.
        if listen.port == 0, let bound = DNSSocket.localEndpoint(udpListener) { listen.port = bound.port }
        do { tcpListener = try DNSSocket.listener(listen, tcp: true) } catch {
            close(udpListener)
            throw error
        }
        do { upstreamUDP = try DNSSocket.connected(configuration.upstream, tcp: false) } catch {
            close(udpListener)
            close(tcpListener)
            throw error
        }
    }

    /// Serves listeners made elsewhere: bound (and, for TCP, listening)
    /// non-blocking sockets, e.g. made inside a sandbox's network namespace.
    /// Takes ownership of both; the upstream socket is opened here.
    public init(
        engine: DNSProxyEngine, configuration: Configuration, udpListener: Int32, tcpListener: Int32,
        applyInsertions: @escaping ([DNSSetInsertion]) -> Bool, onRecord: @escaping (DNSQueryRecord) -> Void
    ) throws(DNSServerError) {
        self.engine = engine
        self.configuration = configuration
        self.applyInsertions = applyInsertions
        self.onRecord = onRecord
        self.udpListener = udpListener
        self.tcpListener = tcpListener
        do { upstreamUDP = try DNSSocket.connected(configuration.upstream, tcp: false) } catch {
            close(udpListener)
            close(tcpListener)
            throw error
        }
    }

    deinit { shutdown() }

    /// The UDP listener's bound endpoint (useful when listening on port 0).
    public var localEndpoint: DNSEndpoint? { DNSSocket.localEndpoint(udpListener) }

    /// Closes every socket. Pending queries are abandoned.
    public func shutdown() {
        for fd in [udpListener, tcpListener, upstreamUDP] where fd >= 0 { close(fd) }
        for fd in clients.keys { close(fd) }
        connectionFDs = [:]
        for fd in upstreamTCP.keys { close(fd) }
        clients = [:]
        upstreamTCP = [:]
    }

    /// What to poll: POLLIN on everything, POLLOUT where output waits or a connect is in flight.
    public func pollDescriptors() -> [pollfd] {
        var fds = [udpListener, tcpListener, upstreamUDP].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        for (fd, c) in clients { fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (c.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)) }
        for (fd, c) in upstreamTCP { fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (c.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)) }
        return fds
    }

    /// Milliseconds until `handleTimeouts` has work; -1 when nothing waits.
    public func nextTimeoutMilliseconds(now: DNSInstant = .now()) -> Int32 {
        let connections = [clients.values.lazy.map(\.deadline).min(), upstreamTCP.values.lazy.map(\.deadline).min()]
        guard let next = ([engine.nextDeadline] + connections).compactMap({ $0 }).min() else { return -1 }
        return Int32(min(Double(Int32.max), (next.seconds(since: now) * 1000).rounded(.up)))
    }

    /// Polls once for at most `timeoutMilliseconds` and handles what is ready.
    public func runOnce(timeoutMilliseconds: Int32) {
        var fds = pollDescriptors()
        let next = nextTimeoutMilliseconds()
        let timeout = next < 0 ? timeoutMilliseconds : min(next, timeoutMilliseconds)
        if poll(&fds, nfds_t(fds.count), timeout) > 0 {
            for p in fds where p.revents != 0 { handle(fd: p.fd, revents: p.revents) }
        }
        handleTimeouts()
    }

    /// Handles readiness of one of the fds from `pollDescriptors()`.
    public func handle(fd: Int32, revents: Int16) {
        let now = DNSInstant.now()
        defer { flushDatagrams() }
        if fd == udpListener {
            drain(fd) { bytes, from in
                guard let from else { return }
                query(bytes, from: DNSClient(transport: .udp, address: from.address, port: from.port), now: now)
            }
        } else if fd == tcpListener {
            acceptClients(now: now)
        } else if fd == upstreamUDP {
            // Every answer waiting is read first, so their set insertions
            // share one netlink round trip; then all their replies go.
            var ready: [DNSClientReply] = []
            drain(fd) { bytes, _ in
                if let reply = upstreamReply(bytes, over: .udp, now: now) { ready.append(reply) }
            }
            settleAndDeliver(ready)
        } else if clients[fd] != nil {
            serviceClient(fd, revents: revents, now: now)
        } else if upstreamTCP[fd] != nil {
            serviceUpstream(fd, revents: revents, now: now)
        }
    }

    /// Expires upstream queries (SERVFAIL to their clients) and idle connections.
    public func handleTimeouts(now: DNSInstant = .now()) {
        defer { flushDatagrams() }
        for reply in engine.expire(now: now) { deliver(reply.bytes, to: reply.client, record: reply.record) }
        for (fd, c) in clients where c.deadline <= now { closeClient(fd) }
        for (fd, c) in upstreamTCP where c.deadline <= now { failUpstream(fd) }
    }

    private func query(_ bytes: [UInt8], from client: DNSClient, now: DNSInstant) {
        let decision = engine.handleQuery(bytes, from: client, now: now)
        if let record = decision.record { onRecord(record) }
        switch decision.action {
        case .drop: break
        case .reply(let reply): deliver(reply, to: client, record: nil)
        case .forward(let q, _): toUpstream.append(q, to: nil)
        }
    }

    /// Reads datagrams from `fd` in batches until a batch comes back short
    /// (the queue was empty) or the per-wake-up bound is reached; truncated
    /// ones are skipped.
    private func drain(_ fd: Int32, _ body: ([UInt8], DNSEndpoint?) -> Void) {
        for _ in 0..<configuration.maxDatagramBatchesPerWake {
            let n = datagrams.receive(fd)
            for i in 0..<n {
                guard let bytes = datagrams.bytes(i) else { continue }
                body(bytes, datagrams.sender(i))
            }
            if n < datagrams.slotCount { return }
        }
    }

    /// Sends the datagrams queued during this wake-up: queries upstream, replies to clients.
    private func flushDatagrams() {
        toUpstream.flush(upstreamUDP)
        toClients.flush(udpListener)
    }

    /// The engine's verdict on an upstream answer: a reply to settle, or nil
    /// (dropped, or retried over TCP here).
    private func upstreamReply(_ bytes: [UInt8], over transport: DNSClient.Transport, now: DNSInstant) -> DNSClientReply? {
        switch engine.handleUpstreamReply(bytes, over: transport, now: now) {
        case .drop: return nil
        case .retryOverTCP(let q, let id):
            retryOverTCP(q, id: id, now: now)
            return nil
        case .reply(let reply): return reply
        }
    }

    /// The rules go in before the answers go out; where they cannot, fail closed.
    private func settleAndDeliver(_ replies: [DNSClientReply]) {
        guard !replies.isEmpty else { return }
        let bytes = DNSReplySettlement.settle(replies, apply: applyInsertions)
        for (reply, out) in zip(replies, bytes) { deliver(out, to: reply.client, record: reply.record) }
    }

    /// Replies to UDP clients are queued and leave at the end of the wake-up.
    private func deliver(_ bytes: [UInt8], to client: DNSClient, record: DNSQueryRecord?) {
        if let record { onRecord(record) }
        switch client.transport {
        case .udp:
            toClients.append(bytes, to: DNSEndpoint(address: client.address, port: client.port))
        case .tcp:
            guard let fd = connectionFDs[client.connection], clients[fd] != nil, let framed = try? DNSTCPFraming.frame(bytes) else { return }
            clients[fd]?.output += framed
            flush(fd, in: &clients)
        }
    }

    private func acceptClients(now: DNSInstant) {
        while true {
            // accept4(2) is not in the Glibc module (it needs _GNU_SOURCE); the
            // flags are set right after. The child path closes stray fds anyway.
            let fd = accept(tcpListener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            guard clients.count < configuration.maxTCPClients else {
                close(fd)
                continue
            }
            clients[fd] = Connection(
                id: nextConnectionID, deadline: now.adding(seconds: configuration.tcpIdleSeconds),
                peer: DNSSocket.peerEndpoint(fd))
            connectionFDs[nextConnectionID] = fd
            nextConnectionID += 1
        }
    }

    private func serviceClient(_ fd: Int32, revents: Int16, now: DNSInstant) {
        if revents & Int16(POLLOUT) != 0 { flush(fd, in: &clients) }
        guard revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 else { return }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            closeClient(fd)
            return
        }
        guard n > 0, clients[fd] != nil else { return }
        clients[fd]!.deframer.append(buffer[0..<n])
        clients[fd]!.deadline = now.adding(seconds: configuration.tcpIdleSeconds)
        guard let address = clients[fd]?.peer, let id = clients[fd]?.id else { return }
        while let message = clients[fd]?.deframer.next() {
            query(message, from: DNSClient(transport: .tcp, address: address.address, port: address.port, connection: id), now: now)
        }
    }

    private func retryOverTCP(_ q: [UInt8], id: UInt16, now: DNSInstant) {
        guard let framed = try? DNSTCPFraming.frame(q),
              let fd = try? DNSSocket.connected(configuration.upstream, tcp: true) else {
            if let reply = engine.failPending(upstreamID: id) { deliver(reply.bytes, to: reply.client, record: reply.record) }
            return
        }
        upstreamTCP[fd] = Connection(
            output: framed, deadline: now.adding(seconds: engine.config.upstreamTimeoutSeconds), upstreamID: id)
    }

    private func serviceUpstream(_ fd: Int32, revents: Int16, now: DNSInstant) {
        if revents & Int16(POLLERR) != 0 { return failUpstream(fd) }
        if revents & Int16(POLLOUT) != 0 { flush(fd, in: &upstreamTCP) }
        guard revents & (Int16(POLLIN) | Int16(POLLHUP)) != 0 else { return }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { upstreamTCP[fd]?.deframer.append(buffer[0..<n]) }
        if let message = upstreamTCP[fd]?.deframer.next() {
            upstreamTCP[fd] = nil
            close(fd)
            if let reply = upstreamReply(message, over: .tcp, now: now) { settleAndDeliver([reply]) }
        } else if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            failUpstream(fd)
        }
    }

    private func failUpstream(_ fd: Int32) {
        guard let c = upstreamTCP.removeValue(forKey: fd) else { return }
        close(fd)
        if let id = c.upstreamID, let reply = engine.failPending(upstreamID: id) {
            deliver(reply.bytes, to: reply.client, record: reply.record)
        }
    }

    private func closeClient(_ fd: Int32) {
        guard let c = clients.removeValue(forKey: fd) else { return }
        connectionFDs[c.id] = nil
        close(fd)
    }

    private func flush(_ fd: Int32, in table: inout [Int32: Connection]) {
        guard let output = table[fd]?.output, !output.isEmpty else { return }
        let n = output.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 { table[fd]?.output.removeFirst(n) }
    }
}

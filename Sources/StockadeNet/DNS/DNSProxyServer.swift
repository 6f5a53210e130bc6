import Glibc
import StockadeAddress

/// The DNS proxy's sockets around a `DNSProxyEngine`: UDP and TCP
/// listeners, one connected UDP socket per upstream, and a short TCP
/// connection upstream for each truncated answer.
///
/// An upstream that does not answer is not the client's problem: a query
/// whose attempt runs out goes to the next upstream, an upstream that
/// reports an error (ICMP unreachable) hands its queries on at once, and
/// whatever happens the client has an answer or SERVFAIL within the
/// engine's `upstreamTimeoutSeconds`, with a `dns.query` record.
///
/// TCP clients: up to `maxTCPClients` at once (thousands; the listen
/// backlog is large too); a client that sends no complete query for
/// `tcpIdleSeconds` is closed (partial bytes do not count, so a trickle
/// cannot hold a slot), and at the limit a new client evicts the one idle
/// longest instead of being refused, so idle connections never starve
/// the others.
///
/// Single-threaded and poll-driven so the supervisor's own loop can own
/// it: poll `pollDescriptors()`, pass each ready fd to `handle(fd:revents:)`,
/// and call `handleTimeouts()` when `nextTimeoutMilliseconds()` runs out.
/// `runOnce` does all three, for simple callers and tests.
public final class DNSProxyServer {
    /// Where to listen and where to forward; limits on TCP clients.
    public struct Configuration: Sendable {
        public var listen: DNSEndpoint
        /// The first upstream; `fallbackUpstreams` are tried after it.
        public var upstream: DNSEndpoint
        public var maxTCPClients: Int
        public var tcpIdleSeconds: Double
        /// How many `recvmmsg` batches one wake-up reads from a socket. A
        /// workload flooding its proxy must not keep the supervisor's single
        /// thread in one drain loop: its timeout, signals and the other
        /// sockets wait on the next `poll`, which reports the rest at once.
        public var maxDatagramBatchesPerWake: Int
        /// Upstreams tried, in order, when the previous one times out or fails.
        public var fallbackUpstreams: [DNSEndpoint]
        /// Replies queued for a TCP client that does not read them; beyond
        /// this the client is closed.
        public var maxTCPOutputBytes: Int
        /// Truncated answers retried over TCP at once (one descriptor each);
        /// beyond this the client gets SERVFAIL, so a workload asking for
        /// large answers cannot spend the supervisor's descriptors.
        public var maxUpstreamTCPRetries: Int
        public init(listen: DNSEndpoint, upstream: DNSEndpoint, maxTCPClients: Int = 4096, tcpIdleSeconds: Double = 3,
                    maxDatagramBatchesPerWake: Int = 8, fallbackUpstreams: [DNSEndpoint] = [],
                    maxTCPOutputBytes: Int = 256 * 1024, maxUpstreamTCPRetries: Int = 64) {
            self.listen = listen
            self.upstream = upstream
            self.maxTCPClients = max(1, maxTCPClients)
            self.tcpIdleSeconds = tcpIdleSeconds
            self.maxDatagramBatchesPerWake = max(1, maxDatagramBatchesPerWake)
            self.fallbackUpstreams = fallbackUpstreams
            self.maxTCPOutputBytes = maxTCPOutputBytes
            self.maxUpstreamTCPRetries = max(0, maxUpstreamTCPRetries)
        }

        /// Every upstream, in the order they are tried.
        public var upstreams: [DNSEndpoint] { [upstream] + fallbackUpstreams }
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
        /// Client connections: a complete query arrived since the last reply
        /// and is being resolved, so the connection is not idle.
        var busy = 0
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
    /// One connected socket per upstream, in `configuration.upstreams` order.
    private let upstreamUDP: [Int32]
    private var clients: [Int32: Connection] = [:]
    private var upstreamTCP: [Int32: Connection] = [:]
    private var connectionFDs: [UInt64: Int32] = [:]
    private var nextConnectionID: UInt64 = 1
    /// Held so that, out of descriptors, one can be freed to accept and drop a client.
    private var spareFD: Int32 = -1
    /// `shutdown` ran: the descriptors are closed (and their numbers may be reused).
    private var isShutDown = false
    private var buffer = [UInt8](repeating: 0, count: 65535)
    /// UDP datagrams are read and written in batches: one `recvmmsg` per
    /// drain of a socket, one `sendmmsg` per socket per wake-up.
    private let datagrams = DNSDatagramReceiver()
    private var toClients = DNSDatagramOutbox()
    private var toUpstream: [DNSDatagramOutbox]

    /// Opens every socket; on failure closes what it opened and throws.
    public convenience init(
        engine: DNSProxyEngine, configuration: Configuration,
        applyInsertions: @escaping ([DNSSetInsertion]) -> Bool, onRecord: @escaping (DNSQueryRecord) -> Void
    ) throws(DNSServerError) {
        let udp = try DNSSocket.listener(configuration.listen, tcp: false)
        var listen = configuration.listen
        // Port 0: TCP listens on the port the kernel chose for UDP.
        if listen.port == 0, let bound = DNSSocket.localEndpoint(udp) { listen.port = bound.port }
        let tcp: Int32
        do { tcp = try DNSSocket.listener(listen, tcp: true) } catch {
            close(udp)
            throw error
        }
        try self.init(engine: engine, configuration: configuration, udpListener: udp, tcpListener: tcp,
                      applyInsertions: applyInsertions, onRecord: onRecord)
    }

    /// Serves listeners made elsewhere: bound (and, for TCP, listening)
    /// non-blocking sockets, e.g. made inside a sandbox's network namespace.
    /// Takes ownership of both; the upstream sockets are opened here.
    public init(
        engine: DNSProxyEngine, configuration: Configuration, udpListener: Int32, tcpListener: Int32,
        applyInsertions: @escaping ([DNSSetInsertion]) -> Bool, onRecord: @escaping (DNSQueryRecord) -> Void
    ) throws(DNSServerError) {
        self.engine = engine
        self.engine.upstreamCount = configuration.upstreams.count
        self.configuration = configuration
        toUpstream = Array(repeating: DNSDatagramOutbox(), count: configuration.upstreams.count)
        self.applyInsertions = applyInsertions
        self.onRecord = onRecord
        self.udpListener = udpListener
        self.tcpListener = tcpListener
        var upstreams: [Int32] = []
        for endpoint in configuration.upstreams {
            do { upstreams.append(try DNSSocket.connected(endpoint, tcp: false)) } catch {
                for fd in [udpListener, tcpListener] + upstreams { close(fd) }
                throw error
            }
        }
        upstreamUDP = upstreams
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit { shutdown() }

    /// TCP clients connected now.
    public var tcpClientCount: Int { clients.count }

    /// The UDP listener's bound endpoint (useful when listening on port 0).
    public var localEndpoint: DNSEndpoint? { DNSSocket.localEndpoint(udpListener) }

    /// Closes every socket. Pending queries are abandoned.
    public func shutdown() {
        // Idempotent: deinit calls it too, and closing a number twice could
        // close a descriptor someone else opened in between.
        guard !isShutDown else { return }
        isShutDown = true
        for fd in [udpListener, tcpListener, spareFD] + upstreamUDP where fd >= 0 { close(fd) }
        spareFD = -1
        for fd in clients.keys { close(fd) }
        connectionFDs = [:]
        for fd in upstreamTCP.keys { close(fd) }
        clients = [:]
        upstreamTCP = [:]
    }

    /// What to poll: POLLIN on everything, POLLOUT where output waits or a connect is in flight.
    public func pollDescriptors() -> [pollfd] {
        var fds = ([udpListener, tcpListener] + upstreamUDP).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        for (fd, c) in clients { fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (c.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)) }
        for (fd, c) in upstreamTCP { fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (c.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)) }
        return fds
    }

    /// Milliseconds until `handleTimeouts` has work; -1 when nothing waits.
    public func nextTimeoutMilliseconds(now: DNSInstant = .now()) -> Int32 {
        guard let next = nextDeadline() else { return -1 }
        return Int32(min(Double(Int32.max), (next.seconds(since: now) * 1000).rounded(.up)))
    }

    /// When `handleTimeouts` has work, as an absolute instant; nil when
    /// nothing waits. A loop that owns the clock compares this with its own
    /// "now": a deadline recomputed relative to a fresh clock reading would
    /// always lie just ahead of it and never be reached.
    public func nextDeadline() -> DNSInstant? {
        // A client with a query in flight is not closed at its deadline, so
        // its deadline must not wake the loop (it would spin until the answer).
        let idle = clients.values.lazy.filter { $0.busy == 0 }.map(\.deadline).min()
        let connections = [idle, upstreamTCP.values.lazy.map(\.deadline).min()]
        return ([engine.nextDeadline] + connections).compactMap({ $0 }).min()
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
        } else if let index = upstreamUDP.firstIndex(of: fd) {
            if revents & Int16(POLLERR) != 0 {
                let error = DNSSocket.pendingError(fd)
                if error != 0 { upstreamFailed(index, now: now) }
            }
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

    /// Sends queries whose attempt ran out to the next upstream, expires
    /// those out of time (SERVFAIL to their clients), and closes idle connections.
    public func handleTimeouts(now: DNSInstant = .now()) {
        defer { flushDatagrams() }
        for attempt in engine.retransmissions(now: now) { sendUpstream(attempt) }
        for reply in engine.expire(now: now) { deliver(reply.bytes, to: reply.client, record: reply.record) }
        for (fd, c) in clients where c.deadline <= now && c.busy == 0 { closeClient(fd) }
        for (fd, c) in upstreamTCP where c.deadline <= now { failUpstream(fd) }
    }

    private func query(_ bytes: [UInt8], from client: DNSClient, now: DNSInstant) {
        let decision = engine.handleQuery(bytes, from: client, now: now)
        if let record = decision.record { onRecord(record) }
        switch decision.action {
        case .drop: break
        case .reply(let reply): deliver(reply, to: client, record: nil, settlesForward: false)
        case .forward(let q, _):
            if client.transport == .tcp, let fd = connectionFDs[client.connection] { clients[fd]?.busy += 1 }
            toUpstream[0].append(q, to: nil)
        }
    }

    private func sendUpstream(_ attempt: DNSUpstreamAttempt) {
        guard attempt.upstream >= 0, attempt.upstream < toUpstream.count else { return }
        toUpstream[attempt.upstream].append(attempt.query, to: nil)
    }

    /// Upstream `index` reported an error: its queries move on or fail now.
    private func upstreamFailed(_ index: Int, now: DNSInstant) {
        let (retries, failures) = engine.upstreamFailed(index, now: now)
        for attempt in retries { sendUpstream(attempt) }
        for reply in failures { deliver(reply.bytes, to: reply.client, record: reply.record) }
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
        // A send refused because the upstream is unreachable (the ICMP error
        // surfaced on this send) moves its queries on; those sends queue more.
        for _ in 0..<(toUpstream.count + 1) {
            var failed: [Int] = []
            for i in toUpstream.indices where !toUpstream[i].isEmpty {
                toUpstream[i].flush(upstreamUDP[i])
                if toUpstream[i].lastError == ECONNREFUSED || toUpstream[i].lastError == EHOSTUNREACH
                    || toUpstream[i].lastError == ENETUNREACH {
                    failed.append(i)
                }
            }
            if failed.isEmpty { break }
            for i in failed { upstreamFailed(i, now: .now()) }
        }
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
        let outcomes = DNSReplySettlement.settle(replies, apply: applyInsertions)
        for (reply, out) in zip(replies, outcomes) {
            // A client that got SERVFAIL must not be reported as given its answer.
            let record = out.failed ? DNSReplySettlement.failedRecord(reply.record) : reply.record
            deliver(out.bytes, to: reply.client, record: record)
        }
    }

    /// Replies to UDP clients are queued and leave at the end of the wake-up.
    private func deliver(_ bytes: [UInt8], to client: DNSClient, record: DNSQueryRecord?, settlesForward: Bool = true) {
        if let record { onRecord(record) }
        switch client.transport {
        case .udp:
            toClients.append(bytes, to: DNSEndpoint(address: client.address, port: client.port))
        case .tcp:
            guard let fd = connectionFDs[client.connection], clients[fd] != nil, let framed = try? DNSTCPFraming.frame(bytes) else { return }
            clients[fd]?.output += framed
            if settlesForward, let c = clients[fd], c.busy > 0 { clients[fd]?.busy -= 1 }
            clients[fd]?.deadline = DNSInstant.now().adding(seconds: configuration.tcpIdleSeconds)
            flush(fd, in: &clients)
            if let c = clients[fd], c.output.count > configuration.maxTCPOutputBytes { closeClient(fd) }
        }
    }

    private func acceptClients(now: DNSInstant) {
        while true {
            // accept4(2) is not in the Glibc module (it needs _GNU_SOURCE); the
            // flags are set right after. The child path closes stray fds anyway.
            let fd = accept(tcpListener, nil, nil)
            guard fd >= 0 else {
                // Out of descriptors: the waiting connection would keep the
                // listener readable and the loop spinning. The idlest client
                // makes room; with none, the kernel's backlog holds the rest.
                guard errno == EMFILE || errno == ENFILE else { return }
                if let oldest = idlest() {
                    closeClient(oldest)
                    continue
                }
                // No client to close: the spare descriptor lets the
                // connection be accepted and dropped.
                guard spareFD >= 0 else { return }
                close(spareFD)
                let dropped = accept(tcpListener, nil, nil)
                if dropped >= 0 { close(dropped) }
                spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            // At the limit the client idle longest makes room: a crowd of
            // idle connections cannot lock the others out.
            if clients.count >= configuration.maxTCPClients, let oldest = idlest() { closeClient(oldest) }
            clients[fd] = Connection(
                id: nextConnectionID, deadline: now.adding(seconds: configuration.tcpIdleSeconds),
                peer: DNSSocket.peerEndpoint(fd))
            connectionFDs[nextConnectionID] = fd
            nextConnectionID += 1
        }
    }

    /// The client whose idle deadline comes first, preferring ones with no query in flight.
    private func idlest() -> Int32? {
        var best: (fd: Int32, busy: Bool, deadline: DNSInstant)?
        for (fd, c) in clients {
            let candidate = (fd: fd, busy: c.busy > 0, deadline: c.deadline)
            if let b = best, candidate.busy != b.busy ? candidate.busy : !(candidate.deadline < b.deadline) { continue }
            best = candidate
        }
        return best?.fd
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
        guard let address = clients[fd]?.peer, let id = clients[fd]?.id else { return }
        // Only a complete query renews the idle deadline: bytes trickled
        // in one at a time do not keep a connection.
        while let message = clients[fd]?.deframer.next() {
            clients[fd]?.deadline = now.adding(seconds: configuration.tcpIdleSeconds)
            query(message, from: DNSClient(transport: .tcp, address: address.address, port: address.port, connection: id), now: now)
        }
    }

    private func retryOverTCP(_ q: [UInt8], id: UInt16, now: DNSInstant) {
        let upstreams = configuration.upstreams
        let index = min(engine.upstream(of: id) ?? 0, upstreams.count - 1)
        guard upstreamTCP.count < configuration.maxUpstreamTCPRetries, let framed = try? DNSTCPFraming.frame(q),
              let fd = try? DNSSocket.connected(upstreams[index], tcp: true) else {
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

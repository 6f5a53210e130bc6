import CStockadeSys
import Glibc
import StockadeAddress

/// What the relay tells its owner about a connection it refused (or, in
/// audit mode, let through although the allowlist would have refused it).
public struct RelayReport: Sendable, Equatable {
    public var destination: IPAddress
    public var port: UInt16
    public var reason: RelayRefusal
    public var name: String?
    /// False when audit mode let the connection through.
    public var enforced: Bool
}

/// The name-checking relay: accepts connections the sandbox's nft table
/// redirected to its listeners (made inside the sandbox's namespace), reads
/// where they were going (`SO_ORIGINAL_DST`), on name-checked ports waits for
/// the first bytes (bounded in size and time) and asks ``FirstFlight``, asks
/// ``RelayPolicy``, and then either resets the connection before a byte has
/// left or connects from the supervisor's own namespace and splices both ways.
///
/// Single-threaded and poll-driven like the DNS proxy: every descriptor is
/// non-blocking, so a workload that stalls a connection stalls only that
/// connection, never the supervisor's loop.
public final class EgressRelay {
    public struct Settings: Sendable {
        /// How long a client may take to send its whole first flight.
        public var firstFlightSeconds: Double = 10
        /// How long a connect out may take.
        public var connectSeconds: Double = 15
        /// Connections at once; more are reset.
        public var maxConnections: Int = 1024
        /// Audit mode: refusals (other than `local_address`) are reported and
        /// the connection goes through.
        public var audit: Bool = false
        /// Accepts per listener per wake-up.
        public var acceptsPerWake: Int = 64
        /// Connections at once whose pipes are `largePipeBytes`; the others'
        /// are `smallPipeBytes` (the kernel's default). One connection moves
        /// a bulk download fastest with large pipes (docs/performance.md),
        /// but at 512 KiB per direction a full relay would pin a gigabyte
        /// of kernel memory: the many share small ones (docs/network.md, "Resource bounds").
        public var largePipeConnections: Int = 32
        public var largePipeBytes: Int32 = 512 * 1024
        public var smallPipeBytes: Int32 = 64 * 1024
        public init() {}
    }

    public typealias Judge = (_ destination: IPAddress, _ port: UInt16, _ claim: FirstFlightVerdict?, _ now: Double) -> RelayDecision

    private let listeners: [(fd: Int32, ipv6: Bool)]
    private let settings: Settings
    private let judge: Judge
    private let report: (RelayReport) -> Void
    private var connections: [UInt64: RelayConnection] = [:]
    private var owner: [Int32: UInt64] = [:]
    private var nextID: UInt64 = 1
    private var readBuffer = [UInt8](repeating: 0, count: 4096)

    public private(set) var relayed = 0
    public private(set) var refused = 0
    /// Time from accept to the connection out being established, per relayed
    /// connection (seconds), the most recent 1024 (the check's share of the
    /// time to first byte, plus the connect itself).
    public private(set) var decisionLatencies: [Double] = []

    /// `listeners`: listening, non-blocking TCP sockets and their family.
    public init(listeners: [(fd: Int32, ipv6: Bool)], settings: Settings, judge: @escaping Judge, report: @escaping (RelayReport) -> Void) {
        self.listeners = listeners
        self.settings = settings
        self.judge = judge
        self.report = report
    }

    deinit { shutdown() }

    public var connectionCount: Int { connections.count }
    /// Connections holding large pipes now.
    private(set) var largePipesInUse = 0

    /// Whether `fd` is one of the relay's listeners or connections.
    public func owns(_ fd: Int32) -> Bool {
        owner[fd] != nil || listeners.contains { $0.fd == fd }
    }

    private var isShut = false

    /// Resets every connection and closes the listeners. Safe to call twice.
    public func shutdown() {
        guard !isShut else { return }
        isShut = true
        for c in connections.values { c.closeAll(reset: true) }
        connections = [:]
        owner = [:]
        for l in listeners { close(l.fd) }
    }

    /// Out of descriptors (EMFILE/ENFILE): the pending connection cannot be
    /// taken, so its listener stays readable; the listeners rest until then
    /// instead of waking the loop over and over.
    private var listenersPausedUntil: Double?

    public func pollDescriptors() -> [pollfd] {
        var out = listenersPausedUntil == nil ? listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) } : []
        for c in connections.values { out += c.pollDescriptors }
        return out
    }

    public func nextDeadline() -> Double? {
        let next = connections.values.lazy.filter { $0.phase != .relaying }.map(\.deadline).min()
        guard let paused = listenersPausedUntil else { return next }
        return min(next ?? paused, paused)
    }

    /// Connections past their first-flight or connect deadline.
    public func handleTimeouts(now: Double) {
        if let paused = listenersPausedUntil, now >= paused { listenersPausedUntil = nil }
        for c in Array(connections.values) where c.phase != .relaying && now >= c.deadline {
            if c.phase == .firstFlight {
                decide(c, claim: .refused(.malformed), now: now)
            } else {
                finish(c, reset: true)
            }
        }
    }

    public func handle(fd: Int32, revents: Int16, now: Double) {
        if let listener = listeners.first(where: { $0.fd == fd }) {
            accept(listener, now: now)
            return
        }
        guard let id = owner[fd], let c = connections[id] else { return }
        switch c.phase {
        case .firstFlight: readFirstFlight(c, now: now)
        case .connecting: connected(c, now: now)
        case .relaying: pump(c, now: now)
        }
    }

    // MARK: accept

    private func accept(_ listener: (fd: Int32, ipv6: Bool), now: Double) {
        for _ in 0..<settings.acceptsPerWake {
            let fd = stk_accept_nonblocking(listener.fd)
            if fd == -EMFILE || fd == -ENFILE || fd == -ENOBUFS || fd == -ENOMEM {
                listenersPausedUntil = now + 0.1
                return
            }
            if fd < 0 { return }
            guard connections.count < settings.maxConnections else {
                stk_close_reset(fd)
                continue
            }
            var bytes = [UInt8](repeating: 0, count: 16)
            var port: UInt16 = 0
            guard stk_original_destination(fd, listener.ipv6 ? 1 : 0, &bytes, &port) == 0 else {
                stk_close_reset(fd)
                continue
            }
            let destination: IPAddress = listener.ipv6
                ? .v6(IPv6Address(bytes: bytes)!)
                : .v4(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3]))
            let expecting = RelayPolicy.expectedProtocol(port: port)
            let c = RelayConnection(id: nextID, client: fd, destination: destination, port: port, expecting: expecting,
                                    deadline: now + settings.firstFlightSeconds, now: now)
            nextID += 1
            connections[c.id] = c
            owner[fd] = c.id
            if expecting == nil {
                decide(c, claim: nil, now: now)
            } else {
                readFirstFlight(c, now: now)
            }
        }
    }

    // MARK: first flight

    private func readFirstFlight(_ c: RelayConnection, now: Double) {
        while true {
            let room = min(readBuffer.count, FirstFlight.maximumBytes - c.head.count)
            if room <= 0 { break }
            let n = readBuffer.withUnsafeMutableBytes { recv(c.client, $0.baseAddress, room, 0) }
            if n > 0 {
                c.head += readBuffer[0..<n]
                continue
            }
            if n == 0 {
                // Closed before it said anything decidable: nothing to relay.
                if c.head.isEmpty {
                    finish(c, reset: false)
                } else {
                    decide(c, claim: FirstFlight.inspect(c.head, expecting: c.expecting!).settled, now: now)
                }
                return
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            finish(c, reset: true)
            return
        }
        guard !c.head.isEmpty else { return }
        let verdict = FirstFlight.inspect(c.head, expecting: c.expecting!)
        if verdict == .needMore && c.head.count < FirstFlight.maximumBytes { return }
        decide(c, claim: verdict.settled, now: now)
    }

    // MARK: decision

    private func decide(_ c: RelayConnection, claim: FirstFlightVerdict?, now: Double) {
        let decision = judge(c.destination, c.port, claim, now)
        switch decision {
        case .allow(let name):
            c.name = name
        case .deny(let reason, let name):
            let enforced = !settings.audit || reason == .localAddress
            report(RelayReport(destination: c.destination, port: c.port, reason: reason, name: name, enforced: enforced))
            if enforced {
                refused += 1
                finish(c, reset: true)
                return
            }
            c.name = name
        }
        connectOut(c, now: now)
    }

    private func connectOut(_ c: RelayConnection, now: Double) {
        var bytes: [UInt8]
        let ipv6: Bool
        switch c.destination {
        case .v4(let a): bytes = a.byteArray; ipv6 = false
        case .v6(let a): bytes = a.bytes; ipv6 = true
        }
        let fd = stk_connect_nonblocking(ipv6 ? 1 : 0, &bytes, c.port)
        guard fd >= 0 else {
            finish(c, reset: true)
            return
        }
        c.upstream = fd
        owner[fd] = c.id
        c.phase = .connecting
        c.deadline = now + settings.connectSeconds
    }

    private func connected(_ c: RelayConnection, now: Double) {
        let large = largePipesInUse < settings.largePipeConnections
        let size = large ? settings.largePipeBytes : settings.smallPipeBytes
        if large {
            c.largePipes = true
            largePipesInUse += 1
        }
        guard stk_socket_error(c.upstream) == 0, c.up.open(size: size), c.down.open(size: size) else {
            finish(c, reset: true)
            return
        }
        c.phase = .relaying
        relayed += 1
        noteLatency(now - c.accepted)
        pump(c, now: now)
    }

    // MARK: relaying

    /// Most bytes one wake-up moves per direction before yielding to the loop.
    private static let rounds = 16

    private func pump(_ c: RelayConnection, now: Double) {
        if c.headSent < c.head.count {
            let n = c.head.withUnsafeBytes { send(c.upstream, $0.baseAddress! + c.headSent, c.head.count - c.headSent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                c.headSent += n
            } else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                finish(c, reset: true)
                return
            }
            if c.headSent == c.head.count { c.head = []; c.headSent = 0 }
        }
        for _ in 0..<Self.rounds {
            let headPending = c.headSent < c.head.count
            let a: SpliceLane.Step = headPending ? .blocked : c.up.pump(from: c.client, to: c.upstream)
            let b = c.down.pump(from: c.upstream, to: c.client)
            if a == .failed || b == .failed {
                finish(c, reset: true)
                return
            }
            if a == .blocked && b == .blocked { break }
        }
        if c.isDone { finish(c, reset: false) }
    }

    private func noteLatency(_ seconds: Double) {
        if decisionLatencies.count >= 1024 { decisionLatencies.removeFirst(decisionLatencies.count - 1023) }
        decisionLatencies.append(seconds)
    }

    private func finish(_ c: RelayConnection, reset: Bool) {
        owner[c.client] = nil
        if c.upstream >= 0 { owner[c.upstream] = nil }
        connections[c.id] = nil
        if c.largePipes {
            c.largePipes = false
            largePipesInUse -= 1
        }
        c.closeAll(reset: reset)
    }
}

extension FirstFlightVerdict {
    /// A verdict with `.needMore` turned into the refusal it becomes when no
    /// more bytes will come (size or time bound reached, or EOF).
    var settled: FirstFlightVerdict {
        self == .needMore ? .refused(.malformed) : self
    }
}

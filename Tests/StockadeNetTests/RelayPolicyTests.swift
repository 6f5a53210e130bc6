import StockadeAddress
import Testing
@testable import StockadeNet

/// The relay's decision table, without sockets: name allowed, name↔address
/// binding, the first-flight verdict and the address class.
struct RelayPolicyTests {
    static let cdn = IPAddress("198.51.100.7")!
    static let other = IPAddress("198.51.100.8")!
    static let policy = RelayPolicy(allowlist: try! DomainAllowlist(parsing: ["registry.example", "*.pkg.example", "git.example:22"]),
                                    allowPrivate: [try! CIDR("10.9.0.0/16")])

    static func bindings(_ pairs: [(String, IPAddress, [UInt16])], now: Double = 100) -> NameBindings {
        var b = NameBindings()
        for (name, address, ports) in pairs {
            b.record(name: try! DNSName(text: name), address: address, ports: ports, timeoutSeconds: 60, now: now)
        }
        return b
    }

    func decide(_ destination: IPAddress, _ port: UInt16, _ claim: FirstFlightVerdict?, _ b: NameBindings,
                host: Set<IPAddress> = [], now: Double = 101) -> RelayDecision {
        Self.policy.decide(destination: destination, port: port, claim: claim, bindings: b, hostAddresses: host, now: now)
    }

    @Test func theClaimedNameMustBeAllowedAndResolvedToThatAddress() {
        let b = Self.bindings([("registry.example", Self.cdn, [80, 443])])
        #expect(decide(Self.cdn, 443, .named("registry.example"), b) == .allow(name: "registry.example"))
        #expect(decide(Self.cdn, 80, .named("REGISTRY.example"), b) == .allow(name: "REGISTRY.example"))
        // Fronting: the allowed address, another site's name.
        #expect(decide(Self.cdn, 443, .named("evil.example"), b) == .deny(.sniMismatch, name: "evil.example"))
        #expect(decide(Self.cdn, 80, .named("evil.example"), b) == .deny(.hostMismatch, name: "evil.example"))
        // An allowed name, but this address was never resolved for it.
        #expect(decide(Self.other, 443, .named("registry.example"), b) == .deny(.notResolved, name: "registry.example"))
    }

    @Test func aWildcardNameMustBeTheOneResolvedForTheAddress() {
        let b = Self.bindings([("a.pkg.example", Self.cdn, [80, 443])])
        #expect(decide(Self.cdn, 443, .named("a.pkg.example"), b) == .allow(name: "a.pkg.example"))
        #expect(decide(Self.cdn, 443, .named("b.pkg.example"), b) == .deny(.notResolved, name: "b.pkg.example"))
    }

    @Test func refusalsOfTheFirstFlightKeepTheirReason() {
        let b = Self.bindings([("registry.example", Self.cdn, [443])])
        #expect(decide(Self.cdn, 443, .refused(.noSNI), b) == .deny(.noSNI, name: "registry.example"))
        #expect(decide(Self.cdn, 443, .refused(.malformed), b) == .deny(.malformed, name: "registry.example"))
        #expect(decide(Self.cdn, 443, .needMore, b) == .deny(.malformed, name: "registry.example"))
        #expect(decide(Self.cdn, 443, .encryptedHello(outerName: "registry.example"), b) == .deny(.ech, name: "registry.example"))
    }

    @Test func otherPortsAreCheckedByBindingAlone() {
        let b = Self.bindings([("git.example", Self.cdn, [22])])
        #expect(RelayPolicy.expectedProtocol(port: 22) == nil)
        #expect(decide(Self.cdn, 22, nil, b) == .allow(name: "git.example"))
        #expect(decide(Self.other, 22, nil, b) == .deny(.notResolved, name: nil))
        #expect(decide(Self.cdn, 2222, nil, b) == .deny(.notResolved, name: "git.example"))
    }

    @Test func bindingsExpire() {
        let b = Self.bindings([("registry.example", Self.cdn, [443])], now: 100)
        #expect(decide(Self.cdn, 443, .named("registry.example"), b, now: 100 + 60 + NameBindings.grace - 1) == .allow(name: "registry.example"))
        #expect(decide(Self.cdn, 443, .named("registry.example"), b, now: 100 + 60 + NameBindings.grace + 1) == .deny(.notResolved, name: "registry.example"))
    }

    @Test func localAndPrivateDestinationsAreRefusedUnlessARangeAllowsThem() {
        let hostOwn = IPAddress("198.18.5.2")!
        let b = Self.bindings([("registry.example", hostOwn, [443]), ("registry.example", IPAddress("10.9.1.1")!, [443]),
                               ("registry.example", IPAddress("10.8.1.1")!, [443])])
        #expect(decide(hostOwn, 443, .named("registry.example"), b, host: [hostOwn]) == .deny(.localAddress, name: "registry.example"))
        #expect(decide(IPAddress("127.0.0.1")!, 443, .named("registry.example"), b) == .deny(.localAddress, name: nil))
        #expect(decide(IPAddress("169.254.169.254")!, 80, .named("registry.example"), b) == .deny(.localAddress, name: nil))
        #expect(decide(IPAddress("::1")!, 443, .named("registry.example"), b) == .deny(.localAddress, name: nil))
        #expect(decide(IPAddress("::ffff:127.0.0.1")!, 443, .named("registry.example"), b) == .deny(.localAddress, name: nil))
        #expect(decide(IPAddress("10.8.1.1")!, 443, .named("registry.example"), b) == .deny(.localAddress, name: "registry.example"))
        #expect(decide(IPAddress("10.9.1.1")!, 443, .named("registry.example"), b) == .allow(name: "registry.example"))
    }

    /// Whatever the first flight claims and wherever it goes, the relay never
    /// allows a name the allowlist does not cover, nor one not bound to the address.
    @Test func propertyNoAllowWithoutRuleAndBinding() {
        let names = ["registry.example", "a.pkg.example", "b.pkg.example", "evil.example", "git.example", "pkg.example"]
        let addresses = [Self.cdn, Self.other, IPAddress("127.0.0.1")!, IPAddress("10.9.0.1")!]
        let b = Self.bindings([("registry.example", Self.cdn, [80, 443]), ("a.pkg.example", Self.other, [80, 443]),
                               ("git.example", Self.cdn, [22])])
        for name in names {
            for address in addresses {
                for port: UInt16 in [22, 80, 443, 8443] {
                    let claim: FirstFlightVerdict? = RelayPolicy.expectedProtocol(port: port) == nil ? nil : .named(name)
                    guard case .allow(let allowed) = decide(address, port, claim, b) else { continue }
                    let dns = try! DNSName(text: allowed)
                    #expect(Self.policy.allowlist.match(dns)?.ports.contains(port) == true, "\(allowed) \(address) \(port)")
                    #expect(b.isBound(dns, to: address, now: 101), "\(allowed) \(address) \(port)")
                }
            }
        }
    }
}

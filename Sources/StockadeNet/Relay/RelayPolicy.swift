import StockadeAddress

/// Why the relay refused (or, in audit mode, would have refused) a connection:
/// the `reason` of its `net.denied` event.
public enum RelayRefusal: String, Sendable, Equatable, CaseIterable {
    /// The TLS SNI names a host the allowlist does not allow on this port.
    case sniMismatch = "sni_mismatch"
    /// The HTTP `Host:` names a host the allowlist does not allow on this port.
    case hostMismatch = "host_mismatch"
    /// A ClientHello without a server name.
    case noSNI = "no_sni"
    /// An Encrypted ClientHello: the real name is hidden.
    case ech
    /// The destination was not resolved by the proxy for the claimed (or any
    /// allowed) name in this sandbox.
    case notResolved = "not_resolved"
    /// Not a well-formed ClientHello / HTTP/1.x request head (or none within
    /// the size and time bounds).
    case malformed
    /// The destination is local to the supervisor's namespace (one of its
    /// addresses, loopback) or in a rebinding range, and no rule allows it.
    case localAddress = "local_address"
}

/// The relay's verdict on one connection.
public enum RelayDecision: Sendable, Equatable {
    /// Connect and relay; `name` is the allowed name it was checked against.
    case allow(name: String)
    /// Refuse (reset); `name` is the claimed name, or the name the address was
    /// resolved for, when there is one.
    case deny(RelayRefusal, name: String?)
}

/// The relay's checks, pure: the allowlist, the name↔address bindings, the
/// first-flight verdict and the address class decide; nothing here touches a
/// socket.
public struct RelayPolicy: Sendable {
    public var allowlist: DomainAllowlist
    /// `allow_private` ranges: the only way a local or private destination passes.
    public var allowPrivate: [CIDR]
    /// `allow_ech` entries (ports unused): the names an Encrypted ClientHello
    /// may claim as its outer name. Empty: every ECH ClientHello is refused.
    public var allowECH: DomainAllowlist

    public init(allowlist: DomainAllowlist, allowPrivate: [CIDR], allowECH: DomainAllowlist = DomainAllowlist([])) {
        self.allowlist = allowlist
        self.allowPrivate = allowPrivate
        self.allowECH = allowECH
    }

    /// Which first flight a port must carry: TLS on 443, HTTP/1.x on 80. Other
    /// ports are checked by name↔address binding alone.
    public static func expectedProtocol(port: UInt16) -> FirstFlightProtocol? {
        switch port {
        case 443: return .tls
        case 80: return .http
        default: return nil
        }
    }

    /// Whether `address` may be connected to from the supervisor's namespace at
    /// all: public, not one of `hostAddresses`, or inside an `allow_private` range.
    public func isReachable(_ address: IPAddress, hostAddresses: Set<IPAddress>) -> Bool {
        let kind = AddressClass.classify(address, hostAddresses: hostAddresses)
        if kind == .public { return true }
        // An explicit range lets private space through; never loopback, the
        // unspecified address or one of the supervisor's own addresses.
        guard kind == .private || kind == .linkLocal else { return false }
        return allowPrivate.contains { $0.contains(address) }
    }

    /// The decision for a connection to `destination`:`port`. `claim` is the
    /// first-flight verdict on name-checked ports (nil on the others; never
    /// `.needMore`, which the caller resolves by reading more or by its bounds).
    public func decide(destination: IPAddress, port: UInt16, claim: FirstFlightVerdict?,
                       bindings: NameBindings, hostAddresses: Set<IPAddress>, now: Double) -> RelayDecision {
        let resolvedName = bindings.anyName(boundTo: destination, now: now)?.description
        guard isReachable(destination, hostAddresses: hostAddresses) else {
            return .deny(.localAddress, name: resolvedName)
        }
        guard let claim else {
            for name in bindings.names(boundTo: destination, port: port, now: now) {
                if let rule = allowlist.match(name), rule.ports.contains(port) { return .allow(name: name.description) }
            }
            return .deny(.notResolved, name: resolvedName)
        }
        switch claim {
        case .needMore, .refused(.malformed):
            return .deny(.malformed, name: resolvedName)
        case .refused(.noSNI):
            return .deny(.noSNI, name: resolvedName)
        case .encryptedHello(let outer):
            // The real name is hidden (or, for GREASE ECH, outside): only an
            // opted-in outer name goes on, and then through exactly the checks
            // a plain SNI gets.
            guard let name = try? DNSName(text: outer), allowECH.match(name) != nil else {
                return .deny(.ech, name: outer)
            }
            return checkClaimed(outer, destination: destination, port: port, bindings: bindings, now: now)
        case .named(let text):
            return checkClaimed(text, destination: destination, port: port, bindings: bindings, now: now)
        }
    }

    /// A claimed name (SNI, `Host:`, or an admitted ECH outer name) must be
    /// allowed on this port and resolved by the proxy to this destination.
    private func checkClaimed(_ text: String, destination: IPAddress, port: UInt16,
                              bindings: NameBindings, now: Double) -> RelayDecision {
        let mismatch: RelayRefusal = Self.expectedProtocol(port: port) == .http ? .hostMismatch : .sniMismatch
        guard let name = try? DNSName(text: text), let rule = allowlist.match(name), rule.ports.contains(port) else {
            return .deny(mismatch, name: text)
        }
        guard bindings.isBound(name, to: destination, now: now) else {
            return .deny(.notResolved, name: text)
        }
        return .allow(name: text)
    }
}

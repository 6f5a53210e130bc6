/// What kind of destination an address is, for the DNS rebinding defence.
///
/// An allowlisted name must not be able to open the sandbox's firewall
/// to the host, the cloud metadata service or the private network just by
/// resolving to such an address. Only `.public` answers pass by default.
public enum AddressClass: String, Hashable, Sendable, CaseIterable {
    /// 0.0.0.0/8, `::`.
    case unspecified
    /// 127.0.0.0/8, `::1`.
    case loopback
    /// 169.254.0.0/16 (the cloud metadata address 169.254.169.254 among them), fe80::/10.
    case linkLocal = "link_local"
    /// RFC 1918, 100.64.0.0/10 (CGNAT), fc00::/7 (ULA).
    case `private`
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// 240.0.0.0/4 (255.255.255.255 included), and IPv6 ::/96 IPv4-compatible forms.
    case reserved
    /// One of the host's own addresses, whatever range it is in.
    case hostOwn = "host_own"
    /// Everything else.
    case `public`

    /// Classifies `address`.
    ///
    /// An IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4
    /// (`2002::/16`) address is classified by the IPv4 address it embeds,
    /// since that is where packets to it can end up. Host addresses are
    /// checked first, in both forms.
    public static func classify(_ address: IPAddress, hostAddresses: Set<IPAddress> = []) -> AddressClass {
        if hostAddresses.contains(address) { return .hostOwn }
        switch address {
        case .v4(let v4):
            return classify(v4)
        case .v6(let v6):
            if let embedded = embeddedIPv4(v6) {
                if hostAddresses.contains(.v4(embedded)) { return .hostOwn }
                return classify(embedded)
            }
            return classify(v6)
        }
    }

    static func classify(_ a: IPv4Address) -> AddressClass {
        let v = a.value
        func within(_ net: UInt32, _ bits: UInt32) -> Bool { v >> (32 - bits) == net >> (32 - bits) }
        if within(0x0000_0000, 8) { return .unspecified }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) || within(0x6440_0000, 10) {
            return .private
        }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xF000_0000, 4) { return .reserved }
        return .public
    }

    static func classify(_ a: IPv6Address) -> AddressClass {
        let b = a.bytes
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return .linkLocal }
        if b[0] & 0xFE == 0xFC { return .private }
        if b[0] == 0xFF { return .multicast }
        // ::a.b.c.d (deprecated IPv4-compatible, RFC 4291 §2.5.5.1) — never a real destination.
        if b[0..<12].allSatisfy({ $0 == 0 }) { return .reserved }
        return .public
    }

    /// The IPv4 address inside a mapped, NAT64 well-known-prefix or 6to4 address.
    static func embeddedIPv4(_ a: IPv6Address) -> IPv4Address? {
        if let mapped = a.mappedIPv4 { return mapped }
        let b = a.bytes
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4..<12].allSatisfy({ $0 == 0 }) {
            return IPv4Address(b[12], b[13], b[14], b[15])
        }
        if b[0] == 0x20, b[1] == 0x02 { return IPv4Address(b[2], b[3], b[4], b[5]) }
        return nil
    }
}

/// Which resolved addresses may be put in the sandbox's allow sets.
public struct RebindingPolicy: Sendable, Equatable {
    /// Non-public ranges the profile explicitly allows (`allowPrivate:`).
    public var allowPrivate: [CIDR]
    /// The host's own addresses (every interface), classified `.hostOwn`.
    public var hostAddresses: Set<IPAddress>

    public init(allowPrivate: [CIDR] = [], hostAddresses: Set<IPAddress> = []) {
        self.allowPrivate = allowPrivate
        self.hostAddresses = hostAddresses
    }

    /// The verdict for one address: its class, and whether it may be used.
    ///
    /// Public addresses pass. Others pass only inside an `allowPrivate`
    /// prefix — except unspecified, multicast and reserved addresses,
    /// which are never a destination a name should lead to.
    public func evaluate(_ address: IPAddress) -> (addressClass: AddressClass, allowed: Bool) {
        let cls = AddressClass.classify(address, hostAddresses: hostAddresses)
        switch cls {
        case .public: return (cls, true)
        case .unspecified, .multicast, .reserved: return (cls, false)
        case .loopback, .linkLocal, .private, .hostOwn:
            return (cls, allowPrivate.contains { $0.contains(address) })
        }
    }
}

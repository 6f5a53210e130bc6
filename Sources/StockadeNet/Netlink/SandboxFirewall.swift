/// Everything the host-side firewall of one sandbox is built from.
///
/// The table it describes (see ``NftBatch/createTable(_:sequenceBase:)``):
///
/// - sets `allow4` (`ipv4_addr . inet_service`) and `allow6` (`ipv6_addr . inet_service`),
///   both `flags timeout`. One element admits one destination address *and port*, for
///   TCP and UDP alike; the DNS proxy inserts `address . port` for each allowed port of
///   an allowlisted name, with the TTL-derived timeout. A concatenated key keeps the
///   decision in one lookup and lets the port list differ per name.
/// - chain `forward` (filter, hook forward, priority filter, policy accept): from the
///   sandbox veth, established/related and set members are accepted, everything else is
///   logged to NFLOG and dropped; towards the sandbox veth only established/related
///   passes, so nothing outside can open a connection into the sandbox.
/// - chain `input` (filter, hook input, policy accept): from the sandbox veth only DNS
///   (UDP and TCP 53) to the proxy address; the rest is logged and dropped.
/// - chain `postrouting` (nat, hook postrouting, priority srcnat): masquerade for the
///   sandbox subnet unless it goes back out the sandbox veth.
///
/// Every rule matches the sandbox's veth by name, and the base chains keep policy
/// accept, so this table cannot drop a packet that is not the sandbox's.
public struct SandboxFirewall: Hashable, Sendable {
    public var id: SandboxNetID
    /// The sandbox subnet (the /30 from ``AddressPool``), masqueraded on the way out.
    public var subnet: IPv4Subnet
    /// The host-side veth address where the DNS proxy listens (host order).
    public var proxyAddress: UInt32
    /// The NFLOG group the supervisor reads drops from.
    public var nflogGroup: UInt16
    /// False in audit mode: new connections outside the sets are logged and
    /// let through instead of dropped. The link-local range (the cloud
    /// metadata address) and the input chain stay closed either way.
    public var enforcing: Bool

    public init(id: SandboxNetID, subnet: IPv4Subnet, proxyAddress: UInt32, nflogGroup: UInt16, enforcing: Bool = true) {
        self.id = id
        self.subnet = subnet
        self.proxyAddress = proxyAddress
        self.nflogGroup = nflogGroup
        self.enforcing = enforcing
    }

    /// The NFLOG prefix of drops in `chain` (`stk:<id>:forward`), so a reader shared by
    /// several sandboxes can tell whose packet it is and where it was dropped.
    public func logPrefix(chain: String) -> String { "stk:\(id.rawValue):\(chain)" }

    static let allow4 = "allow4"
    static let allow6 = "allow6"
    /// Batch-local set ids, so rules may reference sets created in the same batch.
    static let allow4ID: UInt32 = 1
    static let allow6ID: UInt32 = 2
}

/// A set declaration inside the firewall table.
struct NftSetSpec: Equatable, Sendable {
    var name: String
    var id: UInt32
    var keyType: UInt32
    var keyLength: UInt32
    var typeText: String

    /// nft's datatype ids (`TYPE_IPADDR` 7, `TYPE_IP6ADDR` 8, `TYPE_INET_SERVICE` 13),
    /// concatenated six bits apart, the way nft(8) stores them so `nft list` prints
    /// the same type back.
    static let allow4 = NftSetSpec(name: SandboxFirewall.allow4, id: SandboxFirewall.allow4ID,
                                   keyType: 7 << 6 | 13, keyLength: 8, typeText: "ipv4_addr . inet_service")
    static let allow6 = NftSetSpec(name: SandboxFirewall.allow6, id: SandboxFirewall.allow6ID,
                                   keyType: 8 << 6 | 13, keyLength: 20, typeText: "ipv6_addr . inet_service")
}

/// A base chain of the firewall table.
struct NftChainSpec: Equatable, Sendable {
    var name: String
    var type: String
    var hook: UInt32
    var priority: Int32
    var priorityText: String
    var rules: [NftRuleSpec]
}

/// One rule: the nft text it stands for and the expressions that implement it.
struct NftRuleSpec: Equatable, Sendable {
    var text: String
    var expressions: [NftExpression]
}

extension SandboxFirewall {
    var sets: [NftSetSpec] { [.allow4, .allow6] }

    var chains: [NftChainSpec] {
        let host = id.hostInterface
        let quoted = "\"\(host)\""
        let from = NftMatch.interface(host, input: true)
        let to = NftMatch.interface(host, input: false)
        let tcp: UInt8 = 6, udp: UInt8 = 17

        func allow(_ v6: Bool, _ proto: UInt8) -> NftRuleSpec {
            let set = v6 ? NftSetSpec.allow6 : NftSetSpec.allow4
            let field = v6 ? "ip6 daddr" : "ip daddr"
            let l4 = proto == tcp ? "tcp" : "udp"
            return NftRuleSpec(
                text: "iifname \(quoted) \(field) . \(l4) dport @\(set.name) accept",
                expressions: from + NftMatch.addressPortLookup(v6: v6, proto: proto, set: set.name, setID: set.id) + [.accept])
        }
        func logDrop(_ chain: String) -> NftRuleSpec {
            let prefix = logPrefix(chain: chain)
            return NftRuleSpec(text: "iifname \(quoted) log prefix \"\(prefix)\" group \(nflogGroup) drop",
                               expressions: from + [.log(group: nflogGroup, prefix: prefix), .drop])
        }
        func logAccept(_ chain: String) -> NftRuleSpec {
            let prefix = logPrefix(chain: chain)
            return NftRuleSpec(text: "iifname \(quoted) log prefix \"\(prefix)\" group \(nflogGroup) accept",
                               expressions: from + [.log(group: nflogGroup, prefix: prefix), .accept])
        }
        let linkLocal = IPv4Subnet("169.254.0.0/16")!
        let linkLocalDrop = NftRuleSpec(
            text: "iifname \(quoted) ip daddr \(linkLocal) log prefix \"\(logPrefix(chain: "forward"))\" group \(nflogGroup) drop",
            expressions: from + NftMatch.family(2) + NftMatch.ipv4Destination(in: linkLocal)
                + [.log(group: nflogGroup, prefix: logPrefix(chain: "linklocal")), .drop])
        func dns(_ proto: UInt8) -> NftRuleSpec {
            let l4 = proto == tcp ? "tcp" : "udp"
            return NftRuleSpec(
                text: "iifname \(quoted) ip daddr \(IPv4Subnet.dotted(proxyAddress)) \(l4) dport 53 accept",
                expressions: from + NftMatch.family(2) + NftMatch.ipv4Destination(proxyAddress)
                    + NftMatch.l4proto(proto) + NftMatch.destinationPort(53) + [.accept])
        }

        let forward = NftChainSpec(
            name: "forward", type: "filter", hook: 2 /* NF_INET_FORWARD */, priority: 0, priorityText: "filter",
            rules: [
                NftRuleSpec(text: "iifname \(quoted) ct state established,related accept",
                            expressions: from + NftMatch.establishedOrRelated() + [.accept]),
                allow(false, tcp), allow(false, udp), allow(true, tcp), allow(true, udp),
            ] + (enforcing ? [logDrop("forward")] : [linkLocalDrop, logAccept("forward")]) + [
                NftRuleSpec(text: "oifname \(quoted) ct state established,related accept",
                            expressions: to + NftMatch.establishedOrRelated() + [.accept]),
                NftRuleSpec(text: "oifname \(quoted) drop", expressions: to + [.drop]),
            ])
        let input = NftChainSpec(
            name: "input", type: "filter", hook: 1 /* NF_INET_LOCAL_IN */, priority: 0, priorityText: "filter",
            rules: [dns(udp), dns(tcp), logDrop("input")])
        let postrouting = NftChainSpec(
            name: "postrouting", type: "nat", hook: 4 /* NF_INET_POST_ROUTING */, priority: 100, priorityText: "srcnat",
            rules: [
                NftRuleSpec(text: "ip saddr \(subnet) oifname != \(quoted) masquerade",
                            expressions: NftMatch.family(2) + NftMatch.ipv4Source(in: subnet)
                                + NftMatch.interface(host, input: false, equal: false) + [.masquerade]),
            ])
        return [forward, input, postrouting]
    }

    /// nft-like text of the whole table, in the order the batch creates it.
    public func describe() -> String {
        var lines = ["table inet \(id.tableName) {"]
        for set in sets {
            lines.append("\tset \(set.name) {")
            lines.append("\t\ttype \(set.typeText)")
            lines.append("\t\tflags timeout")
            lines.append("\t}")
        }
        for chain in chains {
            lines.append("\tchain \(chain.name) {")
            lines.append("\t\ttype \(chain.type) hook \(chain.name) priority \(chain.priorityText); policy accept;")
            for rule in chain.rules { lines.append("\t\t\(rule.text)") }
            lines.append("\t}")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

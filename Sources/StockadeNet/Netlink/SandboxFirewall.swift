import StockadeAddress

/// Everything the nft table of one sandbox is built from. The table lives in the
/// sandbox's own network namespace (which has only `lo`, with default routes through
/// it, so every connect reaches the output hook) and dies with it: nothing is ever
/// installed in the supervisor's namespace.
///
/// The table it describes (see ``NftBatch/createTable(_:sequenceBase:)``):
///
/// - sets `allow4` (`ipv4_addr . inet_service`) and `allow6` (`ipv6_addr . inet_service`),
///   both `flags timeout`. The DNS proxy inserts `address . port` for each allowed port of
///   an allowlisted name, with the TTL-derived timeout, before it sends the answer.
/// - chain `redirect` (nat, hook output, priority -100): TCP to a set member is
///   redirected to the relay's listener on this namespace's loopback, which checks the
///   name (TLS SNI / HTTP Host) and the name↔address binding before it connects out from
///   the supervisor's namespace. In audit mode every TCP connection leaving loopback is
///   redirected, so the relay can report what the allowlist would refuse.
/// - chain `output` (filter, hook output, priority filter): established/related traffic
///   and anything to loopback (the DNS proxy, the relay, the sandbox's own services) is
///   accepted; everything else (raw IPs, undeclared ports, UDP other than DNS to the
///   proxy, QUIC included) is logged to NFLOG and dropped (TCP with a reset, so the
///   connect fails at once).
///
/// The workload holds no capability in the namespace's owning user namespace, so it
/// cannot change any of this.
public struct SandboxFirewall: Hashable, Sendable {
    public var id: SandboxNetID
    /// The relay's listening port on 127.0.0.1 (and ::1).
    public var relayPort: UInt16
    /// The NFLOG group the supervisor reads drops from (groups are per namespace).
    public var nflogGroup: UInt16
    /// False in audit mode: every outgoing TCP connection goes to the relay, which
    /// reports instead of refusing. Other packets are dropped either way (they cannot
    /// leave a namespace that has only loopback).
    public var enforcing: Bool

    public init(id: SandboxNetID, relayPort: UInt16, nflogGroup: UInt16, enforcing: Bool = true) {
        self.id = id
        self.relayPort = relayPort
        self.nflogGroup = nflogGroup
        self.enforcing = enforcing
    }

    /// The NFLOG prefix of drops in `chain` (`stk:<id>:output`).
    public func logPrefix(chain: String) -> String { "stk:\(id.rawValue):\(chain)" }

    static let allow4 = "allow4"
    static let allow6 = "allow6"
    /// Batch-local set ids, so rules may reference sets created in the same batch.
    static let allow4ID: UInt32 = 1
    static let allow6ID: UInt32 = 2

    /// `::1`, network order.
    static let loopback6: [UInt8] = [UInt8](repeating: 0, count: 15) + [1]
    static let loopback4 = try! CIDR("127.0.0.0/8")
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
    var hookText: String
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
        let tcp: UInt8 = 6
        let port = relayPort
        func redirectMembers(_ v6: Bool) -> NftRuleSpec {
            let set = v6 ? NftSetSpec.allow6 : NftSetSpec.allow4
            let field = v6 ? "ip6 daddr" : "ip daddr"
            return NftRuleSpec(
                text: "\(field) . tcp dport @\(set.name) redirect to :\(port)",
                expressions: NftMatch.addressPortLookup(v6: v6, proto: tcp, set: set.name, setID: set.id)
                    + NftMatch.redirect(toPort: port))
        }
        let redirectRules: [NftRuleSpec]
        if enforcing {
            redirectRules = [redirectMembers(false), redirectMembers(true)]
        } else {
            redirectRules = [
                NftRuleSpec(text: "meta l4proto tcp ip daddr != \(Self.loopback4) redirect to :\(port)",
                            expressions: NftMatch.family(2) + NftMatch.l4proto(tcp)
                                + NftMatch.ipv4DestinationNot(in: Self.loopback4) + NftMatch.redirect(toPort: port)),
                NftRuleSpec(text: "meta l4proto tcp ip6 daddr != ::1 redirect to :\(port)",
                            expressions: NftMatch.family(10) + NftMatch.l4proto(tcp)
                                + NftMatch.ipv6DestinationNot(Self.loopback6) + NftMatch.redirect(toPort: port)),
            ]
        }
        let prefix = logPrefix(chain: "output")
        let redirect = NftChainSpec(
            name: "redirect", type: "nat", hook: 3 /* NF_INET_LOCAL_OUT */, hookText: "output",
            priority: -100, priorityText: "-100", rules: redirectRules)
        let output = NftChainSpec(
            name: "output", type: "filter", hook: 3 /* NF_INET_LOCAL_OUT */, hookText: "output",
            priority: 0, priorityText: "filter",
            rules: [
                NftRuleSpec(text: "ct state established,related accept",
                            expressions: NftMatch.establishedOrRelated() + [.accept]),
                NftRuleSpec(text: "ip daddr \(Self.loopback4) accept",
                            expressions: NftMatch.family(2) + NftMatch.ipv4Destination(in: Self.loopback4) + [.accept]),
                NftRuleSpec(text: "ip6 daddr ::1 accept",
                            expressions: NftMatch.family(10) + NftMatch.ipv6Destination(Self.loopback6) + [.accept]),
                // A refused TCP connect fails at once (ECONNREFUSED) instead of
                // retrying its SYN for a minute; UDP senders get EPERM from the drop.
                NftRuleSpec(text: "meta l4proto tcp log prefix \"\(prefix)\" group \(nflogGroup) reject with tcp reset",
                            expressions: NftMatch.l4proto(tcp) + [.log(group: nflogGroup, prefix: prefix), .rejectWithReset]),
                NftRuleSpec(text: "log prefix \"\(prefix)\" group \(nflogGroup) drop",
                            expressions: [.log(group: nflogGroup, prefix: prefix), .drop]),
            ])
        return [redirect, output]
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
            lines.append("\t\ttype \(chain.type) hook \(chain.hookText) priority \(chain.priorityText); policy accept;")
            for rule in chain.rules { lines.append("\t\t\(rule.text)") }
            lines.append("\t}")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

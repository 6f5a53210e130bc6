internal import CNftnl
import StockadeAddress

/// One nftables VM instruction, as libnftnl encodes it.
///
/// Registers use the 32-bit numbering (`NFT_REG32_00` = 8 …) so that concatenated
/// lookup keys can be laid out four bytes at a time, the way nft(8) does.
enum NftExpression: Equatable, Sendable {
    case meta(key: UInt32, destination: UInt32)
    case compare(source: UInt32, op: UInt32, data: [UInt8])
    case payload(base: UInt32, offset: UInt32, length: UInt32, destination: UInt32)
    case bitwise(source: UInt32, destination: UInt32, mask: [UInt8], xor: [UInt8])
    case conntrack(key: UInt32, destination: UInt32)
    case lookup(source: UInt32, set: String, setID: UInt32)
    case verdict(Int32)
    case log(group: UInt16, prefix: String)
    /// `immediate reg N <data>`: constant bytes into a data register.
    case immediateData(destination: UInt32, data: [UInt8])
    /// `redir proto_min reg N flags 0x2`: redirect to this host (127.0.0.1 / ::1 for
    /// locally generated packets) on the port held in the register.
    case redirect(portRegister: UInt32)
    /// `reject with tcp reset` (type `NFT_REJECT_TCP_RST`).
    case rejectWithReset

    /// First 32-bit data register; `reg(n)` is the n-th four-byte slot after it.
    static func reg(_ slot: UInt32) -> UInt32 { 8 + slot }

    static let accept = NftExpression.verdict(1)  // NF_ACCEPT
    static let drop = NftExpression.verdict(0)    // NF_DROP

    /// Appends this expression to a libnftnl rule. Returns false when libnftnl could not
    /// allocate it.
    func append(to rule: OpaquePointer) -> Bool {
        guard let expr = nftnl_expr_alloc(kindName) else { return false }
        switch self {
        case .meta(let key, let destination):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_META_KEY), key)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_META_DREG), destination)
        case .compare(let source, let op, let data):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_CMP_SREG), source)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_CMP_OP), op)
            data.withUnsafeBytes { _ = nftnl_expr_set(expr, attr(NFTNL_EXPR_CMP_DATA), $0.baseAddress, UInt32($0.count)) }
        case .payload(let base, let offset, let length, let destination):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_PAYLOAD_DREG), destination)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_PAYLOAD_BASE), base)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_PAYLOAD_LEN), length)
        case .bitwise(let source, let destination, let mask, let xor):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_BITWISE_SREG), source)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_BITWISE_DREG), destination)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_BITWISE_LEN), UInt32(mask.count))
            mask.withUnsafeBytes { _ = nftnl_expr_set(expr, attr(NFTNL_EXPR_BITWISE_MASK), $0.baseAddress, UInt32($0.count)) }
            xor.withUnsafeBytes { _ = nftnl_expr_set(expr, attr(NFTNL_EXPR_BITWISE_XOR), $0.baseAddress, UInt32($0.count)) }
        case .conntrack(let key, let destination):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_CT_KEY), key)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_CT_DREG), destination)
        case .lookup(let source, let set, let setID):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_LOOKUP_SREG), source)
            _ = nftnl_expr_set_str(expr, attr(NFTNL_EXPR_LOOKUP_SET), set)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_LOOKUP_SET_ID), setID)
        case .verdict(let verdict):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_IMM_DREG), 0)  // NFT_REG_VERDICT
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_IMM_VERDICT), UInt32(bitPattern: verdict))
        case .log(let group, let prefix):
            nftnl_expr_set_u16(expr, attr(NFTNL_EXPR_LOG_GROUP), group)
            _ = nftnl_expr_set_str(expr, attr(NFTNL_EXPR_LOG_PREFIX), prefix)
        case .immediateData(let destination, let data):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_IMM_DREG), destination)
            data.withUnsafeBytes { _ = nftnl_expr_set(expr, attr(NFTNL_EXPR_IMM_DATA), $0.baseAddress, UInt32($0.count)) }
        case .redirect(let portRegister):
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_REDIR_REG_PROTO_MIN), portRegister)
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_REDIR_FLAGS), 0x2)  // NF_NAT_RANGE_PROTO_SPECIFIED
        case .rejectWithReset:
            nftnl_expr_set_u32(expr, attr(NFTNL_EXPR_REJECT_TYPE), 1)  // NFT_REJECT_TCP_RST
            nftnl_expr_set_u8(expr, attr(NFTNL_EXPR_REJECT_CODE), 0)
        }
        nftnl_rule_add_expr(rule, expr)
        return true
    }

    private var kindName: String {
        switch self {
        case .meta: return "meta"
        case .compare: return "cmp"
        case .payload: return "payload"
        case .bitwise: return "bitwise"
        case .conntrack: return "ct"
        case .lookup: return "lookup"
        case .verdict: return "immediate"
        case .log: return "log"
        case .immediateData: return "immediate"
        case .redirect: return "redir"
        case .rejectWithReset: return "reject"
        }
    }
}

/// libnftnl's attribute enums import as `Int`; its setters take `UInt16`.
@inline(__always) private func attr(_ value: Int) -> UInt16 { UInt16(value) }

/// Building blocks the firewall rules are made of, each as nft(8) would emit them.
enum NftMatch {
    static let cmpEq = UInt32(NFT_CMP_EQ.rawValue)
    static let cmpNeq = UInt32(NFT_CMP_NEQ.rawValue)
    static let networkHeader = UInt32(NFT_PAYLOAD_NETWORK_HEADER.rawValue)
    static let transportHeader = UInt32(NFT_PAYLOAD_TRANSPORT_HEADER.rawValue)

    /// `meta nfproto ipv4|ipv6` (one byte).
    static func family(_ nfproto: UInt8) -> [NftExpression] {
        [.meta(key: NFT_META_NFPROTO.rawValue, destination: NftExpression.reg(0)),
         .compare(source: NftExpression.reg(0), op: cmpEq, data: [nfproto])]
    }

    /// `meta l4proto tcp|udp` (one byte).
    static func l4proto(_ proto: UInt8) -> [NftExpression] {
        [.meta(key: NFT_META_L4PROTO.rawValue, destination: NftExpression.reg(0)),
         .compare(source: NftExpression.reg(0), op: cmpEq, data: [proto])]
    }

    /// `ct state established,related`: the state bits are a host-order u32;
    /// established is bit 1, related bit 2 (NF_CT_STATE_BIT in nf_conntrack_common.h).
    static func establishedOrRelated() -> [NftExpression] {
        let mask = UInt32(0b110)
        return [.conntrack(key: NFT_CT_STATE.rawValue, destination: NftExpression.reg(0)),
                .bitwise(source: NftExpression.reg(0), destination: NftExpression.reg(0),
                         mask: hostBytes(mask), xor: hostBytes(0)),
                .compare(source: NftExpression.reg(0), op: cmpNeq, data: hostBytes(0))]
    }

    /// `<addr field> . <l4> dport @set`: address into slot 0, port into the slot after it.
    static func addressPortLookup(v6: Bool, proto: UInt8, set: String, setID: UInt32) -> [NftExpression] {
        let addressLength: UInt32 = v6 ? 16 : 4
        let addressOffset: UInt32 = v6 ? 24 : 16  // ip6 daddr / ip daddr
        return family(v6 ? 10 : 2) + l4proto(proto) + [
            .payload(base: networkHeader, offset: addressOffset, length: addressLength, destination: NftExpression.reg(0)),
            .payload(base: transportHeader, offset: 2, length: 2, destination: NftExpression.reg(addressLength / 4)),
            .lookup(source: NftExpression.reg(0), set: set, setID: setID),
        ]
    }

    /// `ip6 daddr <address>` (16 network-order bytes).
    static func ipv6Destination(_ bytes: [UInt8]) -> [NftExpression] {
        [.payload(base: networkHeader, offset: 24, length: 16, destination: NftExpression.reg(0)),
         .compare(source: NftExpression.reg(0), op: cmpEq, data: bytes)]
    }

    /// `ip6 daddr != <address>`.
    static func ipv6DestinationNot(_ bytes: [UInt8]) -> [NftExpression] {
        [.payload(base: networkHeader, offset: 24, length: 16, destination: NftExpression.reg(0)),
         .compare(source: NftExpression.reg(0), op: cmpNeq, data: bytes)]
    }

    /// `ip daddr != <subnet>`.
    static func ipv4DestinationNot(in subnet: CIDR) -> [NftExpression] {
        [.payload(base: networkHeader, offset: 16, length: 4, destination: NftExpression.reg(0)),
         .bitwise(source: NftExpression.reg(0), destination: NftExpression.reg(0),
                  mask: subnet.maskBytes, xor: [0, 0, 0, 0]),
         .compare(source: NftExpression.reg(0), op: cmpNeq, data: subnet.network.byteArray)]
    }

    /// `redirect to :port`: the port (network order) into a register, then redir.
    static func redirect(toPort port: UInt16) -> [NftExpression] {
        [.immediateData(destination: NftExpression.reg(0), data: [UInt8(port >> 8), UInt8(port & 0xFF)]),
         .redirect(portRegister: NftExpression.reg(0))]
    }

    /// `ip daddr <subnet>`: masked compare, as nft emits for a prefix.
    static func ipv4Destination(in subnet: CIDR) -> [NftExpression] { ipv4Field(at: 16, in: subnet) }

    /// The IPv4 header address at `offset` (12 source, 16 destination) masked to
    /// `subnet`, which must be an IPv4 prefix (the load is four bytes).
    private static func ipv4Field(at offset: UInt32, in subnet: CIDR) -> [NftExpression] {
        [.payload(base: networkHeader, offset: offset, length: 4, destination: NftExpression.reg(0)),
         .bitwise(source: NftExpression.reg(0), destination: NftExpression.reg(0),
                  mask: subnet.maskBytes, xor: [0, 0, 0, 0]),
         .compare(source: NftExpression.reg(0), op: cmpEq, data: subnet.network.byteArray)]
    }

    /// `th dport <port>` (network order).
    static func destinationPort(_ port: UInt16) -> [NftExpression] {
        [.payload(base: transportHeader, offset: 2, length: 2, destination: NftExpression.reg(0)),
         .compare(source: NftExpression.reg(0), op: cmpEq, data: [UInt8(port >> 8), UInt8(port & 0xFF)])]
    }

    static func hostBytes(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}

internal import CNftnl
internal import CMnl
import StockadeAddress


/// One nfnetlink batch: the bytes sent in a single `sendto()`, which the kernel applies
/// all-or-nothing, and what each message in it does.
///
/// Sequence numbers start at `sequenceBase` and count up one per message (batch begin
/// and end included); the port id is 0. Both are fixed so the bytes are reproducible
/// and can be compared against golden copies without privileges.
public struct NftBatch: Equatable, Sendable {
    /// One message of the batch.
    public struct Message: Equatable, Sendable {
        public var sequence: UInt32
        /// What it does, in nft words: `add rule inet stockade_x output ip daddr . tcp dport @allow4 …`.
        public var summary: String
    }

    /// The messages between batch begin and batch end, in order.
    public let messages: [Message]
    /// The whole batch as sent: begin, messages, end.
    public let bytes: [UInt8]

    /// nft-like text of every message, one a line.
    public func describe() -> String {
        messages.map { $0.summary + "\n" }.joined()
    }

    /// The summary of the message with this sequence number, for error reports.
    public func summary(forSequence sequence: UInt32) -> String? {
        messages.first { $0.sequence == sequence }?.summary
    }
}

/// A member of `allow4`/`allow6`: destination address and port, with a lifetime.
public struct NftSetElement: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16
    /// Milliseconds until the kernel removes the element; 0 means the set's default
    /// (none: the element stays until the table goes).
    public var timeoutMilliseconds: UInt64

    public init(address: IPAddress, port: UInt16, timeoutMilliseconds: UInt64) {
        self.address = address
        self.port = port
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The concatenated key: the address, then the port in network order padded to
    /// four bytes (each field of a concatenation occupies whole 32-bit registers).
    var key: [UInt8] { address.byteArray + [UInt8(port >> 8), UInt8(port & 0xFF), 0, 0] }

    var setName: String {
        if case .v4 = address { return SandboxFirewall.allow4 }
        return SandboxFirewall.allow6
    }
}

extension NftBatch {
    /// The batch that creates a sandbox's whole table (see ``SandboxFirewall``).
    ///
    /// The table is created with `NLM_F_EXCL`: a table left over with the same id is an
    /// error, not something to build on.
    public static func createTable(_ firewall: SandboxFirewall, sequenceBase: UInt32 = 1) throws(NetlinkError) -> NftBatch {
        var writer = BatchWriter(sequenceBase: sequenceBase)
        let table = firewall.id.tableName
        let create = UInt16(NLM_F_CREATE) | UInt16(NLM_F_ACK)

        try writer.add("add table inet \(table)", type: NFT_MSG_NEWTABLE, flags: create | UInt16(NLM_F_EXCL)) { nlh in
            guard let object = nftnl_table_alloc() else { return false }
            defer { nftnl_table_free(object) }
            _ = nftnl_table_set_str(object, UInt16(NFTNL_TABLE_NAME.rawValue), table)
            nftnl_table_nlmsg_build_payload(nlh, object)
            return true
        }
        for set in firewall.sets {
            try writer.add("add set inet \(table) \(set.name) { type \(set.typeText); flags timeout; }",
                           type: NFT_MSG_NEWSET, flags: create | UInt16(NLM_F_EXCL)) { nlh in
                guard let object = nftnl_set_alloc() else { return false }
                defer { nftnl_set_free(object) }
                _ = nftnl_set_set_str(object, UInt16(NFTNL_SET_TABLE.rawValue), table)
                _ = nftnl_set_set_str(object, UInt16(NFTNL_SET_NAME.rawValue), set.name)
                nftnl_set_set_u32(object, UInt16(NFTNL_SET_FAMILY.rawValue), UInt32(NFPROTO_INET))
                nftnl_set_set_u32(object, UInt16(NFTNL_SET_ID.rawValue), set.id)
                nftnl_set_set_u32(object, UInt16(NFTNL_SET_KEY_TYPE.rawValue), set.keyType)
                nftnl_set_set_u32(object, UInt16(NFTNL_SET_KEY_LEN.rawValue), set.keyLength)
                nftnl_set_set_u32(object, UInt16(NFTNL_SET_FLAGS.rawValue), UInt32(NFT_SET_TIMEOUT.rawValue))
                nftnl_set_nlmsg_build_payload(nlh, object)
                return true
            }
        }
        for chain in firewall.chains {
            try writer.add("add chain inet \(table) \(chain.name) { type \(chain.type) hook \(chain.hookText) priority \(chain.priorityText); policy accept; }",
                           type: NFT_MSG_NEWCHAIN, flags: create | UInt16(NLM_F_EXCL)) { nlh in
                guard let object = nftnl_chain_alloc() else { return false }
                defer { nftnl_chain_free(object) }
                _ = nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_TABLE.rawValue), table)
                _ = nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_NAME.rawValue), chain.name)
                _ = nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_TYPE.rawValue), chain.type)
                nftnl_chain_set_u32(object, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue), chain.hook)
                nftnl_chain_set_s32(object, UInt16(NFTNL_CHAIN_PRIO.rawValue), chain.priority)
                nftnl_chain_set_u32(object, UInt16(NFTNL_CHAIN_POLICY.rawValue), UInt32(NF_ACCEPT))
                nftnl_chain_nlmsg_build_payload(nlh, object)
                return true
            }
        }
        for chain in firewall.chains {
            for rule in chain.rules {
                try writer.add("add rule inet \(table) \(chain.name) \(rule.text)",
                               type: NFT_MSG_NEWRULE, flags: create | UInt16(NLM_F_APPEND) | UInt16(NLM_F_ACK)) { nlh in
                    guard let object = nftnl_rule_alloc() else { return false }
                    defer { nftnl_rule_free(object) }
                    _ = nftnl_rule_set_str(object, UInt16(NFTNL_RULE_TABLE.rawValue), table)
                    _ = nftnl_rule_set_str(object, UInt16(NFTNL_RULE_CHAIN.rawValue), chain.name)
                    nftnl_rule_set_u32(object, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(NFPROTO_INET))
                    for expression in rule.expressions where !expression.append(to: object) { return false }
                    nftnl_rule_nlmsg_build_payload(nlh, object)
                    return true
                }
            }
        }
        return writer.finish()
    }

    /// The batch that adds `elements` to `allow4`/`allow6`: one message per set holding
    /// all of that family's elements. An element already present is not an error (no
    /// `NLM_F_EXCL`); its timeout is left as it was.
    public static func addElements(_ elements: [NftSetElement], to id: SandboxNetID, sequenceBase: UInt32 = 1) throws(NetlinkError) -> NftBatch {
        var writer = BatchWriter(sequenceBase: sequenceBase)
        let table = id.tableName
        for setName in [SandboxFirewall.allow4, SandboxFirewall.allow6] {
            let members = elements.filter { $0.setName == setName }
            if members.isEmpty { continue }
            let text = members.map { e in
                let port = "\(e.address) . \(e.port)"
                return e.timeoutMilliseconds == 0 ? port : "\(port) timeout \(e.timeoutMilliseconds)ms"
            }.joined(separator: ", ")
            try writer.add("add element inet \(table) \(setName) { \(text) }", type: NFT_MSG_NEWSETELEM,
                           flags: UInt16(NLM_F_CREATE) | UInt16(NLM_F_ACK), capacity: 1024 + members.count * 96) { nlh in
                guard let set = nftnl_set_alloc() else { return false }
                defer { nftnl_set_free(set) }
                _ = nftnl_set_set_str(set, UInt16(NFTNL_SET_TABLE.rawValue), table)
                _ = nftnl_set_set_str(set, UInt16(NFTNL_SET_NAME.rawValue), setName)
                for member in members {
                    guard let element = nftnl_set_elem_alloc() else { return false }
                    let key = member.key
                    _ = key.withUnsafeBytes { nftnl_set_elem_set(element, UInt16(NFTNL_SET_ELEM_KEY), $0.baseAddress, UInt32($0.count)) }
                    if member.timeoutMilliseconds > 0 {
                        nftnl_set_elem_set_u64(element, UInt16(NFTNL_SET_ELEM_TIMEOUT), member.timeoutMilliseconds)
                    }
                    nftnl_set_elem_add(set, element)  // the set owns it from here
                }
                nftnl_set_elems_nlmsg_build_payload(nlh, set)
                return true
            }
        }
        return writer.finish()
    }
}

/// Accumulates netlink messages between an nfnetlink batch begin and end.
private struct BatchWriter {
    private var bytes: [UInt8] = []
    private var messages: [NftBatch.Message] = []
    private var sequence: UInt32

    init(sequenceBase: UInt32) {
        sequence = sequenceBase
        append(capacity: 64) { nftnl_batch_begin($0, sequenceBase) }
        sequence &+= 1
    }

    /// Builds one message into a scratch buffer with libnftnl and appends it.
    mutating func add(_ summary: String, type: nf_tables_msg_types, flags: UInt16, capacity: Int = 8192,
                      payload: (UnsafeMutablePointer<nlmsghdr>) -> Bool) throws(NetlinkError) {
        let seq = sequence
        var built = true
        append(capacity: capacity) { buffer in
            let nlh = nftnl_nlmsg_build_hdr(buffer, UInt16(type.rawValue), UInt16(NFPROTO_INET), flags, seq)!
            built = payload(nlh)
            return nlh
        }
        guard built else { throw NetlinkError(step: .build, errno: 12 /* ENOMEM */, target: summary) }
        messages.append(.init(sequence: seq, summary: summary))
        sequence &+= 1
    }

    mutating func finish() -> NftBatch {
        let seq = sequence
        append(capacity: 64) { nftnl_batch_end($0, seq) }
        return NftBatch(messages: messages, bytes: bytes)
    }

    private mutating func append(capacity: Int, _ build: (UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<nlmsghdr>?) {
        bytes += Self.render(capacity: capacity, build)
    }

    private static func render(capacity: Int, _ build: (UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<nlmsghdr>?) -> [UInt8] {
        var scratch = [CChar](repeating: 0, count: capacity)
        let message: [UInt8] = scratch.withUnsafeMutableBufferPointer { buffer in
            guard let nlh = build(buffer.baseAddress!) else { return [] }
            let length = Int(nlh.pointee.nlmsg_len)
            return UnsafeRawBufferPointer(start: buffer.baseAddress, count: length).map { $0 }
        }
        return message
    }
}

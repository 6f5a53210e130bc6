import StockadeAddress

extension DNSProxyEngine {
    /// Turns an upstream answer into a client reply and set insertions.
    ///
    /// The answer must carry a pending ID and the same question (names
    /// compared case-insensitively). Only the asked name's CNAME chain and
    /// the records of the asked type at its names survive; A/AAAA answers
    /// failing the rebinding policy are stripped; authority keeps SOA only
    /// (negative caching), additional only the proxy's own OPT. A truncated
    /// answer over UDP asks for a TCP retry instead.
    public mutating func handleUpstreamReply(
        _ bytes: [UInt8], over transport: DNSClient.Transport = .udp, now: DNSInstant
    ) -> ReplyDecision {
        guard let header = DNSMessage.peekHeader(bytes), let entry = pending[header.id] else {
            counters.droppedReplies += 1
            return .drop(.unknownID)
        }
        // Malformed or mismatched replies leave the entry pending: a spoofer
        // must not be able to cancel a query, only time can.
        let message: DNSMessage
        do { message = try DNSMessage.parse(bytes) } catch {
            counters.malformedReplies += 1
            return .drop(.malformed)
        }
        guard message.header.isResponse else {
            counters.droppedReplies += 1
            return .drop(.notAResponse)
        }
        guard message.questions.count == 1, message.questions[0] == entry.question else {
            counters.droppedReplies += 1
            return .drop(.questionMismatch)
        }
        if message.header.truncated && transport == .udp {
            pending[header.id]?.retriedOverTCP = true
            pending[header.id]?.deadline = now.adding(seconds: config.upstreamTimeoutSeconds)
            pending[header.id]?.attemptDeadline = now.adding(seconds: config.upstreamTimeoutSeconds)
            return .retryOverTCP(query: entry.upstreamQuery, upstreamID: header.id)
        }
        pending[header.id] = nil
        return .reply(buildReply(entry, upstream: message))
    }

    private func buildReply(_ entry: Pending, upstream: DNSMessage) -> DNSClientReply {
        let qtype = entry.question.type
        let chain = Self.cnameChain(from: entry.question.name, in: upstream.answers)
        var answers: [DNSResourceRecord] = []
        var insertions: [IPAddress: DNSSetInsertion] = [:]
        var insertionOrder: [IPAddress] = []
        var record = DNSQueryRecord(
            name: entry.question.name, queryType: qtype, client: entry.client, decision: .allow,
            reason: entry.auditReason, wouldDeny: entry.auditReason != nil, rule: entry.rule?.description)
        record.responseCode = upstream.header.responseCode

        for rr in upstream.answers where chain.contains(rr.name) {
            let address: IPAddress?
            switch rr.data {
            case .cname:
                answers.append(rr)
                continue
            case .a(let v4) where qtype == .a: address = .v4(v4)
            case .aaaa(let v6) where qtype == .aaaa: address = .v6(v6)
            case .opaque where rr.type == qtype && !DNSRecordType.compressible.contains(qtype.rawValue):
                address = nil
            case .mx where qtype == .mx, .ns where qtype == .ns, .ptr where qtype == .ptr, .soa where qtype == .soa:
                address = nil
            default:
                continue
            }
            guard let address else {
                answers.append(rr)
                continue
            }
            let verdict = config.rebinding.evaluate(address)
            if !verdict.allowed {
                if !record.rebound.contains(address) { record.rebound.append(address) }
                if !config.auditMode { continue }
                record.wouldDeny = true
            }
            answers.append(rr)
            if !record.observed.contains(address) { record.observed.append(address) }
            // In audit mode an unlisted name still resolves, but opens nothing.
            guard let rule = entry.rule, entry.auditReason != .notAllowlisted else { continue }
            let timeout = min(max(rr.ttl, config.minTimeoutSeconds), config.maxTimeoutSeconds)
            if let existing = insertions[address] {
                if timeout > existing.timeoutSeconds { insertions[address]?.timeoutSeconds = timeout }
            } else {
                insertionOrder.append(address)
                insertions[address] = DNSSetInsertion(
                    address: address, ports: rule.ports, timeoutSeconds: timeout, name: entry.question.name)
            }
        }
        record.addresses = insertionOrder

        var reply = DNSMessage(header: Self.replyHeader(entry.clientHeader, rcode: upstream.header.responseCode))
        reply.header.authoritative = upstream.header.authoritative
        reply.header.recursionAvailable = upstream.header.recursionAvailable
        reply.questions = [entry.question]
        reply.answers = answers
        reply.authorities = upstream.authorities.filter {
            if case .soa = $0.data { return true }
            return false
        }
        if let opt = clientOPT(entry.clientOPT, upstream: upstream.opt) { reply.additionals = [opt] }

        var bytes = (try? reply.serialize()) ?? []
        if bytes.isEmpty || (entry.client.transport == .udp && bytes.count > udpLimit(entry)) {
            // Too big for the client's UDP: TC and the question only; it will ask over TCP.
            reply.header.truncated = true
            reply.answers = []
            reply.authorities = []
            bytes = (try? reply.serialize()) ?? servFail(entry)
        }
        return DNSClientReply(
            client: entry.client, insertions: insertionOrder.compactMap { insertions[$0] }, bytes: bytes,
            failure: servFailSource(entry), record: record)
    }

    /// The asked name, then each CNAME target in turn, as found in `answers`.
    /// Bounded by the number of records and stops at the first repeat.
    static func cnameChain(from name: DNSName, in answers: [DNSResourceRecord]) -> Set<DNSName> {
        var chain: Set<DNSName> = [name]
        var current = name
        for _ in 0..<answers.count {
            guard let next = answers.lazy.compactMap({ rr -> DNSName? in
                if rr.name == current, case .cname(let target) = rr.data { return target }
                return nil
            }).first, !chain.contains(next) else { break }
            chain.insert(next)
            current = next
        }
        return chain
    }

    /// A reply with no answers: NXDOMAIN, REFUSED… echoing the question as asked.
    func errorReply(to query: DNSMessage, rcode: DNSResponseCode) -> [UInt8] {
        Self.errorReply(to: query, rcode: rcode, ednsPayloadSize: config.ednsPayloadSize)
    }

    static func errorReply(to query: DNSMessage, rcode: DNSResponseCode, ednsPayloadSize: UInt16) -> [UInt8] {
        var reply = DNSMessage(header: replyHeader(query.header, rcode: rcode))
        reply.header.recursionAvailable = true
        reply.questions = query.questions
        if let opt = clientOPT(query.opt, upstream: nil, ednsPayloadSize: ednsPayloadSize) { reply.additionals = [opt] }
        return (try? reply.serialize()) ?? []
    }

    func servFail(_ entry: Pending) -> [UInt8] { servFailSource(entry).bytes }

    /// What a SERVFAIL for `entry` is built from, without building it yet.
    func servFailSource(_ entry: Pending) -> DNSFailureReply {
        var query = DNSMessage(header: entry.clientHeader, questions: [entry.question])
        query.header.id = entry.clientID
        if let opt = entry.clientOPT { query.additionals = [opt] }
        return .servFail(query: query, ednsPayloadSize: config.ednsPayloadSize)
    }

    /// Only the question and a bare OPT go upstream: no client-chosen
    /// additional records, EDNS options (client subnet, cookies, padding)
    /// or Z bits ride along to a third party.
    func buildUpstreamQuery(id: UInt16, message: DNSMessage) -> [UInt8] {
        var header = DNSHeader(id: id, recursionDesired: true)
        header.checkingDisabled = message.header.checkingDisabled
        // Lowercased: the case of each letter is chosen by the workload, and
        // 0x20 bits sent upstream would carry data past the wildcard budget.
        // The reply echoes the question as asked (`Pending.question`).
        var question = message.questions[0]
        question.name = question.name.lowercased
        var query = DNSMessage(header: header, questions: [question])
        let dnssecOK = message.opt.map { $0.ttl & 0x8000 != 0 } ?? false
        query.additionals = [.opt(payloadSize: config.ednsPayloadSize, dnssecOK: dnssecOK)]
        return (try? query.serialize()) ?? []
    }

    private static func replyHeader(_ query: DNSHeader, rcode: DNSResponseCode) -> DNSHeader {
        // AD is never set: the proxy rewrites answers and validates nothing.
        DNSHeader(
            id: query.id, isResponse: true, opcode: query.opcode, recursionDesired: query.recursionDesired,
            checkingDisabled: query.checkingDisabled, responseCode: rcode)
    }

    /// The reply's OPT when the client sent one (RFC 6891 §6.1.1); none otherwise.
    private func clientOPT(_ client: DNSResourceRecord?, upstream: DNSResourceRecord?) -> DNSResourceRecord? {
        Self.clientOPT(client, upstream: upstream, ednsPayloadSize: config.ednsPayloadSize)
    }

    private static func clientOPT(
        _ client: DNSResourceRecord?, upstream: DNSResourceRecord?, ednsPayloadSize: UInt16
    ) -> DNSResourceRecord? {
        guard let client else { return nil }
        let extendedRcode = UInt8(truncatingIfNeeded: (upstream?.ttl ?? 0) >> 24)
        return .opt(payloadSize: ednsPayloadSize, extendedRcode: extendedRcode, dnssecOK: client.ttl & 0x8000 != 0)
    }

    private func udpLimit(_ entry: Pending) -> Int {
        guard let opt = entry.clientOPT else { return 512 }
        return max(512, Int(opt.rclass))
    }
}

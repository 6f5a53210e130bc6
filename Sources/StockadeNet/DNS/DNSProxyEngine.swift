import StockadeAddress

/// The DNS proxy's decisions, with no sockets and no clock of its own.
///
/// Feed it the bytes of a client query (`handleQuery`) or of an upstream
/// reply (`handleUpstreamReply`), with the current time; it answers with
/// what to send where and what to add to the allow sets. The IO layer
/// (`DNSProxyServer`) does the sending. One engine serves one sandbox.
public struct DNSProxyEngine: Sendable {
    /// A query sent upstream and not yet answered.
    struct Pending: Sendable {
        var client: DNSClient
        var clientID: UInt16
        /// The question exactly as asked; the reply echoes it.
        var question: DNSQuestion
        var clientHeader: DNSHeader
        /// The client's OPT record, if it sent one (the reply then carries one).
        var clientOPT: DNSResourceRecord?
        var rule: DomainRule?
        /// Audit mode: why enforcement would have denied this query.
        var auditReason: DNSDenyReason?
        var upstreamQuery: [UInt8]
        /// When the client gets SERVFAIL (`upstreamTimeoutSeconds` after the query).
        var deadline: DNSInstant
        var retriedOverTCP = false
        /// Which configured upstream the current attempt went to, how many
        /// attempts were sent, and when the current one is given up.
        var upstream = 0
        var attempts = 1
        var attemptDeadline: DNSInstant
    }

    public let config: DNSProxyConfig
    public internal(set) var counters = DNSProxyCounters()
    var pending: [UInt16: Pending] = [:]
    var bucket: TokenBucket
    var ids: DNSIDGenerator
    /// Per wildcard rule: names seen (keyed case-insensitively) and when last asked.
    var wildcardNames: [DomainRule.Pattern: [DNSName: DNSInstant]] = [:]
    /// How many upstreams the IO layer forwards to (indexes 0..<count); it
    /// sets this once, at start-up.
    public var upstreamCount = 1

    public init(config: DNSProxyConfig, ids: DNSIDGenerator = .system) {
        self.config = config
        self.ids = ids
        self.bucket = TokenBucket(rate: config.queriesPerSecond, capacity: config.queryBurst)
    }

    /// Queries waiting for upstream.
    public var pendingCount: Int { pending.count }

    /// The earliest pending deadline, for the poll loop's timeout.
    public var nextDeadline: DNSInstant? { pending.values.lazy.map { min($0.deadline, $0.attemptDeadline) }.min() }

    /// Each attempt gets an equal share of the budget; with one upstream the
    /// query is sent twice (a lost datagram is not a dead server).
    var attemptSeconds: Double { config.upstreamTimeoutSeconds / Double(max(2, upstreamCount)) }
    var maxAttempts: Int { max(2, upstreamCount) }

    /// Decides what to do with a query from the workload.
    ///
    /// Denied names are answered NXDOMAIN here and never leave the host.
    /// Allowed ones are rebuilt (only the question and a bare OPT go
    /// upstream, never the client's other bytes) under a fresh random ID.
    public mutating func handleQuery(_ bytes: [UInt8], from client: DNSClient, now: DNSInstant) -> QueryDecision {
        let message: DNSMessage
        do { message = try DNSMessage.parse(bytes) } catch {
            counters.malformedQueries += 1
            return QueryDecision(action: .drop(.malformed), record: nil)
        }
        guard !message.header.isResponse else { return dropQuery(.notAQuery) }
        guard message.questions.count == 1 else { return dropQuery(.questionCount) }
        let question = message.questions[0]
        let audit = config.auditMode

        func deny(_ reason: DNSDenyReason, _ rcode: DNSResponseCode, rule: DomainRule? = nil) -> QueryDecision {
            counters.denied += 1
            let record = DNSQueryRecord(
                name: question.name, queryType: question.type, client: client, decision: .deny,
                reason: reason, rule: rule?.description)
            return QueryDecision(action: .reply(errorReply(to: message, rcode: rcode)), record: record)
        }

        // Enforcement order: each check may deny; in audit mode the first
        // failing one is remembered and the query goes on.
        var auditReason: DNSDenyReason?
        func check(_ reason: DNSDenyReason, _ rcode: DNSResponseCode, rule: DomainRule? = nil) -> QueryDecision? {
            if audit {
                if auditReason == nil { auditReason = reason }
                return nil
            }
            return deny(reason, rcode, rule: rule)
        }

        if !bucket.take(now: now) {
            if audit { auditReason = .rateLimited } else {
                // Dropped, not answered: an answer would turn a flood into reply traffic.
                counters.denied += 1
                counters.droppedQueries += 1
                let record = DNSQueryRecord(
                    name: question.name, queryType: question.type, client: client, decision: .deny, reason: .rateLimited)
                return QueryDecision(action: .drop(.rateLimited), record: record)
            }
        }
        if message.header.opcode != 0, let d = check(.unsupportedOpcode, .notImp) { return d }
        if question.qclass != 1, let d = check(.unsupportedClass, .refused) { return d }
        let rule = config.allowlist.match(question.name)
        if rule == nil, let d = check(.notAllowlisted, .nxDomain) { return d }
        if !config.allowedQueryTypes.contains(question.type), let d = check(.queryTypeNotAllowed, .refused, rule: rule) {
            return d
        }
        if let rule, rule.isWildcard, let reason = spendBudget(question.name, rule: rule, now: now),
           let d = check(reason, .refused, rule: rule) {
            return d
        }

        expire(now: now, collect: false)
        guard pending.count < config.maxPending else { return deny(.pendingFull, .servFail, rule: rule) }

        var upstreamID = ids.next()
        while pending[upstreamID] != nil { upstreamID = ids.next() }
        let upstreamQuery = buildUpstreamQuery(id: upstreamID, message: message)
        pending[upstreamID] = Pending(
            client: client, clientID: message.header.id, question: question, clientHeader: message.header,
            clientOPT: message.opt, rule: rule, auditReason: auditReason, upstreamQuery: upstreamQuery,
            deadline: now.adding(seconds: config.upstreamTimeoutSeconds),
            attemptDeadline: now.adding(seconds: attemptSeconds))
        counters.forwarded += 1
        var record: DNSQueryRecord?
        if let auditReason {
            record = DNSQueryRecord(
                name: question.name, queryType: question.type, client: client, decision: .allow,
                reason: auditReason, wouldDeny: true, rule: rule?.description)
        }
        return QueryDecision(action: .forward(query: upstreamQuery, upstreamID: upstreamID), record: record)
    }

    /// Forgets queries whose upstream never answered; returns SERVFAIL
    /// replies for their clients (nothing to insert).
    public mutating func expire(now: DNSInstant) -> [DNSClientReply] {
        expire(now: now, collect: true)
    }

    /// Gives up on one forwarded query (the TCP retry failed, say): a
    /// SERVFAIL reply for its client, or nil if the ID is unknown.
    public mutating func failPending(upstreamID: UInt16) -> DNSClientReply? {
        guard let entry = pending.removeValue(forKey: upstreamID) else { return nil }
        return failureReply(entry, reason: .upstreamError)
    }

    /// Queries whose current attempt ran out without an answer, sent again
    /// to the next upstream (round robin) under the same ID. Their final
    /// deadline does not move: the client has its answer or its SERVFAIL
    /// within `upstreamTimeoutSeconds` whatever the upstreams do.
    public mutating func retransmissions(now: DNSInstant) -> [DNSUpstreamAttempt] {
        var out: [DNSUpstreamAttempt] = []
        let step = attemptSeconds, attemptsAllowed = maxAttempts, count = max(1, upstreamCount)
        for (id, entry) in pending where entry.attemptDeadline <= now && entry.deadline > now {
            guard !entry.retriedOverTCP, entry.attempts < attemptsAllowed else {
                pending[id]?.attemptDeadline = entry.deadline
                continue
            }
            let next = (entry.upstream + 1) % count
            pending[id]?.upstream = next
            pending[id]?.attempts += 1
            pending[id]?.attemptDeadline = min(entry.deadline, now.adding(seconds: step))
            out.append(DNSUpstreamAttempt(query: entry.upstreamQuery, upstream: next, upstreamID: id))
        }
        return out
    }

    /// Upstream `index` reported an error (an ICMP unreachable on its
    /// socket, say): its queries go to the next upstream at once, and those
    /// with none left fail now (SERVFAIL, `upstream_error`) instead of
    /// waiting for the timeout.
    public mutating func upstreamFailed(_ index: Int, now: DNSInstant) -> (retries: [DNSUpstreamAttempt], failures: [DNSClientReply]) {
        var retries: [DNSUpstreamAttempt] = []
        var failures: [DNSClientReply] = []
        let step = attemptSeconds, count = upstreamCount
        for (id, entry) in pending where entry.upstream == index && !entry.retriedOverTCP {
            if index + 1 < count {
                pending[id]?.upstream = index + 1
                pending[id]?.attempts += 1
                pending[id]?.attemptDeadline = min(entry.deadline, now.adding(seconds: step))
                retries.append(DNSUpstreamAttempt(query: entry.upstreamQuery, upstream: index + 1, upstreamID: id))
            } else {
                pending[id] = nil
                failures.append(failureReply(entry, reason: .upstreamError))
            }
        }
        return (retries, failures)
    }

    /// The upstream a pending query's current attempt went to (TCP retries go there too).
    public func upstream(of upstreamID: UInt16) -> Int? { pending[upstreamID]?.upstream }

    @discardableResult
    mutating func expire(now: DNSInstant, collect: Bool) -> [DNSClientReply] {
        var out: [DNSClientReply] = []
        for (id, entry) in pending where entry.deadline <= now {
            pending[id] = nil
            counters.expired += 1
            if collect { out.append(failureReply(entry, reason: .upstreamTimeout)) }
        }
        return out
    }

    func failureReply(_ entry: Pending, reason: DNSDenyReason) -> DNSClientReply {
        var record = DNSQueryRecord(
            name: entry.question.name, queryType: entry.question.type, client: entry.client,
            decision: .deny, reason: reason, rule: entry.rule?.description)
        record.responseCode = .servFail
        let bytes = servFail(entry)
        return DNSClientReply(client: entry.client, insertions: [], bytes: bytes, failureBytes: bytes, record: record)
    }

    private mutating func dropQuery(_ reason: DNSDropReason) -> QueryDecision {
        counters.droppedQueries += 1
        return QueryDecision(action: .drop(reason), record: nil)
    }

    /// Checks a wildcard-matched name against the exfiltration budget and,
    /// if it passes, counts it. Returns the reason when it does not pass.
    mutating func spendBudget(_ name: DNSName, rule: DomainRule, now: DNSInstant) -> DNSDenyReason? {
        guard case .wildcard(let suffix) = rule.pattern else { return nil }
        let budget = config.exfiltration
        let free = name.labels.prefix(name.labels.count - suffix.labels.count)
        if free.contains(where: { $0.count > budget.maxLabelLength }) { return .exfilLabelTooLong }
        if name.wireLength - 2 > budget.maxNameLength { return .exfilNameTooLong }
        // Taken out and put back so the table is mutated in place, not copied per query;
        // DNSName hashes and compares case-folded, so the name keys as asked.
        var seen = wildcardNames.removeValue(forKey: rule.pattern) ?? [:]
        defer { wildcardNames[rule.pattern] = seen }
        for stale in seen.compactMap({ now.seconds(since: $0.value) < 60 ? nil : $0.key }) {
            seen.removeValue(forKey: stale)
        }
        if seen[name] == nil && seen.count >= budget.maxDistinctNamesPerMinute { return .exfilNameBudget }
        seen[name] = now
        return nil
    }
}

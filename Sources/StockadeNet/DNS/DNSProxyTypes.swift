import StockadeAddress
import StockadeEvents

/// Who asked: the server's handle for where the reply must go.
public struct DNSClient: Hashable, Sendable {
    public enum Transport: String, Hashable, Sendable { case udp, tcp }
    public var transport: Transport
    public var address: IPAddress
    public var port: UInt16
    /// For TCP, the server's id of the connection (never reused); 0 for UDP.
    public var connection: UInt64

    public init(transport: Transport, address: IPAddress, port: UInt16, connection: UInt64 = 0) {
        self.transport = transport
        self.address = address
        self.port = port
        self.connection = connection
    }
}

/// Why a query was denied, or would have been in audit mode. Raw values are event codes.
public enum DNSDenyReason: String, Sendable, Equatable {
    case notAllowlisted = "not_allowlisted"
    case queryTypeNotAllowed = "qtype_not_allowed"
    case unsupportedOpcode = "unsupported_opcode"
    case unsupportedClass = "unsupported_class"
    case exfilLabelTooLong = "exfil_label_too_long"
    case exfilNameTooLong = "exfil_name_too_long"
    case exfilNameBudget = "exfil_name_budget"
    case rateLimited = "rate_limited"
    case pendingFull = "pending_full"
    case upstreamTimeout = "upstream_timeout"
    /// The upstreams refused or failed (ICMP unreachable, a TCP retry that
    /// failed) before the timeout, or a retry over TCP was needed and too
    /// many TCP retries were already running (a local cause: no upstream
    /// was asked again).
    case upstreamError = "upstream_error"
    /// Upstream answered, but its addresses could not be put in the allow
    /// sets (the name bindings were full, or the nft insertion failed), so
    /// the client got SERVFAIL instead of the answer.
    case allowSetFailed = "allow_set_failed"
}

/// Why a packet was dropped without any reply. Raw values are counter names.
public enum DNSDropReason: String, Sendable, Equatable {
    case malformed
    case notAQuery = "not_a_query"
    case questionCount = "question_count"
    case unknownID = "unknown_id"
    case notAResponse = "not_a_response"
    case questionMismatch = "question_mismatch"
    /// Over the sandbox's query rate (a `dns.query` deny record comes with it).
    case rateLimited = "rate_limited"
}

/// One address to add to the sandbox's allow set, and for how long.
public struct DNSSetInsertion: Hashable, Sendable {
    public var address: IPAddress
    /// Destination ports the rule opens.
    public var ports: [UInt16]
    /// The answer's TTL clamped into the configured range.
    public var timeoutSeconds: UInt32
    /// The allowlisted name that was asked (not a CNAME target).
    public var name: DNSName
}

/// What the proxy decided about one query: the `dns.query` event's content.
public struct DNSQueryRecord: Sendable, Equatable {
    public enum Decision: String, Sendable { case allow, deny }
    /// The name as asked.
    public var name: DNSName
    public var queryType: DNSRecordType
    public var client: DNSClient
    /// What happened. In audit mode a refusal the allowlist would make is
    /// `.allow` (with `wouldDeny`); failures the proxy cannot turn into an
    /// answer (`pendingFull`, `upstreamTimeout`, `upstreamError`,
    /// `allowSetFailed`) are `.deny` in audit mode too.
    public var decision: Decision
    /// Why it was (or in audit mode would have been) denied.
    public var reason: DNSDenyReason?
    /// Audit mode only: enforcement would have denied this.
    public var wouldDeny: Bool
    /// The rule that matched, as written.
    public var rule: String?
    /// Upstream's response code, once known.
    public var responseCode: DNSResponseCode?
    /// Addresses passed to the allow sets.
    public var addresses: [IPAddress]
    /// Addresses removed by the rebinding defence (in audit mode: that would have been).
    public var rebound: [IPAddress]
    /// Every address the client was given, inserted or not (audit mode uses
    /// it to name the destinations of connections it reports).
    public var observed: [IPAddress] = []

    init(name: DNSName, queryType: DNSRecordType, client: DNSClient, decision: Decision,
         reason: DNSDenyReason? = nil, wouldDeny: Bool = false, rule: String? = nil) {
        self.name = name
        self.queryType = queryType
        self.client = client
        self.decision = decision
        self.reason = reason
        self.wouldDeny = wouldDeny
        self.rule = rule
        self.responseCode = nil
        self.addresses = []
        self.rebound = []
    }

    /// The event's type-specific fields, in a fixed order.
    public var eventFields: JSONObject {
        var o = JSONObject()
        o["name"] = .string(name.description)
        o["qtype"] = .string(queryType.description)
        o["decision"] = .string(decision.rawValue)
        if let reason { o["reason"] = .string(reason.rawValue) }
        if wouldDeny { o["would_deny"] = .bool(true) }
        if let rule { o["rule"] = .string(rule) }
        if let responseCode { o["rcode"] = .int(Int64(responseCode.rawValue)) }
        if !addresses.isEmpty { o["addresses"] = .array(addresses.map { .string($0.description) }) }
        if !rebound.isEmpty { o["rebinding_stripped"] = .array(rebound.map { .string($0.description) }) }
        o["transport"] = .string(client.transport.rawValue)
        return o
    }
}

/// The outcome of `DNSProxyEngine.handleQuery`.
public struct QueryDecision: Sendable {
    public enum Action: Sendable, Equatable {
        /// Send nothing; the packet was counted.
        case drop(DNSDropReason)
        /// Send these bytes back to the client; nothing goes upstream.
        case reply([UInt8])
        /// Send `query` upstream. The ID in it is the proxy's, not the client's.
        case forward(query: [UInt8], upstreamID: UInt16)
    }
    public var action: Action
    /// Set when the query is decided now (denials); allowed queries are
    /// recorded when their answer comes back.
    public var record: DNSQueryRecord?
}

/// A reply ready for a client.
public struct DNSClientReply: Sendable {
    public var client: DNSClient
    /// Apply every one of these to the allow sets BEFORE sending `bytes`,
    /// so a connect right after the answer can never beat its rule.
    /// If that fails, send `failureBytes` instead (SERVFAIL): fail closed.
    public var insertions: [DNSSetInsertion]
    public var bytes: [UInt8]
    /// A SERVFAIL with the same ID and question. Built on first use: it is
    /// needed only when an insertion fails, and building one per answer
    /// cost as much as a tenth of the proxy's own time.
    public var failureBytes: [UInt8] { failure.bytes }
    public var record: DNSQueryRecord
    var failure: DNSFailureReply

    init(client: DNSClient, insertions: [DNSSetInsertion], bytes: [UInt8], failure: DNSFailureReply, record: DNSQueryRecord) {
        self.client = client
        self.insertions = insertions
        self.bytes = bytes
        self.failure = failure
        self.record = record
    }

    init(client: DNSClient, insertions: [DNSSetInsertion], bytes: [UInt8], failureBytes: [UInt8], record: DNSQueryRecord) {
        self.init(client: client, insertions: insertions, bytes: bytes, failure: .bytes(failureBytes), record: record)
    }
}

/// A client's SERVFAIL: ready bytes, or what to build them from.
enum DNSFailureReply: Sendable {
    case bytes([UInt8])
    /// The query as the client sent it (header, question, OPT) and the
    /// proxy's EDNS payload size for the reply's OPT.
    case servFail(query: DNSMessage, ednsPayloadSize: UInt16)

    var bytes: [UInt8] {
        switch self {
        case .bytes(let b): return b
        case .servFail(let query, let size): return DNSProxyEngine.errorReply(to: query, rcode: .servFail, ednsPayloadSize: size)
        }
    }
}

/// The outcome of `DNSProxyEngine.handleUpstreamReply`.
public enum ReplyDecision: Sendable {
    case drop(DNSDropReason)
    /// Upstream set TC: send `query` again over TCP and feed that reply in.
    case retryOverTCP(query: [UInt8], upstreamID: UInt16)
    case reply(DNSClientReply)
}

/// Counters for packets that produce no event.
public struct DNSProxyCounters: Sendable, Equatable {
    public var malformedQueries = 0
    public var droppedQueries = 0
    public var malformedReplies = 0
    public var droppedReplies = 0
    public var forwarded = 0
    public var denied = 0
    public var expired = 0
    public init() {}
}

/// One query to (re)send to upstream number `upstream`, under `upstreamID`.
public struct DNSUpstreamAttempt: Sendable, Equatable {
    public var query: [UInt8]
    public var upstream: Int
    public var upstreamID: UInt16
}

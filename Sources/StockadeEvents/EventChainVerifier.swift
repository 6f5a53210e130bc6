/// What `EventChainVerifier` found wrong: the first line that is not what
/// the supervisor wrote.
public struct EventChainFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// The file holds no lines at all.
        case empty
        /// The last line has no newline: the file was cut mid-line.
        case incompleteLine
        /// Not a JSON object, or a common field is missing or of the wrong kind.
        case malformed(String)
        /// A sandbox's first line does not have `seq` 0: lines before it were removed.
        case missingStart(seq: Int64)
        /// `seq` is not the one after the previous line's: a line was removed,
        /// or lines were reordered or duplicated.
        case seqOutOfOrder(expected: Int64, found: Int64)
        /// This line's bytes do not hash to the next line's `prev` (or, for the
        /// first line, its `prev` is not the genesis digest): it was edited.
        case edited(detail: String)
        /// A line after the sandbox's `sandbox.end`.
        case afterEnd
        /// The log ends before the sandbox's `sandbox.end`.
        case missingEnd(lastSeq: Int64)
        /// `sandbox.end` has no `chain`, or it is not the last field.
        case missingChain
    }

    /// 1-based line number in the file.
    public var line: Int
    /// The sandbox the line belongs to, when it could be read.
    public var sandbox: String?
    public var problem: Problem

    public init(line: Int, sandbox: String?, problem: Problem) {
        self.line = line
        self.sandbox = sandbox
        self.problem = problem
    }

    public var description: String {
        let who = sandbox.map { " of sandbox \($0)" } ?? ""
        switch problem {
        case .empty:
            return "line \(line): the log is empty"
        case .incompleteLine:
            return "line \(line): no newline at the end: the log was cut mid-line"
        case let .malformed(why):
            return "line \(line): not an event line: \(why)"
        case let .missingStart(seq):
            return "line \(line): the first event\(who) has seq \(seq), not 0: earlier lines were removed"
        case let .seqOutOfOrder(expected, found):
            return found > expected
                ? "line \(line): seq \(found) where \(expected) was expected: a line\(who) was removed before this one, or lines were reordered"
                : "line \(line): seq \(found) where \(expected) was expected: lines\(who) were reordered or duplicated"
        case let .edited(detail):
            return "line \(line): edited: \(detail)"
        case .afterEnd:
            return "line \(line): after the sandbox.end\(who): appended to a finished log"
        case let .missingEnd(lastSeq):
            return "line \(line): the log ends after seq \(lastSeq) without sandbox.end\(who): lines were removed from the end"
        case .missingChain:
            return "line \(line): sandbox.end\(who) does not end with a \"chain\" field"
        }
    }
}

/// One sandbox's log, verified.
public struct VerifiedSandboxLog: Equatable, Sendable {
    public var sandbox: String
    public var events: Int
    /// 1-based line numbers of its first and last (`sandbox.end`) lines.
    public var firstLine: Int
    public var lastLine: Int
    public var exitReason: String?
    public var exitStatus: Int64?
    /// The `chain` of its `sandbox.end`: the value to keep elsewhere.
    public var chain: String
    /// SHA-256 of all its lines, each followed by `\n` (for a file holding only
    /// this sandbox, what `sha256sum` prints).
    public var fileDigest: String
}

/// A log whose every chain holds.
public struct EventChainReport: Equatable, Sendable {
    public var lines: Int
    /// In the order their first lines appear.
    public var sandboxes: [VerifiedSandboxLog]
}

/// Checks a JSON-lines event log against its hash chain (see `EventChain`).
///
/// Pure: bytes in, a typed result out. Lines are grouped by `sandbox`, since
/// several supervisors may append to one file; each sandbox's lines must
/// have `seq` 0, 1, 2, … in file order, link by `prev`, and end with a
/// `sandbox.end` whose `chain` matches, with nothing of that sandbox after
/// it. The failure reported is the one at the lowest line number.
public enum EventChainVerifier {
    public static func verify(_ bytes: [UInt8]) -> Result<EventChainReport, EventChainFailure> {
        guard !bytes.isEmpty else { return .failure(EventChainFailure(line: 1, sandbox: nil, problem: .empty)) }
        var rawLines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        var failures: [EventChainFailure] = []
        if rawLines.last?.isEmpty == true {
            rawLines.removeLast()
        } else {
            failures.append(EventChainFailure(line: rawLines.count, sandbox: nil, problem: .incompleteLine))
        }

        var order: [String] = []
        var groups: [String: [Record]] = [:]
        for (index, raw) in rawLines.enumerated() {
            switch Record.parse(raw, line: index + 1) {
            case let .success(record):
                if groups[record.sandbox] == nil { order.append(record.sandbox) }
                groups[record.sandbox, default: []].append(record)
            case let .failure(failure):
                failures.append(failure)
            }
        }
        var verified: [VerifiedSandboxLog] = []
        for id in order {
            switch verifySandbox(id, groups[id]!, totalLines: rawLines.count) {
            case let .success(log): verified.append(log)
            case let .failure(failure): failures.append(failure)
            }
        }
        if let first = failures.min(by: { $0.line < $1.line }) { return .failure(first) }
        return .success(EventChainReport(lines: rawLines.count, sandboxes: verified))
    }

    /// One parsed line: what the chain needs from it.
    struct Record {
        var line: Int
        var bytes: [UInt8]
        var sandbox: String
        var seq: Int64
        var type: String
        var prev: String
        var object: JSONObject

        static func parse(_ raw: [UInt8], line: Int) -> Result<Record, EventChainFailure> {
            func malformed(_ why: String) -> Result<Record, EventChainFailure> {
                .failure(EventChainFailure(line: line, sandbox: nil, problem: .malformed(why)))
            }
            guard !raw.isEmpty else { return malformed("empty line") }
            let object: JSONObject
            do {
                guard case let .object(o) = try JSONParser().parse(bytes: raw) else { return malformed("not a JSON object") }
                object = o
            } catch {
                return malformed("\(error)")
            }
            guard let sandbox = object["sandbox"]?.stringValue else { return malformed("no string \"sandbox\"") }
            guard let seq = object["seq"]?.int64Value else { return malformed("no integer \"seq\"") }
            guard let type = object["type"]?.stringValue else { return malformed("no string \"type\"") }
            guard let prev = object[EventChain.prevKey]?.stringValue else { return malformed("no string \"prev\"") }
            return .success(Record(line: line, bytes: raw, sandbox: sandbox, seq: seq, type: type, prev: prev, object: object))
        }
    }

    static func verifySandbox(_ id: String, _ records: [Record], totalLines: Int) -> Result<VerifiedSandboxLog, EventChainFailure> {
        func fail(_ line: Int, _ problem: EventChainFailure.Problem) -> Result<VerifiedSandboxLog, EventChainFailure> {
            .failure(EventChainFailure(line: line, sandbox: id, problem: problem))
        }
        var chain = EventChain(sandboxId: id)
        var end: Record?
        for (i, record) in records.enumerated() {
            if end != nil { return fail(record.line, .afterEnd) }
            if record.seq != Int64(i) {
                return i == 0 ? fail(record.line, .missingStart(seq: record.seq))
                    : fail(record.line, .seqOutOfOrder(expected: Int64(i), found: record.seq))
            }
            if record.prev != chain.prev {
                guard i > 0 else {
                    return fail(record.line, .edited(detail: "its prev is not the SHA-256 of \"\(EventChain.genesis(sandboxId: id))\""))
                }
                // Either the previous line was edited, or this line's own
                // `prev` was. In the second case this line no longer hashes
                // to the next line's `prev` either.
                let previous = records[i - 1]
                let thisLineChanged = i + 1 < records.count
                    && records[i + 1].seq == Int64(i + 1)
                    && records[i + 1].prev != EventChain.digest(line: record.bytes)
                if thisLineChanged {
                    return fail(record.line, .edited(detail: "its prev does not match line \(previous.line), and it does not match the prev of line \(records[i + 1].line)"))
                }
                return fail(previous.line, .edited(detail: "its SHA-256 does not match the prev of line \(record.line)"))
            }
            if record.type == EventType.sandboxEnd.rawValue {
                guard let covered = EventChain.coveredPrefix(ofEndLine: record.bytes),
                      let stated = record.object[EventChain.chainKey]?.stringValue
                else { return fail(record.line, .missingChain) }
                if chain.chainValue(coveredPrefix: covered) != stated {
                    return fail(record.line, .edited(detail: "its chain does not match the log up to and including this line"))
                }
                end = record
            } else if record.object[EventChain.chainKey] != nil {
                return fail(record.line, .edited(detail: "it carries a chain but is not sandbox.end"))
            }
            chain.append(line: record.bytes)
        }
        guard let end else {
            let last = records.last!
            return fail(totalLines + 1, .missingEnd(lastSeq: last.seq))
        }
        return .success(VerifiedSandboxLog(
            sandbox: id, events: records.count, firstLine: records[0].line, lastLine: end.line,
            exitReason: end.object["exit_reason"]?.stringValue, exitStatus: end.object["exit_status"]?.int64Value,
            chain: end.object[EventChain.chainKey]?.stringValue ?? "", fileDigest: chain.fileDigest))
    }
}

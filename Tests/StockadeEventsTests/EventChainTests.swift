import Glibc
import Testing
@testable import StockadeEvents

/// The hash chain as written by `EventLog`, and `EventChainVerifier`
/// finding each kind of tampering at the right line.
@Suite struct EventChainTests {
    /// A six-line log: start, ready, two denials, timeout, end.
    static func writeLog(sandboxId: String = "sbx-1", secrets: [String] = []) throws -> [UInt8] {
        let tmp = TempPath()
        defer { tmp.remove() }
        let log = try EventLog(sink: .file(tmp.path), sandboxId: sandboxId, actor: "ci/job-7", secrets: secrets, clock: fixedClock)
        for type: EventType in [.sandboxStart, .sandboxReady, .syscallDenied, .syscallDenied, .timeout, .sandboxEnd] {
            log.emit(type, SampleEvents.fields(for: type))
        }
        log.close()
        return Array(tmp.read().utf8)
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func join(_ lines: [String]) -> [UInt8] {
        Array(lines.map { $0 + "\n" }.joined().utf8)
    }

    static func failure(_ bytes: [UInt8]) -> EventChainFailure? {
        if case let .failure(f) = EventChainVerifier.verify(bytes) { return f }
        return nil
    }

    @Test func untouchedLogPasses() throws {
        let bytes = try Self.writeLog()
        let report = try EventChainVerifier.verify(bytes).get()
        #expect(report.lines == 6)
        let log = try #require(report.sandboxes.first)
        #expect(report.sandboxes.count == 1)
        #expect(log.sandbox == "sbx-1")
        #expect(log.events == 6 && log.firstLine == 1 && log.lastLine == 6)
        #expect(log.exitReason == "signal" && log.exitStatus == 137)
        #expect(log.fileDigest == SHA256.hex(bytes))
        // The documented definition, computed independently: the file minus
        // `"chain":"<64 hex>"}` and the newline.
        #expect(log.chain == SHA256.hex(bytes.dropLast(#""chain":""#.utf8.count + 64 + 3)))
        #expect(EventChain.isDigest(log.chain))
    }

    @Test func linksAreTheHashOfThePreviousLine() throws {
        let lines = Self.lines(try Self.writeLog())
        let first = try JSONParser().parseObject(lines[0])
        #expect(first["prev"]?.stringValue == SHA256.hex(Array("stockade-events-v1:sbx-1".utf8)))
        for i in 1..<lines.count {
            let line = try JSONParser().parseObject(lines[i])
            #expect(line["prev"]?.stringValue == SHA256.hex(Array(lines[i - 1].utf8)))
            #expect(line.keys[6] == "prev")
        }
        #expect(try JSONParser().parseObject(lines[5]).keys.last == "chain")
    }

    @Test func editedByteIsNamed() throws {
        var lines = Self.lines(try Self.writeLog())
        lines[2] = lines[2].replacingFirst("ptrace", with: "ptracf")
        let f = try #require(Self.failure(Self.join(lines)))
        #expect(f.line == 3)
        #expect(f.description.hasPrefix("line 3: edited"))
    }

    @Test func editedPrevIsNamedOnItsOwnLine() throws {
        var lines = Self.lines(try Self.writeLog())
        let prev = try #require(try JSONParser().parseObject(lines[3])["prev"]?.stringValue)
        lines[3] = lines[3].replacingFirst(prev, with: String(repeating: "0", count: 64))
        #expect(Self.failure(Self.join(lines))?.line == 4)
    }

    @Test func deletedLineIsNamed() throws {
        var lines = Self.lines(try Self.writeLog())
        lines.remove(at: 2)
        let f = try #require(Self.failure(Self.join(lines)))
        #expect(f.line == 3)
        #expect(f.problem == .seqOutOfOrder(expected: 2, found: 3))
        var headless = Self.lines(try Self.writeLog())
        headless.removeFirst()
        #expect(Self.failure(Self.join(headless)) == EventChainFailure(line: 1, sandbox: "sbx-1", problem: .missingStart(seq: 1)))
    }

    @Test func swappedLinesAreNamed() throws {
        var lines = Self.lines(try Self.writeLog())
        lines.swapAt(2, 3)
        #expect(Self.failure(Self.join(lines))?.line == 3)
    }

    @Test func truncatedEndIsNamed() throws {
        let bytes = try Self.writeLog()
        var lines = Self.lines(bytes)
        lines.removeLast()
        #expect(Self.failure(Self.join(lines)) == EventChainFailure(line: 6, sandbox: "sbx-1", problem: .missingEnd(lastSeq: 4)))
        // Cut mid-line: the last line has no newline.
        #expect(Self.failure(Array(bytes.dropLast(10))) == EventChainFailure(line: 6, sandbox: nil, problem: .incompleteLine))
        #expect(Self.failure([]) == EventChainFailure(line: 1, sandbox: nil, problem: .empty))
    }

    @Test func appendedLineIsNamedEvenWithAValidLink() throws {
        var lines = Self.lines(try Self.writeLog())
        let log = try EventLog(sink: .none, sandboxId: "sbx-1", actor: "ci/job-7", clock: fixedClock)
        lines.append(log.render(.sandboxWarning, ["code": "x", "message": "y"], seq: 6, at: fixedClock(),
                                prev: SHA256.hex(Array(lines[5].utf8))))
        let f = try #require(Self.failure(Self.join(lines)))
        #expect(f == EventChainFailure(line: 7, sandbox: "sbx-1", problem: .afterEnd))
        #expect(f.description == "line 7: after the sandbox.end of sandbox sbx-1: appended to a finished log")
    }

    @Test func forgedLineWithRecomputedPrevIsCaughtByTheNextLine() throws {
        var lines = Self.lines(try Self.writeLog())
        let log = try EventLog(sink: .none, sandboxId: "sbx-1", actor: "ci/job-7", clock: fixedClock)
        lines[2] = log.render(.sandboxWarning, ["code": "benign", "message": "nothing happened"], seq: 2, at: fixedClock(),
                              prev: SHA256.hex(Array(lines[1].utf8)))
        let f = try #require(Self.failure(Self.join(lines)))
        #expect(f.line == 3)
        #expect(f.description == "line 3: edited: its SHA-256 does not match the prev of line 4")
    }

    @Test func editedEndIsCaughtByItsChain() throws {
        var lines = Self.lines(try Self.writeLog())
        lines[5] = lines[5].replacingFirst(#""exit_status":137"#, with: #""exit_status":0"#)
        #expect(Self.failure(Self.join(lines))?.line == 6)
        var chainless = Self.lines(try Self.writeLog())
        chainless[5] = String(chainless[5].prefix(while: { $0 != "," })) + "}"
        #expect(Self.failure(Self.join(chainless))?.line == 6)
    }

    @Test func malformedLineIsNamed() throws {
        var lines = Self.lines(try Self.writeLog())
        lines.insert("not json", at: 4)
        #expect(Self.failure(Self.join(lines))?.line == 5)
        var blank = Self.lines(try Self.writeLog())
        blank.insert("", at: 1)
        #expect(Self.failure(Self.join(blank))?.problem == .malformed("empty line"))
    }

    @Test func renamedSandboxBreaksTheGenesis() throws {
        let lines = Self.lines(try Self.writeLog()).map { $0.replacingFirst(#""sandbox":"sbx-1""#, with: #""sandbox":"sbx-2""#) }
        #expect(Self.failure(Self.join(lines))?.line == 1)
    }

    @Test func interleavedSandboxesAreCheckedSeparately() throws {
        let a = Self.lines(try Self.writeLog(sandboxId: "a"))
        let b = Self.lines(try Self.writeLog(sandboxId: "b"))
        var mixed: [String] = []
        for i in 0..<6 { mixed += [a[i], b[i]] }
        let report = try EventChainVerifier.verify(Self.join(mixed)).get()
        #expect(report.sandboxes.map(\.sandbox) == ["a", "b"])
        #expect(report.sandboxes.map(\.lastLine) == [11, 12])
        mixed.remove(at: 5)  // b's seq 2
        #expect(Self.failure(Self.join(mixed)) == EventChainFailure(line: 7, sandbox: "b", problem: .seqOutOfOrder(expected: 2, found: 3)))
    }

    @Test func suppressedEventsStayOutOfTheChain() throws {
        let tmp = TempPath()
        defer { tmp.remove() }
        let log = try EventLog(sink: .file(tmp.path), sandboxId: "s", actor: "a", rateCaps: [.syscallDenied: 1], clock: fixedClock)
        for _ in 0..<5 { log.emit(.syscallDenied, SampleEvents.fields(for: .syscallDenied)) }
        log.emit(.sandboxEnd, SampleEvents.fields(for: .sandboxEnd))
        log.emit(.syscallDenied, SampleEvents.fields(for: .syscallDenied))
        log.close()
        let report = try EventChainVerifier.verify(Array(tmp.read().utf8)).get()
        #expect(report.sandboxes.first?.events == 3)  // denial, events.suppressed, end
    }

    /// A secret that happens to occur in a hash must not be redacted out of it.
    @Test func hashesAreNeverRedacted() throws {
        let genesis = SHA256.hex(Array("stockade-events-v1:sbx-1".utf8))
        let secret = String(genesis.prefix(12))
        let bytes = try Self.writeLog(secrets: [secret])
        #expect(String(decoding: bytes, as: UTF8.self).contains(genesis))
        #expect(throws: Never.self) { try EventChainVerifier.verify(bytes).get() }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}

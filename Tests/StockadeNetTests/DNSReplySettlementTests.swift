import StockadeAddress
import Testing
@testable import StockadeNet

/// Settling several upstream answers at once: one insertion batch, and
/// SERVFAIL only for the answers whose own insertions fail.
@Suite struct DNSReplySettlementTests {
    static func reply(_ tag: UInt8, _ inserts: [(String, UInt32)], name qname: String = "a.example") -> DNSClientReply {
        let client = DNSClient(transport: .udp, address: IPAddress("10.0.0.2")!, port: 5353)
        let record = DNSQueryRecord(name: name("a.example"), queryType: .a, client: client, decision: .allow)
        return DNSClientReply(
            client: client,
            insertions: inserts.map {
                DNSSetInsertion(address: IPAddress($0.0)!, ports: [443], timeoutSeconds: $0.1, name: name(qname))
            },
            bytes: [tag], failureBytes: [0xFF, tag], record: record)
    }

    @Test func oneBatchForAllAnswersWithDuplicatesMerged() {
        let replies = [
            Self.reply(1, [("1.1.1.1", 60)]),
            Self.reply(2, []),
            Self.reply(3, [("1.1.1.1", 300), ("2.2.2.2", 30)]),
        ]
        var calls: [[DNSSetInsertion]] = []
        let out = DNSReplySettlement.settle(replies) { calls.append($0); return true }
        #expect(out.map(\.bytes) == [[1], [2], [3]])
        #expect(calls.count == 1)
        #expect(calls[0].map(\.address) == [IPAddress("1.1.1.1")!, IPAddress("2.2.2.2")!])
        #expect(calls[0].map(\.timeoutSeconds) == [300, 30])
    }

    @Test func nothingToInsertMeansNoRoundTrip() {
        var calls = 0
        let out = DNSReplySettlement.settle([Self.reply(1, []), Self.reply(2, [])]) { _ in calls += 1; return true }
        #expect(out.map(\.bytes) == [[1], [2]])
        #expect(calls == 0)
    }

    @Test func aFailedBatchIsRetriedPerAnswerAndOnlyTheBadOneFails() {
        let replies = [Self.reply(1, [("1.1.1.1", 60)]), Self.reply(2, [("9.9.9.9", 60)]), Self.reply(3, [])]
        var calls = 0
        let out = DNSReplySettlement.settle(replies) { ins in
            calls += 1
            return !ins.contains { $0.address == IPAddress("9.9.9.9")! }
        }
        #expect(out.map(\.bytes) == [[1], [0xFF, 2], [3]])
        #expect(out.map(\.failed) == [false, true, false])
        #expect(calls == 3)  // the batch, then each answer with insertions
    }

    @Test func aLoneFailingAnswerIsNotTriedTwice() {
        var calls = 0
        let out = DNSReplySettlement.settle([Self.reply(1, [("1.1.1.1", 60)]), Self.reply(2, [])]) { _ in
            calls += 1
            return false
        }
        #expect(out.map(\.bytes) == [[0xFF, 1], [2]])
        #expect(calls == 1)
    }

    /// Two allowed names answered with one CDN address in one wake-up:
    /// each name keeps its own insertion, so both are bound and the relay
    /// accepts either name on that address.
    @Test func twoNamesOnOneAddressAreBothInserted() {
        let replies = [
            Self.reply(1, [("1.1.1.1", 60)], name: "a.example"),
            Self.reply(2, [("1.1.1.1", 300)], name: "b.example"),
            Self.reply(3, [("1.1.1.1", 120)], name: "A.example"),
        ]
        var calls: [[DNSSetInsertion]] = []
        let out = DNSReplySettlement.settle(replies) { calls.append($0); return true }
        #expect(out.map(\.failed) == [false, false, false])
        #expect(calls.count == 1)
        #expect(calls[0].map(\.name) == [name("a.example"), name("b.example")])  // names compare case-folded
        #expect(calls[0].map(\.timeoutSeconds) == [120, 300])
    }

    @Test func aFailedReplysRecordCarriesNoAnswers() {
        var record = Self.reply(1, [("1.1.1.1", 60)]).record
        record.addresses = [IPAddress("1.1.1.1")!]
        record.observed = [IPAddress("1.1.1.1")!]
        let failed = DNSReplySettlement.failedRecord(record)
        #expect(failed.decision == .deny && failed.reason == .allowSetFailed && failed.responseCode == .servFail)
        #expect(failed.addresses.isEmpty && failed.observed.isEmpty)
    }
}

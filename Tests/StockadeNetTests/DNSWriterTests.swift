import Testing
@testable import StockadeNet

/// Name compression: the same output whether the writer searches its
/// suffixes linearly (few names) or through its table (many).
@Suite struct DNSWriterTests {
    static func message(names count: Int) -> DNSMessage {
        var m = DNSMessage(header: DNSHeader(id: 9, isResponse: true), questions: [DNSQuestion(name: name("Q.Example.org"), type: .a)])
        for i in 0..<count {
            m.answers.append(aRecord("h\(i).Example.org", "192.0.2.\(i % 250 + 1)"))
            m.answers.append(cnameRecord("c\(i).example.org", "h\(i).Example.org"))
        }
        return m
    }

    @Test(arguments: [1, 5, 40, 300])
    func roundTripsAndPointsAtEarlierSuffixes(count: Int) throws {
        let m = Self.message(names: count)
        let bytes = try m.serialize()
        let back = try DNSMessage.parse(bytes)
        #expect(back.answers.count == m.answers.count)
        // Case is kept exactly: compression only reuses identical bytes.
        #expect(back.questions[0].name.labels == m.questions[0].name.labels)
        for (a, b) in zip(back.answers, m.answers) {
            #expect(a.name.labels == b.name.labels)
            #expect(a.data == b.data)
        }
        // "Example.org" is written once; "example.org" (other case) once more.
        let plain = Array("Example".utf8)
        let written = (0..<(bytes.count - plain.count)).filter { Array(bytes[$0..<$0 + plain.count]) == plain }
        #expect(written.count == 1)
    }
}

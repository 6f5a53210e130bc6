import Testing
@testable import StockadeNet

@Suite struct DNSFramingTests {
    @Test func framesAndReassemblesAcrossArbitrarySplits() throws {
        let messages = Packets.all + [[]]
        var stream: [UInt8] = []
        for m in messages { stream += try DNSTCPFraming.frame(m) }
        for chunk in [1, 2, 3, 7, 64, stream.count] {
            var deframer = DNSTCPDeframer()
            var out: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                deframer.append(stream[i..<min(i + chunk, stream.count)])
                while let m = deframer.next() { out.append(m) }
                i += chunk
            }
            #expect(out == messages)
            #expect(deframer.bufferedCount == 0)
        }
    }

    @Test func waitsForTheWholeMessage() {
        var d = DNSTCPDeframer()
        d.append([0x00])
        #expect(d.next() == nil)
        d.append([0x03, 0xAA, 0xBB])
        #expect(d.next() == nil)
        d.append([0xCC, 0x00])
        #expect(d.next() == [0xAA, 0xBB, 0xCC])
        #expect(d.bufferedCount == 1)
    }

    @Test func refusesOversizedMessages() {
        #expect(throws: DNSTCPFraming.FramingError.messageTooLarge(size: 65536)) {
            try DNSTCPFraming.frame([UInt8](repeating: 0, count: 65536))
        }
    }
}

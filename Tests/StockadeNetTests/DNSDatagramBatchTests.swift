import Glibc
import StockadeAddress
import Testing
@testable import StockadeNet

/// recvmmsg/sendmmsg batches over loopback (no packet leaves 127.0.0.1).
@Suite struct DNSDatagramBatchTests {
    static let loopback = IPAddress("127.0.0.1")!

    @Test func batchesCarryEveryDatagramAndAShortBatchMeansDrained() throws {
        let receiver = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(receiver) }
        let sender = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(sender) }
        let to = try #require(DNSSocket.localEndpoint(receiver))
        var outbox = DNSDatagramOutbox()
        for i in 0..<40 { outbox.append([UInt8](repeating: UInt8(i), count: i + 1), to: to) }
        #expect(outbox.flush(sender) == 40)
        #expect(outbox.isEmpty)

        let batch = DNSDatagramReceiver(slots: 16)
        var got: [[UInt8]] = []
        var counts: [Int] = []
        while true {
            let n = batch.receive(receiver)
            counts.append(n)
            for i in 0..<n {
                got.append(try #require(batch.bytes(i)))
                #expect(batch.sender(i) == DNSSocket.localEndpoint(sender))
            }
            if n < batch.slotCount { break }
        }
        #expect(counts == [16, 16, 8])
        #expect(got == (0..<40).map { [UInt8](repeating: UInt8($0), count: $0 + 1) })
        #expect(batch.receive(receiver) == 0)
    }

    @Test func connectedSocketSendsWithoutAnAddress() throws {
        let receiver = try DNSSocket.listener(DNSEndpoint(address: Self.loopback, port: 0), tcp: false)
        defer { close(receiver) }
        let sender = try DNSSocket.connected(try #require(DNSSocket.localEndpoint(receiver)), tcp: false)
        defer { close(sender) }
        var outbox = DNSDatagramOutbox()
        outbox.append([1, 2, 3], to: nil)
        outbox.append([4], to: nil)
        #expect(outbox.flush(sender) == 2)
        let batch = DNSDatagramReceiver(slots: 4)
        #expect(batch.receive(receiver) == 2)
        #expect(batch.bytes(0) == [1, 2, 3] && batch.bytes(1) == [4])
    }
}

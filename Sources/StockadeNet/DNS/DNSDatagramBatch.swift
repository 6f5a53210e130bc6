import CStockadeSys
import Glibc
import StockadeAddress

/// Receives many datagrams with one `recvmmsg(2)`.
///
/// The proxy's single thread used to spend a `recvfrom` per datagram plus
/// one more ending in EAGAIN per drain; a batch reads everything queued in
/// one call, and a short batch shows the queue is empty without that extra
/// call. Slots are full-size (65,535 bytes) so nothing a lone `recvfrom`
/// would have read whole gets truncated; pages no datagram reaches are
/// never touched.
final class DNSDatagramReceiver {
    static let slotSize = 65535
    let slotCount: Int
    private let storage: UnsafeMutableRawPointer
    private let slots: UnsafeMutablePointer<stk_datagram>

    init(slots count: Int = 32) {
        slotCount = min(max(1, count), Int(STK_DATAGRAM_BATCH_MAX))
        storage = UnsafeMutableRawPointer.allocate(byteCount: slotCount * Self.slotSize, alignment: 16)
        slots = UnsafeMutablePointer<stk_datagram>.allocate(capacity: slotCount)
        slots.initialize(repeating: stk_datagram(), count: slotCount)
        for i in 0..<slotCount {
            slots[i].data = storage.advanced(by: i * Self.slotSize).assumingMemoryBound(to: UInt8.self)
            slots[i].capacity = UInt32(Self.slotSize)
        }
    }

    deinit {
        slots.deinitialize(count: slotCount)
        slots.deallocate()
        storage.deallocate()
    }

    /// Reads what is queued on `fd`, at most `slotCount`; 0 when nothing
    /// is (or on an error, which the next poll reports again).
    func receive(_ fd: Int32) -> Int {
        let n = stk_receive_datagrams(fd, slots, UInt32(slotCount))
        return n > 0 ? Int(n) : 0
    }

    /// Datagram `i` of the last `receive`, copied out; nil if it was truncated.
    func bytes(_ i: Int) -> [UInt8]? {
        guard slots[i].truncated == 0 else { return nil }
        return Array(UnsafeRawBufferPointer(start: slots[i].data, count: Int(slots[i].length)))
    }

    /// The sender of datagram `i` (nil for a family the proxy does not speak).
    func sender(_ i: Int) -> DNSEndpoint? {
        guard slots[i].address_length > 0 else { return nil }
        return DNSEndpoint(storage: slots[i].address)
    }
}

/// Datagrams queued for one socket, sent with one `sendmmsg(2)` by `flush`.
///
/// Bytes are copied into one arena when queued, so the slots can point into
/// it for the duration of the call.
struct DNSDatagramOutbox {
    private var arena: [UInt8] = []
    private var entries: [(offset: Int, length: Int, to: DNSEndpoint?)] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The errno of the last `flush` that did not send everything (0 when
    /// all went): on a connected socket, ECONNREFUSED reports a dead peer.
    private(set) var lastError: Int32 = 0

    /// Queues `bytes` for `to` (nil: the socket's connected peer).
    mutating func append(_ bytes: [UInt8], to endpoint: DNSEndpoint?) {
        entries.append((arena.count, bytes.count, endpoint))
        arena.append(contentsOf: bytes)
    }

    /// Sends everything queued on `fd` and empties the outbox. Datagrams the
    /// kernel refuses are lost, as a failed `sendto` would lose them.
    /// Returns how many the kernel accepted.
    @discardableResult
    mutating func flush(_ fd: Int32) -> Int {
        lastError = 0
        guard !entries.isEmpty else { return 0 }
        defer {
            arena.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
        }
        var slots = [stk_datagram](repeating: stk_datagram(), count: entries.count)
        return arena.withUnsafeMutableBufferPointer { raw in
            for (i, e) in entries.enumerated() {
                slots[i].data = raw.baseAddress.map { $0 + e.offset }
                slots[i].length = UInt32(e.length)
                if let to = e.to {
                    to.withSockaddr { address, length in
                        withUnsafeMutableBytes(of: &slots[i].address) { dst in
                            dst.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
                        }
                        slots[i].address_length = UInt32(length)
                    }
                }
            }
            var firstErrno: Int32 = 0
            let sent = Int(stk_send_datagrams(fd, slots, UInt32(slots.count), &firstErrno))
            lastError = sent < slots.count ? firstErrno : 0
            return sent
        }
    }
}

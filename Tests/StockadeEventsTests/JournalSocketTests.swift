import Foundation
import Testing
import StockadeTestSupport
@testable import StockadeEvents

/// The journal transport against a test-owned socket (never the host's journal).
@Suite("Journal socket")
struct JournalSocketTests {
    /// Binds a datagram socket in a fresh temp path.
    func listener() -> (fd: Int32, path: String) {
        let path = NSTemporaryDirectory() + "stk-j-\(UUID().uuidString.prefix(8)).sock"
        return (boundDatagramSocket(at: path), path)
    }

    /// One datagram: its bytes and the descriptor it carried, if any.
    func receive(_ fd: Int32) -> (data: [UInt8], passed: Int32?) {
        var buf = [UInt8](repeating: 0, count: 65536)
        var control = [UInt8](repeating: 0, count: 64)
        var passed: Int32? = nil
        let n = buf.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { cbuf in
                var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = cbuf.baseAddress
                    msg.msg_controllen = cbuf.count
                    let n = recvmsg(fd, &msg, Int32(MSG_DONTWAIT | MSG_CMSG_CLOEXEC))
                    if n >= 0, msg.msg_controllen > 0, cbuf.load(as: cmsghdr.self).cmsg_type == Int32(SCM_RIGHTS) {
                        passed = cbuf.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                    }
                    return n
                }
            }
        }
        return (n > 0 ? Array(buf[0..<n]) : [], passed)
    }

    @Test func datagramCarriesTheEntry() throws {
        let (fd, path) = listener()
        defer { close(fd); unlink(path) }
        let socket = try JournalSocket(path: path)
        defer { socket.close() }
        try socket.send(Array("MESSAGE=hi\n".utf8))
        #expect(receive(fd).data == Array("MESSAGE=hi\n".utf8))
    }

    @Test func memfdFormPassesASealedDescriptor() throws {
        let (fd, path) = listener()
        defer { close(fd); unlink(path) }
        let socket = try JournalSocket(path: path)
        defer { socket.close() }
        let entry = JournalEncoding.encode([("MESSAGE", String(repeating: "y", count: 300_000))])
        #expect(socket.sendThroughMemfd(entry) == 0)
        let got = receive(fd)
        #expect(got.data.isEmpty)
        let passed = try #require(got.passed)
        defer { close(passed) }
        // F_GET_SEALS (1034): shrink, grow, write and seal itself are all set.
        #expect(fcntl(passed, 1034) == 0xF)
        var content = [UInt8](repeating: 0, count: entry.count + 1)
        #expect(pread(passed, &content, content.count, 0) == entry.count)
        #expect(Array(content[0..<entry.count]) == entry)
    }

    @Test func missingSocketIsAnOpenError() {
        #expect(throws: EventSinkError.self) { try JournalSocket(path: "/nonexistent-stockade/journal.sock") }
    }
}

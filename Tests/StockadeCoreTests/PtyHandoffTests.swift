import Foundation
import Testing
import CStockadeSys
@testable import StockadeCore

/// The supervisor takes only a real pty master from the init.
@Suite("pty handoff")
struct PtyHandoffTests {
    @Test func aPtyMasterPassesAndItsSlaveAPipeAndAFileDoNot() throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0, "no pty available here: errno \(errno)")
        defer { close(master) }
        #expect(PtyHandoff.refusal(of: master) == nil)

        // Its slave: unlocked with TIOCSPTLCK (_IOW('T', 0x31, int), a
        // macro Swift cannot import), opened by number.
        let number = stk_pty_number(master)
        try #require(number >= 0)
        var unlock: Int32 = 0
        #expect(ioctl(master, 0x4004_5431, &unlock) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0, "cannot open /dev/pts/\(number): errno \(errno)")
        defer { close(slave) }
        // The slave is a terminal too (isatty), but not the master end.
        #expect(isatty(slave) == 1)
        #expect(PtyHandoff.refusal(of: slave) != nil)

        var p: [Int32] = [-1, -1]
        try #require(pipe(&p) == 0)
        defer { close(p[0]); close(p[1]) }
        #expect(PtyHandoff.refusal(of: p[0]) == ENOTTY)

        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        try #require(null >= 0)
        defer { close(null) }
        #expect(PtyHandoff.refusal(of: null) == ENOTTY)
        #expect(PtyHandoff.refusal(of: -1) == EBADF)
    }
}

import Foundation
import Glibc
import Testing
@testable import StockadeCgroups

/// The owner lock is a plain flock on each directory, so any directory shows it.
@Suite("Cgroup owner locks")
struct OwnerLockTests {
    @Test func heldWhileOpenGoneWhenClosed() throws {
        let base = NSTemporaryDirectory() + "stockade-ownerlock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base + "/memory", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/pids", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cg = SandboxCgroup(sandboxId: "abc", unified: false,
                               directories: [.memory: base + "/memory", .pids: base + "/pids"])
        #expect(!cg.isOwnerHoldingLock)
        let fds = cg.holdOwnerLocks()
        #expect(fds.count == 2)
        #expect(cg.isOwnerHoldingLock)
        // A janitor that sees only one of the directories still sees the lock.
        #expect(SandboxCgroup(sandboxId: "abc", unified: false, directories: [.pids: base + "/pids"]).isOwnerHoldingLock)
        for fd in fds { close(fd) }
        #expect(!cg.isOwnerHoldingLock)
    }
}

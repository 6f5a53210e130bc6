import Foundation
import Glibc
import Testing
@testable import StockadeNet

/// Allocation logic (pure) and the lease files (in a temporary directory, no root).
struct NetAddressPoolTests {
    let pool = AddressPool(pool: IPv4Subnet("10.201.0.0/28")!, leaseDirectory: "/unused")

    @Test func slotsAreConsecutiveSlash30s() {
        #expect(pool.capacity == 4)
        #expect(pool.slot(0).subnet.description == "10.201.0.0/30")
        #expect(pool.slot(3).subnet.description == "10.201.0.12/30")
        #expect(IPv4Subnet.dotted(pool.slot(1).hostAddress) == "10.201.0.5")
        #expect(IPv4Subnet.dotted(pool.slot(1).sandboxAddress) == "10.201.0.6")
        #expect(AddressPool.defaultPool.description == "10.201.0.0/16")
        #expect(AddressPool().capacity == 16384)
    }

    @Test func choosesFirstFreeOrStale() {
        let alive = LeaseOwner(pid: 10, startTime: 1), dead = LeaseOwner(pid: 11, startTime: 1)
        let isAlive: (LeaseOwner) -> Bool = { $0 == alive }
        #expect(pool.choose(leases: [:], isAlive: isAlive) == pool.slot(0))
        #expect(pool.choose(leases: [pool.slot(0): alive], isAlive: isAlive) == pool.slot(1))
        #expect(pool.choose(leases: [pool.slot(0): alive, pool.slot(1): dead], isAlive: isAlive) == pool.slot(1))
        let unreadable: [AddressLease: LeaseOwner?] = [pool.slot(0): alive, pool.slot(1): LeaseOwner?.none]
        #expect(pool.choose(leases: unreadable, isAlive: isAlive) == pool.slot(1))
        let full = Dictionary(uniqueKeysWithValues: (0..<4).map { (pool.slot($0), Optional(alive)) })
        #expect(pool.choose(leases: full, isAlive: isAlive) == nil)
    }

    /// A host address still on an interface (a just-ended sandbox's veth, which the
    /// kernel removes asynchronously) makes its /30 unusable even without a lease.
    @Test func skipsSubnetsWhoseHostAddressIsStillAssigned() {
        let isAlive: (LeaseOwner) -> Bool = { _ in false }
        let stillThere: Set<UInt32> = [pool.slot(0).hostAddress, pool.slot(1).hostAddress]
        #expect(pool.choose(leases: [:], isAlive: isAlive, addressInUse: { stillThere.contains($0) }) == pool.slot(2))
        let stale: [AddressLease: LeaseOwner?] = [pool.slot(0): LeaseOwner(pid: 11, startTime: 1)]
        #expect(pool.choose(leases: stale, isAlive: isAlive, addressInUse: { stillThere.contains($0) }) == pool.slot(2))
        #expect(pool.choose(leases: [:], isAlive: isAlive, addressInUse: { _ in true }) == nil)
    }

    @Test func fileNamesAndContentsRoundTrip() {
        let lease = pool.slot(2)
        #expect(lease.fileName == "10.201.0.8-30")
        #expect(AddressLease(fileName: "10.201.0.8-30") == lease)
        #expect(AddressLease(fileName: "10.201.0.9-30") == nil)  // not a network address
        #expect(AddressLease(fileName: ".lock") == nil)
        #expect(AddressLease(fileName: "10.201.0.8-30.tmp") == nil)
        let owner = LeaseOwner(pid: 42, startTime: 12345)
        #expect(LeaseOwner(fileContents: owner.fileContents) == owner)
        #expect(LeaseOwner(fileContents: "42") == nil)
        #expect(LeaseOwner.current()?.isAlive == true)
        #expect(LeaseOwner(pid: getpid(), startTime: 1).isAlive == false)
    }

    @Test func leaseFilesAllocateReclaimAndRelease() throws {
        let directory = "/tmp/stockade-leases-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/leases"
        defer { _ = runTool(["rm", "-rf", String(directory.dropLast("/leases".count))]) }
        let pool = AddressPool(pool: IPv4Subnet("10.201.0.0/29")!, leaseDirectory: directory)

        let first = try pool.allocate()
        let second = try pool.allocate()
        #expect(first == pool.slot(0) && second == pool.slot(1))
        #expect(throws: AddressPoolError(step: .exhausted, errno: 0, target: "10.201.0.0/29")) { try pool.allocate() }

        // The owner of `second` "dies": its lease is reclaimed by the next allocation.
        let dead = LeaseOwner(pid: getpid(), startTime: 1)
        let path = "\(directory)/\(second.fileName)"
        try dead.fileContents.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try pool.allocate() == second)
        #expect(readSmallFile(path) == LeaseOwner.current()?.fileContents)

        // Releasing with another owner leaves the file; with ours removes it.
        try pool.release(first, owner: dead)
        #expect(try pool.readLeases()[first] != nil)
        try pool.release(first)
        #expect(try pool.readLeases()[first] == nil)
    }

    @Test func concurrentAllocationsNeverCollide() async throws {
        let directory = "/tmp/stockade-leases-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = runTool(["rm", "-rf", directory]) }
        let pool = AddressPool(pool: IPv4Subnet("10.201.0.0/24")!, leaseDirectory: directory)
        // Every lease names this (living) process, so none may be reclaimed mid-test.
        let leases = try await withThrowingTaskGroup(of: AddressLease.self) { group in
            for _ in 0..<32 {
                group.addTask { try pool.allocate() }
            }
            return try await group.reduce(into: [AddressLease]()) { $0.append($1) }
        }
        #expect(Set(leases).count == 32)
    }
}

import StockadeNet
import Testing
@testable import StockadeCore

@Suite("Registry entries and gc reach")
struct GarbageCollectorTests {
    @Test func entriesReadTheNetworkLineAndOldFilesStillParse() {
        let new = SandboxRegistry.parse(id: "abc", text: "42 1000 my job\nnet 4:4026531840\n")
        #expect(new == SandboxRegistry.Entry(id: "abc", pid: 42, startTicks: 1000, name: "my job",
                                             network: NetworkNamespaceID(device: 4, inode: 4026531840)))
        let old = SandboxRegistry.parse(id: "abc", text: "42 1000 \n")
        #expect(old == SandboxRegistry.Entry(id: "abc", pid: 42, startTicks: 1000, name: nil, network: nil))
        #expect(SandboxRegistry.parse(id: "abc", text: "junk\n") == nil)
        #expect(SandboxRegistry.parse(id: "abc", text: "42 1000 x\nnet nonsense\n")?.network == nil)
    }

    @Test func networkObjectsAreRemovedOnlyFromTheirOwnNamespace() {
        let here = NetworkNamespaceID(device: 4, inode: 1)
        let there = NetworkNamespaceID(device: 4, inode: 2)
        func entry(_ n: NetworkNamespaceID?) -> SandboxRegistry.Entry { .init(id: "x", pid: 1, startTicks: 1, name: nil, network: n) }
        #expect(GarbageCollector.reach(of: entry(here), own: here, exists: { _ in true }) == .here)
        #expect(GarbageCollector.reach(of: entry(nil), own: here, exists: { _ in true }) == .here)
        #expect(GarbageCollector.reach(of: entry(there), own: here, exists: { $0 == there }) == .elsewhere(there))
        #expect(GarbageCollector.reach(of: entry(there), own: here, exists: { _ in false }) == .gone)
    }

    @Test func thisNamespaceExistsAndAMadeUpOneDoesNot() throws {
        let own = try #require(NetworkNamespaceID.current())
        #expect(NetworkNamespaceID.exists(own))
        #expect(!NetworkNamespaceID.exists(NetworkNamespaceID(device: own.device, inode: 1)))
        #expect(NetworkNamespaceID("\(own)") == own)
    }
}

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

    @Test func thisNamespaceTextParsesBack() throws {
        let own = try #require(NetworkNamespaceID.current())
        #expect(NetworkNamespaceID("\(own)") == own)
    }
}

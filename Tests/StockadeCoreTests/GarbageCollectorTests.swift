import Testing
@testable import StockadeCore

@Suite("Registry entries and gc reach")
struct GarbageCollectorTests {
    @Test func entriesParseAndTheOlderNetworkLineIsIgnored() {
        let older = SandboxRegistry.parse(id: "abc", text: "42 1000 my job\nnet 4:4026531840\n")
        #expect(older == SandboxRegistry.Entry(id: "abc", pid: 42, startTicks: 1000, name: "my job"))
        let plain = SandboxRegistry.parse(id: "abc", text: "42 1000 \n")
        #expect(plain == SandboxRegistry.Entry(id: "abc", pid: 42, startTicks: 1000, name: nil))
        #expect(SandboxRegistry.parse(id: "abc", text: "junk\n") == nil)
    }
}

import Testing
@testable import StockadeCore

@Suite("--tty")
struct TTYModeTests {
    @Test func autoReplacesExactlyTheTerminals() {
        #expect(TTYMode.auto.descriptors(isTerminal: [true, true, true]) == [0, 1, 2])
        #expect(TTYMode.auto.descriptors(isTerminal: [true, false, true]) == [0, 2])
        #expect(TTYMode.auto.descriptors(isTerminal: [false, true, false]) == [1])
        #expect(TTYMode.auto.descriptors(isTerminal: [false, false, true]) == [2])
        #expect(TTYMode.auto.descriptors(isTerminal: [false, false, false]).isEmpty)
    }

    @Test func alwaysAndNeverIgnoreTheDescriptors() {
        #expect(TTYMode.always.descriptors(isTerminal: [false, false, false]) == [0, 1, 2])
        #expect(TTYMode.never.descriptors(isTerminal: [true, true, true]).isEmpty)
        #expect(TTYMode(rawValue: "sometimes") == nil)
    }
}

import Testing
@testable import StockadeCore

@Suite("--tty")
struct TTYModeTests {
    @Test func autoWantsAPtyWhenEitherSideIsATerminal() {
        #expect(TTYMode.auto.wantsPty(stdinIsTerminal: true, stdoutIsTerminal: false))
        #expect(TTYMode.auto.wantsPty(stdinIsTerminal: false, stdoutIsTerminal: true))
        #expect(!TTYMode.auto.wantsPty(stdinIsTerminal: false, stdoutIsTerminal: false))
    }

    @Test func alwaysAndNeverIgnoreTheDescriptors() {
        #expect(TTYMode.always.wantsPty(stdinIsTerminal: false, stdoutIsTerminal: false))
        #expect(!TTYMode.never.wantsPty(stdinIsTerminal: true, stdoutIsTerminal: true))
        #expect(TTYMode(rawValue: "sometimes") == nil)
    }
}

import Testing
@testable import StockadeEvents

@Suite("Journal native protocol")
struct JournalEncodingTests {
    @Test func simpleFieldsAreNameEqualsValue() {
        #expect(JournalEncoding.encode([("A", "b"), ("MESSAGE", "hi there")]) == Array("A=b\nMESSAGE=hi there\n".utf8))
    }

    @Test func newlineValuesUseTheLengthPrefixedForm() {
        let bytes = JournalEncoding.encode([("MESSAGE", "a\nb"), ("X", "")])
        let expected: [UInt8] = Array("MESSAGE\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\n".utf8) + Array("X=\n".utf8)
        #expect(bytes == expected)
    }

    @Test func entryCarriesTheLineAndIndexedFields() {
        let line = #"{"v":1,"ts":"2026-01-01T00:00:00.000000Z","sandbox":"abc123","seq":7,"type":"syscall.denied","actor":"ci:42","syscall":"mount","errno":"EPERM"}"#
        let text = String(decoding: JournalEncoding.entry(line: line), as: UTF8.self)
        #expect(text == """
            MESSAGE=syscall.denied sandbox=abc123 syscall=mount errno=EPERM
            PRIORITY=4
            SYSLOG_IDENTIFIER=sandbox-run
            STOCKADE_TYPE=syscall.denied
            STOCKADE_SANDBOX=abc123
            STOCKADE_SEQ=7
            STOCKADE_ACTOR=ci:42
            STOCKADE_EVENT=\(line)

            """)
    }

    @Test func prioritiesFollowSeverity() {
        #expect(JournalEncoding.priority(of: "sandbox.error") == 3)
        for t in ["sandbox.warning", "syscall.denied", "net.denied", "limit.hit", "timeout"] {
            #expect(JournalEncoding.priority(of: t) == 4)
        }
        for t in ["sandbox.start", "sandbox.ready", "sandbox.end", "dns.query", "signal.forwarded"] {
            #expect(JournalEncoding.priority(of: t) == 6)
        }
    }

    @Test func anActorWithANewlineIsLengthPrefixed() {
        let line = #"{"sandbox":"s","seq":0,"type":"sandbox.end","actor":"a\nb","exit_status":0}"#
        let bytes = JournalEncoding.entry(line: line)
        let marker = Array("STOCKADE_ACTOR\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\n".utf8)
        #expect(bytes.indices.contains { i in bytes[i...].starts(with: marker) })
    }

    @Test func sinkSpecParsesJournal() {
        #expect(EventSinkSpec.parse("journal") == .journal)
        #expect(EventSinkSpec.parse("./journal") == .file("./journal"))
        #expect(EventSinkSpec.journal.description == "journal")
    }
}

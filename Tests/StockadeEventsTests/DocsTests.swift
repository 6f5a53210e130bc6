import Glibc
import Testing
@testable import StockadeEvents

/// docs/events.md and docs/exit-status.md must say exactly what the code does.
@Suite struct DocsTests {
    /// The repository root, found from this file's path (Tests/StockadeEventsTests/).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func read(_ relative: String) -> String? {
        let fd = open(root + "/" + relative, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd)
    }

    /// Table rows per section: "common" for "Common fields", else the event type's raw value.
    static func tables(in markdown: String) -> [String: [FlatField]] {
        var result: [String: [FlatField]] = [:]
        var section: String?
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingSpaces
            if line.hasPrefix("#") {
                let title = line.drop(while: { $0 == "#" }).trimmingSpaces
                if title == "Common fields" {
                    section = "common"
                } else if title.hasPrefix("`") && title.hasSuffix("`") && title.count > 2 {
                    section = String(title.dropFirst().dropLast())
                } else {
                    section = nil
                }
                if let s = section, result[s] != nil { Issue.record("section \(s) appears twice") }
                if let s = section { result[s] = [] }
                continue
            }
            guard let s = section, line.hasPrefix("| `") else { continue }
            let cells = line.dropFirst().split(separator: "|", omittingEmptySubsequences: false).map(\.trimmingSpaces)
            guard cells.count >= 3 else {
                Issue.record("short row in \(s): \(line)")
                continue
            }
            let path = String(cells[0].filter { $0 != "`" })
            let required: Bool
            switch cells[2] {
            case "yes": required = true
            case "no": required = false
            default:
                Issue.record("required must be yes or no in \(s): \(line)")
                continue
            }
            result[s, default: []].append(FlatField(path: path, kind: String(cells[1]), required: required))
        }
        return result
    }

    @Test func eventTablesMatchTheSchema() throws {
        let markdown = try #require(Self.read("docs/events.md"), "docs/events.md not found under \(Self.root)")
        let tables = Self.tables(in: markdown)
        #expect(tables["common"] == FlatField.flatten(EventSchema.common))
        for type in EventType.allCases {
            guard let documented = tables[type.rawValue] else {
                Issue.record("docs/events.md has no section for \(type.rawValue)")
                continue
            }
            let expected = FlatField.flatten(EventSchema.fields(for: type))
            for (doc, code) in zip(documented, expected) where doc != code {
                Issue.record("\(type.rawValue): docs say [\(doc)], EventSchema says [\(code)]")
            }
            #expect(documented.count == expected.count, "\(type.rawValue): row count differs from EventSchema")
        }
        let known = Set(["common"] + EventType.allCases.map(\.rawValue))
        for name in tables.keys where !known.contains(name) {
            Issue.record("docs/events.md documents \(name), which is not an EventType")
        }
    }

    @Test func exampleLogIsValidAndCanonical() throws {
        let markdown = try #require(Self.read("docs/events.md"))
        var inBlock = false
        var lines: [String] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inBlock = line == "```jsonl"
                continue
            }
            if inBlock { lines.append(String(line)) }
        }
        #expect(lines.count >= 3)
        for (i, text) in lines.enumerated() {
            let object = try JSONParser().parseObject(text)
            #expect(EventSchema.validate(object) == [], "example line \(i)")
            #expect(object["seq"] == .int(Int64(i)))
            // The example is exactly what the encoder writes.
            #expect(JSONEncoding.encode(object: object) == text, "example line \(i) is not in canonical form")
        }
        // Its hash chain holds, as documented under "Tamper evidence".
        let verified = EventChainVerifier.verify(Array(lines.map { $0 + "\n" }.joined().utf8))
        #expect(throws: Never.self) { try verified.get() }
        #expect(lines.first.map { $0.contains(#""type":"sandbox.start""#) } == true)
        #expect(lines.last.map { $0.contains(#""type":"sandbox.end""#) } == true)
    }

    @Test func exitStatusDocNamesEveryReasonAndReservedStatus() throws {
        let markdown = try #require(Self.read("docs/exit-status.md"))
        for reason in ExitReason.allCases {
            #expect(markdown.contains("`\(reason.rawValue)`"), "\(reason.rawValue) missing")
        }
        for status in [ExitStatus.timeout, ExitStatus.setupFailed, ExitStatus.notExecutable,
                       ExitStatus.notFound, ExitStatus.seccompKill, ExitStatus.oomKill] {
            #expect(markdown.contains("| \(status) |"), "status \(status) has no row")
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        var s = Substring(self).drop(while: { $0 == " " })
        while s.last == " " { s.removeLast() }
        return s
    }
}

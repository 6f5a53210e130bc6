import Testing
import StockadeEvents

@Suite("Pretty JSON")
struct JSONPrettyPrinterTests {
    let value: JSONValue = .object(["b": .array([.int(1), .double(2)]), "a": .object([:]), "c": .double(2.5)])

    @Test func keepsMemberOrderByDefault() {
        #expect(JSONPrettyPrinter().render(value) == """
        {
          "b": [
            1,
            2.0
          ],
          "a": {},
          "c": 2.5
        }
        """)
    }

    @Test func checkStyleSortsKeysAndWritesWholeDoublesAsIntegers() {
        let printer = JSONPrettyPrinter(sortKeys: true, keySeparator: " : ", wholeDoublesAsIntegers: true)
        #expect(printer.render(value) == """
        {
          "a" : {},
          "b" : [
            1,
            2
          ],
          "c" : 2.5
        }
        """)
    }

    /// The default style parses back to the same value, member order included;
    /// the sorted style to the same members.
    @Test func parsesBack() throws {
        #expect(try JSONParser().parse(JSONPrettyPrinter().render(value)) == value)
        let sorted = try JSONParser().parse(JSONPrettyPrinter(sortKeys: true, keySeparator: " : ").render(value))
        guard case .object(let object) = sorted else {
            Issue.record("not an object: \(sorted)")
            return
        }
        #expect(object.members.map(\.key) == ["a", "b", "c"])
    }
}

import CSandboxChild
import Foundation
import Testing

/// The names the C child's failures are reported under (`stk_step_name`)
/// are the ones docs/design.md lists under "Failure steps", and each names
/// one step.
@Suite("The child's step names")
struct ChildStepNamesTests {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static var names: [String] {
        (1..<Int32(STK_STEP_COUNT.rawValue)).map { String(cString: stk_step_name($0)) }
    }

    @Test func everyStepHasItsOwnName() {
        #expect(!Self.names.contains("unknown"))
        #expect(Set(Self.names).count == Self.names.count)
        #expect(String(cString: stk_step_name(Int32(STK_STEP_SETSID.rawValue))) == "setsid")
        #expect(String(cString: stk_step_name(Int32(STK_STEP_COUNT.rawValue))) == "unknown")
        #expect(String(cString: stk_step_name(-1)) == "unknown")
    }

    @Test func designDocListsEveryStep() throws {
        let text = try String(contentsOfFile: Self.root + "/docs/design.md", encoding: .utf8)
        let start = try #require(text.range(of: "### Failure steps"), "docs/design.md has no \"Failure steps\" section")
        let section = text[start.upperBound...]
        let end = section.range(of: "\n#")?.lowerBound ?? section.range(of: "\nWhy ")?.lowerBound ?? section.endIndex
        let body = section[..<end]
        for name in Self.names {
            #expect(body.contains("`\(name)`"), "docs/design.md, Failure steps, does not name \(name)")
        }
    }
}

import CSandboxChild
import Foundation
@testable import StockadeNet
import StockadeProfile
import Testing
@testable import StockadeCore

/// The `sandbox.error` codes are an API: docs/events.md ("Error codes") lists
/// exactly the enums' raw values, and every code the runtime derives from a
/// name made elsewhere (the C child's steps, netlink, the DNS proxy, preset
/// errors) lands on a case of its own.
@Suite("Error codes")
struct ErrorCodeTests {
    static var root: String { ChildStepNamesTests.root }

    /// The backquoted words of the "Error codes" section's table rows, by row.
    static func documentedCodes() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: root + "/docs/events.md", encoding: .utf8)
        var rows: [String: Set<String>] = [:]
        var inSection = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") { inSection = line == "## Error codes"; continue }
            guard inSection, line.hasPrefix("| ") else { continue }
            let cells = line.split(separator: "|").map { String($0.drop(while: { $0 == " " })) }
            guard cells.count >= 2, let key = cells[0].split(separator: "`").first.map(String.init) else { continue }
            let codes = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            rows[key] = Set(codes)
        }
        return rows
    }

    static func expectSame(documented: Set<String>, code: [String]) {
        let inCode = Set(code)
        #expect(inCode.subtracting(documented).sorted() == [], "codes missing from docs/events.md")
        #expect(documented.subtracting(inCode).sorted() == [], "codes in docs/events.md that the code does not have")
    }

    @Test func docsListEveryPlanCodeAndNoOther() throws {
        let rows = try Self.documentedCodes()
        Self.expectSame(documented: rows["plan"] ?? [], code: PlanError.Code.allCases.map(\.rawValue))
    }

    @Test func docsListEveryProfileCodeAndNoOther() throws {
        let rows = try Self.documentedCodes()
        Self.expectSame(documented: rows["profile"] ?? [],
                        code: ProfileError.Code.allCases.map(\.rawValue) + ProfileRefusal.allCases.map(\.rawValue))
    }

    @Test func docsListEverySetupCodeAndNoOther() throws {
        let rows = try Self.documentedCodes()
        let documented = rows.filter { $0.key != "plan" && $0.key != "profile" }.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        Self.expectSame(documented: documented, code: SetupError.Code.allCases.map(\.rawValue))
    }

    @Test func everyChildStepHasItsOwnCode() {
        // Reserved numbers: no step reports them, so they have no code.
        let reserved: Set<Int32> = [Int32(STK_STEP_WAIT_GO.rawValue), Int32(STK_STEP_SIGNALS.rawValue)]
        for step in 0..<Int32(STK_STEP_COUNT.rawValue) where !reserved.contains(step) {
            let name = String(cString: stk_step_name(step))
            #expect(SetupError.Code(rawValue: name) != nil, "child step \(name) has no SetupError.Code")
            #expect(SetupError.Code(childStep: name).rawValue == name)
        }
        #expect(SetupError.Code(childStep: "not a step") == .unknown)
    }

    @Test func netlinkAndDNSCodesKeepTheirNames() {
        let steps: [NetlinkError.Step] = [.openSocket, .enterNamespace, .build, .send, .receive, .kernel, .parse]
        for step in steps {
            let e = NetlinkError(step: step, errno: 1, target: "x")
            #expect(e.setupCode.rawValue == e.code)
        }
        for step in ["udp_listen", "tcp_listen", "udp_listen_socket", "tcp_listen_socket",
                     "upstream_udp_socket", "upstream_tcp_socket", "upstream_udp_connect", "upstream_tcp_connect"] {
            let e = DNSServerError(step: step, target: "x", errno: 1)
            #expect(e.setupCode.rawValue == e.code)
        }
    }

    @Test func presetErrorsKeepTheProfileCode() {
        for code in ProfileError.Code.allCases {
            #expect(PlanError.Code(code).rawValue == code.rawValue)
        }
    }
}

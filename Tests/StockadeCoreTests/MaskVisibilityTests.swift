import StockadeEvents
import StockadeProfile
import Testing
@testable import StockadeCore

/// Masked paths are listed (sandbox.start, report); unmask lifts a mask for one run.
@Suite("Masks made visible")
struct MaskVisibilityTests {
    func plan(_ edit: (inout SandboxSpec) -> Void = { _ in }) throws -> Plan {
        try Planner(fs: PlannerTests.fs).plan(PlannerTests.spec(edit))
    }

    @Test func unmaskLiftsOnlyWhatItMatches() throws {
        let p = try plan { $0.unmask = ["server.pem"] }
        #expect(p.maskedPaths == ["/home/u/app/.env", "/home/u/app/.git/config"])
        #expect(p.unmaskedPaths == ["/home/u/app/keys/server.pem"])
        #expect(!p.mounts.contains(.hide(path: "/home/u/app/keys/server.pem", isFile: true, optional: true)))
        #expect(p.mounts.contains(.hide(path: "/home/u/app/.env", isFile: true, optional: true)))
    }

    @Test func aLiftedDirectoryIsStillScannedInside() throws {
        let fs = FakeFileSystem(["/ws/secrets/a.pem": .file, "/ws/secrets/notes.txt": .file])
        let found = try MaskScanner().scan(workspace: "/ws", patterns: ["secrets", "*.pem"], unmask: ["secrets"], fs: fs)
        #expect(found == [.init(path: "/ws/secrets", isDirectory: true, lifted: true),
                          .init(path: "/ws/secrets/a.pem", isDirectory: false, lifted: false)])
    }

    @Test func startEventListsRelativePathsAndCounts() throws {
        let p = try plan { $0.unmask = ["keys/*.pem"] }
        let fields = try #require(MaskedFields.fields(plan: p))
        #expect(fields["count"] == .int(2))
        #expect(fields["paths"] == .array([.string(".env"), .string(".git/config")]))
        #expect(fields["unmask"] == .array([.string("keys/*.pem")]))
        #expect(fields["unmasked_count"] == .int(1))
        #expect(fields["unmasked"] == .array([.string("keys/server.pem")]))
        let warning = try #require(MaskedFields.liftedWarning(plan: p)).fields
        #expect(warning["code"] == .string("mask_lifted"))
        #expect(warning["message"]?.stringValue?.contains("keys/server.pem") == true)
        #expect(MaskedFields.liftedWarning(plan: try plan()) == nil)
        // No masks, or no workspace: nothing scanned, no field.
        #expect(MaskedFields.fields(plan: try plan { $0.mask = [] }) == nil)
        #expect(MaskedFields.fields(plan: try plan { $0.workspaceMode = .none }) == nil)
    }

    @Test func startEventListIsCappedButTheCountIsWhole() throws {
        var nodes: [String: HostFileKind] = [:]
        for i in 0..<250 { nodes["/ws/k\(i).pem"] = .file }
        var p = try plan()
        p.spec.workspace = "/ws"
        p.maskedPaths = try MaskScanner().scan(workspace: "/ws", patterns: ["*.pem"], fs: FakeFileSystem(nodes)).map(\.path)
        let fields = try #require(MaskedFields.fields(plan: p))
        #expect(fields["count"] == .int(250))
        #expect(fields["paths"]?.arrayValue?.count == MaskedFields.listCap)
        // Long names (the workspace chooses them) stop the list early too.
        let long = String(repeating: "x", count: 250)
        p.maskedPaths = (0..<100).map { "/ws/\(long)/\(long)/k\($0).pem" }
        let bounded = try #require(MaskedFields.fields(plan: p))
        let names = bounded["paths"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(names.count < 100 && !names.isEmpty)
        #expect(names.reduce(0) { $0 + $1.utf8.count } <= MaskedFields.byteCap)
        #expect(bounded["count"] == .int(100))
    }

    @Test func profileUnmaskDecodesMergesAndRejectsEscapes() throws {
        let doc = try ProfileLoader.decode(yaml: "filesystem:\n  unmask: [\"tests/fixtures/*.pem\"]\n", path: "p.yaml")
        #expect(doc.profile.filesystem.unmask == ["tests/fixtures/*.pem"])
        do {
            _ = try ProfileLoader.decode(yaml: "filesystem:\n  unmask: [\"../x\"]\n", path: "p.yaml")
            Issue.record("accepted ..")
        } catch {
            #expect(error.code == .invalidValue && error.field == "filesystem.unmask[0]")
        }
    }
}

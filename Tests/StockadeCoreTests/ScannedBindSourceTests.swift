#if canImport(Glibc)
import Glibc
#endif
import StockadeProfile
import StockadeSeccomp
import Testing
@testable import StockadeCore

/// The mask scan and the bind reach the same workspace: a directory swapped
/// in under the workspace's name after planning is refused (125), not bound
/// with masks computed for another tree.
@Suite("Scanned bind sources")
struct ScannedBindSourceTests {
    let dir: String

    init() {
        var template = Array("/tmp/stockade-scanswap-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }

    func cleanup() { _ = system("rm -rf '\(dir)'") }

    func identity(_ path: String) -> FileIdentity? {
        var st = stat()
        return stat(path, &st) == 0 ? FileIdentity(st) : nil
    }

    func bind(_ source: String, expected: FileIdentity?) throws(SetupError) {
        let fd = try BindSource.open(source, destination: "/ws", readOnly: false, isFile: false, device: false,
                                     caller: nil, expected: expected)
        close(fd)
    }

    @Test func theScanRecordsTheDirectoryItRead() throws {
        defer { cleanup() }
        let ws = dir + "/ws"
        #expect(mkdir(ws, 0o755) == 0)
        #expect(creat(ws + "/key.pem", 0o600) >= 0)
        let survey = try MaskScanner().survey(workspace: ws, patterns: ["*.pem"], fs: LiveHostFileSystem())
        #expect(survey.matches.map(\.path) == [ws + "/key.pem"])
        #expect(survey.root != nil && survey.root == identity(ws))
    }

    @Test func aWorkspaceSwappedAfterTheScanIsNotBound() throws {
        defer { cleanup() }
        let ws = dir + "/ws"
        #expect(mkdir(ws, 0o755) == 0)
        #expect(creat(ws + "/key.pem", 0o600) >= 0)
        let survey = try MaskScanner().survey(workspace: ws, patterns: ["*.pem"], fs: LiveHostFileSystem())
        let scanned = try #require(survey.root)

        // Control: the same tree binds.
        try bind(ws, expected: scanned)

        // The swap: the scanned tree moves away, another (whose secret no
        // mask covers) takes its name.
        #expect(rename(ws, dir + "/scanned") == 0)
        #expect(mkdir(ws, 0o755) == 0)
        #expect(creat(ws + "/other.pem", 0o600) >= 0)
        do {
            try bind(ws, expected: scanned)
            Issue.record("a workspace swapped after the mask scan was bound")
        } catch {
            #expect(error.code == .bindSourceChanged)
            #expect(error.step == "open_bind_source")
            #expect(error.message.contains("replaced"), "\(error.message)")
        }
    }

    /// The planner hands the scanned identity on, keyed by the bind's source.
    @Test func thePlanCarriesTheScannedIdentityForTheWorkspaceBind() throws {
        defer { cleanup() }
        let ws = dir + "/ws"
        #expect(mkdir(ws, 0o755) == 0)
        let spec = SandboxSpec(
            id: "scan1", actor: "test", command: ["/bin/true"], cwd: ws, profileName: "t",
            workspace: ws, workspaceMode: .readWrite, mask: ["*.pem"], uid: 1000, gid: 1000, hostname: "box",
            seccomp: SeccompPolicy(defaultAction: .deny(errno: 1), rules: [SeccompRule(name: "read", action: .allow)]))
        let plan = try Planner(fs: LiveHostFileSystem()).plan(spec)
        #expect(plan.scannedBindSources == [ws: try #require(identity(ws))])
        let sources = plan.mounts.compactMap { step -> String? in
            if case .bind(let source, _, _, _, _) = step { return source }
            return nil
        }
        #expect(sources.contains(ws))
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeProfile
import Testing

/// The profile readers open each file once, non-blocking, and accept only a
/// regular file: a FIFO in a file's place is an error, never a hang, and a
/// profile reached through a symlink (which users make) still loads.
@Suite("Profile file reads")
struct ProfileFileReadTests {
    @Test(.timeLimit(.minutes(1))) func agentDefinitionFifoIsAnErrorNotAHang() {
        let dir = TempDir()
        #expect(mkfifo(dir.path + "/bot.yaml", 0o600) == 0)
        #expect(throws: ProfileError.self) { try AgentDefinition.load(name: "bot", directory: dir.path) }
    }

    @Test(.timeLimit(.minutes(1))) func ociImportOfAFifoOrDirectoryIsUnreadable() {
        let dir = TempDir()
        #expect(mkfifo(dir.path + "/fifo.json", 0o600) == 0)
        #expect(mkdir(dir.path + "/dir.json", 0o700) == 0)
        for name in ["fifo.json", "dir.json"] {
            let profile = dir.write("p-\(name).yaml", "seccomp:\n  oci: \(name)\n")
            let error = loadError(ProfileLoader(searchPaths: []), profile)
            #expect(error?.code == .unreadable && error?.line == 2, "\(String(describing: error))")
        }
        let missing = dir.write("missing.yaml", "seccomp:\n  oci: none.json\n")
        #expect(loadError(ProfileLoader(searchPaths: []), missing)?.code == .notFound)
    }

    @Test func symlinkedProfilesAndAgentDefinitionsStillLoad() throws {
        let dir = TempDir()
        let real = dir.write("real/base.yaml", "env:\n  pass: [A]\n")
        #expect(symlink(real, dir.path + "/link.yaml") == 0)
        #expect(try ProfileLoader(searchPaths: []).load(dir.path + "/link.yaml").env.pass == ["A"])
        let agent = dir.write("real/bot.yaml", "command: [/bin/true]\n")
        #expect(symlink(agent, dir.path + "/bot.yaml") == 0)
        #expect(try AgentDefinition.load(name: "bot", directory: dir.path).command == ["/bin/true"])
    }
}

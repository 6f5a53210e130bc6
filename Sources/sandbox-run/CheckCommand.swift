import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import StockadeCore
import StockadeProfile

/// `sandbox-run check PROFILE`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a profile and print it normalized (extends resolved, defaults explicit).",
        discussion: """
        Exit status 0 when valid; 1 with FILE:LINE:COL: FIELD: what was expected, otherwise.
        On success the last line on stderr is `policy digest: HEX`, the value
        `--profile-sha256` accepts for the whole extends: chain.

        Examples:
          sandbox-run check agent
          sandbox-run check ./profiles/my-agent.yaml
        """
    )

    @Argument(help: ArgumentHelp("A shipped profile name or a path to a YAML file.", valueName: "PROFILE"))
    var profile: String

    func run() throws {
        do {
            let loaded = try ProfileLoader(searchPaths: ProfileSearch.paths()).load(profile)
            print(ProfileRenderer.json(loaded))
            writeStderr("policy digest: \(loaded.policyDigest)\n")
        } catch {
            writeStderr("sandbox-run: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// `sandbox-run gc`
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove host objects (cgroups, registry entries) left by sandboxes whose supervisor died.",
        discussion: """
        A supervisor killed with SIGKILL cannot clean up; its sandbox's processes
        die with it, but its cgroup directories stay. gc finds objects named
        stockade-<id> whose supervisor is gone and removes them. Live sandboxes
        are never touched.
        """
    )

    func run() throws {
        let removed = GarbageCollector.run(rootless: getuid() != 0)
        for r in removed { print("removed \(r)") }
        if removed.isEmpty { print("nothing to remove") }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeProfile
import StockadeSystem

/// `sandbox-run check PROFILE`
enum CheckVerb {
    static let spec = VerbSpec(
        name: "check",
        summary: "validate a profile, print it normalized",
        abstract: "Validate a profile and print it normalized (extends resolved, defaults explicit).",
        discussion: """
        Exit status 0 when valid; 1 with FILE:LINE:COL: FIELD: what was expected, otherwise.
        On success the last line on stderr is `policy digest: HEX`, the value
        `--profile-sha256` accepts for the whole extends: chain.

        Examples:
          sandbox-run check agent
          sandbox-run check ./profiles/my-agent.yaml
        """,
        positionals: [PositionalSpec("PROFILE", help: "A shipped profile name or a path to a YAML file.")]
    )

    static func run(_ a: ParsedArguments) -> Int32 {
        let profile = a.positionals[0]
        do {
            let loaded = try ProfileLoader(searchPaths: ProfileSearch.paths()).load(profile)
            print(ProfileRenderer.json(loaded))
            writeStderr("policy digest: \(loaded.policyDigest)\n")
            return 0
        } catch {
            writeStderr("sandbox-run: \(error)\n")
            return 1
        }
    }
}


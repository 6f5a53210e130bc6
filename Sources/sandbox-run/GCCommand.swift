#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore

/// `sandbox-run gc`
enum GCVerb {
    static let spec = VerbSpec(
        name: "gc",
        summary: "remove leftovers of dead sandboxes",
        abstract: "Remove host objects (cgroups, registry entries) left by sandboxes whose supervisor died.",
        discussion: """
        A supervisor killed with SIGKILL cannot clean up; its sandbox's processes
        die with it, but its cgroup directories stay. gc finds objects named
        stockade-<id> whose supervisor is gone and removes them. Live sandboxes
        are never touched. Run as root, gc searches every cgroup hierarchy for
        sandbox directories (generated ids only, owned by root); without root
        it removes only the user's dead registry entries, no cgroups.
        """
    )

    static func run(_: ParsedArguments) -> Int32 {
        let result = GarbageCollector.run(rootless: getuid() != 0)
        for r in result.removed { print("removed \(r)") }
        for l in result.left { print(l) }
        if result.removed.isEmpty && result.left.isEmpty { print("nothing to remove") }
        return 0
    }
}

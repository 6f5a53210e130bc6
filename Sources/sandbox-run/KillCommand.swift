#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeSystem

/// `sandbox-run kill ID|--all`: the operator's kill switch.
enum KillVerb {
    static let spec = VerbSpec(
        name: "kill",
        summary: "end running sandboxes cleanly",
        abstract: "End a running sandbox (or all of them) cleanly from outside.",
        discussion: """
        Sends SIGTERM to the sandbox's supervisor. It forwards the signal to
        every process in the sandbox, waits the kill-after grace, then SIGKILLs
        what is left, removes its host objects and writes its final events.

        Examples:
          sandbox-run kill 3fa9c2d17b04
          sandbox-run kill --all
          sandbox-run kill --list
        """,
        options: [
            OptionSpec("all", .flag, help: "End every running sandbox."),
            OptionSpec("list", .flag, help: "List running sandboxes and exit."),
        ],
        positionals: [PositionalSpec("ID", .repeated, help: "Sandbox id (from the events' `sandbox` field or --list).")]
    )

    static func run(_ a: ParsedArguments) throws(UsageError) -> Int32 {
        let ids = a.positionals, all = a.flag("all"), list = a.flag("list")
        if !list && all == !ids.isEmpty {
            throw .invalid("kill: give sandbox ids or --all (not both)")
        }
        let registry = SandboxRegistry.default(rootless: getuid() != 0)
        let running = registry.entries().filter { registry.isAlive($0) }
        if list {
            for e in running { print("\(e.id)\tpid \(registry.lockHolder(of: e).map(String.init) ?? "?")\t\(e.name ?? "")") }
            return 0
        }
        let targets = all ? running : ids.map { id in running.first { $0.id == id } ?? SandboxRegistry.Entry(id: id, pid: 0, startTicks: 0, name: nil) }
        var failed = false
        for t in targets {
            guard running.contains(t) else {
                writeStderr("sandbox-run: no running sandbox \(t.id)\n")
                failed = true
                continue
            }
            // The pid in the entry is as its supervisor saw it, maybe in
            // another pid namespace (where 1 is not our init): signal the
            // holder of its lock, as the kernel names it here.
            guard let pid = registry.lockHolder(of: t) else {
                writeStderr("sandbox-run: sandbox \(t.id) runs in a pid namespace not visible from here; run `sandbox-run kill` there\n")
                failed = true
                continue
            }
            if Glibc.kill(pid, SIGTERM) == 0 { print("ended \(t.id)") } else {
                writeStderr("sandbox-run: cannot signal \(t.id) (pid \(pid)): \(String(cString: strerror(errno)))\n")
                failed = true
            }
        }
        return failed ? 1 : 0
    }
}

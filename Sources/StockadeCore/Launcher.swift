#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeCgroups
import StockadeEvents
import StockadeNet
import StockadeProfile
import StockadeSeccomp

/// Where shipped profiles are found: $STOCKADE_PROFILE_PATH (colon-separated),
/// /etc/stockade/profiles, PREFIX/share/stockade/profiles next to the binary,
/// and the source tree's profiles/ for a binary run from .build/.
public enum ProfileSearch {
    public static func paths() -> [String] {
        var out: [String] = []
        if let env = getenv("STOCKADE_PROFILE_PATH") {
            out += String(cString: env).split(separator: ":").map(String.init)
        }
        out.append("/etc/stockade/profiles")
        if let exe = executableDirectory() {
            out.append(exe + "/../share/stockade/profiles")
            out.append(exe + "/../../profiles")
            out.append(exe + "/../../../profiles")
        }
        return out
    }

    static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, Int(PATH_MAX))
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}

/// parse → spec → plan → run, with fail-closed reporting at each arrow.
public enum Launcher {
    public static func run(profileReference: String, overrides: LaunchOverrides, eventSink: String?, dryRun: Bool, exportBPF: String? = nil,
                           failOnDeny: Bool = false, profilePin: PolicyPin? = nil) -> Int32 {
        let id = SandboxID.generate()
        let host = HostContext.current()
        let sink: EventSinkSpec
        if let s = eventSink {
            guard let parsed = EventSinkSpec.parse(s) else {
                writeStderr("sandbox-run: --events: expected a file path, fd:N or stderr, got '\(s)'\n")
                return ExitStatus.setupFailed
            }
            sink = parsed
        } else {
            sink = .none
        }

        func early(_ step: String, _ code: String, _ message: String) -> Int32 {
            writeStderr("sandbox-run: \(message)\n")
            if !dryRun, let log = try? EventLog(sink: sink, sandboxId: id, actor: overrides.actor ?? "unknown", secrets: []) {
                log.emit(.sandboxError, ["step": .string(step), "code": .string(code), "message": .string(message)])
                log.emit(.sandboxEnd, [
                    "exit_reason": .string(ExitReason.setupFailed.rawValue), "exit_status": .int(Int64(ExitStatus.setupFailed)),
                    "duration_ms": .double(0), "cpu_time_ms": .double(0),
                    "denials": .object(["syscalls": .int(0), "by_syscall": .object([:]), "limits": .int(0)]),
                ])
                log.close()
            }
            return ExitStatus.setupFailed
        }

        let profile: Profile
        do {
            profile = try ProfileLoader(searchPaths: ProfileSearch.paths()).load(profileReference)
        } catch {
            return early("profile", error.code.rawValue, "profile error: \(error)")
        }
        // --profile-sha256: before anything else is built from the policy.
        if let pin = profilePin {
            let named = (try? ProfileLoader(searchPaths: ProfileSearch.paths()).path(of: profileReference)) ?? profileReference
            if case let .failure(mismatch) = pin.check(profile, namedFile: named) {
                return early("profile", "profile_pin_mismatch", mismatch.description)
            }
        }
        let spec: SandboxSpec
        let plan: Plan
        do {
            spec = try SpecBuilder(presets: PresetLoader(searchPaths: ProfileSearch.paths())).build(profile: profile, overrides: overrides, host: host, id: id)
            plan = try Planner(seccompCache: SeccompFilterCache.defaultDirectory().map { SeccompFilterCache(directory: $0) }).plan(spec)
        } catch {
            return early("plan", error.code, error.description)
        }
        if dryRun {
            if let path = exportBPF {
                if FileIO.writeFile(path, bytes: plan.seccomp.bpf, flags: O_WRONLY | O_CREAT | O_TRUNC) != 0 {
                    writeStderr("sandbox-run: --export-bpf: cannot write \(path)\n")
                    return ExitStatus.setupFailed
                }
            }
            print(JSONPrettyPrinter().render(PlanRenderer.json(plan)))
            return 0
        }
        let log: EventLog
        do {
            // Drops can be provoked at line rate; past the cap they are counted.
            log = try EventLog(sink: sink, sandboxId: id, actor: spec.actor, secrets: spec.secretValues,
                               rateCaps: [.netDenied: 1000])
        } catch {
            writeStderr("sandbox-run: cannot open the event sink: \(error)\n")
            return ExitStatus.setupFailed
        }
        let layout = CgroupLayout.detect()
        if !spec.rootless { GarbageCollector.collectDeadEntries(layout: layout) }
        let supervisor = Supervisor(plan: plan, events: log, cgroupLayout: layout, features: KernelFeatures.detect())
        supervisor.failOnDeny = failOnDeny
        let status = supervisor.run()
        if status == ExitStatus.setupFailed || status == ExitStatus.notFound || status == ExitStatus.notExecutable {
            if let e = supervisor.lastError { writeStderr("sandbox-run: \(e)\n") }
        }
        return status
    }
}

/// 10 lowercase hex digits (40 bits) from getrandom(2): short enough for
/// interface names (`stk<id>h` must fit IFNAMSIZ), random enough that
/// concurrent sandboxes do not collide.
public enum SandboxID {
    public static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 5)
        _ = stk_random_bytes(&bytes, 5)
        let hex = Array("0123456789abcdef")
        return String(bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }
}

/// `gc`: cgroups and registry entries of dead supervisors. A sandbox's
/// network (its nft table, routes and listeners) lives in the sandbox's own
/// network namespace and dies with it: gc has nothing network-related to do.
public enum GarbageCollector {
    /// Forgets a dead supervisor's entry. Returns what was removed, for `gc` to print.
    static func collect(_ entry: SandboxRegistry.Entry, registry: SandboxRegistry) -> [String] {
        registry.unregister(id: entry.id)
        return ["registry entry \(entry.id)"]
    }

    /// The cheap pass every root start makes: objects of registry entries
    /// whose supervisor is dead (killed with SIGKILL), found by id.
    public static func collectDeadEntries(layout: CgroupLayout) {
        let registry = SandboxRegistry.default(rootless: false)
        let dead = registry.entries().filter { !registry.isAlive($0) }
        guard !dead.isEmpty else { return }
        for e in dead {
            // The cgroup hierarchy is the machine's, whatever the namespace.
            if let cg = SandboxCgroup.existing(sandboxId: e.id, layout: layout) { try? cg.destroy() }
            _ = collect(e, registry: registry)
        }
    }

    public static func run(rootless: Bool) -> (removed: [String], left: [String]) {
        let registry = SandboxRegistry.default(rootless: rootless)
        var alive = Set<String>()
        var removed: [String] = []
        for e in registry.entries() {
            if registry.isAlive(e) {
                alive.insert(e.id)
                continue
            }
            removed += collect(e, registry: registry)
        }
        if !rootless {
            let layout = CgroupLayout.detect()
            // A cgroup without a live registry entry belongs to a dead
            // supervisor (the entry is written before the cgroup is made).
            removed += CgroupJanitor.removeLeftovers(layout: layout, isOwnerAlive: { alive.contains($0) }).map { "cgroup \($0)" }
        }
        return (removed, [])
    }
}

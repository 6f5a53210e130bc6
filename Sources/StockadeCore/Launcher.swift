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
                           failOnDeny: Bool = false, profilePin: PolicyPin? = nil, tty: TTYMode = .auto) -> Int32 {
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
            // Before a plan there are no binds to check against; the
            // workspace the run would have had (its cwd by default) stands in.
            let areas = [overrides.workspace ?? host.cwd]
            guard !dryRun else { return ExitStatus.setupFailed }
            do {
                let opened = try EventSinkOpening.open(sink, host: host, writableAreas: areas)
                let log = try EventLog(sink: sink, sandboxId: id, actor: overrides.actor ?? "unknown", secrets: [], openedFile: opened)
                log.emit(.sandboxError, ["step": .string(step), "code": .string(code), "message": .string(message)])
                log.emit(.sandboxEnd, [
                    "exit_reason": .string(ExitReason.setupFailed.rawValue), "exit_status": .int(Int64(ExitStatus.setupFailed)),
                    "duration_ms": .double(0), "cpu_time_ms": .double(0),
                    "denials": .object(["syscalls": .int(0), "by_syscall": .object([:]), "limits": .int(0)]),
                ])
                log.close()
            } catch {
                writeStderr("sandbox-run: cannot open the event sink: \(error)\n")
            }
            return ExitStatus.setupFailed
        }

        // Under sudo a profile named by path must be one the caller may read
        // (the loader reads as root and quotes bad lines in its errors).
        if let caller = SudoCaller.from(host: host),
           let named = try? ProfileLoader(searchPaths: ProfileSearch.paths()).path(of: profileReference),
           let refusal = caller.readRefusal(named) {
            return early("profile", "profile_denied", "profile: \(refusal)")
        }
        let profile: Profile
        do {
            profile = try SudoCaller.loadProfile(profileReference, caller: SudoCaller.from(host: host))
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
        var plan: Plan
        do {
            spec = try SpecBuilder(presets: PresetLoader(searchPaths: ProfileSearch.paths())).build(profile: profile, overrides: overrides, host: host, id: id)
            plan = try Planner(seccompCache: SeccompFilterCache.defaultDirectory().map { SeccompFilterCache(directory: $0, writes: !dryRun) }).plan(spec)
        } catch {
            return early("plan", error.code, error.description)
        }
        var features = KernelFeatures.detect()
        TestOnlyHooks.apply(plan: &plan, features: &features)
        if dryRun {
            if let path = exportBPF {
                // Under sudo, written as the caller: only where it may write.
                // The identity thread sets it while this thread waits in join.
                nonisolated(unsafe) var written: Int32 = -1
                let bpf = plan.seccomp.bpf
                if let caller = spec.caller {
                    caller.asCaller { written = FileIO.writeFile(path, bytes: bpf, flags: O_WRONLY | O_CREAT | O_TRUNC) }
                } else {
                    written = FileIO.writeFile(path, bytes: bpf, flags: O_WRONLY | O_CREAT | O_TRUNC)
                }
                if written != 0 {
                    writeStderr("sandbox-run: --export-bpf: cannot write \(path)\n")
                    return ExitStatus.setupFailed
                }
            }
            print(JSONPrettyPrinter().render(PlanRenderer.json(plan)))
            return 0
        }
        let log: EventLog
        do {
            let opened = try EventSinkOpening.open(sink, host: host, writableAreas: EventSinkOpening.writableAreas(plan))
            // Every type the workload can provoke at will is rate-capped;
            // what a cap holds back is counted in events.suppressed.
            log = try EventLog(sink: sink, sandboxId: id, actor: spec.actor, secrets: spec.secretValues,
                               openedFile: opened, rateLimits: spec.eventRateLimits)
        } catch {
            writeStderr("sandbox-run: cannot open the event sink: \(error)\n")
            return ExitStatus.setupFailed
        }
        let layout = CgroupLayout.detect()
        if !spec.rootless { GarbageCollector.collectDeadEntries(layout: layout) }
        let supervisor = Supervisor(plan: plan, events: log, cgroupLayout: layout, features: features)
        supervisor.failOnDeny = failOnDeny
        supervisor.tty = tty
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
        // Dead means nobody holds the entry's lock, whatever pid namespace
        // its supervisor ran in; the claim keeps it ours while we clean.
        let dead = registry.entries().compactMap { registry.claimIfDead($0) }
        guard !dead.isEmpty else { return }
        for claim in dead {
            let e = claim.entry
            // The cgroup hierarchy is the machine's, whatever the namespace.
            if let cg = SandboxCgroup.existing(sandboxId: e.id, layout: layout), !cg.isOwnerHoldingLock { try? cg.destroy() }
            _ = collect(e, registry: registry)
            claim.release()
        }
    }

    public static func run(rootless: Bool) -> (removed: [String], left: [String]) {
        let registry = SandboxRegistry.default(rootless: rootless)
        var alive = Set<String>()
        var removed: [String] = []
        for e in registry.entries() {
            guard let claim = registry.claimIfDead(e) else {
                alive.insert(e.id)
                continue
            }
            removed += collect(e, registry: registry)
            claim.release()
        }
        if !rootless {
            let layout = CgroupLayout.detect()
            // A cgroup without a live registry entry belongs to a dead
            // supervisor (the entry is written before the cgroup is made).
            removed += CgroupJanitor.removeLeftovers(layout: layout, isOwnerAlive: { id in
                // Also asked now, for a sandbox that registered after the listing above.
                alive.contains(id) || registry.isAlive(SandboxRegistry.Entry(id: id, pid: 0, startTicks: 0, name: nil))
            }).map { "cgroup \($0)" }
        }
        return (removed, [])
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeCgroups
import StockadeEvents
import StockadeNet
import StockadeProfile
import StockadeSeccomp
import StockadeSystem

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
                log.emit(.error(step: step, code: code, message: message))
                log.emit(.end(reason: .setupFailed, status: ExitStatus.setupFailed, durationMs: 0, cpuTimeMs: 0, denials: Event.Denials()))
                log.close()
            } catch {
                writeStderr("sandbox-run: cannot open the event sink: \(error)\n")
            }
            return ExitStatus.setupFailed
        }

        let caller = SudoCaller.from(host: host)
        // The named file, resolved once: only the sudo check and the pin need it.
        let named = caller == nil && profilePin == nil ? nil : try? ProfileLoader(searchPaths: ProfileSearch.paths()).path(of: profileReference)
        // Under sudo a profile named by path must be one the caller may read.
        // The loader reads as the caller too, but a refusal here names the
        // path and the missing permission rather than a bare open error.
        if let caller, let named, let refusal = caller.readRefusal(named) {
            return early("profile", ProfileRefusal.denied.rawValue, "profile: \(refusal)")
        }
        let profile: Profile
        do {
            profile = try SudoCaller.loadProfile(profileReference, caller: caller)
        } catch {
            return early("profile", error.code.rawValue, "profile error: \(error)")
        }
        // --profile-sha256: before anything else is built from the policy.
        if let pin = profilePin {
            if case let .failure(mismatch) = pin.check(profile, namedFile: named ?? profileReference) {
                return early("profile", ProfileRefusal.pinMismatch.rawValue, mismatch.description)
            }
        }
        let spec: SandboxSpec
        var plan: Plan
        do {
            spec = try SpecBuilder(presets: PresetLoader(searchPaths: ProfileSearch.paths())).build(profile: profile, overrides: overrides, host: host, id: id)
            plan = try Planner(seccompCache: SeccompFilterCache.standard(writes: !dryRun)).plan(spec)
        } catch {
            return early("plan", error.code.rawValue, error.description)
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


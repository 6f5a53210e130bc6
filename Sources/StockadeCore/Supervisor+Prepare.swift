#if canImport(Glibc)
import Glibc
#endif
import StockadeCgroups
import StockadeEvents
import StockadeSystem

/// What prepare hands to spawn.
struct PreparedLaunch {
    /// The plan with /sys/fs/cgroup showing the sandbox's own cgroup (CgroupView).
    var plan: Plan
    /// open_tree(2) clones of every bind source; spawn closes them.
    var trees: PreparedTrees
    var landlock: LandlockEnforcement
}

extension Supervisor {
    /// Everything on the host before clone: the registry entry, the egress
    /// policy, `sandbox.start`, the cgroup for the limits, the bind sources.
    /// Stores `registry`, `egress` and `cgroup` as they come into being, so
    /// teardown removes them whatever fails later.
    func prepare() throws(SetupError) -> PreparedLaunch {
        // Registered (and locked) before any host object exists, so gc never
        // takes this sandbox's cgroup for a dead one's.
        let registryError: SetupError?
        do {
            registry = try SandboxRegistry.default(rootless: plan.spec.rootless).register(id: plan.spec.id, name: plan.spec.name)
            registryError = nil
        } catch {
            registry = nil
            registryError = SetupError(step: "registry", code: .registry, errno: error.errno, subject: error.path, message: "cannot register the sandbox: \(error.description)")
        }

        // The egress policy comes first so sandbox.start can name the upstreams.
        var egressError: SetupError? = nil
        if registryError == nil, plan.spec.network == .filtered || plan.spec.network == .audit {
            do { egress = try EgressRuntime(plan: plan, events: events) } catch { egressError = error }
        }
        let landlock = plan.landlock.enforcement(abi: features.landlockABI)
        events.emit(.sandboxStart, StartEvent.fields(plan: plan, features: features, cgroup: cgroupLayout, dnsUpstreams: egress?.dnsUpstreams, landlock: landlock))
        if let lifted = MaskedFields.liftedWarning(plan: plan) { events.emit(lifted) }
        if plan.spec.network == .host {
            events.emit(.warning(code: "network_host", message: "the sandbox shares the host's network: no egress control"))
        }

        if let e = registryError { throw e }
        if let e = egressError { throw e }
        if let e = landlock.check(events: events) { throw e }
        try makeCgroup()

        // /sys/fs/cgroup shows the cgroup just made (CgroupView).
        var launchPlan = plan
        launchPlan.mounts = CgroupView.expand(plan.mounts, cgroup: cgroup, layout: cgroupLayout)
        // Each bind must reach what was checked: the scanned workspace,
        // the egress files as written (BindSource).
        var expected = plan.scannedBindSources
        if let egress { expected.merge(egress.files) { checked, _ in checked } }
        TestOnlyHooks.pauseBeforeBinds()
        let trees = try PreparedTrees.prepare(launchPlan.mounts, rootless: plan.spec.rootless, caller: plan.spec.caller, expected: expected)
        TestOnlyHooks.pauseAfterBindsOpened(rootless: plan.spec.rootless)
        return PreparedLaunch(plan: launchPlan, trees: trees, landlock: landlock)
    }

    /// The sandbox cgroup, when the limits need one or a root run can have
    /// one; limits that nothing can enforce fail or warn (LimitEnforcement).
    private func makeCgroup() throws(SetupError) {
        let limitMeans = LimitEnforcement.means(plan.spec, layout: cgroupLayout)
        if case .unenforceable(let reason, let remedy) = limitMeans {
            switch LimitEnforcement.verdict(plan.spec, reason: reason, remedy: remedy) {
            case .fail(let message):
                throw SetupError(step: "limits", code: .limitsUnenforceable, message: message)
            case .warn(let limits, let message):
                events.emit(.warning(code: LimitEnforcement.warningCode, message: message, limits: limits.map(\.rawValue)))
                writeStderr("sandbox-run: warning: limits \(message)\n")
            }
        }
        if limitMeans == .cgroup || (!plan.spec.rootless && cgroupLayout.isUsable) {
            do {
                cgroup = try SandboxCgroup.create(
                    sandboxId: plan.spec.id,
                    limits: CgroupLimits(memoryBytes: plan.spec.memoryBytes, pids: plan.spec.pids, cpus: plan.spec.cpus),
                    layout: cgroupLayout)
                cgroupLocks = cgroup?.holdOwnerLocks() ?? []
            } catch {
                throw SetupError(step: "cgroup_create", code: .cgroup, errno: error.errno, subject: error.path, message: "cannot create the sandbox cgroup (\(error.step))")
            }
        }
    }
}

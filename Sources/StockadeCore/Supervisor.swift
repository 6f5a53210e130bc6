#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild
import CStockadeSys
import StockadeCgroups
import StockadeEvents
import StockadeSeccomp
import StockadeSystem

/// Runs one planned sandbox: host objects, clone, handshake, the watch loop,
/// teardown. Single-threaded by design: the clone happens on this (main)
/// thread, which lives as long as the process, so PR_SET_PDEATHSIG in the
/// child fires exactly when the supervisor dies.
public final class Supervisor {
    let plan: Plan
    let events: EventLog
    let cgroupLayout: CgroupLayout
    let features: KernelFeatures

    /// A one-line explanation of why the sandbox failed to start or the
    /// command could not run, for stderr.
    public private(set) var lastError: String?
    private var egress: EgressRuntime?
    /// Locks on the sandbox cgroup's directories, held until it is destroyed.
    private var cgroupLocks: [Int32] = []
    /// The service manager (sd_notify), when `$NOTIFY_SOCKET` is set.
    public var notify: SdNotify? = SdNotify.fromEnvironment()

    /// `--fail-on-deny`: a passing run with denials exits `FailOnDeny.status`.
    public var failOnDeny = false

    /// `--tty`: whether the workload gets its own pseudo-terminal.
    public var tty: TTYMode = .auto

    /// Per-sandbox cap on `syscall.denied` events; the rest are only counted.
    public static let deniedEventCap = 1000

    public init(plan: Plan, events: EventLog, cgroupLayout: CgroupLayout, features: KernelFeatures) {
        self.plan = plan
        self.events = events
        self.cgroupLayout = cgroupLayout
        self.features = features
    }

    /// Runs the sandbox to its end and returns the exit status for sandbox-run.
    public func run() -> Int32 {
        let started = Clock.monotonic()
        var state = RunState()
        var cgroup: SandboxCgroup? = nil
        // Registered (and locked) before any host object exists, so gc never
        // takes this sandbox's cgroup for a dead one's.
        let registry: SandboxRegistry.Registration?
        let registryError: SetupError?
        do {
            registry = try SandboxRegistry.default(rootless: plan.spec.rootless).register(id: plan.spec.id, name: plan.spec.name)
            registryError = nil
        } catch {
            registry = nil
            registryError = SetupError(step: "registry", code: "registry", errno: error.errno, subject: error.path, message: "cannot register the sandbox: \(error.description)")
        }

        // The egress policy comes first so sandbox.start can name the upstreams.
        var egress: EgressRuntime? = nil
        var egressError: SetupError? = nil
        if registryError == nil, plan.spec.network == .filtered || plan.spec.network == .audit {
            do { egress = try EgressRuntime(plan: plan, events: events) } catch { egressError = error }
        }
        self.egress = egress
        let landlock = plan.landlock.enforcement(abi: features.landlockABI)
        events.emit(.sandboxStart, StartEvent.fields(plan: plan, features: features, cgroup: cgroupLayout, dnsUpstreams: egress?.dnsUpstreams, landlock: landlock))
        if let lifted = MaskedFields.liftedWarning(plan: plan) { events.emit(.sandboxWarning, lifted) }
        if plan.spec.network == .host {
            events.emit(.sandboxWarning, [
                "code": .string("network_host"),
                "message": .string("the sandbox shares the host's network: no egress control"),
            ])
        }

        func fail(_ error: SetupError) -> Int32 {
            lastError = error.description
            events.emit(.sandboxError, ErrorEvent.fields(error))
            return finish(state: state, cgroup: cgroup, started: started, setupFailed: true, exitStatus: ExitStatus.setupFailed, registry: registry)
        }
        if let e = registryError { return fail(e) }
        if let e = egressError { return fail(e) }
        if let e = landlock.check(events: events) { return fail(e) }

        let limitMeans = LimitEnforcement.means(plan.spec, layout: cgroupLayout)
        if case .unenforceable(let reason, let remedy) = limitMeans {
            switch LimitEnforcement.verdict(plan.spec, reason: reason, remedy: remedy) {
            case .fail(let message):
                return fail(SetupError(step: "limits", code: "limits_unenforceable", message: message))
            case .warn(let limits, let message):
                events.emit(.sandboxWarning, [
                    "code": .string(LimitEnforcement.warningCode), "message": .string(message),
                    "limits": .array(limits.map { .string($0.rawValue) }),
                ])
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
                return fail(SetupError(step: "cgroup_create", code: "cgroup", errno: error.errno, subject: error.path, message: "cannot create the sandbox cgroup (\(error.step))"))
            }
        }

        // /sys/fs/cgroup shows the cgroup just made (CgroupView).
        var launchPlan = plan
        launchPlan.mounts = CgroupView.expand(plan.mounts, cgroup: cgroup, layout: cgroupLayout)
        let trees: PreparedTrees
        do {
            trees = try PreparedTrees.prepare(launchPlan.mounts, rootless: plan.spec.rootless, caller: plan.spec.caller)
        } catch {
            return fail(error)
        }

        var reportPipe: [Int32] = [-1, -1]
        var goPipe: [Int32] = [-1, -1]
        guard stk_pipe_cloexec(&reportPipe) == 0, stk_pipe_cloexec(&goPipe) == 0 else {
            trees.closeAll()
            return fail(SetupError(step: "pipe", code: "pipe", errno: errno, message: "cannot create the handshake pipes"))
        }

        let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]
        let sigfd = signals.withUnsafeBufferPointer { stk_signalfd_for($0.baseAddress, Int32($0.count)) }
        defer {
            if sigfd >= 0 { close(sigfd) }
            signals.withUnsafeBufferPointer { stk_unblock_signals($0.baseAddress, Int32($0.count)) }
        }

        // The workload's own terminal (PtyRelay); the caller's is restored
        // on every way out of here.
        let ptyFds = tty.descriptors(isTerminal: [isatty(0) == 1, isatty(1) == 1, isatty(2) == 1])
        let relay = ptyFds.isEmpty ? nil : PtyRelay(terminal: CallerTerminal(replaced: ptyFds))
        defer { relay?.restore() }

        let arena = CArena()
        var builder = ChildConfigBuilder(plan: launchPlan, trees: trees, arena: arena, landlock: landlock)
        if let relay { builder.pty = PtySettings(descriptors: ptyFds, modes: relay.terminal.savedModes, windowSize: relay.terminal.windowSize) }
        var cfg = builder.build(reportFd: reportPipe[1], goFd: goPipe[0])
        var pidfd: Int32 = -1
        let pid = stk_spawn(&cfg, &pidfd)
        trees.closeAll()
        close(reportPipe[1])
        close(goPipe[0])
        let reportFd = reportPipe[0]
        let goFd = goPipe[1]
        defer {
            close(reportFd)
            if goFd >= 0 { close(goFd) }
        }
        guard pid > 0 else {
            let err = -pid
            let hint = err == EPERM || err == ENOSPC || err == EUSERS
                ? "creating namespaces is not permitted here (unprivileged user namespaces disabled or restricted, e.g. by AppArmor)"
                : "clone3 of the sandbox failed"
            return fail(SetupError(step: "clone", code: "clone", errno: err, message: hint))
        }
        state.initPid = pid
        state.pidfd = pidfd
        defer { close(pidfd) }

        var loop = WatchLoop(
            plan: launchPlan, events: events, pidfd: pidfd, reportFd: reportFd, goFd: goFd,
            signalFd: sigfd, started: started)
        if let egress { loop.sources.append(egress) }
        if let relay {
            loop.sources.append(relay)
            loop.onPtyMaster = { relay.attach(master: $0) }
        }
        loop.notify = notify
        if let notify, let watchdog = WatchdogSource(notify: notify) { loop.sources.append(watchdog) }
        // When a host-side step fails, the child may have failed first and
        // said why: its reason is the real one.
        func abort(_ e: SetupError) -> Int32 {
            _ = stk_pidfd_send_signal(pidfd, SIGKILL)
            state.reapInit()
            return fail(loop.pendingChildError() ?? e)
        }
        do {
            try IDMaps.write(pid: pid, uid: plan.spec.uid, gid: plan.spec.gid, rootless: plan.spec.rootless)
            // First go: the child builds its filesystem while we attach it.
            guard writeByte(goFd) else {
                throw SetupError(step: "go", code: "handshake", errno: errno, message: "the sandbox init vanished before setup")
            }
            try cgroup?.attach(pid: pid)
            try egress?.attach(pidfd: pidfd, reportFd: reportFd)
        } catch let e as SetupError {
            return abort(e)
        } catch let e as CgroupError {
            return abort(SetupError(step: "cgroup_attach", code: "cgroup", errno: e.errno, subject: e.path, message: "cannot move the sandbox into its cgroup"))
        } catch {
            return abort(SetupError(step: "setup", code: "setup", message: "\(error)"))
        }
        // Second go: the child is in its cgroup and may continue.
        guard writeByte(goFd) else {
            return abort(SetupError(step: "go", code: "handshake", errno: errno, message: "the sandbox init vanished before setup"))
        }

        loop.run(&state)
        relay?.drain()
        relay?.restore()

        if let e = state.execErrno {
            lastError = "\(plan.argv[0]): " + (e == ENOENT ? "command not found" : "cannot execute: \(String(cString: strerror(e)))")
            events.emit(.sandboxError, ErrorEvent.fields(SetupError(step: "exec", code: e == ENOENT ? "command_not_found" : "command_not_executable", errno: e, subject: plan.argv[0], message: lastError!)))
        }
        if let setup = state.setupError {
            lastError = setup.description
            events.emit(.sandboxError, ErrorEvent.fields(setup))
        }
        return finish(state: state, cgroup: cgroup, started: started, setupFailed: state.setupError != nil, exitStatus: nil, registry: registry)
    }

    /// Teardown and the final event, on every path.
    private func finish(state: RunState, cgroup: SandboxCgroup?, started: Double, setupFailed: Bool, exitStatus: Int32?, registry: SandboxRegistry.Registration?) -> Int32 {
        let stats = cgroup?.stats()
        notify?.stopping("stopping: removing host objects")
        egress?.teardown(sandboxGone: state.initReaped && state.setupError == nil)
        if let cg = cgroup {
            do { try cg.destroy() } catch {
                events.emit(.sandboxWarning, ["code": .string("cgroup_cleanup"), "message": .string("could not remove \(error.path): \(SystemNames.errnoName(error.errno)); `sandbox-run gc` will retry")])
            }
        }
        for fd in cgroupLocks { close(fd) }
        cgroupLocks = []
        registry?.release()

        var outcome = Outcome.decide(state: state, stats: stats, setupFailed: setupFailed, forcedStatus: exitStatus)
        if let n = stats?.oomKills, n > 0 {
            events.emit(.limitHit, ["limit": .string("memory"), "value": plan.spec.memoryBytes.map { .uint($0) } ?? .null, "count": .int(Int64(n))])
        }
        if let n = stats?.pidsLimitHits, n > 0 {
            events.emit(.limitHit, ["limit": .string("pids"), "value": plan.spec.pids.map { .int(Int64($0)) } ?? .null, "count": .int(Int64(n))])
        }
        if state.deniedSuppressed > 0 {
            events.emit(.eventsSuppressed, ["suppressed_type": .string("syscall.denied"), "count": .int(Int64(state.deniedSuppressed))])
        }
        var denials = DenialCounts(syscalls: state.deniedTotal, queries: egress?.queriesRefused ?? 0, packets: egress?.packetsDropped ?? 0)
        denials.stackedFilters = state.stackedFilters
        if failOnDeny, let s = FailOnDeny.override(reason: outcome.reason, status: outcome.status, denials: denials) {
            events.emit(.sandboxWarning, ["code": .string(FailOnDeny.warningCode), "message": .string(FailOnDeny.message(denials))])
            outcome.status = s
        }
        var end = EndEvent.fields(outcome: outcome, state: state, stats: stats, started: started)
        if let egress { end["network"] = .object(egress.endFields) }
        events.emit(.sandboxEnd, end)
        events.close()
        notify?.status("ended: \(outcome.reason.rawValue), exit status \(outcome.status)")
        return outcome.status
    }
}

func writeByte(_ fd: Int32) -> Bool {
    var b: UInt8 = UInt8(ascii: "g")
    while true {
        let n = write(fd, &b, 1)
        if n == 1 { return true }
        if n < 0 && errno == EINTR { continue }
        return false
    }
}


#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild
import CStockadeSys
import StockadeCgroups
import StockadeEvents

/// Descriptors and modes a run holds until teardown has written the last event.
struct LaunchHandles {
    /// The signals blocked into `signalFd`; empty until they are.
    var signals: [Int32] = []
    var signalFd: Int32 = -1
    /// The workload's own terminal; the caller's is restored on every way out.
    var relay: PtyRelay?
    var reportFd: Int32 = -1
    var goFd: Int32 = -1
    var pidfd: Int32 = -1

    /// Closes and restores in the reverse order of taking.
    mutating func release() {
        if pidfd >= 0 { close(pidfd) }
        if reportFd >= 0 { close(reportFd) }
        if goFd >= 0 { close(goFd) }
        relay?.restore()
        if signalFd >= 0 { close(signalFd) }
        if !signals.isEmpty { signals.withUnsafeBufferPointer { stk_unblock_signals($0.baseAddress, Int32($0.count)) } }
        self = LaunchHandles()
    }
}

extension Supervisor {
    /// Handshake pipes, the signalfd, the workload's terminal, then clone3.
    /// Returns the watch loop for the init, which waits for its first go.
    func spawn(_ prepared: PreparedLaunch) throws(SetupError) -> WatchLoop {
        let trees = prepared.trees
        var reportPipe: [Int32] = [-1, -1]
        var goPipe: [Int32] = [-1, -1]
        guard stk_pipe_cloexec(&reportPipe) == 0, stk_pipe_cloexec(&goPipe) == 0 else {
            trees.closeAll()
            throw SetupError(step: "pipe", code: .pipe, errno: errno, message: "cannot create the handshake pipes")
        }

        let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]
        handles.signalFd = signals.withUnsafeBufferPointer { stk_signalfd_for($0.baseAddress, Int32($0.count)) }
        handles.signals = signals

        // The workload's own terminal (PtyRelay).
        let ptyFds = tty.descriptors(isTerminal: [isatty(0) == 1, isatty(1) == 1, isatty(2) == 1])
        let relay = ptyFds.isEmpty ? nil : PtyRelay(terminal: CallerTerminal(replaced: ptyFds))
        handles.relay = relay

        let arena = CArena()
        var builder = ChildConfigBuilder(plan: prepared.plan, trees: trees, arena: arena, landlock: prepared.landlock)
        if let relay { builder.pty = PtySettings(descriptors: ptyFds, modes: relay.terminal.savedModes, windowSize: relay.terminal.windowSize) }
        var cfg = builder.build(reportFd: reportPipe[1], goFd: goPipe[0])
        var pidfd: Int32 = -1
        // The config points into the arena's memory.
        let pid = withExtendedLifetime(arena) { stk_spawn(&cfg, &pidfd) }
        trees.closeAll()
        close(reportPipe[1])
        close(goPipe[0])
        handles.reportFd = reportPipe[0]
        handles.goFd = goPipe[1]
        guard pid > 0 else {
            let err = -pid
            let hint = err == EPERM || err == ENOSPC || err == EUSERS
                ? "creating namespaces is not permitted here (unprivileged user namespaces disabled or restricted, e.g. by AppArmor)"
                : "clone3 of the sandbox failed"
            throw SetupError(step: "clone", code: .clone, errno: err, message: hint)
        }
        state.initPid = pid
        handles.pidfd = pidfd

        var loop = WatchLoop(
            plan: prepared.plan, events: events, pidfd: pidfd, reportFd: handles.reportFd, goFd: handles.goFd,
            signalFd: handles.signalFd, started: started)
        if let egress { loop.sources.append(egress) }
        if let relay {
            loop.sources.append(relay)
            loop.onPtyMaster = { relay.attach(master: $0) }
        }
        loop.notify = notify
        if let notify, let watchdog = WatchdogSource(notify: notify) { loop.sources.append(watchdog) }
        return loop
    }

    /// The two gos: ID maps written, first go (the child builds its
    /// filesystem while the parent attaches it to the cgroup and the egress
    /// runtime), second go. On failure the init is killed and reaped.
    func handshake(_ loop: inout WatchLoop) throws(SetupError) {
        let pid = state.initPid
        let goFd = handles.goFd
        do {
            try IDMaps.write(pid: pid, uid: plan.spec.uid, gid: plan.spec.gid, rootless: plan.spec.rootless)
            // First go: the child builds its filesystem while we attach it.
            guard writeByte(goFd) else {
                throw SetupError(step: "go", code: .handshake, errno: errno, message: "the sandbox init vanished before setup")
            }
            try cgroup?.attach(pid: pid)
            try egress?.attach(pidfd: handles.pidfd, reportFd: handles.reportFd)
        } catch let e as SetupError {
            throw abort(e, loop: loop)
        } catch let e as CgroupError {
            throw abort(SetupError(step: "cgroup_attach", code: .cgroup, errno: e.errno, subject: e.path, message: "cannot move the sandbox into its cgroup"), loop: loop)
        } catch {
            throw abort(SetupError(step: "setup", code: .setup, message: "\(error)"), loop: loop)
        }
        // Second go: the child is in its cgroup and may continue.
        guard writeByte(goFd) else {
            throw abort(SetupError(step: "go", code: .handshake, errno: errno, message: "the sandbox init vanished before setup"), loop: loop)
        }
    }

    /// Kills and reaps the init after a host-side step failed. The child may
    /// have failed first and said why: its reason is the real one.
    private func abort(_ e: SetupError, loop: WatchLoop) -> SetupError {
        _ = stk_pidfd_send_signal(handles.pidfd, SIGKILL)
        state.reapInit()
        return loop.pendingChildError() ?? e
    }
}

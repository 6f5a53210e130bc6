#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild
import CStockadeSys
import StockadeEvents
import StockadeSeccomp

/// What the supervisor learned while the sandbox ran.
struct RunState {
    var initPid: pid_t = 0
    var initReaped = false
    var initStatus: Int32 = 0
    var usage = rusage()

    var setupError: SetupError?
    var execErrno: Int32?
    var workloadStatus: Int32?
    var readyAt: Double?

    var timedOut = false
    var killedBySupervisor = false
    var forwardedSignal: Int32?

    var deniedTotal = 0
    var deniedBySyscall: [String: Int] = [:]
    var deniedSuppressed = 0
    /// Seccomp filters the workload installed on top of the sandbox's.
    var stackedFilters = 0
    /// The once-only report kinds already taken (`readReports`).
    var onceOnlyReportsSeen: Set<Int32> = []

    /// Blocking reap of the init (after it exited or was killed).
    mutating func reapInit() {
        guard initPid > 0, !initReaped else { return }
        var status: Int32 = 0
        while wait4(initPid, &status, 0, &usage) < 0 && errno == EINTR {}
        initStatus = status
        initReaped = true
    }
}

/// Something else the supervisor's loop watches: the DNS proxy's sockets,
/// the NFLOG socket. Called only from the loop's thread.
protocol PollSource: AnyObject {
    /// Descriptors to poll now, with the events wanted.
    var pollDescriptors: [pollfd] { get }
    /// A descriptor is ready (`revents` as poll(2) returned them).
    func handle(_ fd: Int32, revents: Int16, now: Double)
    /// The next monotonic time this source needs `tick`, if any.
    func nextDeadline() -> Double?
    func tick(now: Double)
}

/// The supervisor's poll loop: the init's pidfd, its report pipe, the seccomp
/// listener, forwarded signals and the deadlines.
struct WatchLoop {
    let plan: Plan
    let events: EventLog
    let pidfd: Int32
    let reportFd: Int32
    let goFd: Int32
    let signalFd: Int32
    let started: Double
    var sources: [any PollSource] = []
    /// The service manager, when started by one (`$NOTIFY_SOCKET`).
    var notify: SdNotify? = nil
    /// Receives the workload's pty master (`--tty`), taken from the init.
    var onPtyMaster: ((Int32) -> Void)? = nil

    func run(_ state: inout RunState) {
        var listener: Int32 = -1
        defer { if listener >= 0 { close(listener) } }
        var reportOpen = true
        var termDeadline: Double? = plan.spec.timeoutSeconds.map { started + $0 }
        var killDeadline: Double? = nil

        while !state.initReaped {
            var fds: [pollfd] = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
            if reportOpen { fds.append(pollfd(fd: reportFd, events: Int16(POLLIN), revents: 0)) }
            if listener >= 0 { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            if signalFd >= 0 { fds.append(pollfd(fd: signalFd, events: Int16(POLLIN), revents: 0)) }
            var owner: [Int32: any PollSource] = [:]
            for source in sources {
                for p in source.pollDescriptors {
                    fds.append(pollfd(fd: p.fd, events: p.events, revents: 0))
                    owner[p.fd] = source
                }
            }

            let now = Clock.monotonic()
            let next = ([termDeadline, killDeadline] + sources.map { $0.nextDeadline() }).compactMap { $0 }.min()
            let timeoutMs: Int32 = next.map { Int32(max(0, min(($0 - now) * 1000 + 1, 60_000))) } ?? -1
            let n = poll(&fds, nfds_t(fds.count), timeoutMs)
            if n < 0 && errno != EINTR { break }

            let t = Clock.monotonic()
            for source in sources {
                if let d = source.nextDeadline(), t >= d { source.tick(now: t) }
            }
            if let d = termDeadline, t >= d {
                termDeadline = nil
                state.timedOut = true
                // Signal first, log afterwards: nothing may delay the signal.
                _ = stk_pidfd_send_signal(pidfd, SIGTERM)
                events.emit(.timeout(afterSeconds: plan.spec.timeoutSeconds ?? 0, phase: .term))
                notify?.stopping("stopping: timeout, SIGTERM sent")
                killDeadline = t + plan.spec.killAfterSeconds
            }
            if let d = killDeadline, t >= d {
                killDeadline = nil
                state.killedBySupervisor = true
                // SIGKILL to the namespace's init takes every process in it.
                _ = stk_pidfd_send_signal(pidfd, SIGKILL)
                if state.timedOut {
                    events.emit(.timeout(afterSeconds: (plan.spec.timeoutSeconds ?? 0) + plan.spec.killAfterSeconds, phase: .kill))
                }
            }

            for fd in fds where fd.revents != 0 {
                if let source = owner[fd.fd] {
                    source.handle(fd.fd, revents: fd.revents, now: t)
                } else if fd.fd == reportFd {
                    reportOpen = readReports(&state, listener: &listener)
                } else if fd.fd == listener {
                    if fd.revents & Int16(POLLHUP) != 0 && fd.revents & Int16(POLLIN) == 0 {
                        close(listener)
                        listener = -1
                    } else {
                        answerNotification(listener, &state)
                    }
                } else if fd.fd == signalFd {
                    while case let sig = stk_signalfd_read(signalFd), sig > 0 {
                        state.forwardedSignal = sig
                        events.emit(.signalForwarded(sig))
                        _ = stk_pidfd_send_signal(pidfd, sig)
                        if sig == SIGTERM || sig == SIGINT { notify?.stopping("stopping: \(SystemNames.signalName(sig)) forwarded to the sandbox") }
                        // A workload that ignores the request still ends.
                        if killDeadline == nil { killDeadline = Clock.monotonic() + plan.spec.killAfterSeconds }
                    }
                } else if fd.fd == pidfd {
                    // The init exited: collect the last reports, then reap.
                    while reportOpen, hasInput(reportFd) {
                        reportOpen = readReports(&state, listener: &listener)
                    }
                    state.reapInit()
                }
            }
        }
    }

    /// An error record the child already wrote, if any (non-blocking).
    func pendingChildError() -> SetupError? {
        while hasInput(reportFd) {
            var rec = stk_report()
            let n = withUnsafeMutableBytes(of: &rec) { read(reportFd, $0.baseAddress, $0.count) }
            guard n == MemoryLayout<stk_report>.size else { return nil }
            if rec.kind == Int32(STK_REPORT_ERROR.rawValue) {
                return childError(step: rec.step, err: rec.err, value: rec.value)
            }
        }
        return nil
    }

    /// Reports the init sends exactly once, each handing over a descriptor
    /// (its seccomp listener, its pty master): only the first is taken. A
    /// second listener would replace the one being answered and leak it; a
    /// second pty would replace the relay's terminal.
    private static let onceOnlyReports: [Int32: (code: String, what: String)] = [
        Int32(STK_REPORT_LISTENER.rawValue): ("listener_handoff_repeated", "seccomp listener"),
        Int32(STK_REPORT_PTY.rawValue): ("pty_handoff_repeated", "pty master"),
    ]

    /// Reads one record; returns false at EOF.
    private func readReports(_ state: inout RunState, listener: inout Int32) -> Bool {
        var rec = stk_report()
        let n = withUnsafeMutableBytes(of: &rec) { read(reportFd, $0.baseAddress, $0.count) }
        if n <= 0 { return n < 0 && errno == EINTR }
        guard n == MemoryLayout<stk_report>.size else { return true }
        if let repeated = Self.onceOnlyReports[rec.kind], !state.onceOnlyReportsSeen.insert(rec.kind).inserted {
            // Take nothing and send no "go": the init sends one report and
            // waits for one go.
            events.emit(.warning(code: repeated.code, message: "the sandbox init reported a second \(repeated.what); it was ignored"))
            return true
        }
        switch rec.kind {
        case Int32(STK_REPORT_ERROR.rawValue):
            state.setupError = childError(step: rec.step, err: rec.err, value: rec.value)
        case Int32(STK_REPORT_LISTENER.rawValue):
            let fd = stk_pidfd_getfd(pidfd, rec.value)
            if fd < 0 {
                state.setupError = SetupError(step: "listener_handoff", code: .seccompListener, errno: -fd, message: "cannot take the seccomp listener from the sandbox init")
                _ = stk_pidfd_send_signal(pidfd, SIGKILL)
            } else {
                listener = fd
                _ = writeByte(goFd)
            }
        case Int32(STK_REPORT_EXEC_OK.rawValue):
            state.readyAt = Clock.monotonic()
            events.emit(.ready(setupMs: ((state.readyAt ?? started) - started) * 1000, pid: state.initPid))
            notify?.ready(pid: state.initPid, sandboxId: plan.spec.id)
        case Int32(STK_REPORT_EXEC_FAILED.rawValue):
            state.execErrno = rec.err
        case Int32(STK_REPORT_EXIT.rawValue):
            state.workloadStatus = rec.value
        case Int32(STK_REPORT_PTY.rawValue):
            takePtyMaster(rec.value, &state)
        default:
            break
        }
        return true
    }

    private func childError(step: Int32, err: Int32, value: Int32) -> SetupError {
        let name = String(cString: stk_step_name(step))
        var subject: String? = nil
        var message = "sandbox setup failed at \(name)"
        if step == Int32(STK_STEP_MOUNT_OP.rawValue), value >= 0, Int(value) < plan.mounts.count {
            let m = plan.mounts[Int(value)]
            subject = m.destination
            message = "cannot set up \(m.destination) inside the sandbox (\(MountStepDescription.kind(m)))"
        } else if step == Int32(STK_STEP_CHDIR.rawValue) {
            subject = plan.cwd
            message = "the working directory \(plan.cwd) is not visible inside the sandbox"
        }
        var code = SetupError.Code(childStep: name)
        // A bind the init cloned itself (rootless) that is no longer the
        // object the supervisor opened (filesystem.c, clone_tree).
        if step == Int32(STK_STEP_MOUNT_OP.rawValue), err == ESTALE, value >= 0, Int(value) < plan.mounts.count,
           case .bind(let source, let destination, _, _, _) = plan.mounts[Int(value)] {
            code = .bindSourceChanged
            subject = source
            message = "\(source) is no longer the object the supervisor opened: it was replaced since; refusing to bind it at \(destination)"
        }
        return SetupError(step: name, code: code, errno: err, subject: subject, message: message)
    }

    /// Every notification is a denial, answered with an errno, except the
    /// installs of a stacked filter, which are only reported
    /// (`StackedFilterNotice`).
    private func answerNotification(_ listener: Int32, _ state: inout RunState) {
        var n = stk_notification()
        let r = stk_notif_recv(listener, &n)
        guard r == 0 else { return }
        if plan.seccomp.stackingSyscalls.contains(n.nr) {
            return StackedFilterNotice.answer(n, listener: listener, events: events, state: &state)
        }
        let err = plan.seccomp.errno(forSyscall: n.nr)
        _ = stk_notif_deny(listener, n.id, err)
        let isX32 = n.nr & SyscallTable.x32SyscallBit != 0
        let name = SyscallTable.name(of: n.nr) ?? "syscall_\(n.nr)"
        state.deniedTotal += 1
        state.deniedBySyscall[name, default: 0] += 1
        if state.deniedTotal <= Supervisor.deniedEventCap {
            let args = withUnsafeBytes(of: n.args) { Array($0.bindMemory(to: UInt64.self)) }
            let socket = SocketDenialFields.socket(syscall: name, args: args)
            events.emit(.syscallDenied(
                syscall: name, nr: Int64(n.nr),
                arch: isX32 ? "x32" : (n.arch == BPFInstruction.auditArchX86_64 ? "x86_64" : String(n.arch, radix: 16)),
                errno: err, pid: Int64(n.pid), family: socket?.family, netlinkProtocol: socket?.netlinkProtocol))
        } else {
            state.deniedSuppressed += 1
        }
    }

    private func hasInput(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }
}

enum MountStepDescription {
    static func kind(_ m: MountStep) -> String {
        switch m {
        case .bind(let s, _, let ro, _, _): return "\(ro ? "read-only" : "read-write") bind of \(s)"
        case .tmpfs: return "tmpfs"
        case .proc: return "proc"
        case .devpts: return "devpts"
        case .symlink(let t, _): return "symlink to \(t)"
        case .hide: return "cover"
        case .remountReadOnly: return "read-only remount"
        case .sysfs: return "sysfs"
        case .cgroupView: return "cgroup view"
        }
    }
}

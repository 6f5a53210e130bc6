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
    public internal(set) var lastError: String?
    var egress: EgressRuntime?
    /// Locks on the sandbox cgroup's directories, held until it is destroyed.
    var cgroupLocks: [Int32] = []
    /// The service manager (sd_notify), when `$NOTIFY_SOCKET` is set.
    public var notify: SdNotify? = SdNotify.fromEnvironment()

    /// `--fail-on-deny`: a passing run with denials exits `FailOnDeny.status`.
    public var failOnDeny = false

    /// `--tty`: whether the workload gets its own pseudo-terminal.
    public var tty: TTYMode = .auto

    /// Per-sandbox cap on `syscall.denied` events; the rest are only counted.
    public static let deniedEventCap = 1000

    // One run's state and host objects (a Supervisor runs once); the phases
    // fill them in as they come into being and teardown releases them.
    var started: Double = 0
    var state = RunState()
    var registry: SandboxRegistry.Registration?
    var cgroup: SandboxCgroup?
    var handles = LaunchHandles()

    public init(plan: Plan, events: EventLog, cgroupLayout: CgroupLayout, features: KernelFeatures) {
        self.plan = plan
        self.events = events
        self.cgroupLayout = cgroupLayout
        self.features = features
    }

    /// Runs the sandbox to its end and returns the exit status for sandbox-run.
    ///
    /// The phases, in order: prepare the host objects, spawn the init,
    /// handshake with it, watch it until it ends, tear down. A failure in any
    /// phase before the watch fails closed (`sandbox.error`, exit 125).
    public func run() -> Int32 {
        started = Clock.monotonic()
        // Released after teardown has written the last event, so signals
        // stay blocked (read through the signalfd) until the very end.
        defer { handles.release() }
        do {
            let prepared = try prepare()
            var loop = try spawn(prepared)
            try handshake(&loop)
            watch(&loop)
        } catch {
            return fail(error)
        }
        return teardown(setupFailed: state.setupError != nil, exitStatus: nil)
    }

    /// Watches the running sandbox until its init is gone, then reports an
    /// exec or late setup failure the child sent.
    func watch(_ loop: inout WatchLoop) {
        loop.run(&state)
        handles.relay?.drain()
        handles.relay?.restore()

        if let e = state.execErrno {
            lastError = "\(plan.argv[0]): " + (e == ENOENT ? "command not found" : "cannot execute: \(String(cString: strerror(e)))")
            events.emit(SetupError(step: "exec", code: e == ENOENT ? .commandNotFound : .commandNotExecutable, errno: e, subject: plan.argv[0], message: lastError!).event)
        }
        if let setup = state.setupError {
            lastError = setup.description
            events.emit(setup.event)
        }
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


/// How a sandbox ended, as `sandbox.end` reports it in `exit_reason`.
public enum ExitReason: String, CaseIterable, Sendable {
    /// The workload exited on its own; the status is its own.
    case exit
    /// The workload was killed by a signal (not one of the cases below).
    case signal
    /// The wall-clock timeout fired and the supervisor ended the workload.
    case timeout
    /// The kernel's OOM killer ended the workload inside its memory limit.
    case oomKill = "oom_kill"
    /// The seccomp filter killed the workload (SIGSYS).
    case seccompKill = "seccomp_kill"
    /// The sandbox could not be built; the workload never ran.
    case setupFailed = "setup_failed"
}

/// The supervisor's exit statuses, following `timeout(1)` and `docker run`.
///
/// A workload can exit with any of these numbers itself; `exit_reason` in
/// `sandbox.end` is what tells them apart. See docs/exit-status.md.
public enum ExitStatus {
    /// The wall-clock timeout fired (as `timeout(1)`).
    public static let timeout: Int32 = 124
    /// The sandbox could not be built; a `sandbox.error` event says why.
    public static let setupFailed: Int32 = 125
    /// The command exists but cannot be executed (a directory, no x bit, EACCES, ENOEXEC).
    public static let notExecutable: Int32 = 126
    /// The command was not found (ENOENT on execve, or not on PATH).
    public static let notFound: Int32 = 127
    /// Added to the signal number when the workload is killed by a signal.
    public static let signalBase: Int32 = 128
    /// Killed by the seccomp filter: 128 + SIGSYS (31).
    public static let seccompKill: Int32 = 128 + 31
    /// Killed by the OOM killer: 128 + SIGKILL (9).
    public static let oomKill: Int32 = 128 + 9

    /// 128 + `signal` for a real signal number (1…64); 255 for anything else,
    /// since a status must fit in 8 bits and must not look like success.
    public static func forSignal(_ signal: Int32) -> Int32 {
        (1...64).contains(signal) ? signalBase + signal : 255
    }
}

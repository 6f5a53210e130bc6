#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents

/// The workload's pty master (`--tty`) arrives once, reported by the init
/// (`STK_REPORT_PTY`) before anything of the workload runs, and the
/// supervisor relays the caller's terminal to it. So it takes exactly one
/// descriptor and only a real pty master: a second report is ignored (the
/// init sends one; a second would replace the relay's terminal), and
/// anything else is closed and fails the start (hard rule 3).
struct PtyHandoff: Equatable {
    private var once = OnceOnlyReport()
    var received: Bool { once.received }

    enum Admission: Equatable {
        /// The first report: copy the descriptor and check it.
        case take
        /// A report after the first: take nothing, warn.
        case refuseRepeat
    }

    /// Whether to take the descriptor of this report; only the first one is.
    mutating func admit() -> Admission {
        once.admit() ? .take : .refuseRepeat
    }

    /// A pty master answers `TIOCGPTN` with its number; a slave, a pipe or
    /// a file does not. Returns nil for a master, else the errno.
    static func refusal(of fd: Int32) -> Int32? {
        let n = stk_pty_number(fd)
        return n >= 0 ? nil : -n
    }
}

/// A report the init sends exactly once (its seccomp listener, its pty
/// master): the first is admitted, every later one refused. A second
/// listener would replace the one being answered and leak it.
struct OnceOnlyReport: Equatable {
    private(set) var received = false

    /// True for the first call only.
    mutating func admit() -> Bool {
        defer { received = true }
        return !received
    }
}

extension WatchLoop {
    /// `STK_REPORT_PTY`: copy the init's pty master at `childFd`, check it
    /// and give it to the relay, then let the init go on.
    func takePtyMaster(_ childFd: Int32, _ handoff: inout PtyHandoff, _ state: inout RunState) {
        guard handoff.admit() == .take else {
            // No "go" either: the init sends one report and waits for one go.
            events.emit(.sandboxWarning, ["code": .string("pty_handoff_repeated"),
                                          "message": .string("the sandbox init reported a second pty master; it was ignored")])
            return
        }
        let fd = stk_pidfd_getfd(pidfd, childFd)
        if fd < 0 {
            state.setupError = SetupError(step: "pty_handoff", code: .pty, errno: -fd, message: "cannot take the pty master from the sandbox init")
            _ = stk_pidfd_send_signal(pidfd, SIGKILL)
            return
        }
        if let e = PtyHandoff.refusal(of: fd) {
            close(fd)
            state.setupError = SetupError(step: "pty_handoff", code: .pty, errno: e, message: "the descriptor the sandbox init handed over as its pty is not a pty master")
            _ = stk_pidfd_send_signal(pidfd, SIGKILL)
            return
        }
        if let take = onPtyMaster { take(fd) } else { close(fd) }
        _ = writeByte(goFd)
    }
}

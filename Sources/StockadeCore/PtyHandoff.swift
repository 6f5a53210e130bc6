#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents

/// The workload's pty master (`--tty`) arrives once, reported by the init
/// (`STK_REPORT_PTY`) before anything of the workload runs, and the
/// supervisor relays the caller's terminal to it. So it takes only a real
/// pty master: anything else is closed and fails the start (hard rule 3).
/// A second report is refused before it gets here (`WatchLoop`'s once-only
/// reports).
enum PtyHandoff {
    /// A pty master answers `TIOCGPTN` with its number; a slave, a pipe or
    /// a file does not. Returns nil for a master, else the errno.
    static func refusal(of fd: Int32) -> Int32? {
        let n = stk_pty_number(fd)
        return n >= 0 ? nil : -n
    }
}

extension WatchLoop {
    /// `STK_REPORT_PTY`: copy the init's pty master at `childFd`, check it
    /// and give it to the relay, then let the init go on.
    func takePtyMaster(_ childFd: Int32, _ state: inout RunState) {
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

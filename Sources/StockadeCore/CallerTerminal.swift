#if canImport(Glibc)
import Glibc
#endif

/// The caller's side of a pty run: sandbox-run's stdin and stdout, and the
/// terminal (if any) whose modes it changes.
///
/// Rule 7 (never block on a descriptor the workload can stall): every
/// descriptor the relay uses is non-blocking. Setting O_NONBLOCK on the
/// caller's own stdin/stdout would change the open file description it
/// shares with the caller's shell, so terminals and pipes are reopened
/// through /proc/self/fd (a new description of the same file); only what
/// cannot be reopened (a socket) gets O_NONBLOCK on the shared description,
/// cleared again by `restore`. Regular files never block and are used as is.
///
/// Raw mode: bytes pass through untouched (^C, ^Z, ^S arrive as bytes and
/// the pty's own line discipline inside turns them into signals for the
/// workload). Entered only when sandbox-run is in the terminal's foreground
/// process group; `restore` puts the saved modes back with TCSANOW, which
/// never waits for output to drain (a stopped terminal cannot stall it).
final class CallerTerminal {
    /// The terminal whose modes are copied and made raw: the first replaced
    /// descriptor that is one; -1 when none is.
    let termFd: Int32
    /// Modes and window size of `termFd`, copied to the pty.
    let savedModes: termios?
    let windowSize: winsize?
    /// Non-blocking descriptors the relay reads and writes.
    private(set) var inFd: Int32 = -1
    private(set) var outFd: Int32 = -1
    /// Whether stdin is read at all (a terminal we are in the background
    /// of would stop us with SIGTTIN, so it is not).
    let readsInput: Bool
    let inputIsTerminal: Bool
    private var rawApplied = false
    private var clearNonblock: [Int32] = []
    private var closed = false

    /// `replaced`: the descriptors (0, 1, 2) the workload's pty stands in for.
    init(replaced: [Int32]) {
        let terminals = replaced.filter { isatty($0) == 1 }
        termFd = terminals.first ?? -1
        inputIsTerminal = replaced.contains(0) && isatty(0) == 1
        var modes = termios()
        savedModes = termFd >= 0 && tcgetattr(termFd, &modes) == 0 ? modes : nil
        var ws = winsize()
        windowSize = termFd >= 0 && ioctl(termFd, UInt(TIOCGWINSZ), &ws) == 0 ? ws : nil
        readsInput = replaced.contains(0) && (!inputIsTerminal || Self.inForeground(0))
        if readsInput { inFd = nonBlockingCopy(0, flags: O_RDONLY) }
        // The pty's output (the workload's, or only the echo of what is
        // typed when stdout and stderr are files) goes to the first
        // replaced output, else back to the terminal it came from.
        if let out = replaced.first(where: { $0 == 1 || $0 == 2 }) ?? (termFd >= 0 ? termFd : nil) {
            outFd = nonBlockingCopy(out, flags: O_WRONLY)
        }
    }

    static func inForeground(_ fd: Int32) -> Bool {
        let fg = tcgetpgrp(fd)
        return fg >= 0 && fg == getpgrp()
    }

    /// Raw mode on the caller's terminal, if we are in its foreground.
    func enterRaw() {
        guard termFd >= 0, let saved = savedModes, Self.inForeground(termFd) else { return }
        var raw = saved
        cfmakeraw(&raw)
        if tcsetattr(termFd, TCSANOW, &raw) == 0 { rawApplied = true }
    }

    /// The current window size of the caller's terminal.
    func currentWindowSize() -> winsize? {
        guard termFd >= 0 else { return nil }
        var ws = winsize()
        return ioctl(termFd, UInt(TIOCGWINSZ), &ws) == 0 ? ws : nil
    }

    /// Saved modes back, shared descriptions as they were. Idempotent.
    func restore() {
        if rawApplied, var saved = savedModes {
            while tcsetattr(termFd, TCSANOW, &saved) < 0 && errno == EINTR {}
            rawApplied = false
        }
        for fd in clearNonblock {
            let fl = fcntl(fd, F_GETFL)
            if fl >= 0 { _ = fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) }
        }
        clearNonblock = []
        if !closed {
            closed = true
            if inFd > 2 { close(inFd) }
            if outFd > 2 { close(outFd) }
        }
    }

    private func nonBlockingCopy(_ fd: Int32, flags: Int32) -> Int32 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return -1 }
        let type = st.st_mode & S_IFMT
        if type == S_IFREG { return fcntl(fd, F_DUPFD_CLOEXEC, 3) }
        if type == S_IFCHR || type == S_IFIFO {
            let r = open("/proc/self/fd/\(fd)", flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            if r >= 0 { return r }
        }
        let fl = fcntl(fd, F_GETFL)
        guard fl >= 0 else { return -1 }
        if fl & O_NONBLOCK == 0 {
            guard fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 else { return -1 }
            clearNonblock.append(fd)
        }
        return fd
    }
}

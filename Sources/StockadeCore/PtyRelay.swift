#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys

/// Relays between the caller's terminal and the workload's pty master, from
/// the supervisor's poll loop.
///
/// Never blocks: every descriptor is non-blocking, each direction has a
/// bounded buffer, and a side that cannot take bytes only stops the relay
/// from reading the other side. If the caller's terminal is flow-stopped
/// (TCOOFF) or nobody reads it, the master is no longer read, the workload
/// blocks on its own terminal, and the loop still runs its timeouts and
/// signals. Whatever the workload does to its pty (raw mode, TCXONC, TIOCSTI
/// if a profile allowed it) stays on that pty: the caller's terminal is
/// touched only by the supervisor, and `restore` puts its modes back.
///
/// Signals, on a signalfd of its own:
/// - SIGWINCH: the caller's window size is copied to the pty; the kernel then
///   sends SIGWINCH to the pty's foreground process group inside.
/// - SIGCONT: raw mode again (a shell restores its own modes when a job stops).
/// - SIGTSTP, SIGTTIN, SIGTTOU: consumed, so sandbox-run itself never stops
///   while it owns a pty. Stopping it would stop its timeouts and leave the
///   terminal raw; ^Z typed by the user arrives as a byte and suspends the
///   workload's foreground job inside, as it would over ssh.
final class PtyRelay: PollSource {
    static let bufferCap = 64 * 1024
    static let handledSignals: [Int32] = [SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU]

    let terminal: CallerTerminal
    private(set) var master: Int32 = -1
    private var toPty: [UInt8] = []
    private var toCaller: [UInt8] = []
    private var inputOpen: Bool
    private var masterOpen = true
    private var callerOpen = true
    private let signalFd: Int32
    private var signalsBlocked = true

    init(terminal: CallerTerminal) {
        self.terminal = terminal
        inputOpen = terminal.inFd >= 0
        // No usable stdout: output is read and dropped, so the workload
        // never blocks on a relay that cannot deliver.
        callerOpen = terminal.outFd >= 0
        signalFd = Self.handledSignals.withUnsafeBufferPointer { stk_signalfd_for($0.baseAddress, Int32($0.count)) }
    }

    /// The master arrived from the sandbox init: from now on the caller's
    /// terminal is raw.
    func attach(master fd: Int32) {
        let fl = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, (fl < 0 ? 0 : fl) | O_NONBLOCK)
        master = fd
        terminal.enterRaw()
    }

    var pollDescriptors: [pollfd] {
        var out: [pollfd] = []
        if signalFd >= 0 { out.append(pollfd(fd: signalFd, events: Int16(POLLIN), revents: 0)) }
        guard master >= 0 else { return out }
        var m: Int16 = 0
        if masterOpen && toCaller.count < Self.bufferCap { m |= Int16(POLLIN) }
        if masterOpen && !toPty.isEmpty { m |= Int16(POLLOUT) }
        if m != 0 { out.append(pollfd(fd: master, events: m, revents: 0)) }
        if inputOpen && toPty.count < Self.bufferCap { out.append(pollfd(fd: terminal.inFd, events: Int16(POLLIN), revents: 0)) }
        if callerOpen && !toCaller.isEmpty { out.append(pollfd(fd: terminal.outFd, events: Int16(POLLOUT), revents: 0)) }
        return out
    }

    func handle(_ fd: Int32, revents: Int16, now: Double) {
        if fd == signalFd {
            handleSignals()
            return
        }
        if fd == master {
            if revents & Int16(POLLOUT) != 0 { flush(&toPty, to: master, open: &masterOpen) }
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                fill(&toCaller, from: master, open: &masterOpen)
                if !callerOpen { toCaller = [] }
            }
        }
        if fd == terminal.inFd && fd >= 0 && inputOpen {
            fill(&toPty, from: fd, open: &inputOpen)
            if !inputOpen && !terminal.inputIsTerminal {
                // Piped input ended: the pty's end-of-file character, so a
                // reader in canonical mode sees EOF (as `ssh -tt` does).
                toPty.append(terminal.savedModes.map { $0.c_cc.4 } ?? 4)
            }
        }
        if fd == terminal.outFd && fd >= 0 && revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
            flush(&toCaller, to: fd, open: &callerOpen)
            if !callerOpen { toCaller = [] }
        }
    }

    func nextDeadline() -> Double? { nil }
    func tick(now: Double) {}

    /// After the sandbox ended: what the workload wrote last, for at most
    /// `seconds`, without blocking.
    func drain(seconds: Double = 0.5) {
        guard master >= 0 else { return }
        let end = Clock.monotonic() + seconds
        while Clock.monotonic() < end {
            if masterOpen && toCaller.count < Self.bufferCap {
                let before = toCaller.count
                fill(&toCaller, from: master, open: &masterOpen)
                if toCaller.count == before && masterOpen && toCaller.isEmpty { break }
            }
            if callerOpen && !toCaller.isEmpty {
                var p = pollfd(fd: terminal.outFd, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 20) > 0 { flush(&toCaller, to: terminal.outFd, open: &callerOpen) }
            } else if !masterOpen || !callerOpen {
                break
            }
        }
    }

    /// The caller's terminal as it was; signals as they were. Idempotent.
    func restore() {
        terminal.restore()
        if master >= 0 {
            close(master)
            master = -1
        }
        if signalsBlocked {
            signalsBlocked = false
            if signalFd >= 0 { close(signalFd) }
            Self.handledSignals.withUnsafeBufferPointer { stk_unblock_signals($0.baseAddress, Int32($0.count)) }
        }
    }

    private func handleSignals() {
        while case let sig = stk_signalfd_read(signalFd), sig > 0 {
            switch sig {
            case SIGWINCH:
                if master >= 0, var ws = terminal.currentWindowSize() { _ = ioctl(master, UInt(TIOCSWINSZ), &ws) }
            case SIGCONT:
                if master >= 0 { terminal.enterRaw() }
            default:
                break
            }
        }
    }

    private func fill(_ buffer: inout [UInt8], from fd: Int32, open: inout Bool) {
        let room = Self.bufferCap - buffer.count
        guard room > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: min(room, 16 * 1024))
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
        } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
            // EOF, or EIO once every slave descriptor is closed.
            open = false
        }
    }

    private func flush(_ buffer: inout [UInt8], to fd: Int32, open: inout Bool) {
        guard !buffer.isEmpty else { return }
        let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            buffer.removeFirst(n)
        } else if n < 0 && errno != EAGAIN && errno != EINTR {
            open = false
            buffer = []
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The service manager's readiness protocol (sd_notify(3)) without libsystemd:
/// `KEY=VALUE` lines in one datagram to the unix socket named by
/// `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
///
/// The supervisor sends `READY=1` only when the workload was exec'd inside
/// the finished sandbox (the `sandbox.ready` event): a unit that is
/// "active" has every wall up. Nothing is sent before that, so a setup
/// failure leaves the unit in "activating" until the process exits and
/// systemd sees the failure.
public final class SdNotify {
    /// The socket address, with its length (abstract names are not NUL-terminated).
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    private let fd: Int32
    /// `$WATCHDOG_USEC` as seconds, when the watchdog is meant for this process.
    public let watchdogInterval: Double?
    /// Whether `READY=1` went out; later messages are sent only after it.
    public private(set) var isReady = false
    private var stoppingSent = false

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID`; nil when
    /// not started by a service manager (or the socket name is unusable).
    public static func fromEnvironment() -> SdNotify? {
        guard let raw = getenv("NOTIFY_SOCKET") else { return nil }
        let path = String(cString: raw)
        var interval: Double? = nil
        if let usec = getenv("WATCHDOG_USEC").flatMap({ UInt64(String(cString: $0)) }), usec > 0 {
            let pid = getenv("WATCHDOG_PID").map { String(cString: $0) }
            if pid == nil || pid == String(getpid()) { interval = Double(usec) / 1_000_000 }
        }
        return SdNotify(socketPath: path, watchdogInterval: interval)
    }

    /// - Parameter socketPath: a filesystem path (`/run/...`) or `@name`.
    public init?(socketPath: String, watchdogInterval: Double? = nil) {
        let bytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0),
              bytes[0] == UInt8(ascii: "/") || bytes[0] == UInt8(ascii: "@")
        else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            if bytes[0] == UInt8(ascii: "@") { raw[0] = 0 }
        }
        let base = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        // A path includes its terminating NUL; an abstract name is exactly its bytes.
        addressLength = socklen_t(base + bytes.count + (bytes[0] == UInt8(ascii: "@") ? 0 : 1))
        // Non-blocking: a manager that stops reading costs a lost ping, never a stalled supervisor.
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.watchdogInterval = watchdogInterval
    }

    deinit { close(fd) }

    /// Sends `lines` as one datagram; returns whether the kernel took it.
    /// A vanished manager must not stop the supervisor, so failures are only reported.
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        var text = lines.map { $0.replacingNewlines() }.joined(separator: "\n")
        let len = addressLength
        return text.withUTF8 { buf in
            withUnsafePointer(to: &address) { ap in
                ap.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    while true {
                        let n = sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, len)
                        if n >= 0 { return true }
                        if errno != EINTR { return false }
                    }
                }
            }
        }
    }

    /// The workload runs inside the finished sandbox.
    public func ready(pid: Int32, sandboxId: String) {
        guard !isReady else { return }
        isReady = true
        send(["READY=1", "STATUS=running: sandbox \(sandboxId), init pid \(pid)"])
    }

    /// A human-readable status line (`systemctl status`); only once ready.
    public func status(_ text: String) {
        guard isReady else { return }
        send(["STATUS=\(text)"])
    }

    /// The service is shutting down: sent once, only after `READY=1`.
    public func stopping(_ text: String) {
        guard isReady else { return }
        if stoppingSent {
            send(["STATUS=\(text)"])
        } else {
            stoppingSent = true
            send(["STOPPING=1", "STATUS=\(text)"])
        }
    }

    /// Keep-alive for `WatchdogSec=`.
    public func watchdogPing() {
        send(["WATCHDOG=1"])
    }
}

/// Pings the watchdog every half interval once the sandbox is ready; a
/// deadline-only source of the supervisor's loop (no descriptors).
final class WatchdogSource: PollSource {
    let notify: SdNotify
    let period: Double
    private var last: Double?

    init?(notify: SdNotify) {
        guard let interval = notify.watchdogInterval else { return nil }
        self.notify = notify
        self.period = interval / 2
    }

    var pollDescriptors: [pollfd] { [] }
    func handle(_ fd: Int32, revents: Int16, now: Double) {}

    func nextDeadline() -> Double? {
        guard notify.isReady else { return nil }
        // The first ping right after READY: the manager's timer runs from start-up.
        return last.map { $0 + period } ?? 0
    }

    func tick(now: Double) {
        guard notify.isReady else { return }
        last = now
        notify.watchdogPing()
    }
}

extension String {
    /// A newline would start a new assignment inside the datagram.
    fileprivate func replacingNewlines() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\n" ? " " : $0 }))
    }
}

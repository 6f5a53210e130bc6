import Glibc

/// A failure talking to the kernel over netlink, naming the step, the object and the errno.
///
/// `errno` is positive (`EEXIST`, `EPERM`…) or 0 when the failure is not a system error
/// (a malformed reply, a missing acknowledgement).
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where in the exchange the failure happened.
    public enum Step: String, Sendable {
        /// `socket(AF_NETLINK, …)` or `bind()`.
        case openSocket = "open_socket"
        /// Entering the network namespace a socket is to be made in (`open`, `setns`).
        case enterNamespace = "enter_namespace"
        /// Building a message (a value did not fit, an allocation failed).
        case build
        /// `sendto()`.
        case send
        /// `recv()`, or a reply that was missing or truncated.
        case receive
        /// The kernel answered a message with an error.
        case kernel
        /// A reply that could not be parsed.
        case parse
    }

    public var step: Step
    public var errno: Int32
    /// What was being done: the failing message's summary (`add chain inet stockade_x forward`),
    /// an interface name, a namespace path.
    public var target: String

    public init(step: Step, errno: Int32, target: String) {
        self.step = step
        self.errno = errno
        self.target = target
    }

    /// A stable snake_case code for events: `netlink_<step>`.
    public var code: String { "netlink_\(step.rawValue)" }

    public var description: String {
        let reason = errno == 0 ? "failed" : String(cString: strerror(errno))
        return "netlink \(step.rawValue): \(target): \(reason) (errno \(errno))"
    }
}

/// Why compiling a seccomp policy failed: which step, for which syscall, and
/// the errno libseccomp (or the kernel) returned.
public struct SeccompError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The compiler step that failed. The raw value is a stable snake_case
    /// code that events and the CLI may carry.
    public enum Step: String, Equatable, Sendable, CaseIterable {
        /// `seccomp_init` failed (out of memory).
        case initialize = "init"
        /// `seccomp_attr_set` refused an attribute.
        case attribute
        /// A syscall name libseccomp does not know.
        case resolve
        /// A rule could not be expressed (libseccomp refused it, or a policy
        /// condition cannot be combined with a hardening condition).
        case rule
        /// `seccomp_export_bpf` or reading its output back failed.
        case export
        /// The exported program is not something the kernel would load
        /// (empty, not a whole number of instructions, too long).
        case program
    }

    public var step: Step
    /// The syscall the failing rule was about, when there is one.
    public var syscall: String?
    /// Positive errno (libseccomp returns `-errno`; it is negated back here).
    /// 0 when the failure is not an errno (a policy that cannot be expressed).
    public var errno: Int32
    public var message: String

    public init(step: Step, syscall: String? = nil, errno: Int32 = 0, message: String) {
        self.step = step
        self.syscall = syscall
        self.errno = errno
        self.message = message
    }

    public var description: String {
        var text = "seccomp \(step.rawValue)"
        if let syscall { text += " [\(syscall)]" }
        text += ": \(message)"
        if errno != 0 { text += " (errno \(errno))" }
        return text
    }
}

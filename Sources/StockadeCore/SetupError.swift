#if canImport(Glibc)
import Glibc
import StockadeEvents
#endif

/// A step of building the sandbox failed. Fail closed: the workload never
/// runs, the `sandbox.error` event carries these fields, the exit status is 125.
public struct SetupError: Error, Equatable, CustomStringConvertible {
    /// The step, as named in events: `open_tree`, `cgroup_create`, `mount_op`…
    public var step: String
    /// Stable snake_case code (`Code`'s raw value in events).
    public var code: Code
    /// errno of the failing call, 0 when not a syscall failure.
    public var errno: Int32
    /// The path, name or value at fault, if any.
    public var subject: String?
    public var message: String

    public init(step: String, code: Code, errno: Int32 = 0, subject: String? = nil, message: String) {
        self.step = step
        self.code = code
        self.errno = errno
        self.subject = subject
        self.message = message
    }

    public var errnoName: String? { errno == 0 ? nil : SystemNames.errnoName(errno) }

    public var description: String {
        var s = message
        if errno != 0 { s += ": \(String(cString: strerror(errno))) (\(SystemNames.errnoName(errno)))" }
        return s + " [step \(step)]"
    }
}

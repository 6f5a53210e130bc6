#if canImport(Glibc)
import Glibc
#endif

/// A step of building the sandbox failed. Fail closed: the workload never
/// runs, the `sandbox.error` event carries these fields, the exit status is 125.
public struct SetupError: Error, Equatable, CustomStringConvertible {
    /// The step, as named in events: `open_tree`, `cgroup_create`, `mount_op`…
    public var step: String
    /// Stable snake_case code.
    public var code: String
    /// errno of the failing call, 0 when not a syscall failure.
    public var errno: Int32
    /// The path, name or value at fault, if any.
    public var subject: String?
    public var message: String

    public init(step: String, code: String, errno: Int32 = 0, subject: String? = nil, message: String) {
        self.step = step
        self.code = code
        self.errno = errno
        self.subject = subject
        self.message = message
    }

    public var errnoName: String? { errno == 0 ? nil : ErrnoNames.name(errno) }

    public var description: String {
        var s = message
        if errno != 0 { s += ": \(String(cString: strerror(errno))) (\(ErrnoNames.name(errno)))" }
        return s + " [step \(step)]"
    }
}

/// Symbolic errno names for events (`EPERM`), since numbers differ by arch.
public enum ErrnoNames {
    static let table: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
        ENXIO: "ENXIO", E2BIG: "E2BIG", ENOEXEC: "ENOEXEC", EBADF: "EBADF", ECHILD: "ECHILD",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
        EEXIST: "EEXIST", EXDEV: "EXDEV", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
        EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE", ENOTTY: "ENOTTY", ETXTBSY: "ETXTBSY",
        EFBIG: "EFBIG", ENOSPC: "ENOSPC", ESPIPE: "ESPIPE", EROFS: "EROFS", EMLINK: "EMLINK",
        EPIPE: "EPIPE", ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS",
        ELOOP: "ELOOP", EOVERFLOW: "EOVERFLOW", EAFNOSUPPORT: "EAFNOSUPPORT",
        EOPNOTSUPP: "EOPNOTSUPP", ECONNREFUSED: "ECONNREFUSED", ENETUNREACH: "ENETUNREACH",
        EUSERS: "EUSERS", EDQUOT: "EDQUOT",
    ]

    public static func name(_ e: Int32) -> String {
        table[e] ?? "E\(e)"
    }
}

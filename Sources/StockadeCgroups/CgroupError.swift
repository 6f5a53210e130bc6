import Glibc

/// A failure while building, joining, reading or removing a sandbox cgroup.
///
/// `step` is a stable snake_case word that events carry (`validate`,
/// `controller_missing`, `mkdir`, `write_limit`, `enable_controllers`,
/// `move_self`, `attach`, `kill`, `rmdir`, `detect`); `path` names the
/// directory or file involved; `errno` is the kernel's answer (0 when the
/// failure was ours, e.g. a bad limit value).
public struct CgroupError: Error, Equatable, Sendable, CustomStringConvertible {
    public var step: String
    public var path: String
    public var errno: Int32
    public var message: String

    public init(step: String, path: String, errno: Int32, message: String = "") {
        self.step = step
        self.path = path
        self.errno = errno
        self.message = message
    }

    public var description: String {
        var text = "cgroup \(step) \(path)"
        if errno != 0 {
            text += ": " + String(cString: strerror(errno)) + " (errno \(errno))"
        }
        if !message.isEmpty {
            text += ": " + message
        }
        return text
    }
}

/// Where events go, as given to `--events`.
public enum EventSinkSpec: Equatable, Sendable, CustomStringConvertible {
    /// A file, opened for appending (created 0600 if missing).
    case file(String)
    /// A descriptor inherited from the caller (`fd:N`).
    case fd(Int32)
    /// The supervisor's standard error (shared with the workload's).
    case stderr
    /// Nowhere; events are counted but not written.
    case none
    /// The systemd journal's native socket: one entry per event, with
    /// `STOCKADE_*` fields and the JSON line in `STOCKADE_EVENT`.
    case journal

    /// Parses a `--events` value: `stderr`, `-` (standard output, fd 1),
    /// `fd:N` (N a decimal descriptor number), `none`, `journal` (write
    /// `./journal` for a file of that name), or a path. Anything
    /// starting with `fd:` that is not a valid number is rejected rather
    /// than taken as a path (write `./fd:x` for such a file). Empty text
    /// and text containing a NUL byte are rejected.
    public static func parse(_ text: String) -> EventSinkSpec? {
        if text.isEmpty || text.utf8.contains(0) { return nil }
        switch text {
        case "stderr": return .stderr
        case "-": return .fd(1)
        case "none": return EventSinkSpec.none
        case "journal": return .journal
        default: break
        }
        if text.hasPrefix("fd:") {
            let digits = text.dropFirst(3)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = Int32(digits)
            else { return nil }
            return .fd(n)
        }
        return .file(text)
    }

    /// The text `parse` reads back to this value (paths as given).
    public var description: String {
        switch self {
        case let .file(path): return path
        case let .fd(n): return "fd:\(n)"
        case .stderr: return "stderr"
        case .none: return "none"
        case .journal: return "journal"
        }
    }
}

/// Opening or writing the event sink failed: which step, on what, and the errno.
public struct EventSinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Step: String, Equatable, Sendable {
        /// open(2) of the events file.
        case open
        /// fcntl(2) showed the inherited descriptor is closed or read-only.
        case checkDescriptor = "check_descriptor"
        /// fcntl(F_SETFD, FD_CLOEXEC) on the inherited descriptor.
        case setCloexec = "set_cloexec"
        /// write(2) of an event line.
        case write
        /// The events file's path or the file itself is not safe for the
        /// supervisor to write (a symlink, a hard link, a foreign owner, a
        /// place the workload can write); `reason` says which.
        case unsafePath = "unsafe_path"
        /// The writer thread a pipe, terminal or socket sink needs could not
        /// be started; writing from the loop could block it, so no run.
        case writerThread = "writer_thread"
    }

    public var step: Step
    /// The path, or `fd:N`.
    public var target: String
    public var errno: Int32
    /// For `unsafePath`: a sentence saying why, and where to put the file instead.
    public var reason: String?

    public init(step: Step, target: String, errno: Int32, reason: String? = nil) {
        self.step = step
        self.target = target
        self.errno = errno
        self.reason = reason
    }

    /// Stable snake_case code for `sandbox.error` events.
    public var code: String { "events_\(step.rawValue)" }

    public var description: String {
        if let reason { return "events: refusing \(target): \(reason)" }
        return "events: \(step.rawValue) \(target): \(SystemNames.errnoName(errno)) (\(errno))"
    }
}

/// `--tty`: whether the workload gets its own pseudo-terminal.
public enum TTYMode: String, Equatable, Sendable, CaseIterable {
    /// A pty when sandbox-run's stdin or stdout is a terminal (the default).
    case auto
    /// Always a pty, even with pipes on both sides.
    case always
    /// Never: the workload inherits sandbox-run's stdin, stdout and stderr.
    case never

    /// Whether to open a pty, given what stdin and stdout are.
    public func wantsPty(stdinIsTerminal: Bool, stdoutIsTerminal: Bool) -> Bool {
        switch self {
        case .auto: return stdinIsTerminal || stdoutIsTerminal
        case .always: return true
        case .never: return false
        }
    }
}

/// `--tty`: whether the workload gets its own pseudo-terminal.
public enum TTYMode: String, Equatable, Sendable, CaseIterable {
    /// A pty in place of each of stdin, stdout and stderr that is a terminal
    /// (the default). Pipes and files stay as they are, so
    /// `sandbox-run -- cmd > out` writes plain bytes to `out` and
    /// `echo x | sandbox-run -- cmd` reads the pipe to its end.
    case auto
    /// A pty in place of all three, even pipes.
    case always
    /// Never: the workload inherits sandbox-run's stdin, stdout and stderr.
    case never

    /// Which of the descriptors 0, 1, 2 the pty replaces, given which are
    /// terminals (`isTerminal[n]` for fd n); empty: no pty. Any terminal
    /// counts, stderr too: a terminal shared on any descriptor is the same
    /// reach into the caller's terminal (flow control, modes).
    public func descriptors(isTerminal: [Bool]) -> [Int32] {
        switch self {
        case .auto: return (0..<3).filter { $0 < isTerminal.count && isTerminal[$0] }.map { Int32($0) }
        case .always: return [0, 1, 2]
        case .never: return []
        }
    }
}

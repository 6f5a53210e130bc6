/// Every kind of event the supervisor writes; the raw value is the `type` field.
public enum EventType: String, CaseIterable, Sendable {
    /// First event: what is about to run, under which policy, on which kernel.
    case sandboxStart = "sandbox.start"
    /// The workload was exec'd inside the finished sandbox.
    case sandboxReady = "sandbox.ready"
    /// Something weaker than asked for but allowed (e.g. a missing kernel feature).
    case sandboxWarning = "sandbox.warning"
    /// The seccomp filter refused a system call.
    case syscallDenied = "syscall.denied"
    /// A cgroup limit was reached (OOM kill, failed fork, CPU throttling).
    case limitHit = "limit.hit"
    /// The wall-clock timeout fired; one event per phase (term, kill).
    case timeout = "timeout"
    /// A signal the supervisor received was passed on to the workload.
    case signalForwarded = "signal.forwarded"
    /// The sandbox could not be built; the workload never ran.
    case sandboxError = "sandbox.error"
    /// Last event: how it ended and what it used.
    case sandboxEnd = "sandbox.end"
    /// Events of one type were dropped by a rate cap; says how many.
    case eventsSuppressed = "events.suppressed"
    /// The DNS proxy answered a query: allowed (forwarded), denied, or — in
    /// audit mode — forwarded but one the allowlist would deny.
    case dnsQuery = "dns.query"
    /// The egress firewall dropped a packet (or, in audit mode, saw a
    /// connection the allowlist would have dropped).
    case netDenied = "net.denied"
    /// The workload installed a seccomp filter of its own on top of the
    /// sandbox's (allowed; reported because its ERRNO rules outrank the
    /// sandbox's notifications and would hide later denials).
    case seccompStacked = "seccomp.stacked"
}

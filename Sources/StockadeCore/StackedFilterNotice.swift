#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents
import StockadeSeccomp

/// The supervisor's side of `StackedFilterReport`: a notification for a
/// `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)` or
/// `seccomp(SECCOMP_SET_MODE_FILTER)` the policy allows.
enum StackedFilterNotice {
    /// Lets the call proceed (SECCOMP_USER_NOTIF_FLAG_CONTINUE), then counts
    /// it and emits `seccomp.stacked`. Continuing is not a security decision
    /// here: the filter routes only calls the policy allows anyway, and the
    /// event's fields come from the registers, not from workload memory.
    /// The answer goes first so the event's sink can never hold the
    /// workload's thread.
    static func answer(_ n: stk_notification, listener: Int32, events: EventLog, state: inout RunState) {
        _ = stk_notif_continue(listener, n.id)
        // A failed install still counts: the attempt says the workload
        // meant to hide something, and the report should show it.
        state.stackedFilters += 1
        events.emit(.seccompStacked(
            syscall: n.nr == StackedFilterReport.seccompNr ? "seccomp" : "prctl", pid: Int64(n.pid), count: state.stackedFilters))
    }
}

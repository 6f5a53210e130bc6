#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
/// Waiting on what the test needs to see, with a generous deadline, rather
/// than a fixed sleep, keeps a loaded two-core machine from turning a slow
/// step into a failure; a condition that never holds still fails.
public func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + timeout
    while true {
        if condition() { return true }
        clock_gettime(CLOCK_MONOTONIC, &now)
        if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= deadline { return condition() }
        usleep(50_000)
    }
}

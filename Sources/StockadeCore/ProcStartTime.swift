import StockadeSystem

/// A process's start time: the sandbox registry's liveness key (a reused pid
/// has another one). Once the address pool's; kept here when the pool went.
enum ProcStartTime {
    /// Field 22 of `/proc/PID/stat` (start time in clock ticks since boot), counted
    /// after the `(comm)` field, which may hold spaces.
    static func of(_ pid: Int32) -> UInt64? {
        guard let text = FileIO.readText("/proc/\(pid)/stat", limit: FileIO.smallFileLimit), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}

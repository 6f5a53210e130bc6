#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// Where this process's argv strings are (`arg_start`..`arg_end`, fields 48
/// and 49 of `/proc/self/stat`, proc(5)). The sandbox init, a clone of the
/// supervisor, overwrites its copy so `/proc/1/cmdline` inside the sandbox
/// does not show the supervisor's command line.
public struct ArgvArea: Equatable, Sendable {
    public var start: UInt
    public var end: UInt
    public var length: Int { Int(end - start) }

    public static func current() -> ArgvArea? {
        guard let text = FileIO.readText("/proc/self/stat", limit: FileIO.smallFileLimit) else { return nil }
        return parse(stat: text)
    }

    /// Fields after the command name, which is in parentheses and may
    /// itself contain spaces and parentheses: split after the last `)`.
    static func parse(stat: String) -> ArgvArea? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        guard fields.count > 46, let start = UInt(fields[45]), let end = UInt(fields[46]),
              start > 0, end > start, end - start < 1 << 20 else { return nil }
        return ArgvArea(start: start, end: end)
    }
}

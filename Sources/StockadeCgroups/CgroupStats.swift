/// What a sandbox used, read from its cgroup. Every field is `nil` when the
/// kernel does not offer the counter (or the controller is missing).
public struct CgroupStats: Equatable, Sendable {
    /// Highest memory use seen (v1 `memory.max_usage_in_bytes`, v2 `memory.peak`).
    public var memoryPeakBytes: UInt64?
    /// Times the memory limit was hit (v1 `memory.failcnt`, v2 `memory.events` `max`).
    /// Recent kernels stop counting v1 `failcnt` (it reads 0 even after an
    /// OOM kill on 6.18), so treat `oomKills` as the signal that matters.
    public var memoryLimitHits: UInt64?
    /// Processes killed by the OOM killer in the sandbox (`oom_kill`).
    public var oomKills: UInt64?
    /// Highest number of tasks seen (`pids.peak`).
    public var pidsPeak: UInt64?
    /// Forks refused by the pids limit (`pids.events` `max`).
    public var pidsLimitHits: UInt64?
    /// CPU time consumed (v1 `cpuacct.usage`, v2 `cpu.stat` `usage_usec` × 1000).
    public var cpuUsageNanos: UInt64?

    public init(memoryPeakBytes: UInt64? = nil, memoryLimitHits: UInt64? = nil, oomKills: UInt64? = nil,
                pidsPeak: UInt64? = nil, pidsLimitHits: UInt64? = nil, cpuUsageNanos: UInt64? = nil) {
        self.memoryPeakBytes = memoryPeakBytes
        self.memoryLimitHits = memoryLimitHits
        self.oomKills = oomKills
        self.pidsPeak = pidsPeak
        self.pidsLimitHits = pidsLimitHits
        self.cpuUsageNanos = cpuUsageNanos
    }
}

/// Parsers for cgroupfs file formats (kernel Documentation/admin-guide/cgroup-v2.rst
/// "Interface Files": flat keyed, single value).
public enum CgroupFileParsers {
    /// `key value` lines (`memory.events`, `pids.events`, `cpu.stat`,
    /// v1 `memory.oom_control`). Lines that do not parse are skipped.
    public static func flatKeyed(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let value = UInt64(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }

    /// A single number (`memory.peak`, `cpuacct.usage`); `nil` for `max` or junk.
    public static func singleValue(_ text: String) -> UInt64? {
        UInt64(text.trimmingWhitespace())
    }

    /// Pids listed one per line in `cgroup.procs`.
    public static func pids(_ text: String) -> [Int32] {
        text.split(separator: "\n").compactMap { Int32($0.trimmingWhitespace()) }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        let text = Substring(self)
        guard let start = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = text.lastIndex(where: { !isSpace($0) })!
        return text[start...end]
    }
}

extension SandboxCgroup {
    /// Reads the sandbox's usage counters. Best effort: a counter the
    /// kernel does not offer is `nil`, never an error.
    public func stats() -> CgroupStats {
        let directories = self.directories
        return Self.stats(unified: unified) { controller, file in
            guard let directory = directories[controller] else { return nil }
            return CgroupFS.readIfPresent(directory + "/" + file)
        }
    }

    /// Pure assembly of `CgroupStats` from file contents, so the choice of
    /// files per cgroup version is tested without a kernel.
    ///
    /// - Parameter read: the text of `file` in the controller's directory, or `nil`.
    public static func stats(unified: Bool, read: (CgroupController, String) -> String?) -> CgroupStats {
        var stats = CgroupStats()
        func number(_ controller: CgroupController, _ file: String) -> UInt64? {
            read(controller, file).flatMap(CgroupFileParsers.singleValue)
        }
        func keyed(_ controller: CgroupController, _ file: String) -> [String: UInt64]? {
            read(controller, file).map(CgroupFileParsers.flatKeyed)
        }
        if unified {
            stats.memoryPeakBytes = number(.memory, "memory.peak")
            let events = keyed(.memory, "memory.events")
            stats.memoryLimitHits = events?["max"]
            stats.oomKills = events?["oom_kill"]
            // cpu.stat exists in every v2 cgroup, with or without the cpu controller.
            if let usec = keyed(.cpu, "cpu.stat")?["usage_usec"] {
                stats.cpuUsageNanos = usec.multipliedReportingOverflow(by: 1000).overflow ? UInt64.max : usec * 1000
            }
        } else {
            stats.memoryPeakBytes = number(.memory, "memory.max_usage_in_bytes")
            stats.memoryLimitHits = number(.memory, "memory.failcnt")
            stats.oomKills = keyed(.memory, "memory.oom_control")?["oom_kill"]
            stats.cpuUsageNanos = number(.cpuacct, "cpuacct.usage")
        }
        stats.pidsPeak = number(.pids, "pids.peak")
        stats.pidsLimitHits = keyed(.pids, "pids.events")?["max"]
        return stats
    }
}

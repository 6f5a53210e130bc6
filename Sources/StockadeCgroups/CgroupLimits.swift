/// Resource limits for one sandbox; `nil` means "no limit of this kind".
public struct CgroupLimits: Equatable, Sendable {
    /// Memory (RAM, and swap where the kernel can cap it) in bytes.
    public var memoryBytes: UInt64?
    /// Maximum number of tasks (processes and threads).
    public var pids: Int?
    /// CPU bandwidth in CPUs, e.g. `1.5`.
    public var cpus: Double?

    public init(memoryBytes: UInt64? = nil, pids: Int? = nil, cpus: Double? = nil) {
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
    }

    /// Period used for CPU bandwidth (the kernel default, 100 ms).
    public static let cpuPeriodMicros: UInt64 = 100_000
    /// The kernel refuses quotas below 1 ms.
    public static let cpuMinimumQuotaMicros: UInt64 = 1_000

    /// `cpus × period`, rounded up so a tiny limit never becomes "no limit",
    /// and raised to the kernel's 1 ms minimum. `nil` for a non-finite or
    /// non-positive value (see `validate`).
    public static func cpuQuotaMicros(cpus: Double, periodMicros: UInt64 = cpuPeriodMicros) -> UInt64? {
        guard cpus.isFinite, cpus > 0, cpus <= 1_000_000 else { return nil }
        let quota = (cpus * Double(periodMicros)).rounded(.up)
        return max(UInt64(quota), cpuMinimumQuotaMicros)
    }

    /// Rejects values the kernel would misread: zero memory or pids would
    /// make every launch fail, a negative count would be taken as "max".
    public func validate() throws(CgroupError) {
        if let memoryBytes, memoryBytes == 0 {
            throw CgroupError(step: "validate", path: "memory", errno: 0, message: "memory limit must be > 0")
        }
        if let pids, pids <= 0 {
            throw CgroupError(step: "validate", path: "pids", errno: 0, message: "pids limit must be > 0, got \(pids)")
        }
        if let cpus, CgroupLimits.cpuQuotaMicros(cpus: cpus) == nil {
            throw CgroupError(step: "validate", path: "cpu", errno: 0, message: "cpus must be a positive number, got \(cpus)")
        }
    }

    /// The controllers these limits need.
    public var requiredControllers: Set<CgroupController> {
        var needed: Set<CgroupController> = []
        if memoryBytes != nil { needed.insert(.memory) }
        if pids != nil { needed.insert(.pids) }
        if cpus != nil { needed.insert(.cpu) }
        return needed
    }

    /// The v1 hierarchies a sandbox with these limits joins: memory and pids
    /// always (usage peaks and OOM/limit counters come from them), cpu and
    /// cpuacct only with a CPU limit.
    public var v1Hierarchies: Set<CgroupController> {
        var joined: Set<CgroupController> = [.memory, .pids]
        if cpus != nil { joined.formUnion([.cpu, .cpuacct]) }
        return joined
    }

    /// The files to write, in order, to apply these limits. Pure, so the
    /// exact contents can be tested and shown by `--dry-run`.
    public func plannedWrites(unified: Bool) -> [CgroupFileWrite] {
        var writes: [CgroupFileWrite] = []
        if let memoryBytes {
            if unified {
                writes.append(.init(.memory, "memory.max", "\(memoryBytes)"))
                // Without this, swap is a way around memory.max.
                writes.append(.init(.memory, "memory.swap.max", "0", onlyIfPresent: true))
                // One OOM kills the whole sandbox rather than leaving it half alive.
                writes.append(.init(.memory, "memory.oom.group", "1", onlyIfPresent: true))
            } else {
                // limit_in_bytes first: memsw may never be below it.
                writes.append(.init(.memory, "memory.limit_in_bytes", "\(memoryBytes)"))
                // Present only with swap accounting; RAM+swap == RAM means no swap.
                writes.append(.init(.memory, "memory.memsw.limit_in_bytes", "\(memoryBytes)", onlyIfPresent: true))
            }
        }
        if let pids {
            writes.append(.init(.pids, "pids.max", "\(pids)"))
        }
        if let cpus, let quota = CgroupLimits.cpuQuotaMicros(cpus: cpus) {
            let period = CgroupLimits.cpuPeriodMicros
            if unified {
                writes.append(.init(.cpu, "cpu.max", "\(quota) \(period)"))
            } else {
                // Period before quota: the quota is checked against the period in force.
                writes.append(.init(.cpu, "cpu.cfs_period_us", "\(period)"))
                writes.append(.init(.cpu, "cpu.cfs_quota_us", "\(quota)"))
            }
        }
        return writes
    }
}

/// One limit file write: `value` into `file` in the controller's directory.
public struct CgroupFileWrite: Equatable, Sendable, CustomStringConvertible {
    public var controller: CgroupController
    public var file: String
    public var value: String
    /// Skip silently when the kernel does not offer the file (swap
    /// accounting off, older kernels); every other write failing is fatal.
    public var onlyIfPresent: Bool

    public init(_ controller: CgroupController, _ file: String, _ value: String, onlyIfPresent: Bool = false) {
        self.controller = controller
        self.file = file
        self.value = value
        self.onlyIfPresent = onlyIfPresent
    }

    public var description: String {
        "\(file)=\(value)" + (onlyIfPresent ? " (if present)" : "")
    }
}

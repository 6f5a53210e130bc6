import Testing
@testable import StockadeCgroups

@Suite struct LimitsTests {
    @Test func v1JoinsCpuHierarchiesOnlyWithACpuLimit() {
        #expect(CgroupLimits(memoryBytes: 1 << 20, pids: 8, cpus: nil).v1Hierarchies == [.memory, .pids])
        #expect(CgroupLimits(memoryBytes: nil, pids: nil, cpus: nil).v1Hierarchies == [.memory, .pids])
        #expect(CgroupLimits(memoryBytes: nil, pids: nil, cpus: 1.5).v1Hierarchies == [.memory, .pids, .cpu, .cpuacct])
    }

    @Test(arguments: [
        (1.0, UInt64(100_000)), (0.5, 50_000), (1.5, 150_000), (2.0, 200_000),
        (0.001, 1_000), (0.000_01, 1_000), (0.333_333_3, 33_334),
    ])
    func cpusToQuota(cpus: Double, quota: UInt64) {
        #expect(CgroupLimits.cpuQuotaMicros(cpus: cpus) == quota)
    }

    @Test func badCpusHaveNoQuota() {
        for cpus in [0.0, -1, .nan, .infinity] {
            #expect(CgroupLimits.cpuQuotaMicros(cpus: cpus) == nil)
        }
    }

    @Test func validateRejectsNonsense() {
        #expect(throws: CgroupError.self) { try CgroupLimits(memoryBytes: 0).validate() }
        #expect(throws: CgroupError.self) { try CgroupLimits(pids: 0).validate() }
        #expect(throws: CgroupError.self) { try CgroupLimits(pids: -5).validate() }
        #expect(throws: CgroupError.self) { try CgroupLimits(cpus: 0).validate() }
        #expect(throws: Never.self) { try CgroupLimits(memoryBytes: 1 << 20, pids: 1, cpus: 0.1).validate() }
    }

    @Test func v1Writes() {
        let limits = CgroupLimits(memoryBytes: 33_554_432, pids: 8, cpus: 1.5)
        #expect(limits.plannedWrites(unified: false).map(\.description) == [
            "memory.limit_in_bytes=33554432",
            "memory.memsw.limit_in_bytes=33554432 (if present)",
            "pids.max=8",
            "cpu.cfs_period_us=100000",
            "cpu.cfs_quota_us=150000",
        ])
        #expect(limits.plannedWrites(unified: false).map(\.controller) == [.memory, .memory, .pids, .cpu, .cpu])
        #expect(limits.requiredControllers == [.memory, .pids, .cpu])
    }

    @Test func v2Writes() {
        let limits = CgroupLimits(memoryBytes: 1 << 30, pids: 100, cpus: 0.25)
        #expect(limits.plannedWrites(unified: true).map(\.description) == [
            "memory.max=1073741824",
            "memory.swap.max=0 (if present)",
            "memory.oom.group=1 (if present)",
            "pids.max=100",
            "cpu.max=25000 100000",
        ])
    }

    @Test func noLimitsNoWrites() {
        #expect(CgroupLimits().plannedWrites(unified: true).isEmpty)
        #expect(CgroupLimits().requiredControllers.isEmpty)
    }

    @Test func errorDescriptionNamesStepPathAndErrno() {
        let error = CgroupError(step: "mkdir", path: "/sys/fs/cgroup/pids/stockade-x", errno: 17)
        #expect(error.description == "cgroup mkdir /sys/fs/cgroup/pids/stockade-x: File exists (errno 17)")
    }
}

@Suite struct StatsParsingTests {
    @Test func flatKeyedFiles() {
        #expect(CgroupFileParsers.flatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
            == ["oom_kill_disable": 0, "under_oom": 0, "oom_kill": 3])
        #expect(CgroupFileParsers.flatKeyed("max 7\n") == ["max": 7])
        #expect(CgroupFileParsers.flatKeyed("junk\nmax x\n").isEmpty)
    }

    @Test func singleValues() {
        #expect(CgroupFileParsers.singleValue("123456\n") == 123_456)
        #expect(CgroupFileParsers.singleValue("max\n") == nil)
        #expect(CgroupFileParsers.pids("12\n13\n\n") == [12, 13])
    }

    @Test func v1StatsFromFixtures() {
        let files: [String: String] = [
            "memory/memory.max_usage_in_bytes": "33554432\n",
            "memory/memory.failcnt": "1234\n",
            "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
            "pids/pids.peak": "8\n",
            "pids/pids.events": "max 12\n",
            "cpuacct/cpuacct.usage": "987654321\n",
            "cpu/cpu.stat": "usage_usec 1\n",  // must not be used on v1
        ]
        let stats = SandboxCgroup.stats(unified: false) { files["\($0.rawValue)/\($1)"] }
        #expect(stats == CgroupStats(memoryPeakBytes: 33_554_432, memoryLimitHits: 1234, oomKills: 1,
                                     pidsPeak: 8, pidsLimitHits: 12, cpuUsageNanos: 987_654_321))
    }

    @Test func v2StatsFromFixtures() {
        let files: [String: String] = [
            "memory.peak": "4096000\n",
            "memory.events": "low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\noom_group_kill 1\n",
            "pids.events": "max 3\n",
            "cpu.stat": "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\n",
        ]
        let stats = SandboxCgroup.stats(unified: true) { files[$1] }
        #expect(stats == CgroupStats(memoryPeakBytes: 4_096_000, memoryLimitHits: 17, oomKills: 2,
                                     pidsPeak: nil, pidsLimitHits: 3, cpuUsageNanos: 2_500_000))
    }

    @Test func missingFilesGiveNil() {
        #expect(SandboxCgroup.stats(unified: false) { _, _ in nil } == CgroupStats())
    }
}

import Glibc

extension SandboxCgroup {
    /// How often `destroy` retries an EBUSY rmdir, and how long it waits
    /// between tries: processes killed a moment ago may still be exiting.
    static let rmdirAttempts = 100
    static let rmdirRetryMilliseconds = 20

    /// Kills every process left in the sandbox and removes its directories.
    ///
    /// v2 writes `cgroup.kill` (kernel 5.14+), which SIGKILLs the whole
    /// subtree atomically, racing no fork. v1 has no such file: `cgroup.procs`
    /// is read and each pid SIGKILLed, repeated until rmdir succeeds, so
    /// processes forked meanwhile are caught on the next round. Missing
    /// directories count as removed. Every directory is tried; the first
    /// failure is thrown. `retryBusy: false` makes one kill and one rmdir per
    /// directory, for callers that must not wait (a start's cheap pass).
    public func destroy(retryBusy: Bool = true) throws(CgroupError) {
        killAll()
        var firstError: CgroupError?
        for directory in paths.reversed() {
            var attempt = 0
            while let error = CgroupFS.rmdir(directory), error.rawValue != ENOENT {
                attempt += 1
                guard error.rawValue == EBUSY, retryBusy, attempt < Self.rmdirAttempts else {
                    firstError = firstError ?? CgroupError(
                        step: "rmdir", path: directory, errno: error.rawValue,
                        message: error.rawValue == EBUSY ? "processes or child cgroups remain" : "")
                    break
                }
                killAll()
                CgroupFS.sleepMilliseconds(Self.rmdirRetryMilliseconds)
            }
        }
        if let firstError { throw firstError }
    }

    /// Pids currently in the sandbox (union over its directories), sorted.
    public func processes() -> [Int32] {
        var all = Set<Int32>()
        for directory in paths {
            if let text = CgroupFS.readIfPresent(directory + "/cgroup.procs") {
                all.formUnion(CgroupFileParsers.pids(text))
            }
        }
        return all.sorted()
    }

    /// SIGKILLs everything in the sandbox once (no waiting).
    public func killAll() {
        if unified, let directory = paths.first {
            let killFile = directory + "/cgroup.kill"
            if CgroupFS.exists(killFile), CgroupFS.write(killFile, "1") == nil { return }
        }
        for pid in processes() where isMember(pid) {
            kill(pid, SIGKILL)
        }
    }

    /// Re-checks `/proc/<pid>/cgroup` right before the kill, narrowing the
    /// window in which a listed pid could have exited and been reused by a
    /// process outside the sandbox (v1 offers no pidfd-safe way).
    func isMember(_ pid: Int32) -> Bool {
        guard pid > 0, let text = CgroupFS.readIfPresent("/proc/\(pid)/cgroup") else { return false }
        let name = Substring(CgroupNaming.directoryName(sandboxId: sandboxId))
        return ProcParsers.procCgroup(text).contains { entry in
            entry.path.split(separator: "/").contains(name)
        }
    }
}


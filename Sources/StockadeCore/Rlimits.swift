#if canImport(Glibc)
import Glibc
#endif
import StockadeProfile

/// rlimit names (as in profiles: lowercase, no `RLIMIT_`) and their numbers.
public enum RlimitTable {
    public static let resources: [String: Int32] = [
        "cpu": Int32(RLIMIT_CPU.rawValue), "fsize": Int32(RLIMIT_FSIZE.rawValue),
        "data": Int32(RLIMIT_DATA.rawValue), "stack": Int32(RLIMIT_STACK.rawValue),
        "core": Int32(RLIMIT_CORE.rawValue), "rss": Int32(__RLIMIT_RSS.rawValue),
        "nproc": Int32(__RLIMIT_NPROC.rawValue), "nofile": Int32(RLIMIT_NOFILE.rawValue),
        "memlock": Int32(__RLIMIT_MEMLOCK.rawValue), "as": Int32(RLIMIT_AS.rawValue),
        "locks": Int32(__RLIMIT_LOCKS.rawValue), "sigpending": Int32(__RLIMIT_SIGPENDING.rawValue),
        "msgqueue": Int32(__RLIMIT_MSGQUEUE.rawValue), "nice": Int32(__RLIMIT_NICE.rawValue),
        "rtprio": Int32(__RLIMIT_RTPRIO.rawValue), "rttime": Int32(__RLIMIT_RTTIME.rawValue),
    ]

    static let infinity = UInt64.max

    /// Resolve profile settings; `core` defaults to 0 (no core dumps of a
    /// workload's memory onto the host) unless the profile says otherwise.
    static func resolve(_ settings: [RlimitSetting]) throws(PlanError) -> [ResolvedRlimit] {
        var out: [ResolvedRlimit] = []
        var names = Set<String>()
        for s in settings {
            guard let res = resources[s.name] else {
                throw PlanError(code: .unknownRlimit, subject: "limits.rlimits.\(s.name)", message: "unknown resource; expected one of \(resources.keys.sorted().joined(separator: ", "))")
            }
            let soft = s.soft ?? infinity
            let hard = s.hard ?? infinity
            guard soft <= hard else {
                throw PlanError(code: .invalidRlimit, subject: "limits.rlimits.\(s.name)", message: "soft limit \(soft) is above hard limit \(hard)")
            }
            names.insert(s.name)
            out.removeAll { $0.name == s.name }
            out.append(ResolvedRlimit(name: s.name, resource: res, soft: soft, hard: hard))
        }
        if !names.contains("core") {
            out.append(ResolvedRlimit(name: "core", resource: Int32(RLIMIT_CORE.rawValue), soft: 0, hard: 0))
        }
        return out
    }
}

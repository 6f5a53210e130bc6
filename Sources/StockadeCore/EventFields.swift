#if canImport(Glibc)
import Glibc
#endif
import StockadeCgroups
import StockadeEvents
import StockadeProfile
import StockadeSeccomp

/// Fields of `sandbox.start`: what will run and under which policy. Names
/// only for the environment — values never leave the supervisor.
enum StartEvent {
    static func fields(plan: Plan, features: KernelFeatures, cgroup: CgroupLayout, dnsUpstreams: [String]? = nil, landlock: LandlockEnforcement? = nil) -> JSONObject {
        let s = plan.spec
        var limits: JSONObject = ["kill_after_s": .double(s.killAfterSeconds)]
        if let m = s.memoryBytes { limits["memory_bytes"] = .uint(m) }
        if let p = s.pids { limits["pids"] = .int(Int64(p)) }
        if let c = s.cpus { limits["cpus"] = .double(c) }
        if let t = s.timeoutSeconds { limits["timeout_s"] = .double(t) }

        var out: JSONObject = [:]
        if let n = s.name { out["name"] = .string(n) }
        out["command"] = .array(s.command.map { .string($0) })
        out["cwd"] = .string(s.cwd)
        out["profile"] = .object([
            "name": .string(s.profileName),
            "sources": .array(s.profileSources.map { .object(["path": .string($0.path), "sha256": .string($0.sha256)]) }),
        ])
        out["policy"] = .object([
            "namespaces": .array(plan.namespaces.map { .string($0.rawValue) }),
            "network": .string(s.network.rawValue),
            "workspace": s.workspace.map { .string($0) } ?? .null,
            "workspace_mode": .string(s.workspaceMode.rawValue),
            "uid": .int(Int64(s.uid)),
            "gid": .int(Int64(s.gid)),
            "hostname": .string(s.hostname),
            "seccomp": .object([
                "default": .string(describe(s.seccomp.defaultAction)),
                "rules": .int(Int64(s.seccomp.rules.count)),
                "digest": .string(plan.seccomp.digest),
                "instructions": .int(Int64(plan.seccomp.instructionCount)),
            ]),
            "limits": .object(limits),
            "env": .object([
                "passed": .array(s.environment.map { .string($0.name) }),
                "set": .array([]),
                "scrubbed": .array(s.scrubbedNames.map { .string($0) }),
            ]),
        ])
        if s.network == .filtered || s.network == .audit, case .object(var policy)? = out["policy"] {
            policy["egress"] = .object(egressFields(s, dnsUpstreams: dnsUpstreams))
            out["policy"] = .object(policy)
        }
        if let landlock, case .object(var policy)? = out["policy"] {
            policy["landlock"] = .object(landlock.eventFields)
            out["policy"] = .object(policy)
        }
        out["kernel"] = .object([
            "release": .string(features.release),
            "features": .object([
                "user_namespaces": .bool(features.userNamespaces),
                "seccomp_notify": .bool(features.seccompNotify),
                "pidfd": .bool(features.pidfd),
                "landlock": .int(Int64(features.landlockABI)),
                "cgroup": .string(cgroup.summary),
            ]),
        ])
        out["pid"] = .int(Int64(getpid()))
        if let masked = MaskedFields.fields(plan: plan) { out["masked"] = .object(masked) }
        return out
    }

    /// `dnsUpstreams` is the egress runtime's list; nil when it failed to
    /// start, and the list is then worked out here.
    static func egressFields(_ s: SandboxSpec, dnsUpstreams: [String]?) -> JSONObject {
        let upstreams = dnsUpstreams ?? (s.egress.dnsUpstreams.isEmpty ? EgressFiles.hostResolvers() : s.egress.dnsUpstreams)
        var fields: JSONObject = [
            "allow": .array(s.egress.allow.map { .string($0) }),
            "dns_upstreams": .array(upstreams.map { .string($0) }),
        ]
        // Only when set: an opt-in to ECH is worth seeing in the audit trail.
        if !s.egress.allowECH.isEmpty {
            fields["allow_ech"] = .array(s.egress.allowECH.map { .string($0) })
        }
        return fields
    }

    static func describe(_ a: SeccompAction) -> String {
        switch a {
        case .allow: return "allow"
        case .killProcess: return "kill"
        case .deny(let e): return "deny:\(SystemNames.errnoName(e))"
        }
    }
}

extension SetupError {
    /// `sandbox.error`; the subject is added to the message unless it is
    /// already there.
    var event: Event {
        var text = message
        if let s = subject, !text.hasInfix(s) { text += " (\(s))" }
        return .error(step: step, code: code.rawValue, errno: errno, message: text)
    }
}

enum EndEvent {
    static func event(outcome: Outcome, state: RunState, stats: CgroupStats?, started: Double, network: Event.NetworkTotals?) -> Event {
        let ru = state.usage
        var cpuMs = Double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000
            + Double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000
        if let ns = stats?.cpuUsageNanos { cpuMs = Double(ns) / 1e6 }
        let denials = Event.Denials(
            syscalls: state.deniedTotal,
            bySyscall: state.deniedBySyscall.sorted(by: { $0.key < $1.key }).map { (name: $0.key, count: $0.value) },
            limits: Int((stats?.oomKills ?? 0) + (stats?.pidsLimitHits ?? 0)),
            stackedFilters: state.stackedFilters)
        return .end(
            reason: outcome.reason, status: outcome.status, signal: outcome.signal,
            durationMs: (Clock.monotonic() - started) * 1000, peakMemoryBytes: stats?.memoryPeakBytes,
            cpuTimeMs: cpuMs, pidsPeak: stats?.pidsPeak, denials: denials, network: network)
    }
}

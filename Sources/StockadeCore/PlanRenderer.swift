import StockadeEvents
import StockadeProfile
import StockadeSeccomp

/// `--dry-run`: the plan as JSON, everything the sandbox would be, without
/// touching the kernel. Environment values are shown only for names the
/// profile sets or passes — scrubbed ones are listed by name.
public enum PlanRenderer {
    public static func json(_ plan: Plan) -> JSONValue {
        let s = plan.spec
        var limits: JSONObject = ["kill_after_s": .double(s.killAfterSeconds)]
        if let m = s.memoryBytes { limits["memory_bytes"] = .uint(m) }
        if let p = s.pids { limits["pids"] = .int(Int64(p)) }
        if let c = s.cpus { limits["cpus"] = .double(c) }
        if let t = s.timeoutSeconds { limits["timeout_s"] = .double(t) }
        let env: [JSONValue] = s.environment.map { a in
            .string(s.secretValues.contains(a.value) ? "\(a.name)=[REDACTED]" : "\(a.name)=\(a.value)")
        }
        return .object([
            "sandbox": .string(s.id),
            "actor": .string(s.actor),
            "profile": .object([
                "name": .string(s.profileName),
                "sources": .array(s.profileSources.map { .object(["path": .string($0.path), "sha256": .string($0.sha256)]) }),
            ]),
            "command": .array(plan.argv.map { .string($0) }),
            "cwd": .string(plan.cwd),
            "namespaces": .array(plan.namespaces.map { .string($0.rawValue) }),
            "user": .object(["uid": .int(Int64(s.uid)), "gid": .int(Int64(s.gid)), "map": .string("\(s.uid) \(s.uid) 1")]),
            "hostname": .string(s.hostname),
            "network": .string(s.network.rawValue),
            "workspace": s.workspace.map { .string($0) } ?? .null,
            "workspace_mode": .string(s.workspaceMode.rawValue),
            "mounts": .array(plan.mounts.map(mount)),
            "masked": .array(plan.maskedPaths.map { .string($0) }),
            "unmasked": .array(plan.unmaskedPaths.map { .string($0) }),
            "environment": .array(env),
            "scrubbed_env": .array(s.scrubbedNames.map { .string($0) }),
            "rlimits": .array(plan.rlimits.map { .object(["name": .string($0.name), "soft": .uint($0.soft), "hard": .uint($0.hard)]) }),
            "limits": .object(limits),
            "capabilities": .string("all dropped (bounding, ambient, inheritable, permitted, effective); no_new_privs; securebits locked"),
            "seccomp": .object([
                "digest": .string(plan.seccomp.digest),
                "instructions": .int(Int64(plan.seccomp.instructionCount)),
                "rules": .int(Int64(s.seccomp.rules.count)),
            ]),
            "paths": .array(plan.resolvedPaths.map(path)),
            // The allowlist the proxy and relay would enforce (as sandbox.start reports it).
            "egress": s.network == .filtered || s.network == .audit
                ? .object(StartEvent.egressFields(s, dnsUpstreams: nil)) : .null,
            "landlock": plan.landlock.json,
            "events": events(plan),
        ])
    }

    /// An operator path and what the symlink-safe walk made of it.
    static func path(_ r: ResolvedPath) -> JSONValue {
        .object([
            "requested": .string(r.requested),
            "resolved": .string(r.path),
            "kind": .string(r.kind == .directory ? "directory" : r.kind == .file ? "file" : "special"),
            "followed": .array(r.followed.map { .string($0) }),
        ])
    }

    /// The per-type caps, and which installs of a stacked seccomp filter
    /// the program reports (`seccomp.stacked`).
    static func events(_ plan: Plan) -> JSONValue {
        var caps = JSONObject()
        for type in EventType.allCases {
            guard let limit = plan.spec.eventRateLimits[type] else { continue }
            caps[type.rawValue] = .object(["per_second": .double(limit.perSecond), "burst": .int(Int64(limit.burst))])
        }
        let stacked = plan.seccomp.stackingSyscalls.map { JSONValue.string($0 == StackedFilterReport.seccompNr ? "seccomp" : "prctl") }
        return .object(["rate_limits": .object(caps), "stacked_filter_report": .array(stacked)])
    }

    static func mount(_ m: MountStep) -> JSONValue {
        switch m {
        case .bind(let src, let dst, let ro, let isFile, let device):
            return .object(["op": .string(ro ? "ro-bind" : "bind"), "source": .string(src), "destination": .string(dst),
                            "file": .bool(isFile), "device": .bool(device)])
        case .tmpfs(let dst, let opts, let ro):
            return .object(["op": .string("tmpfs"), "destination": .string(dst), "options": .string(opts), "read_only": .bool(ro)])
        case .proc(let dst): return .object(["op": .string("proc"), "destination": .string(dst)])
        case .devpts(let dst): return .object(["op": .string("devpts"), "destination": .string(dst)])
        case .symlink(let t, let at): return .object(["op": .string("symlink"), "target": .string(t), "destination": .string(at)])
        case .hide(let p, let isFile, _): return .object(["op": .string("hide"), "destination": .string(p), "file": .bool(isFile)])
        case .remountReadOnly(let p): return .object(["op": .string("remount-ro"), "destination": .string(p)])
        case .sysfs(let d): return .object(["op": .string("sysfs"), "destination": .string(d)])
        case .cgroupView(let d): return .object(["op": .string("cgroup-view"), "destination": .string(d)])
        }
    }
}

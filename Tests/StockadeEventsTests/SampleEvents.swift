@testable import StockadeEvents

/// A complete, valid example of every event type (every optional field set).
enum SampleEvents {
    static func fields(for type: EventType) -> JSONObject {
        switch type {
        case .sandboxStart:
            return [
                "name": "build",
                "command": ["/usr/bin/make", "-j2", "test"],
                "cwd": "/work/repo",
                "profile": ["name": "ci", "sources": [
                    ["path": "/etc/stockade/ci.yaml", "sha256": .string(String(repeating: "ab", count: 32))],
                ]],
                "policy": [
                    "namespaces": ["user", "mount", "pid", "uts", "ipc", "cgroup", "net"],
                    "network": "none",
                    "workspace": "/work/repo",
                    "workspace_mode": "rw",
                    "uid": 1000, "gid": 1000, "hostname": "sandbox",
                    "seccomp": ["default": "errno:EPERM", "rules": 312, "digest": "sha256:00ff", "instructions": 640],
                    "limits": ["memory_bytes": 536_870_912, "pids": 256, "cpus": 1.5, "timeout_s": 600, "kill_after_s": 5],
                    "env": ["passed": ["PATH", "HOME"], "set": ["LANG"], "scrubbed": ["AWS_SECRET_ACCESS_KEY"]],
                    "landlock": ["abi": 6, "fs_rights": ["execute", "read_file", "read_dir"], "scopes": ["abstract_unix_socket", "signal"],
                                 "rules": 14, "complete": true, "required": false],
                ],
                "kernel": [
                    "release": "6.18.0",
                    "features": ["user_namespaces": true, "seccomp_notify": true, "pidfd": true, "landlock": 6, "cgroup": "hybrid"],
                ],
                "pid": 4242,
            ]
        case .sandboxReady: return ["setup_ms": 41.7, "pid": 4250]
        case .sandboxWarning: return ["code": "landlock_unavailable", "message": "Landlock is not enabled"]
        case .syscallDenied:
            return ["syscall": "ptrace", "nr": 101, "arch": "x86_64", "errno": "EPERM", "pid": 7]
        case .limitHit: return ["limit": "pids", "value": 256, "count": 3]
        case .timeout: return ["after_s": 600, "signal": "SIGTERM", "phase": "term"]
        case .signalForwarded: return ["signal": "SIGINT"]
        case .sandboxError:
            return ["step": "mount", "code": "mount_failed", "errno": 13, "errno_name": "EACCES",
                    "message": "bind /work/repo: permission denied"]
        case .sandboxEnd:
            return [
                "exit_reason": "signal", "exit_status": 137, "signal": "SIGKILL",
                "duration_ms": 1234.5, "peak_memory_bytes": 10_485_760, "cpu_time_ms": 880,
                "pids_peak": 12,
                "denials": ["syscalls": 2, "by_syscall": ["ptrace": 1, "mount": 1], "limits": 0, "stacked_filters": 1],
                "events_suppressed": 0,
            ]
        case .eventsSuppressed: return ["suppressed_type": "syscall.denied", "count": 5000]
        case .dnsQuery:
            return ["name": "pypi.org", "qtype": "A", "decision": "allow", "rule": "pypi.org",
                    "answers": ["151.101.0.223"]]
        case .netDenied:
            return ["proto": "tcp", "dst": "198.18.0.11", "port": 443, "enforced": true]
        case .seccompStacked:
            return ["syscall": "seccomp", "pid": 9, "count": 1]
        }
    }

    /// A full line for `type`, as the log would write it.
    static func line(_ type: EventType, seq: Int64 = 0) -> JSONObject {
        var o: JSONObject = [
            "v": 1, "ts": "2026-11-22T05:02:51.123456Z", "sandbox": "sbx-0a1b2c", "seq": .int(seq),
            "type": .string(type.rawValue), "actor": "myrepo/agents/toast",
            "prev": .string(String(repeating: "0f", count: 32)),
        ]
        for m in fields(for: type) { o[m.key] = m.value }
        if type == .sandboxEnd { o["chain"] = .string(String(repeating: "c4", count: 32)) }
        return o
    }

    /// Encoded lines of every type, in `EventType` order.
    static func all() -> [String] {
        EventType.allCases.enumerated().map { JSONEncoding.encode(object: line($1, seq: Int64($0))) }
    }
}

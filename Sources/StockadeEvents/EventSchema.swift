/// The shape of every event line: the common fields and each type's own.
///
/// This is the single source of truth; docs/events.md repeats it as one
/// table per type and a test checks the two match row for row.
public enum EventSchema {
    /// Fields every event starts with, in this order.
    public static let common: [FieldSpec] = [
        FieldSpec("v", .intEqual(EventLog.schemaVersion)),
        FieldSpec("ts", .string),
        FieldSpec("sandbox", .string),
        FieldSpec("seq", .int),
        FieldSpec("type", .string),
        FieldSpec("actor", .string),
        FieldSpec(EventChain.prevKey, .string),
    ]

    /// The fields of one event type, after the common ones.
    public static func fields(for type: EventType) -> [FieldSpec] {
        switch type {
        case .sandboxStart: return sandboxStart
        case .sandboxReady:
            return [FieldSpec("setup_ms", .number), FieldSpec("pid", .int)]
        case .sandboxWarning:
            return [FieldSpec("code", .string), FieldSpec("message", .string), .optional("limits", .array(.oneOf(["memory", "pids", "cpus"])))]
        case .syscallDenied:
            return [
                FieldSpec("syscall", .string), FieldSpec("nr", .int), FieldSpec("arch", .string),
                FieldSpec("errno", .string), FieldSpec("pid", .int),
                .optional("family", .string), .optional("protocol", .string),
            ]
        case .limitHit:
            return [
                FieldSpec("limit", .oneOf(["memory", "pids", "cpu"])),
                FieldSpec("value", .number), FieldSpec("count", .int),
            ]
        case .timeout:
            return [
                FieldSpec("after_s", .number),
                FieldSpec("signal", .oneOf(["SIGTERM", "SIGKILL"])),
                FieldSpec("phase", .oneOf(["term", "kill"])),
            ]
        case .signalForwarded:
            return [FieldSpec("signal", .string)]
        case .sandboxError:
            return [
                FieldSpec("step", .string), FieldSpec("code", .string),
                .optional("errno", .int), .optional("errno_name", .string),
                FieldSpec("message", .string),
            ]
        case .sandboxEnd: return sandboxEnd
        case .dnsQuery:
            return [
                FieldSpec("name", .string), FieldSpec("qtype", .string),
                FieldSpec("decision", .oneOf(["allow", "deny", "audit"])),
                .optional("reason", .string),
                .optional("rule", .string),
                .optional("answers", .array(.string)),
                .optional("stripped", .array(.string)),
            ]
        case .netDenied:
            return [
                FieldSpec("proto", .string), FieldSpec("dst", .string),
                .optional("port", .int),
                .optional("name", .string),
                FieldSpec("enforced", .bool),
                .optional("reason", .oneOf(["sni_mismatch", "host_mismatch", "no_sni", "ech", "not_resolved", "malformed", "local_address"])),
            ]
        case .eventsSuppressed:
            return [
                FieldSpec("suppressed_type", .oneOf(EventType.allCases.map(\.rawValue))),
                FieldSpec("count", .int),
            ]
        case .seccompStacked:
            return [
                FieldSpec("syscall", .oneOf(["seccomp", "prctl"])),
                FieldSpec("pid", .int),
                FieldSpec("count", .int),
            ]
        }
    }

    /// Common fields followed by the type's fields: the whole line.
    public static func allFields(for type: EventType) -> [FieldSpec] {
        common + fields(for: type)
    }

    private static let sandboxStart: [FieldSpec] = [
        .optional("name", .string),
        FieldSpec("command", .array(.string)),
        FieldSpec("cwd", .string),
        FieldSpec("profile", .object([
            FieldSpec("name", .string),
            FieldSpec("sources", .array(.object([
                FieldSpec("path", .string),
                FieldSpec("sha256", .string),
            ]))),
        ])),
        FieldSpec("policy", .object([
            FieldSpec("namespaces", .array(.string)),
            FieldSpec("network", .oneOf(["none", "filtered", "audit", "host"])),
            .optional("egress", .object([
                FieldSpec("allow", .array(.string)),
                FieldSpec("dns_upstreams", .array(.string)),
                .optional("allow_ech", .array(.string)),
            ])),
            FieldSpec("workspace", .stringOrNull),
            FieldSpec("workspace_mode", .oneOf(["rw", "ro", "none"])),
            FieldSpec("uid", .int),
            FieldSpec("gid", .int),
            FieldSpec("hostname", .string),
            FieldSpec("seccomp", .object([
                FieldSpec("default", .string),
                FieldSpec("rules", .int),
                FieldSpec("digest", .string),
                FieldSpec("instructions", .int),
            ])),
            FieldSpec("limits", .object([
                .optional("memory_bytes", .int),
                .optional("pids", .int),
                .optional("cpus", .number),
                .optional("timeout_s", .number),
                FieldSpec("kill_after_s", .number),
            ])),
            // Names only: values of passed or set variables may be secrets.
            FieldSpec("env", .object([
                FieldSpec("passed", .array(.string)),
                FieldSpec("set", .array(.string)),
                FieldSpec("scrubbed", .array(.string)),
            ])),
            .optional("landlock", .object([
                FieldSpec("abi", .int),
                FieldSpec("fs_rights", .array(.string)),
                FieldSpec("scopes", .array(.string)),
                FieldSpec("rules", .int),
                FieldSpec("complete", .bool),
                FieldSpec("required", .bool),
            ])),
        ])),
        FieldSpec("kernel", .object([
            FieldSpec("release", .string),
            FieldSpec("features", .object([
                FieldSpec("user_namespaces", .bool),
                FieldSpec("seccomp_notify", .bool),
                FieldSpec("pidfd", .bool),
                FieldSpec("landlock", .int),
                FieldSpec("cgroup", .oneOf(["v2", "v1", "hybrid", "none"])),
            ])),
        ])),
        FieldSpec("pid", .int),
        .optional("masked", .object([
            FieldSpec("count", .int),
            FieldSpec("paths", .array(.string)),
            FieldSpec("unmask", .array(.string)),
            FieldSpec("unmasked_count", .int),
            FieldSpec("unmasked", .array(.string)),
        ])),
    ]

    private static let sandboxEnd: [FieldSpec] = [
        FieldSpec("exit_reason", .oneOf(ExitReason.allCases.map(\.rawValue))),
        FieldSpec("exit_status", .int),
        .optional("signal", .string),
        FieldSpec("duration_ms", .number),
        .optional("peak_memory_bytes", .int),
        FieldSpec("cpu_time_ms", .number),
        .optional("pids_peak", .int),
        FieldSpec("denials", .object([
            FieldSpec("syscalls", .int),
            FieldSpec("by_syscall", .map(.int)),
            FieldSpec("limits", .int),
            .optional("stacked_filters", .int),
        ])),
        .optional("network", .object([
            FieldSpec("mode", .oneOf(["filtered", "audit"])),
            FieldSpec("queries_allowed", .int),
            FieldSpec("queries_denied", .int),
            FieldSpec("packets_denied", .int),
            .optional("suggested_allow", .array(.string)),
            .optional("connections_relayed", .int),
            .optional("suggested_allow_truncated", .bool),
        ])),
        .optional("events_suppressed", .int),
        FieldSpec(EventChain.chainKey, .string),
    ]
}

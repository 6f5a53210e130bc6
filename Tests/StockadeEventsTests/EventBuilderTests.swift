import Glibc
import Testing
@testable import StockadeEvents

/// The typed builders write the documented fields, in the documented order:
/// each matches the full example of its type (SampleEvents), and with every
/// optional field set each covers its type's whole schema and validates.
@Suite("Event builders")
struct EventBuilderTests {
    /// Every builder, with the values of SampleEvents.
    static let samples: [Event] = [
        .ready(setupMs: 41.7, pid: 4250),
        .warning(code: "landlock_unavailable", message: "Landlock is not enabled"),
        .syscallDenied(syscall: "ptrace", nr: 101, arch: "x86_64", errno: EPERM, pid: 7),
        .limitHit(.pids, value: 256, count: 3),
        .timeout(afterSeconds: 600, phase: .term),
        .signalForwarded(SIGINT),
        .error(step: "mount", code: "mount_failed", errno: EACCES, message: "bind /work/repo: permission denied"),
        .suppressed(.syscallDenied, count: 5000),
        .dnsQuery(name: "pypi.org", qtype: "A", decision: "allow", rule: "pypi.org", answers: ["151.101.0.223"]),
        .netDenied(proto: "tcp", dst: "198.18.0.11", port: 443, enforced: true),
        .seccompStacked(syscall: "seccomp", pid: 9, count: 1),
    ]

    /// Every builder with every optional field set.
    static let full: [Event] = [
        .ready(setupMs: 1, pid: 2),
        .warning(code: "limits_not_enforced", message: "m", limits: ["memory", "pids"]),
        .syscallDenied(syscall: "socket", nr: 41, arch: "x86_64", errno: EPERM, pid: 3, family: "netlink", netlinkProtocol: "NETLINK_AUDIT"),
        .limitHit(.memory, value: 1 << 20, count: 1),
        .timeout(afterSeconds: 5, phase: .kill),
        .signalForwarded(SIGTERM),
        .error(step: "clone", code: "clone", errno: EPERM, message: "m"),
        .suppressed(.dnsQuery, count: 1),
        .dnsQuery(name: "a.test", qtype: "A", decision: "deny", reason: "not_allowlisted", rule: "*.test",
                  answers: ["198.18.0.1"], stripped: ["127.0.0.1"]),
        .netDenied(proto: "tcp", dst: "198.18.0.1", port: 443, name: "a.test", reason: "sni_mismatch", enforced: false),
        .seccompStacked(syscall: "prctl", pid: 4, count: 2),
        .end(reason: .signal, status: 137, signal: SIGKILL, durationMs: 1, peakMemoryBytes: 2, cpuTimeMs: 3, pidsPeak: 4,
             denials: .init(syscalls: 1, bySyscall: [("ptrace", 1)], limits: 1, stackedFilters: 1),
             network: .init(audit: true, queriesAllowed: 1, queriesDenied: 2, packetsDenied: 3, connectionsRelayed: 4,
                            suggestedAllow: ["a.test:443"], suggestedAllowTruncated: true)),
    ]

    /// Equal members in the same order; numbers compared by value (the
    /// builders write durations as doubles, the example as integers).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.members.map(\.key) == y.members.map(\.key)
                && zip(x.members, y.members).allSatisfy { same($0.value, $1.value) }
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            return a == b
        }
    }

    /// Dotted paths of every member, nested objects included.
    static func paths(_ object: JSONObject, prefix: String = "") -> Set<String> {
        var out: Set<String> = []
        for m in object.members {
            out.insert(prefix + m.key)
            if case let .object(inner) = m.value { out.formUnion(paths(inner, prefix: prefix + m.key + ".")) }
        }
        return out
    }

    @Test func buildersWriteTheDocumentedExample() {
        for event in Self.samples {
            #expect(Self.same(.object(event.fields), .object(SampleEvents.fields(for: event.type))), "\(event.type.rawValue)")
        }
        var end = Event.end(reason: .signal, status: 137, signal: SIGKILL, durationMs: 1234.5, peakMemoryBytes: 10_485_760,
                            cpuTimeMs: 880, pidsPeak: 12,
                            denials: .init(syscalls: 2, bySyscall: [("ptrace", 1), ("mount", 1)], limits: 0, stackedFilters: 1)).fields
        end["events_suppressed"] = 0  // added by the log
        #expect(Self.same(.object(end), .object(SampleEvents.fields(for: .sandboxEnd))))
    }

    @Test func fullBuildersCoverAndMatchTheSchema() {
        for event in Self.full {
            var line = SampleEvents.line(event.type)
            for key in SampleEvents.fields(for: event.type).members.map(\.key) { line[key] = nil }
            for m in event.fields.members { line[m.key] = m.value }
            if event.type == .sandboxEnd { line["events_suppressed"] = 0 }
            #expect(EventSchema.validate(line) == [], "\(event.type.rawValue)")
            let written = Self.paths(event.fields)
            for field in FlatField.flatten(EventSchema.fields(for: event.type)) where !written.contains(field.path) {
                if event.type == .sandboxEnd && (field.path == "events_suppressed" || field.path == "chain") { continue }
                Issue.record("\(event.type.rawValue): no builder argument writes \(field.path)")
            }
        }
        let built = Set(Self.full.map(\.type))
        #expect(built == Set(EventType.allCases).subtracting([.sandboxStart]), "sandbox.start is built by StartEvent")
    }
}

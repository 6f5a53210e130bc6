#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

/// Writes the child's user namespace maps: a single id, inside == outside,
/// so files the workload creates in the workspace belong to that user on the
/// host and no other host id (root included) exists inside.
enum IDMaps {
    static func write(pid: pid_t, uid: UInt32, gid: UInt32, rootless: Bool) throws(SetupError) {
        // An unprivileged writer must give up setgroups before writing
        // gid_map (user_namespaces(7)).
        if rootless {
            try writeFile("/proc/\(pid)/setgroups", "deny\n", step: "setgroups_deny")
        }
        try writeFile("/proc/\(pid)/uid_map", "\(uid) \(uid) 1\n", step: "uid_map")
        try writeFile("/proc/\(pid)/gid_map", "\(gid) \(gid) 1\n", step: "gid_map")
    }

    static func writeFile(_ path: String, _ content: String, step: String) throws(SetupError) {
        let err = FileIO.writeFile(path, content)
        guard err == 0 else {
            throw SetupError(step: step, code: .idMap, errno: err, subject: path, message: "cannot write \(content.trimmingSuffixNewline) to \(path)")
        }
    }
}

extension String {
    var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}

/// Monotonic seconds, for durations and deadlines.
enum Clock {
    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

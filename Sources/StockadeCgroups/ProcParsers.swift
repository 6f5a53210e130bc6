/// One line of `/proc/self/mountinfo` (proc(5)), the fields Stockade needs.
public struct MountInfoEntry: Equatable, Sendable {
    /// Field 4: the path inside the filesystem that is mounted here; for
    /// cgroupfs, the cgroup shown at the mount point.
    public var root: String
    /// Field 5, unescaped.
    public var mountPoint: String
    /// After the `-` separator: `cgroup`, `cgroup2`, `tmpfs`…
    public var fsType: String
    /// After the `-` separator: super options, split on commas. For cgroup
    /// v1 these name the controllers (`rw,cpu,cpuacct`).
    public var superOptions: [String]
}

/// One line of `/proc/<pid>/cgroup` (cgroups(7)): `id:controllers:path`.
public struct ProcCgroupEntry: Equatable, Sendable {
    public var hierarchyId: Int
    /// Empty for the v2 line (`0::/path`); `name=systemd` style names kept as is.
    public var controllers: [String]
    public var path: String
}

public enum ProcParsers {
    /// Parses mountinfo text; malformed lines are skipped.
    public static func mountInfo(_ text: String) -> [MountInfoEntry] {
        var entries: [MountInfoEntry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // Optional fields end at "-"; at least 6 fixed fields precede it.
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { continue }
            entries.append(MountInfoEntry(
                root: unescape(fields[3]),
                mountPoint: unescape(fields[4]),
                fsType: String(fields[dash + 1]),
                superOptions: fields.count > dash + 3
                    ? fields[dash + 3].split(separator: ",").map(String.init) : []
            ))
        }
        return entries
    }

    /// Parses `/proc/self/cgroup`. The path is everything after the second
    /// colon, because a cgroup name may itself contain colons.
    public static func procCgroup(_ text: String) -> [ProcCgroupEntry] {
        var entries: [ProcCgroupEntry] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { continue }
            entries.append(ProcCgroupEntry(
                hierarchyId: id,
                controllers: parts[1].split(separator: ",").map(String.init),
                path: String(parts[2])
            ))
        }
        return entries
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x5C, index + 3 < bytes.count {
                let digits = bytes[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if value < 256 {
                        out.append(UInt8(value))
                        index += 4
                        continue
                    }
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The path of `cgroupPath` relative to a mount whose root is
    /// `mountRoot`, or `nil` when the cgroup is not visible below that mount.
    static func relativePath(cgroupPath: String, mountRoot: String) -> String? {
        if mountRoot == "/" { return cgroupPath.hasPrefix("/") ? cgroupPath : nil }
        if cgroupPath == mountRoot { return "/" }
        guard cgroupPath.hasPrefix(mountRoot + "/") else { return nil }
        return String(cgroupPath.dropFirst(mountRoot.count))
    }
}

import StockadeProfile

/// The sandbox's `/sys`: read-only, with the subtrees that reveal the host's
/// hardware identity, firmware, power side channels or kernel internals
/// covered by empty directories, and `/sys/fs/cgroup` showing only the
/// sandbox's own cgroup.
///
/// With its own network namespace (every mode but `--net host`) the sandbox
/// mounts a fresh sysfs from inside its user namespace, which owns that
/// network namespace; the mount then lists only the sandbox's own network
/// devices (`lo`), and none of the host's submounts (securityfs, debugfs,
/// tracefs, bpf, the cgroup hierarchies) come with it. With `--net host` the
/// kernel refuses that mount (the host's network namespace is not ours), so
/// the host's `/sys` is bound read-only instead, and the mount points below
/// are covered too. Docker and Podman make the same choice.
public enum SysView {
    /// A covered subtree and why.
    public struct Mask: Equatable, Sendable {
        public var path: String
        public var reason: String
        /// Only a mount point in the host's sysfs: empty in a fresh sysfs,
        /// so it needs a cover only when `/sys` is a bind of the host's.
        public var mountPointOnly: Bool
    }

    /// Not covered: `/sys/dev/block` (Podman masks it), an index of block
    /// devices by number whose entries `/sys/class/block` and `/sys/block`
    /// show anyway; covering one index of three would hide nothing. Every
    /// cover costs a mount at every start (docs/performance.md).
    public static let masks: [Mask] = [
        Mask(path: "/sys/firmware", reason: "ACPI tables, DMI/SMBIOS (serial numbers, asset tags), EFI variables, the memory map: the host's identity and firmware attack surface (masked by Docker and Podman)", mountPointOnly: false),
        Mask(path: "/sys/devices/virtual/powercap", reason: "RAPL energy counters: a power side channel that leaks what other processes compute (Platypus, CVE-2020-8694; masked by Docker and Podman)", mountPointOnly: false),
        Mask(path: "/sys/power", reason: "suspend and hibernation state and wakeup counters: the host's power management and an activity side channel", mountPointOnly: false),
        Mask(path: "/sys/kernel/security", reason: "securityfs: LSM policy (AppArmor profiles, IMA measurements)", mountPointOnly: true),
        Mask(path: "/sys/kernel/debug", reason: "debugfs: kernel internals and addresses", mountPointOnly: true),
        Mask(path: "/sys/kernel/tracing", reason: "tracefs: kernel tracing of every process", mountPointOnly: true),
        Mask(path: "/sys/kernel/config", reason: "configfs: kernel object configuration", mountPointOnly: true),
        Mask(path: "/sys/fs/bpf", reason: "pinned BPF maps and programs of the host", mountPointOnly: true),
        Mask(path: "/sys/fs/selinux", reason: "selinuxfs: the SELinux policy (masked by Podman)", mountPointOnly: true),
        Mask(path: "/sys/fs/pstore", reason: "pstore: crash logs of earlier boots", mountPointOnly: true),
    ]

    /// What the child covers, relative to `destination`, when the kernel
    /// refuses a fresh sysfs and it binds the host's `/sys` instead: the
    /// mount points (a fresh sysfs shows them empty) and the cgroup
    /// hierarchies, which the cgroup view covers next anyway.
    ///
    /// The kernel refuses a fresh sysfs in a user namespace when the host's
    /// `/sys` is itself partly covered (`mount_too_revealing`), as under a
    /// container runtime that masks `/sys/firmware`.
    public static func fallbackCovers(destination: String) -> [String] {
        let prefix = destination + "/"
        return masks.filter(\.mountPointOnly).compactMap { m in
            m.path.hasPrefix(prefix) ? String(m.path.dropFirst(prefix.count)) : nil
        }
    }

    /// The mount steps of `/sys` for a sandbox in `network` mode.
    public static func steps(network: NetworkMode) -> [MountStep] {
        let fresh = network != .host
        var steps: [MountStep] = [fresh
            ? .sysfs(destination: "/sys")
            : .bind(source: "/sys", destination: "/sys", readOnly: true, isFile: false, device: false)]
        for m in masks where fresh ? !m.mountPointOnly : true {
            steps.append(.hide(path: m.path, isFile: false, optional: true))
        }
        steps.append(.cgroupView(destination: "/sys/fs/cgroup"))
        return steps
    }
}

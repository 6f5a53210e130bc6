import StockadeCgroups

/// `/sys/fs/cgroup` inside the sandbox: its own cgroup as the root, read-only,
/// at the paths runtimes read their limits from (the JVM, Go, .NET,
/// libuv's `uv_get_constrained_memory`).
///
/// The sandbox's cgroup namespace is rooted at its own cgroup (the child
/// unshares it after the supervisor moved it in), so `/proc/self/cgroup`
/// says `/` for every hierarchy it joined, and the mounts below are the
/// directories that `/` means:
/// - v2: the sandbox's directory bound at `/sys/fs/cgroup` (the mount is
///   cgroup2, so `statfs` tells runtimes which version they are on);
/// - v1 or hybrid: a read-only tmpfs at `/sys/fs/cgroup` holding, for each
///   hierarchy the sandbox has a directory in, that directory bound at the
///   hierarchy's usual name (`memory`, `pids`, `cpu,cpuacct`…) plus the
///   controller-name symlinks co-mounted hierarchies have, as Docker shows
///   them. Hierarchies the sandbox did not join are left out: their
///   directory would be the supervisor's, listing other sandboxes.
/// Without a sandbox cgroup (rootless, or no usable hierarchy) it is an
/// empty read-only directory.
///
/// Binds are read-only: the workload reads its limits and cannot change
/// them (it also holds no capability over the files, owned by host root).
public enum CgroupView {
    /// Replaces every `.cgroupView` step of `mounts` with concrete steps.
    public static func expand(_ mounts: [MountStep], cgroup: SandboxCgroup?, layout: CgroupLayout) -> [MountStep] {
        mounts.flatMap { step -> [MountStep] in
            guard case .cgroupView(let destination) = step else { return [step] }
            return steps(destination: destination, cgroup: cgroup, layout: layout)
        }
    }

    public static func steps(destination: String, cgroup: SandboxCgroup?, layout: CgroupLayout) -> [MountStep] {
        let empty: [MountStep] = [.tmpfs(destination: destination, options: "mode=0755,size=4k", readOnly: true)]
        guard let cgroup, !cgroup.directories.isEmpty else { return empty }
        if cgroup.unified, let dir = cgroup.paths.first {
            return [.bind(source: dir, destination: destination, readOnly: true, isFile: false, device: false)]
        }
        guard case .v1(let hierarchies, _) = layout else { return empty }
        // One bind per distinct directory, named after its hierarchy's mount.
        var byName: [String: (dir: String, controllers: [CgroupController])] = [:]
        for (controller, dir) in cgroup.directories {
            guard let mount = hierarchies[controller]?.mount, let name = baseName(mount) else { continue }
            byName[name, default: (dir, [])].controllers.append(controller)
        }
        guard !byName.isEmpty else { return empty }
        var steps: [MountStep] = [.tmpfs(destination: destination, options: "mode=0755,size=16k", readOnly: false)]
        var links: [MountStep] = []
        for name in byName.keys.sorted() {
            let entry = byName[name]!
            steps.append(.bind(source: entry.dir, destination: destination + "/" + name, readOnly: true, isFile: false, device: false))
            for c in entry.controllers.sorted() where c.rawValue != name {
                links.append(.symlink(target: name, at: destination + "/" + c.rawValue))
            }
        }
        return steps + links + [.remountReadOnly(path: destination)]
    }

    static func baseName(_ path: String) -> String? {
        guard let last = path.split(separator: "/").last, last != "..", last != "." else { return nil }
        return String(last)
    }
}

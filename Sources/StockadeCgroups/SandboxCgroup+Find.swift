import Glibc

extension SandboxCgroup {
    /// How deep and how wide `findAll` walks each hierarchy.
    static let findMaxDepth = 16
    static let findMaxDirectories = 200_000

    /// Every sandbox's directories anywhere in this host's hierarchies, by
    /// sandbox id. A supervisor creates them under its own cgroup, which
    /// differs per login session or CI job: one killed in another session
    /// left them where a later start or `gc` from elsewhere never looks
    /// under its own cgroup. Only directories owned by the effective user
    /// are taken (a supervisor's are its own), and the walk never descends
    /// into a sandbox directory.
    public static func findAll(layout: CgroupLayout) -> [String: SandboxCgroup] {
        let mounts: [CgroupController: String]
        let unified: Bool
        switch layout {
        case .unified(let mount, _):
            mounts = Dictionary(uniqueKeysWithValues: CgroupController.allCases.map { ($0, mount) })
            unified = true
        case .v1(let controllers, _):
            mounts = controllers.mapValues(\.mount)
            unified = false
        case .unavailable:
            return [:]
        }
        var directories: [String: [CgroupController: String]] = [:]
        for mount in Set(mounts.values).sorted() {
            let controllers = mounts.filter { $0.value == mount }.map(\.key)
            for (id, path) in sandboxDirectories(under: mount) {
                for controller in controllers { directories[id, default: [:]][controller] = path }
            }
        }
        var out: [String: SandboxCgroup] = [:]
        for (id, dirs) in directories { out[id] = SandboxCgroup(sandboxId: id, unified: unified, directories: dirs) }
        return out
    }

    /// `stockade-<id>` directories below `mount`, breadth first, bounded.
    static func sandboxDirectories(under mount: String) -> [(String, String)] {
        var found: [(String, String)] = []
        var level = [mount]
        var seen = 0
        let euid = geteuid()
        for _ in 0..<findMaxDepth where !level.isEmpty {
            var next: [String] = []
            for directory in level {
                for name in CgroupFS.subdirectories(directory) {
                    // Checked at every directory: one level of a delegated
                    // subtree can be as wide as its owner likes.
                    guard seen < findMaxDirectories else { return found }
                    seen += 1
                    let path = directory + "/" + name
                    if let id = CgroupNaming.sandboxId(fromDirectoryName: name) {
                        var st = stat()
                        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == euid { found.append((id, path)) }
                    } else {
                        next.append(path)
                    }
                }
            }
            level = next
        }
        return found
    }
}

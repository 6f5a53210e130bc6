import Glibc

extension SandboxCgroup {
    /// How deep and how wide `findAll` walks each hierarchy.
    static let findMaxDepth = 16
    public static let findMaxDirectories = 200_000

    /// Every sandbox's directories anywhere in this host's hierarchies, by
    /// sandbox id. A supervisor creates them under its own cgroup, which
    /// differs per login session or CI job: one killed in another session
    /// left them where a later start or `gc` from elsewhere never looks
    /// under its own cgroup. Only directories named for a generated id
    /// (`CgroupNaming.isGeneratedSandboxId`) and owned by the effective user
    /// are taken (a supervisor's are its own), and the walk never descends
    /// into one; other `stockade-*` directories (a `stockade-ci.service`
    /// unit) are walked like any other.
    public static func findAll(layout: CgroupLayout) -> [String: SandboxCgroup] {
        search(layout: layout).cgroups
    }

    /// `findAll`, and whether the walk stopped at `findMaxDirectories`
    /// before it had looked everywhere (then some leftovers may remain).
    public static func search(layout: CgroupLayout) -> (cgroups: [String: SandboxCgroup], stoppedAtCap: Bool) {
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
            return ([:], false)
        }
        var directories: [String: [CgroupController: String]] = [:]
        var stoppedAtCap = false
        for mount in Set(mounts.values).sorted() {
            let controllers = mounts.filter { $0.value == mount }.map(\.key)
            let walk = sandboxDirectories(under: mount)
            stoppedAtCap = stoppedAtCap || walk.stoppedAtCap
            for (id, path) in walk.found {
                for controller in controllers { directories[id, default: [:]][controller] = path }
            }
        }
        var out: [String: SandboxCgroup] = [:]
        for (id, dirs) in directories { out[id] = SandboxCgroup(sandboxId: id, unified: unified, directories: dirs) }
        return (out, stoppedAtCap)
    }

    /// `stockade-<id>` directories below `mount` whose id is a generated
    /// one, breadth first, bounded; `stoppedAtCap` when the bound cut it short.
    static func sandboxDirectories(under mount: String, maxDirectories: Int = findMaxDirectories)
        -> (found: [(String, String)], stoppedAtCap: Bool) {
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
                    guard seen < maxDirectories else { return (found, true) }
                    seen += 1
                    let path = directory + "/" + name
                    if let id = CgroupNaming.sandboxId(fromDirectoryName: name), CgroupNaming.isGeneratedSandboxId(id) {
                        // Another user's sandbox is neither taken nor entered.
                        var st = stat()
                        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == euid { found.append((id, path)) }
                    } else {
                        next.append(path)
                    }
                }
            }
            level = next
        }
        return (found, false)
    }
}

@testable import StockadeCore

/// An in-memory host tree for planning tests: absolute path → kind.
struct FakeFileSystem: HostFileSystem {
    var nodes: [String: HostFileKind]

    init(_ nodes: [String: HostFileKind]) {
        var all = nodes
        // Every ancestor of a node is a directory.
        for path in nodes.keys {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                let p = "/" + parts.joined(separator: "/")
                if all[p] == nil { all[p] = .directory }
                parts = parts.dropLast()
            }
        }
        all["/"] = .directory
        self.nodes = all
    }

    func kind(of path: String) -> HostFileKind { nodes[path] ?? .missing }

    func canonical(_ path: String) -> String? {
        switch nodes[path] {
        case .none, .missing?: return nil
        case .symlink(let t)?: return t.hasPrefix("/") ? t : parent(path) + "/" + t
        default: return path
        }
    }

    func entries(of directory: String) -> [(name: String, kind: HostFileKind)]? {
        guard nodes[directory] == .directory else { return nil }
        let prefix = directory == "/" ? "/" : directory + "/"
        return nodes.compactMap { path, kind in
            guard path.hasPrefix(prefix), path != directory else { return nil }
            let rest = path.dropFirst(prefix.count)
            return rest.contains("/") ? nil : (String(rest), kind)
        }
    }

    private func parent(_ p: String) -> String {
        let parts = p.split(separator: "/").dropLast()
        return parts.isEmpty ? "" : "/" + parts.joined(separator: "/")
    }
}

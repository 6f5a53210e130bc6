#if canImport(Glibc)
import Glibc
#endif
import StockadeSeccomp
import StockadeSystem

/// `seccomp:` — default action, allow/deny lists, socket families, or an
/// imported OCI/Docker JSON.
extension ProfileDecoder {
    func seccomp(_ section: YAMLReader.Entry) throws(ProfileError) -> SeccompFragment {
        var fragment = SeccompFragment()
        let entries = try reader.mapping(section.value, section.field,
                                         allowed: ["default", "allow", "deny", "socket_families", "oci"])
        if let oci = entries.first(where: { $0.key == "oci" }),
           let other = entries.first(where: { ["default", "allow", "deny"].contains($0.key) }) {
            throw reader.error(.conflictingKeys, at: oci.keyNode, oci.field,
                               "oci: replaces the whole policy and cannot be combined with \(other.key):")
        }
        var named: [String: String] = [:]  // syscall → "allow"/"deny", to catch contradictions
        for entry in entries {
            switch entry.key {
            case "default":
                fragment.defaultAction = try defaultAction(entry)
            case "allow":
                for (name, node, field) in try reader.stringList(entry.value, entry.field, what: "syscall names") {
                    try checkSyscall(name, node, field)
                    if named[name] == "deny" {
                        throw reader.error(.invalidValue, at: node, field, "\(name) is both allowed and denied")
                    }
                    if named.updateValue("allow", forKey: name) == nil {
                        fragment.rules.append(SeccompRule(name: name, action: .allow))
                    }
                }
            case "deny":
                for (index, item) in try reader.list(entry.value, entry.field, what: "a list of syscall names or {name, errno}").enumerated() {
                    let field = "\(entry.field)[\(index)]"
                    let (name, nameNode, nameField, errno) = try denyItem(item, field)
                    if named[name] == "allow" {
                        throw reader.error(.invalidValue, at: nameNode, nameField, "\(name) is both allowed and denied")
                    }
                    if named.updateValue("deny", forKey: name) == nil {
                        fragment.rules.append(SeccompRule(name: name, action: .deny(errno: errno)))
                    }
                }
            case "socket_families":
                var families: [Int32] = []
                for (name, node, field) in try reader.stringList(entry.value, entry.field, what: "address family names") {
                    guard let number = SocketFamily.number(named: name) else {
                        let known = SocketFamily.table.map(\.name).joined(separator: ", ")
                        throw reader.error(.unknownSocketFamily, at: node, field,
                                           "unknown address family \(reader.quoted(name)); expected one of: \(known)")
                    }
                    families.appendUnique(number)
                }
                fragment.socketFamilies = families
            case "oci":
                fragment.oci = try ociImport(entry)
            default: break
            }
        }
        return fragment
    }

    private func checkSyscall(_ name: String, _ node: YAMLNode, _ field: String) throws(ProfileError) {
        guard SyscallName.isKnown(name) else {
            throw reader.error(.unknownSyscall, at: node, field,
                               "unknown syscall \(reader.quoted(name)) (not an x86_64 syscall libseccomp knows)")
        }
    }

    private func defaultAction(_ entry: YAMLReader.Entry) throws(ProfileError) -> SeccompAction {
        let expected = "expected deny, deny-enosys, kill or {errno: NAME}"
        if case .mapping = entry.value {
            let items = try reader.mapping(entry.value, entry.field, allowed: ["errno"])
            guard let errnoEntry = items.first else {
                throw reader.error(.invalidValue, at: entry.value, entry.field, expected)
            }
            return .deny(errno: try errnoValue(errnoEntry.value, errnoEntry.field))
        }
        let text = try reader.string(entry.value, entry.field, what: "deny, deny-enosys, kill or {errno: NAME}")
        switch text {
        case "deny": return .deny(errno: 1)
        case "deny-enosys": return .deny(errno: 38)
        case "kill": return .killProcess
        case "allow":
            throw reader.error(.invalidValue, at: entry.value, entry.field,
                               "a default of allow turns the filter into a denylist; list what to allow instead")
        default:
            throw reader.error(.invalidValue, at: entry.value, entry.field, "\(expected), got \(reader.quoted(text))")
        }
    }

    private func errnoValue(_ node: YAMLNode, _ field: String) throws(ProfileError) -> Int32 {
        let text = try reader.string(node, field, what: "an errno name like EPERM")
        guard let number = ErrnoName.number(for: text) else {
            throw reader.error(.unknownErrno, at: node, field, "expected an errno name like EPERM or ENOSYS, got \(reader.quoted(text))")
        }
        return number
    }

    private func denyItem(_ item: YAMLNode, _ field: String) throws(ProfileError) -> (String, YAMLNode, String, Int32) {
        if case .mapping = item {
            var name: (String, YAMLNode, String)?
            var errno: Int32 = 1
            for pair in try reader.mapping(item, field, allowed: ["name", "errno"]) {
                if pair.key == "name" {
                    let text = try reader.string(pair.value, pair.field, what: "a syscall name")
                    try checkSyscall(text, pair.value, pair.field)
                    name = (text, pair.value, pair.field)
                } else {
                    errno = try errnoValue(pair.value, pair.field)
                }
            }
            guard let name else {
                throw reader.error(.invalidValue, at: item, field, "expected a name: key")
            }
            return (name.0, name.1, name.2, errno)
        }
        let text = try reader.string(item, field, what: "a syscall name or {name, errno}")
        try checkSyscall(text, item, field)
        return (text, item, field, 1)
    }

    private func ociImport(_ entry: YAMLReader.Entry) throws(ProfileError) -> OCISeccompImport {
        let raw = try reader.string(entry.value, entry.field, what: "a path to an OCI seccomp JSON file")
        guard !raw.isEmpty else {
            throw reader.error(.invalidValue, at: entry.value, entry.field, "expected a path, got an empty string")
        }
        let path = raw.hasPrefix("/") ? raw : FilePath.join(directory, raw)
        // One open (no stat first): a FIFO in its place fails, never hangs.
        guard let data = FileIO.readFile(path, limit: OCISeccompImporter.maxBytes + 1, nonBlocking: true, accept: { $0.st_mode & S_IFMT == S_IFREG }) else {
            let exists = ![ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG].contains(errno)
            throw reader.error(exists ? .unreadable : .notFound, at: entry.value, entry.field,
                               exists ? "cannot read \(path)" : "no such file: \(path)")
        }
        return try OCISeccompImporter.importPolicy(json: data, path: path)
    }
}

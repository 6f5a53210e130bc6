import StockadeNet
#if canImport(Glibc)
import Glibc
#endif

/// Running sandboxes, one small file each (`<dir>/<id>`, holding the
/// supervisor's pid and start time, its name, and on a second line the
/// network namespace it ran in), so `gc` can tell leftovers of a dead
/// supervisor from live sandboxes and `kill` can find them.
public struct SandboxRegistry: Sendable {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public static func `default`(rootless: Bool) -> SandboxRegistry {
        if !rootless { return SandboxRegistry(directory: "/run/stockade/sandboxes") }
        if let xdg = getenv("XDG_RUNTIME_DIR") { return SandboxRegistry(directory: String(cString: xdg) + "/stockade/sandboxes") }
        return SandboxRegistry(directory: "/tmp/stockade-\(getuid())/sandboxes")
    }

    public struct Entry: Equatable, Sendable {
        public var id: String
        public var pid: pid_t
        public var startTicks: UInt64
        public var name: String?
        /// Where its veth and nft table live; nil in entries written before
        /// this was recorded.
        public var network: NetworkNamespaceID?

        public init(id: String, pid: pid_t, startTicks: UInt64, name: String?, network: NetworkNamespaceID? = nil) {
            self.id = id
            self.pid = pid
            self.startTicks = startTicks
            self.name = name
            self.network = network
        }
    }

    public func register(id: String, name: String?) {
        mkdirs(directory)
        let pid = getpid()
        var text = "\(pid) \(Self.startTicks(of: pid) ?? 0) \(name ?? "")\n"
        if let network = NetworkNamespaceID.current() { text += "net \(network)\n" }
        _ = FileIO.writeFile(directory + "/" + id, text, flags: O_WRONLY | O_CREAT | O_TRUNC)
    }

    public func unregister(id: String) {
        unlink(directory + "/" + id)
    }

    public func entries() -> [Entry] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var out: [Entry] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix(".") { continue }
            guard let text = readSmallFile(directory + "/" + name), let entry = Self.parse(id: name, text: text) else { continue }
            out.append(entry)
        }
        return out.sorted { $0.id < $1.id }
    }

    /// An entry file's contents: `PID TICKS NAME` and an optional `net DEV:INO` line.
    static func parse(id: String, text: String) -> Entry? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let pid = pid_t(parts[0]), let ticks = UInt64(parts[1]) else { return nil }
        let n = parts.count > 2 ? String(parts[2]) : ""
        let network = lines.dropFirst().first { $0.hasPrefix("net ") }.flatMap { NetworkNamespaceID($0.dropFirst(4)) }
        return Entry(id: id, pid: pid, startTicks: ticks, name: n.isEmpty ? nil : n, network: network)
    }

    /// A supervisor is alive when its pid exists with the same start time
    /// (a reused pid has a different one).
    public func isAlive(_ entry: Entry) -> Bool {
        guard let ticks = Self.startTicks(of: entry.pid) else { return false }
        return entry.startTicks == 0 || ticks == entry.startTicks
    }

    /// Start time in clock ticks since boot (`/proc/PID/stat` field 22).
    static func startTicks(of pid: pid_t) -> UInt64? { ProcStartTime.of(pid) }
}


func mkdirs(_ path: String) {
    var cur = ""
    for comp in path.split(separator: "/") {
        cur += "/" + comp
        mkdir(cur, 0o755)
    }
}

extension String {
    func trimmingCharacters(in chars: Character) -> String {
        var s = Substring(self)
        while s.first == chars { s = s.dropFirst() }
        while s.last == chars { s = s.dropLast() }
        return String(s)
    }
}

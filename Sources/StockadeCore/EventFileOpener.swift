#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents

/// What the supervisor may do with an `--events PATH` file.
///
/// The supervisor often runs as root while the file's directory is one a
/// user (or, worse, an earlier workload) can write. So the file is opened
/// component by component from `/` with `openat2(RESOLVE_NO_SYMLINKS)`, an
/// existing file must be a regular file with one link owned by an allowed
/// uid, and a file in a place the workload can write (the workspace, a
/// writable bind) is refused outright: an earlier run could have planted a
/// symlink or hard link there, and this run could rewrite the audit trail.
/// Every directory on the way must belong to an allowed uid and be closed
/// to others' writes (or sticky, like `/tmp`): under plain root, this run's
/// workspace is not the only place a workload (of this or another run, or
/// another user) can write.
public struct EventFileRules: Sendable, Equatable {
    /// Owners an existing events file may have (root and the invoking user).
    public var allowedOwners: [UInt32]
    /// Under sudo: the caller. The file is opened, and created, with the
    /// caller's filesystem credentials, so it is created owned by the caller
    /// and only where the caller could create it.
    public var caller: CallerCredentials?
    /// Host paths the workload can write (the workspace, writable binds).
    public var writableAreas: [String]

    public init(allowedOwners: [UInt32], caller: CallerCredentials? = nil, writableAreas: [String] = []) {
        self.allowedOwners = allowedOwners
        self.caller = caller
        self.writableAreas = writableAreas
    }

    /// The rules for this process: root and the invoking user (the sudo
    /// caller when root runs under sudo, else the real uid) may own the file.
    public static func forInvoker(host: HostContext, writableAreas: [String]) -> EventFileRules {
        let caller = CallerCredentials.sudoCaller(host: host)
        var owners: [UInt32] = [0]
        if let c = caller { owners.append(c.uid) } else if host.uid != 0 { owners.append(host.uid) }
        return EventFileRules(allowedOwners: owners, caller: caller, writableAreas: writableAreas)
    }
}

/// The sudo caller's identity (`SUDO_UID`, `SUDO_GID`, and the caller's
/// groups), when root runs on someone's behalf.
public struct CallerCredentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Set only when the real uid is 0 and `SUDO_UID` names another user:
    /// plain root (no `SUDO_UID`) keeps full authority.
    public static func sudoCaller(host: HostContext) -> CallerCredentials? {
        guard host.uid == 0, let u = host.value(of: "SUDO_UID").flatMap({ UInt32($0) }), u != 0 else { return nil }
        let gid = host.value(of: "SUDO_GID").flatMap { UInt32($0) } ?? u
        return CallerCredentials(uid: u, gid: gid, groups: groupList(uid: u, gid: gid))
    }

    /// The caller's supplementary groups from the group database (what
    /// `initgroups` would give a login); just `gid` when it cannot be read.
    static func groupList(uid: UInt32, gid: UInt32) -> [UInt32] {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return [gid] }
        var count: Int32 = 64
        for _ in 0..<4 {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var n = count
            if getgrouplist(name, gid, &groups, &n) >= 0 { return Array(groups.prefix(Int(n))) }
            count = max(n, count * 2)
        }
        return [gid]
    }
}

public enum EventFileOpener {
    /// Opens `path` for appending under `rules` and returns the descriptor
    /// (O_WRONLY|O_APPEND|O_CLOEXEC, a new file 0600).
    public static func open(_ path: String, cwd: String, rules: EventFileRules) -> Result<Int32, EventSinkError> {
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        // Identities of the writable areas, taken as root before anything
        // else: a comparison of inodes cannot be fooled by spelling.
        var areas: [(dev: UInt64, ino: UInt64, path: String)] = []
        for area in rules.writableAreas {
            var st = stat()
            if stat(area, &st) == 0 { areas.append((UInt64(st.st_dev), UInt64(st.st_ino), area)) }
        }
        guard let caller = rules.caller else { return openWalking(path, absolute: absolute, rules: rules, areas: areas) }
        return CallerThread.run(as: caller, target: path) {
            openWalking(path, absolute: absolute, rules: rules, areas: areas)
        }
    }

    static let advice = "put the events file where the workload cannot write: outside the workspace and every writable bind, in a directory only you or root can write (e.g. /var/log/stockade/ or the CI runner's temporary directory), and give its real path"

    private static func refuse(_ target: String, _ why: String, errno: Int32 = EPERM) -> Result<Int32, EventSinkError> {
        .failure(EventSinkError(step: .unsafePath, target: target, errno: errno, reason: "\(why); \(advice)"))
    }

    private static func openWalking(_ target: String, absolute: String, rules: EventFileRules,
                                    areas: [(dev: UInt64, ino: UInt64, path: String)]) -> Result<Int32, EventSinkError> {
        var components = absolute.split(separator: "/").map(String.init).filter { $0 != "." }
        guard let name = components.popLast(), name != ".." else {
            return .failure(EventSinkError(step: .open, target: target, errno: EISDIR))
        }
        var dir = Glibc.open("/", STK_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return .failure(EventSinkError(step: .open, target: target, errno: errno)) }
        defer { if dir >= 0 { close(dir) } }
        var walked = ""
        // The first directory on the way that others control: refused after
        // the plainer reasons (workspace, the file itself), before anything
        // is opened for writing or created in it.
        var looseDirectory: String? = nil
        for (index, component) in components.enumerated() {
            walked += "/" + component
            let next = stk_sink_openat2(dir, component, STK_O_PATH | O_DIRECTORY, 0)
            if next < 0 {
                if -next == ELOOP {
                    return refuse(target, "\(walked) is a symbolic link, and the supervisor follows none on the way to its events file (one planted by an earlier workload would redirect root's writes)", errno: ELOOP)
                }
                return .failure(EventSinkError(step: .open, target: target, errno: -next))
            }
            close(dir)
            dir = next
            var dst = stat()
            guard fstat(dir, &dst) == 0 else { return .failure(EventSinkError(step: .open, target: target, errno: errno)) }
            if looseDirectory == nil, let why = directoryProblem(with: dst, rules: rules, holdsFile: index == components.count - 1) {
                looseDirectory = "\(walked) \(why)"
            }
        }
        // The workspace or a writable bind first: the plainer reason.
        if let area = writableArea(containing: dir, areas: areas) {
            return refuse(target, "it is inside \(area), which the workload can write (it could replace the file with a link, or forge the log)")
        }

        var st = stat()
        let probe = stk_sink_openat2(dir, name, STK_O_PATH | O_NOFOLLOW, 0)
        if probe >= 0 {
            let ok = fstat(probe, &st) == 0
            close(probe)
            guard ok else { return .failure(EventSinkError(step: .open, target: target, errno: errno)) }
            if let why = problem(with: st, rules: rules, areas: areas) { return refuse(target, why) }
            if let looseDirectory { return refuse(target, looseDirectory) }
            // O_NONBLOCK: should the file have been swapped for a FIFO since
            // the check, open(2) must not wait for a reader.
            let fd = stk_sink_openat2(dir, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0)
            guard fd >= 0 else { return .failure(EventSinkError(step: .open, target: target, errno: -fd)) }
            var now = stat()
            guard fstat(fd, &now) == 0, now.st_dev == st.st_dev, now.st_ino == st.st_ino else {
                close(fd)
                return refuse(target, "the file changed while it was being opened")
            }
            // Again on the open file: a link made since the check counts.
            if let why = problem(with: now, rules: rules, areas: areas) {
                close(fd)
                return refuse(target, why)
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return .success(fd)
        }
        guard -probe == ENOENT else { return .failure(EventSinkError(step: .open, target: target, errno: -probe)) }
        if let looseDirectory { return refuse(target, looseDirectory) }
        // A new file: O_EXCL, so whatever appears there meanwhile is not ours
        // and the inode written is the one this open made. It needs no link
        // count check: a second name for it, made now or later, redirects no
        // write (the inode is ours, mode 0600) and is refused by the next
        // run that opens either name; and a check here could not stop a link
        // made just after it.
        let fd = stk_sink_openat2(dir, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0o600)
        guard fd >= 0 else { return .failure(EventSinkError(step: .open, target: target, errno: -fd)) }
        return .success(fd)
    }

    /// Why a directory on the way to the file may not hold it, if it may
    /// not: whoever can rename entries in it can swap the file between runs
    /// (or forge it), so it must be owned by root or the invoking user, and
    /// nobody else may write into it unless the sticky bit keeps them to
    /// their own entries (`/tmp`). Above the file's own directory a group
    /// write bit is tolerated (Ubuntu's `/var/log` is `root:syslog 0775`),
    /// and that leaves a gap: a member of the group can rename entries
    /// there. A directory of the member's own swapped in is refused when the
    /// file's directory is judged (its owner is wrong), but a sibling that
    /// root owns passes every check, so the member can choose which of
    /// root's directories under that ancestor gets the file (and so which
    /// existing root-owned file of that name is appended to). Accepted: such
    /// a group is the administrator's (`syslog`), not a workload's.
    static func directoryProblem(with st: stat, rules: EventFileRules, holdsFile: Bool = true) -> String? {
        if !rules.allowedOwners.contains(st.st_uid) {
            let owners = rules.allowedOwners.map(String.init).joined(separator: " or uid ")
            return "is owned by uid \(st.st_uid), not by uid \(owners), so that user (or a workload running as it) could replace the file"
        }
        if st.st_mode & (holdsFile ? 0o022 : 0o002) != 0 && st.st_mode & S_ISVTX == 0 {
            return "is writable by others (mode \(String(st.st_mode & 0o7777, radix: 8))) without the sticky bit, so anyone who can write there could replace the file"
        }
        return nil
    }

    /// Why an existing file may not be appended to, if it may not.
    static func problem(with st: stat, rules: EventFileRules, areas: [(dev: UInt64, ino: UInt64, path: String)]) -> String? {
        let kind = st.st_mode & S_IFMT
        if kind == S_IFLNK {
            return "it is a symbolic link, and the supervisor follows none (one planted by an earlier workload would redirect root's writes)"
        }
        if kind != S_IFREG { return "it is not a regular file" }
        if st.st_nlink != 1 {
            return "it has \(st.st_nlink) hard links; another name for the same file could be one the workload can reach"
        }
        if !rules.allowedOwners.contains(st.st_uid) {
            let owners = rules.allowedOwners.map(String.init).joined(separator: " or uid ")
            return "it is owned by uid \(st.st_uid), not by uid \(owners)"
        }
        if let area = areas.first(where: { $0.dev == UInt64(st.st_dev) && $0.ino == UInt64(st.st_ino) }) {
            return "it is bound writable into the sandbox (\(area.path))"
        }
        return nil
    }

    /// The first writable area that is `dir` or one of its ancestors, found
    /// by walking `..` up to `/` and comparing device and inode numbers.
    static func writableArea(containing dir: Int32, areas: [(dev: UInt64, ino: UInt64, path: String)]) -> String? {
        guard !areas.isEmpty else { return nil }
        var root = stat()
        guard stat("/", &root) == 0 else { return nil }
        var current = openat(dir, ".", STK_O_PATH | O_DIRECTORY | O_CLOEXEC)
        defer { if current >= 0 { close(current) } }
        // Deeper than any real path can be; a loop guard, not a limit that matters.
        for _ in 0..<4096 {
            var st = stat()
            guard current >= 0, fstat(current, &st) == 0 else { return "an unreadable ancestor directory" }
            if let area = areas.first(where: { $0.dev == UInt64(st.st_dev) && $0.ino == UInt64(st.st_ino) }) { return area.path }
            if st.st_dev == root.st_dev && st.st_ino == root.st_ino { return nil }
            let up = openat(current, "..", STK_O_PATH | O_DIRECTORY | O_CLOEXEC)
            close(current)
            current = up
        }
        return "a directory nested deeper than 4096 levels"
    }
}

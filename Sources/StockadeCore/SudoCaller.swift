#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys

/// The user behind `sudo sandbox-run`: root runs the supervisor, but the
/// sandbox gets only what this user has (the ids it may run as, the files it
/// may bind). Plain root (no `SUDO_UID`) has no caller and keeps full authority.
public struct SudoCaller: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups of the caller's account (`/etc/group` members).
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// From `SUDO_UID`/`SUDO_GID`/`SUDO_USER` when the real uid is 0; nil for
    /// plain root, rootless runs and a sudo to root from root.
    static func from(host: HostContext) -> SudoCaller? {
        guard host.uid == 0, let s = host.value(of: "SUDO_UID"), let uid = UInt32(s), uid != 0 else { return nil }
        let gid = host.value(of: "SUDO_GID").flatMap { UInt32($0) } ?? uid
        let name = host.value(of: "SUDO_USER") ?? ""
        var groups = host.users.groups(ofMember: name)
        if !groups.contains(gid) { groups.insert(gid, at: 0) }
        return SudoCaller(uid: uid, gid: gid, groups: groups)
    }

    /// Ids the caller may give the workload: its own, or nobody.
    public func mayRunAs(uid: UInt32) -> Bool { uid == self.uid || uid == SpecBuilder.nobody }
    public func mayRunAs(gid: UInt32) -> Bool { gid == self.gid || groups.contains(gid) || gid == SpecBuilder.nobody }
}

/// Opens operator paths with the sudo caller's file-system identity, so a
/// bind source is reachable only if the caller could read it: every
/// directory on the way needs the caller's search permission, the object
/// itself its read (and, for a writable bind, write) permission.
enum CallerAccess {
    enum Failure: Error {
        case refused(PathRefusal)
        /// The caller lacks `mode` on the object (errno from faccessat2).
        case denied(errno: Int32)
        case identity(errno: Int32)
    }

    /// `SafePath.open(path)` as the caller, then `faccessat2` of `mode`
    /// (R_OK, plus W_OK for writable binds).
    static func open(_ path: String, caller: SudoCaller, mode: Int32) throws(Failure) -> (fd: Int32, resolved: ResolvedPath) {
        // Set by the identity thread while this thread waits in join.
        nonisolated(unsafe) var result: Result<(fd: Int32, resolved: ResolvedPath), PathRefusal>?
        nonisolated(unsafe) var denied: Int32 = 0
        let r = caller.asCaller {
            do throws(PathRefusal) {
                let opened = try SafePath.open(path)
                let a = stk_faccess_fd(opened.fd, mode)
                if a < 0 {
                    close(opened.fd)
                    denied = -a
                } else {
                    result = .success(opened)
                }
            } catch {
                result = .failure(error)
            }
        }
        guard r == 0 else { throw .identity(errno: -r) }
        if denied != 0 { throw .denied(errno: denied) }
        switch result {
        case .success(let opened): return opened
        case .failure(let refusal): throw .refused(refusal)
        case nil: throw .identity(errno: EIO)
        }
    }
}

extension SudoCaller {
    /// Under sudo the workload runs as the caller or nobody: `--user root`
    /// or `--group shadow` would hand the caller what sudo was not asked for.
    static func check(uid: UInt32, gid: UInt32, caller: SudoCaller) throws(PlanError) {
        guard caller.mayRunAs(uid: uid) else {
            throw PlanError(code: .userNotPermitted, subject: "user",
                            message: "under sudo the workload may run only as you (uid \(caller.uid)) or nobody, not uid \(uid)")
        }
        guard caller.mayRunAs(gid: gid) else {
            throw PlanError(code: .groupNotPermitted, subject: "group",
                            message: "under sudo the workload may run only with one of your groups (\(caller.groups.map(String.init).joined(separator: ", "))) or nogroup, not gid \(gid)")
        }
    }
}

extension SudoCaller {
    /// The caller of this process, if it runs under sudo.
    public static func current() -> SudoCaller? { from(host: .current()) }

    private final class Body: @unchecked Sendable {
        // Run by the identity thread while the caller waits in join.
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Runs `body` on a thread with the caller's file-system identity, so
    /// what it opens or creates is checked against, and owned by, the caller.
    /// Returns 0, or -errno when the identity could not be taken (body not run).
    @discardableResult
    public func asCaller(_ body: @escaping () -> Void) -> Int32 {
        let box = Body(body)
        return groups.withUnsafeBufferPointer { g in
            stk_with_fs_identity(uid, gid, g.baseAddress, g.count, { ctx in
                Unmanaged<Body>.fromOpaque(ctx!).takeUnretainedValue().run()
            }, Unmanaged.passUnretained(box).toOpaque())
        }
    }

    /// For verbs that need no root at all (`check`, `report`, `verify`):
    /// become the caller for good, so they read only what the caller may.
    /// True when there is no caller or the switch took.
    public static func dropToCallerIfSudo() -> Bool {
        guard let c = current() else { return true }
        let groups = c.groups.map { gid_t($0) }
        guard setgroups(groups.count, groups) == 0, setgid(c.gid) == 0, setuid(c.uid) == 0 else { return false }
        return getuid() == c.uid && geteuid() == c.uid && getegid() == c.gid
    }

    /// Whether the caller may read `path` (searching every directory on the
    /// way, following no symlink a workload could have planted).
    public func mayRead(_ path: String) -> Bool { readRefusal(path) == nil }

    /// Why the caller may not read `path`, or nil when it may.
    public func readRefusal(_ path: String) -> String? {
        do {
            let opened = try CallerAccess.open(path, caller: self, mode: R_OK)
            close(opened.fd)
            return nil
        } catch {
            switch error {
            case .refused(let refusal): return "\(refusal)"
            case .denied(let e): return "you (uid \(uid) under sudo) may not read \(path): \(String(cString: strerror(e)))"
            case .identity(let e): return "cannot take your identity (uid \(uid)) to check \(path): \(String(cString: strerror(e)))"
            }
        }
    }
}

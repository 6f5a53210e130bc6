#if canImport(Glibc)
import Glibc
#endif

/// A directory the supervisor keeps state in (the registry), opened so that
/// nobody else can have put it there: below a trusted base (`/run`,
/// `$XDG_RUNTIME_DIR`, `/tmp`), every component it owns is created with
/// `mkdirat`, opened with `O_NOFOLLOW` (a planted symlink fails with
/// `ELOOP`), and must belong to `owner` with no write bit for anyone else.
/// Under a world-writable base such as `/tmp`, where another user can create
/// the name first, `privateMode` also closes it to everyone else (0700).
public struct OwnedDirectory: Equatable, Sendable {
    /// Trusted: chosen by root or by the user's session, followed as given.
    public var base: String
    /// Created and checked one by one below `base`.
    public var components: [String]
    public var owner: uid_t
    /// Mode for the components created here; with `privateMode`, an existing
    /// one keeps no group or other bit either.
    public var mode: mode_t
    public var privateMode: Bool

    public init(base: String, components: [String], owner: uid_t, mode: mode_t, privateMode: Bool) {
        self.base = base
        self.components = components
        self.owner = owner
        self.mode = mode
        self.privateMode = privateMode
    }

    public var path: String { ([base == "/" ? "" : base] + components).joined(separator: "/") }

    /// Why a component was refused, naming it.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// What an existing component's status says about it.
    public enum Verdict: Equatable, Sendable {
        case fit
        /// Ours, and nobody else could write into it, but others may read
        /// it (made by an older version with 0755): close it to 0700.
        case tighten
        case refuse(String)
    }

    public static func judge(mode: mode_t, uid: uid_t, owner: uid_t, privateMode: Bool) -> Verdict {
        if mode & S_IFMT != S_IFDIR { return .refuse("not a directory") }
        if uid != owner { return .refuse("owned by uid \(uid), not \(owner): someone else made it; remove it or set XDG_RUNTIME_DIR") }
        // Anyone who can write here can plant entries: never trusted.
        if mode & 0o022 != 0 {
            return .refuse("its mode \(String(mode & 0o7777, radix: 8)) lets others write into it; remove it (it is recreated 0700)")
        }
        return privateMode && mode & 0o077 != 0 ? .tighten : .fit
    }

    /// An `O_DIRECTORY` descriptor of the last component (close it), made
    /// when `create` and missing.
    public func open(create: Bool) throws(Refusal) -> Int32 {
        var fd = Glibc.open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Refusal(path: base, errno: errno, reason: "cannot open: \(String(cString: strerror(errno)))") }
        var at = base
        for comp in components {
            at = at == "/" ? "/" + comp : at + "/" + comp
            if create, mkdirat(fd, comp, mode) < 0, errno != EEXIST {
                let e = errno
                close(fd)
                throw Refusal(path: at, errno: e, reason: "cannot create: \(String(cString: strerror(e)))")
            }
            let next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let e = errno
            close(fd)
            guard next >= 0 else {
                let reason = e == ELOOP || e == ENOTDIR ? "is a symlink or not a directory; refusing to follow it" : String(cString: strerror(e))
                throw Refusal(path: at, errno: e, reason: reason)
            }
            var st = stat()
            guard fstat(next, &st) == 0 else {
                let e = errno
                close(next)
                throw Refusal(path: at, errno: e, reason: "cannot stat")
            }
            switch Self.judge(mode: st.st_mode, uid: st.st_uid, owner: owner, privateMode: privateMode) {
            case .fit: break
            case .tighten:
                if fchmod(next, 0o700) < 0 {
                    let e = errno
                    close(next)
                    throw Refusal(path: at, errno: e, reason: "cannot make it private (0700)")
                }
            case .refuse(let why):
                close(next)
                throw Refusal(path: at, errno: EPERM, reason: why)
            }
            fd = next
        }
        return fd
    }
}

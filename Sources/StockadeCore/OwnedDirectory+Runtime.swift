#if canImport(Glibc)
import Glibc
#endif

extension OwnedDirectory {
    /// The supervisor's state directory `leaf` (`sandboxes`, `net`).
    /// Root: `/run/stockade/LEAF`. Rootless: `$XDG_RUNTIME_DIR/stockade/LEAF`
    /// when that is the caller's own private runtime directory, else
    /// `/tmp/stockade-UID/LEAF`, which must be the user's own and is kept
    /// 0700 because anyone can create that name in /tmp first.
    public static func runtime(_ leaf: String, rootless: Bool) -> OwnedDirectory {
        if !rootless {
            return OwnedDirectory(base: "/run", components: ["stockade", leaf], owner: 0, mode: 0o755, privateMode: false)
        }
        let uid = getuid()
        if let base = callerRuntimeDirectory(uid: uid) {
            return OwnedDirectory(base: base, components: ["stockade", leaf], owner: uid, mode: 0o700, privateMode: false)
        }
        return OwnedDirectory(base: "/tmp", components: ["stockade-\(uid)", leaf], owner: uid, mode: 0o700, privateMode: true)
    }

    /// `$XDG_RUNTIME_DIR` when it is an absolute path to a directory the
    /// caller owns and nobody else may write into; nil otherwise. A stale or
    /// borrowed one (another user's after `su`, a world-writable scratch
    /// directory) is not used: someone else could have put anything there.
    static func callerRuntimeDirectory(uid: uid_t) -> String? {
        guard let xdg = getenv("XDG_RUNTIME_DIR"), xdg.pointee == UInt8(ascii: "/") else { return nil }
        var st = stat()
        guard stat(xdg, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == uid, st.st_mode & 0o022 == 0 else { return nil }
        return String(cString: xdg)
    }
}

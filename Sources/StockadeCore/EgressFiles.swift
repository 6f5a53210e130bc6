#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeSystem

/// The files the filtered network needs inside: a resolv.conf that points at
/// the DNS proxy on the sandbox's own loopback and a minimal hosts file. Their
/// text is the same for every sandbox (the proxy always listens on
/// ``proxyAddress`` inside the sandbox's namespace), so there is one copy per
/// caller, rewritten at each start, bound read-only over /etc; nothing per
/// sandbox is left for `gc`.
public enum EgressFiles {
    /// Where the DNS proxy listens, inside the sandbox's network namespace.
    public static let proxyAddress = "127.0.0.53"

    /// `/run/stockade/net` for root; for an unprivileged caller its runtime
    /// directory (`$XDG_RUNTIME_DIR/stockade/net`, else `/tmp/stockade-UID/net`),
    /// next to its sandbox registry. Every component below the base is made
    /// and checked by ``OwnedDirectory``: rootless, the workload runs as the
    /// caller's uid, so whatever is found there may be its work.
    public static func location(rootless: Bool) -> OwnedDirectory {
        .runtime("net", rootless: rootless)
    }

    /// The mount steps (resolv.conf, hosts) binding the files in `place`:
    /// the plan's ``Plan/egressFiles``, the one place the runtime writes.
    static func mountSteps(in place: OwnedDirectory) -> [MountStep] {
        [
            .bind(source: place.path + "/resolv.conf", destination: "/etc/resolv.conf", readOnly: true, isFile: true, device: false),
            .bind(source: place.path + "/hosts", destination: "/etc/hosts", readOnly: true, isFile: true, device: false),
        ]
    }

    /// `options edns0 trust-ad` is left out: the proxy answers plainly.
    static let resolvConfText = "# written by sandbox-run: the only resolver is the sandbox's DNS proxy\nnameserver \(proxyAddress)\noptions single-request\n"

    static let hostsText = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

    /// The files, by name in ``location(rootless:)``, with their text.
    static let files: [(name: String, text: String)] = [("resolv.conf", resolvConfText), ("hosts", hostsText)]

    /// Writes both files unless they already hold the right text (a fresh
    /// file renamed into place, so a start never binds a half-written or
    /// substituted file). An unchanged file is left alone: a concurrent
    /// start may be binding it, and a bind of a replaced (unlinked) file fails.
    /// Anything else under the name (a symlink, a FIFO, a hard link, a file
    /// someone else owns) is never opened through, read or waited on: it is
    /// replaced. Returns the identities of the files now in place, by the
    /// paths ``mountSteps(in:)`` binds for the same `place`.
    static func write(place: OwnedDirectory) throws(SetupError) -> [String: FileIdentity] {
        let dir = try open(place, create: true)
        defer { close(dir) }
        var out: [String: FileIdentity] = [:]
        for file in files {
            if let identity = inPlace(dir, file.name, file.text, owner: place.owner) {
                out[place.path + "/" + file.name] = identity
            } else {
                out[place.path + "/" + file.name] = try replace(dir, file.name, file.text, owner: place.owner, in: place.path)
            }
        }
        return out
    }

    private static func open(_ place: OwnedDirectory, create: Bool) throws(SetupError) -> Int32 {
        do { return try place.open(create: create) } catch {
            throw SetupError(step: "egress_files", code: .egressFilesDirectory, errno: error.errno, subject: error.path,
                             message: "cannot use \(error.path) for the sandbox's resolv.conf and hosts: \(error.reason)")
        }
    }

    /// The identity of `name` in `dir` when it is a regular file with one
    /// link, owned by `owner`, writable by nobody else, and holding exactly
    /// `text`; nil otherwise. Never through a symlink, never waiting on a FIFO.
    static func inPlace(_ dir: Int32, _ name: String, _ text: String, owner: uid_t) -> FileIdentity? {
        var identity: FileIdentity?
        let bytes = FileIO.readFile(name, limit: 4096, relativeTo: dir, noFollow: true, nonBlocking: true) { st in
            guard st.st_mode & S_IFMT == S_IFREG, st.st_nlink == 1, st.st_uid == owner, st.st_mode & 0o022 == 0 else { return false }
            identity = FileIdentity(st)
            return true
        }
        guard let bytes, bytes == Array(text.utf8) else { return nil }
        return identity
    }

    /// A fresh file under a hidden name, renamed to `name` without
    /// replacing anything (`renameat2` with `RENAME_NOREPLACE`; `/run`,
    /// `$XDG_RUNTIME_DIR` and `/tmp` all support it, and a filesystem that
    /// does not fails the start with `EINVAL` rather than fall back to a
    /// replacing rename). When the name is taken, a right file found there
    /// is adopted; anything else is removed (unlinking a symlink, not its
    /// target) and the rename tried again.
    ///
    /// What this holds: no start renames over a name, so a file another
    /// start found or put in place and recorded for its bind is never
    /// swapped by a rename, and two starts writing the first copy at once
    /// both end up with the one that landed first. What it does not: when
    /// two starts both meet an outdated (or planted) file, one may judge
    /// the old file, then unlink the fresh one the other has just renamed
    /// in and recorded; that other start then fails closed at its bind with
    /// `bind_source_changed` (exit 125). No start binds an unchecked file.
    static func replace(_ dir: Int32, _ name: String, _ text: String, owner: uid_t,
                        in directory: String) throws(SetupError) -> FileIdentity {
        let temporary = ".\(name).\(getpid())"
        unlinkat(dir, temporary, 0)  // a dead supervisor's, with a recycled pid
        func failed(_ what: String, _ e: Int32) -> SetupError {
            unlinkat(dir, temporary, 0)
            return SetupError(step: "egress_files", code: .egressFiles, errno: e, subject: directory + "/" + name,
                              message: "cannot write \(directory)/\(name) (\(what))")
        }
        let fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failed("create", errno) }
        defer { close(fd) }
        // The umask may have taken the read bits the sandbox's users need.
        guard fchmod(fd, 0o644) == 0 else { throw failed("chmod", errno) }
        guard FileIO.writeAll(fd, text) else { throw failed("write", errno) }
        guard let identity = FileIdentity.of(fd: fd) else { throw failed("stat", errno) }
        for _ in 0..<4 {
            let rc = stk_renameat2(dir, temporary, dir, name, STK_RENAME_NOREPLACE)
            if rc == 0 { return identity }
            guard rc == -EEXIST else { throw failed("rename without replacing (renameat2 RENAME_NOREPLACE)", -rc) }
            if let adopted = inPlace(dir, name, text, owner: owner) {
                unlinkat(dir, temporary, 0)
                return adopted
            }
            guard unlinkat(dir, name, 0) == 0 || errno == ENOENT else { throw failed("remove the object in the way", errno) }
        }
        throw failed("rename: the name kept being taken", EEXIST)
    }

    /// Nameservers from /etc/resolv.conf: the default upstreams. A loopback
    /// stub (127.0.0.53) works, since the proxy's upstream sockets are the
    /// supervisor's own.
    public static func hostResolvers() -> [String] {
        hostResolvers(text: FileIO.readText("/etc/resolv.conf", limit: FileIO.smallFileLimit) ?? "")
    }

    public static func hostResolvers(text: String) -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" { out.append(String(fields[1])) }
        }
        return out
    }
}

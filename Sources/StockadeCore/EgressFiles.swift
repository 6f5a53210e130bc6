#if canImport(Glibc)
import Glibc
#endif
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
    /// next to its sandbox registry.
    public static func directory(rootless: Bool) -> String {
        if !rootless { return "/run/stockade/net" }
        if let xdg = getenv("XDG_RUNTIME_DIR") { return String(cString: xdg) + "/stockade/net" }
        return "/tmp/stockade-\(getuid())/net"
    }

    public static func resolvConf(rootless: Bool) -> String { directory(rootless: rootless) + "/resolv.conf" }
    public static func hosts(rootless: Bool) -> String { directory(rootless: rootless) + "/hosts" }

    /// The mount steps (resolv.conf, hosts).
    static func mountSteps(rootless: Bool) -> [MountStep] {
        [
            .bind(source: resolvConf(rootless: rootless), destination: "/etc/resolv.conf", readOnly: true, isFile: true, device: false),
            .bind(source: hosts(rootless: rootless), destination: "/etc/hosts", readOnly: true, isFile: true, device: false),
        ]
    }

    /// `options edns0 trust-ad` is left out: the proxy answers plainly.
    static let resolvConfText = "# written by sandbox-run: the only resolver is the sandbox's DNS proxy\nnameserver \(proxyAddress)\noptions single-request\n"

    static let hostsText = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

    /// Writes both files unless they already hold the right text (a fresh
    /// file renamed over the old one, so a start never binds a half-written
    /// or substituted file). An unchanged file is left alone: a concurrent
    /// start may be binding it, and a bind of a replaced (unlinked) file fails.
    static func write(rootless: Bool) throws(SetupError) {
        let dir = directory(rootless: rootless)
        _ = Directory.makeAll(dir, mode: 0o755)
        try replace(resolvConf(rootless: rootless), resolvConfText)
        try replace(hosts(rootless: rootless), hostsText)
    }

    private static func replace(_ path: String, _ text: String) throws(SetupError) {
        if isRegularFile(path), FileIO.readText(path, limit: FileIO.smallFileLimit) == text { return }
        let temporary = path + ".\(getpid())"
        unlink(temporary)  // a dead supervisor's, with a recycled pid
        let err = FileIO.writeFile(temporary, text, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_EXCL)
        guard err == 0 else {
            unlink(temporary)
            throw SetupError(step: "egress_files", code: .egressFiles, errno: err, subject: temporary, message: "cannot write \(temporary)")
        }
        chmod(temporary, 0o644)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw SetupError(step: "egress_files", code: .egressFiles, errno: e, subject: path, message: "cannot write \(path)")
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
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

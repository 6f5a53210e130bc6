#if canImport(Glibc)
import Glibc
#endif

/// Per-sandbox files the filtered network needs inside: a resolv.conf that
/// points at the supervisor's DNS proxy and a minimal hosts file. They live
/// in the host's run directory and are bound read-only over /etc.
public enum EgressFiles {
    public static let runRoot = "/run/stockade/net"

    public static func directory(sandboxId: String) -> String { runRoot + "/" + sandboxId }
    public static func resolvConf(sandboxId: String) -> String { directory(sandboxId: sandboxId) + "/resolv.conf" }
    public static func hosts(sandboxId: String) -> String { directory(sandboxId: sandboxId) + "/hosts" }

    /// The mount steps, planned before the proxy address is known.
    static func mountSteps(sandboxId: String) -> [MountStep] {
        [
            .bind(source: resolvConf(sandboxId: sandboxId), destination: "/etc/resolv.conf", readOnly: true, isFile: true, device: false),
            .bind(source: hosts(sandboxId: sandboxId), destination: "/etc/hosts", readOnly: true, isFile: true, device: false),
        ]
    }

    /// `options edns0 trust-ad` is left out: the proxy answers plainly.
    static func resolvConfText(proxy: String) -> String {
        "# written by sandbox-run: the only resolver is the sandbox's DNS proxy\nnameserver \(proxy)\noptions single-request\n"
    }

    static let hostsText = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

    static func write(sandboxId: String, proxy: String) throws(SetupError) {
        let dir = directory(sandboxId: sandboxId)
        mkdirs(dir)
        try writeFile(resolvConf(sandboxId: sandboxId), resolvConfText(proxy: proxy))
        try writeFile(hosts(sandboxId: sandboxId), hostsText)
    }

    static func remove(sandboxId: String) {
        unlink(resolvConf(sandboxId: sandboxId))
        unlink(hosts(sandboxId: sandboxId))
        rmdir(directory(sandboxId: sandboxId))
    }

    static func writeFile(_ path: String, _ text: String) throws(SetupError) {
        let err = FileIO.writeFile(path, text, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW)
        guard err == 0 else {
            throw SetupError(step: "egress_files", code: "egress_files", errno: err, subject: path, message: "cannot write \(path)")
        }
    }

    /// Nameservers from /etc/resolv.conf: the default upstreams. A loopback
    /// stub (127.0.0.53) works, since the proxy runs on the host side.
    public static func hostResolvers() -> [String] {
        hostResolvers(text: readSmallFile("/etc/resolv.conf") ?? "")
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

#if canImport(Glibc)
import Glibc
#endif
import StockadeCgroups

/// What the running kernel offers, reported in `sandbox.start`.
public struct KernelFeatures: Equatable, Sendable {
    public var release: String
    public var userNamespaces: Bool
    public var seccompNotify: Bool
    public var pidfd: Bool
    /// Landlock ABI version, 0 when unavailable.
    public var landlockABI: Int

    public static func detect() -> KernelFeatures {
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: u.release) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        let userns = access("/proc/self/ns/user", F_OK) == 0
        // seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &SECCOMP_RET_USER_NOTIF)
        var action: UInt32 = 0x7fc0_0000
        let notify = syscall(Int(SYS_seccomp), 2, 0, &action) == 0
        let pidfd = access("/proc/self/fdinfo", F_OK) == 0
        // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
        let ll = syscall(444, 0, 0, 1)
        return KernelFeatures(release: release, userNamespaces: userns, seccompNotify: notify, pidfd: pidfd, landlockABI: ll > 0 ? Int(ll) : 0)
    }
}

extension CgroupLayout {
    /// Whether a sandbox cgroup can be made here.
    public var isUsable: Bool {
        if case .unavailable = self { return false }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
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
        let notify = stk_seccomp_notify_available() != 0
        let pidfd = stk_pidfd_supported() != 0
        return KernelFeatures(release: release, userNamespaces: userns, seccompNotify: notify, pidfd: pidfd, landlockABI: Int(stk_landlock_abi()))
    }
}

extension CgroupLayout {
    /// Whether a sandbox cgroup can be made here.
    public var isUsable: Bool {
        if case .unavailable = self { return false }
        return true
    }
}

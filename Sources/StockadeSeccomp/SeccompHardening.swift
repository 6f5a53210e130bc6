import CStockadeSys
import Glibc

/// The walls the compiler adds to every policy. No profile can remove them:
/// they are applied after the policy's own rules are read.
///
/// - `io_uring_setup`, `io_uring_enter`, `io_uring_register`, `setns`: always
///   denied; allow rules for them are dropped and listed in
///   ``CompiledSeccompFilter/droppedAllowRules``. io_uring answers `ENOSYS`
///   (unless the policy denies it with its own errno) because every io_uring
///   user treats that as "kernel without io_uring" and falls back.
/// - `clone` and `unshare`: allowed only when no namespace flag is set
///   (`(flags & namespaceFlags) == 0`), otherwise denied with `EPERM`.
/// - `clone3`: `SECCOMP_RET_ERRNO(ENOSYS)` directly, never notified. Its
///   flags live in a struct in memory that seccomp cannot read, so it cannot
///   be filtered like `clone`; `ENOSYS` makes glibc fall back to `clone`.
/// - `ioctl`: `TIOCSTI` and `TIOCLINUX` denied with `EPERM`, compared on the
///   low 32 bits only because the kernel truncates `cmd` to `unsigned int`.
/// - `socket`: when the policy has `socketFamilies`, only those families
///   (low 32 bits of the first argument, an `int`); others are denied with
///   `EAFNOSUPPORT`, what a kernel without that family would say.
/// - `socket(AF_NETLINK, …)`: when `socketFamilies` admits netlink, only
///   for the protocols in ``netlinkProtocols`` (third argument, low 32
///   bits): `NETLINK_ROUTE`, which getaddrinfo and `ip addr` need. Audit,
///   netfilter, xfrm, uevent and the rest reach kernel code the workload has
///   no business with; they are denied (`EAFNOSUPPORT`) and reported.
/// - ``runtimeBaseSet`` is always allowed: the sandbox's own C init needs it
///   after the filter is installed.
/// - `mknod`, `mknodat`: when the policy allows them, only for the file types
///   in ``mknodAllowedTypes`` (`mode & S_IFMT` of argument 1 of `mknod`, 2 of
///   `mknodat`); device nodes and every other type are denied with `EPERM`
///   (notified, so evented). See ``MknodFilter``.
public struct SeccompHardening: Equatable, Sendable {
    /// What a denied syscall returns to the workload.
    public enum DenyMode: String, Equatable, Sendable {
        /// `SECCOMP_RET_USER_NOTIF`: the supervisor's listener answers with
        /// the errno from the table and emits a `syscall.denied` event. The
        /// product uses this.
        case notify
        /// `SECCOMP_RET_ERRNO(errno)` straight from the filter, with the same
        /// errno the supervisor would answer. For tests and benchmarks, which
        /// have no listener; nothing is reported.
        case errno
    }

    public var denyMode: DenyMode

    public init(denyMode: DenyMode = .notify) {
        self.denyMode = denyMode
    }

    /// The product's hardening: deny through user notification.
    public static let standard = SeccompHardening(denyMode: .notify)

    /// `CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
    /// CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME`.
    /// All in the low 32 bits, which is all `clone` looks at
    /// (`lower_32_bits(clone_flags)` in kernel/fork.c).
    public static let namespaceFlags: UInt64 =
        STK_CLONE_NEWNS | STK_CLONE_NEWCGROUP | STK_CLONE_NEWUTS | STK_CLONE_NEWIPC
        | STK_CLONE_NEWUSER | STK_CLONE_NEWPID | STK_CLONE_NEWNET | STK_CLONE_NEWTIME

    /// `TIOCSTI` (push bytes into a terminal's input queue: escape to the
    /// controlling terminal's owner) and `TIOCLINUX` (console selection and
    /// paste, the same hole on a virtual console).
    public static let deniedIoctls: [UInt64] = [UInt64(TIOCSTI), UInt64(TIOCLINUX)]

    /// `AF_NETLINK`.
    public static let netlinkFamily: Int32 = AF_NETLINK

    /// Netlink protocols a workload may open when netlink is an allowed
    /// family: `NETLINK_ROUTE` (0) only.
    public static let netlinkProtocols: [Int32] = [0]

    /// Syscalls denied whatever the policy says.
    public static let alwaysDenied: [String] = ["io_uring_setup", "io_uring_enter", "io_uring_register", "setns"]

    /// Syscalls the sandbox's C init needs after the filter is installed
    /// (reaping, signal forwarding, exec of the workload). Always allowed,
    /// unconditionally.
    public static let runtimeBaseSet: [String] = [
        "read", "write", "close", "exit", "exit_group", "wait4", "kill",
        "rt_sigaction", "rt_sigprocmask", "rt_sigtimedwait", "rt_sigreturn",
        "execve", "setsid", "getpid", "getppid", "prctl", "close_range",
        "dup2", "dup3", "brk", "mmap", "munmap",
    ]
}

import Glibc
import Testing
import StockadeSeccomp

/// Installs compiled programs in a forked C probe and checks what the kernel
/// does. Unprivileged is fine: the probe sets no_new_privs first.
@Suite(.enabled(if: KernelProbe.compiler != nil, "no C compiler (cc) to build the probe"))
struct KernelBehaviourTests {
    let probe: KernelProbe
    let filter: CompiledSeccompFilter

    init() throws {
        probe = try KernelProbe()
        let policy = TestPolicies.defaultLike(socketFamilies: [AF_UNIX, AF_INET])
        filter = try SeccompCompiler.compile(policy, hardening: SeccompHardening(denyMode: .errno))
    }

    @Test(arguments: [
        ("getppid", "ok"), ("mount", "errno 1"), ("unshare_user", "errno 1"), ("unshare_files", "ok"),
        ("clone3", "errno 38"), ("clone_newnet", "errno 1"), ("fork", "ok"),
        ("tiocsti", "errno 1"), ("tiocsti_high", "errno 1"), ("tioclinux", "errno 1"), ("fionread", "ok"),
        ("socket_inet", "ok"), ("socket_unix", "ok"), ("socket_inet6", "errno 97"), ("socket_inet_high", "ok"),
        ("io_uring_setup", "errno 38"), ("setns", "errno 1"),
        // x32: denied with the default errno, not killed (see SeccompCompiler.x32Prefix).
        ("x32_getpid", "errno 1"),
    ])
    func errnoMode(probeCase: String, expected: String) throws {
        let result = try probe.run(filter, probeCase)
        #expect(result.output == "\(probeCase) \(expected)\n")
        #expect(result.status == 0)
    }

    @Test func i386SyscallKillsTheProcess() throws {
        let result = try probe.run(filter, "int80")
        #expect(result.signal == SIGSYS, "output: \(result.output)")
    }

    @Test func unfilteredProbeBehavesDifferently() throws {
        // The same cases with an allow-everything program: proves the
        // denials above come from the filter, not from the environment.
        let open = try SeccompCompiler.compile(SeccompPolicy(defaultAction: .allow), hardening: .init(denyMode: .errno))
        #expect(try probe.run(open, "mount").output == "mount errno \(ENOENT)\n")
        #expect(try probe.run(open, "socket_inet6").output == "socket_inet6 ok\n")
        // The hardening holds even under a default-allow policy.
        #expect(try probe.run(open, "tiocsti_high").output == "tiocsti_high errno \(EPERM)\n")
        #expect(try probe.run(open, "unshare_user").output == "unshare_user errno \(EPERM)\n")
        #expect(try probe.run(open, "clone3").output == "clone3 errno \(ENOSYS)\n")
    }

    @Test func notifyModeReachesTheListener() throws {
        let product = try SeccompCompiler.compile(TestPolicies.defaultLike())
        let mount = SyscallTable.number(of: "mount")!
        let answer = product.errno(forSyscall: mount)
        let result = try probe.run(product, "mount", notifyErrno: answer)
        #expect(result.output == "notified nr=\(mount) arch=0xc000003e\nmount errno \(answer)\n")
    }

    @Test func x32IsNotifiedNotKilled() throws {
        let product = try SeccompCompiler.compile(TestPolicies.defaultLike())
        let nr: Int32 = 0x4000_0027
        #expect(SyscallTable.name(of: nr) == "x32:getpid")
        let result = try probe.run(product, "x32_getpid", notifyErrno: product.errno(forSyscall: nr))
        #expect(result.output == "notified nr=\(nr) arch=0xc000003e\nx32_getpid errno \(EPERM)\n")
    }

    @Test func allowedSyscallIsNotNotified() throws {
        let product = try SeccompCompiler.compile(TestPolicies.defaultLike())
        let result = try probe.run(product, "getppid", notifyErrno: 1)
        #expect(result.output == "getppid ok\nno notification\n")
    }
}

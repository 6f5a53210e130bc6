import Glibc
import Testing
@testable import StockadeSeccomp

private func nr(_ name: String) -> Int32 { SyscallTable.number(of: name)! }

@Suite struct CompilerTests {
    let policy = TestPolicies.defaultLike()

    @Test func identicalPoliciesGiveIdenticalBytes() throws {
        let a = try SeccompCompiler.compile(policy)
        let b = try SeccompCompiler.compile(TestPolicies.defaultLike())
        #expect(a == b)
        #expect(a.digest.count == 16)
        #expect(a.instructionCount * 8 == a.bpf.count)
    }

    @Test func programChangesWhenPolicyChanges() throws {
        var changed = policy
        changed.rules.removeAll { $0.name == "getcwd" }
        let a = try SeccompCompiler.compile(policy)
        let b = try SeccompCompiler.compile(changed)
        #expect(a.bpf != b.bpf)
        #expect(a.digest != b.digest)
        #expect(b.allowedCount == a.allowedCount - 1)
    }

    @Test func startsWithArchCheckThenX32Prefix() throws {
        let program = try SeccompCompiler.compile(policy).instructions
        // Our prefix: ld arch; jeq x86_64 (else to libseccomp, which kills).
        #expect(program[0] == BPFInstruction(code: 0x20, k: 4))
        #expect(program[1].code == 0x15 && program[1].k == 0xC000_003E && program[1].jt == 0)
        #expect(program[5] == BPFInstruction(code: 0x06, k: Ret.notify))
        // Then the stacked-filter report block (StackedFilterReport)...
        let compiled = try SeccompCompiler.compile(policy)
        let block = StackedFilterReport.block(routeSeccomp: compiled.stackingSyscalls.contains(317), mode: .notify)
        #expect(Array(program[6..<(6 + block.count)]) == block)
        // ...and libseccomp's own arch check, its mismatch path returns KILL_PROCESS.
        let b = 6 + block.count
        #expect(program[b] == BPFInstruction(code: 0x20, k: 4))
        #expect(program[b + 1].code == 0x15 && program[b + 1].k == 0xC000_003E)
        let mismatch = b + 1 + 1 + Int(program[b + 1].jf)
        #expect(program[mismatch] == BPFInstruction(code: 0x06, k: Ret.killProcess))
    }

    @Test func architecturesAndX32() throws {
        let program = try SeccompCompiler.compile(policy).instructions
        let i386: UInt32 = 0x4000_0003
        #expect(try runSeccomp(program, SeccompData(nr: 20, arch: i386)) == Ret.killProcess)
        #expect(try runSeccomp(program, SeccompData(nr: 39)) == Ret.allow)
        // x32 getpid: denied through the supervisor, not killed.
        #expect(try runSeccomp(program, SeccompData(nr: 0x4000_0027)) == Ret.notify)
        let errnoProgram = try SeccompCompiler.compile(policy, hardening: .init(denyMode: .errno)).instructions
        #expect(try runSeccomp(errnoProgram, SeccompData(nr: 0x4000_0027)) == Ret.errno(EPERM))
    }

    @Test func unknownSyscallNameIsAnError() {
        let bad = SeccompPolicy(rules: [SeccompRule(name: "no_such_syscall", action: .allow)])
        #expect(throws: SeccompError(step: .resolve, syscall: "no_such_syscall", errno: ENOENT, message: "unknown syscall name")) {
            try SeccompCompiler.compile(bad)
        }
    }

    @Test func otherArchitecturesSyscallsAreSkipped() throws {
        let p = SeccompPolicy(rules: [SeccompRule(name: "socketcall", action: .allow)])
        let filter = try SeccompCompiler.compile(p)
        #expect(filter.nonNativeSyscalls == ["socketcall"])
    }

    @Test func errnoTable() throws {
        var p = policy
        p.rules.append(SeccompRule(name: "mount", action: .deny(errno: EACCES)))
        p.rules.append(SeccompRule(name: "kill", action: .deny(errno: EACCES)))  // base set wins
        let filter = try SeccompCompiler.compile(p)
        #expect(filter.defaultErrno == EPERM)
        #expect(filter.errno(forSyscall: nr("mount")) == EACCES)
        #expect(filter.errno(forSyscall: nr("kill")) == EPERM)
        #expect(filter.errnoBySyscall[nr("kill")] == nil)
        #expect(filter.errno(forSyscall: nr("io_uring_setup")) == ENOSYS)
        #expect(filter.errno(forSyscall: nr("setns")) == EPERM)
        #expect(filter.errno(forSyscall: nr("clone")) == EPERM)
        #expect(filter.errno(forSyscall: nr("reboot")) == EPERM)
        #expect(filter.errno(forSyscall: 0x4000_0027) == EPERM)
        let other = try SeccompCompiler.compile(SeccompPolicy(defaultAction: .deny(errno: ENOSYS)))
        #expect(other.defaultErrno == ENOSYS)
    }

    @Test func ioUringIsNeverAllowed() throws {
        var p = SeccompPolicy(defaultAction: .allow)
        p.rules = ["io_uring_setup", "io_uring_enter", "io_uring_register"].map { SeccompRule(name: $0, action: .allow) }
        let filter = try SeccompCompiler.compile(p)
        #expect(filter.droppedAllowRules == ["io_uring_setup", "io_uring_enter", "io_uring_register"])
        for name in ["io_uring_setup", "io_uring_enter", "io_uring_register", "setns"] {
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: nr(name))) == Ret.notify, "\(name)")
        }
        let strict = try SeccompCompiler.compile(policy).instructions
        #expect(try runSeccomp(strict, SeccompData(nr: nr("io_uring_setup"))) == Ret.notify)
    }

    @Test func clone3IsENOSYSEvenUnderDefaultAllow() throws {
        for p in [policy, SeccompPolicy(defaultAction: .allow)] {
            let program = try SeccompCompiler.compile(p).instructions
            #expect(try runSeccomp(program, SeccompData(nr: nr("clone3"))) == Ret.errno(ENOSYS))
        }
    }

    @Test(arguments: [SeccompAction.deny(errno: EPERM), .allow, .killProcess])
    func namespaceFlagsDenied(defaultAction: SeccompAction) throws {
        var p = TestPolicies.defaultLike()
        p.defaultAction = defaultAction
        let program = try SeccompCompiler.compile(p).instructions
        let sigchld: UInt64 = 17
        for name in ["clone", "unshare"] {
            #expect(try runSeccomp(program, SeccompData(nr: nr(name), args: [sigchld | 0x0010_0000])) == Ret.allow)
            #expect(try runSeccomp(program, SeccompData(nr: nr(name), args: [0xFFFF_FFFF_0000_0000])) == Ret.allow)
            for flag: UInt64 in [0x0002_0000, 0x1000_0000, 0x4000_0000, 0x0000_0080, 0x2000_0000 | 0x100] {
                #expect(try runSeccomp(program, SeccompData(nr: nr(name), args: [flag])) == Ret.notify, "\(name) \(flag)")
            }
        }
    }

    @Test(arguments: [SeccompAction.deny(errno: EPERM), .allow, .killProcess])
    func terminalInjectionDenied(defaultAction: SeccompAction) throws {
        var p = TestPolicies.defaultLike()
        p.defaultAction = defaultAction
        let program = try SeccompCompiler.compile(p).instructions
        let ioctl = nr("ioctl")
        for high: UInt64 in [0, 0xFFFF_FFFF_0000_0000, 0x1_0000_0000] {
            #expect(try runSeccomp(program, SeccompData(nr: ioctl, args: [0, high | 0x5412])) == Ret.notify)
            #expect(try runSeccomp(program, SeccompData(nr: ioctl, args: [0, high | 0x541C])) == Ret.notify)
        }
        // Every other command of the terminal range, and a spread of others, passes.
        var others: [UInt64] = (0x5400..<0x5500).filter { $0 != 0x5412 && $0 != 0x541C }
        others += [0, 0xFFFF_FFFF, 0x8004_5430, 0xC050_2100, 0x4008_AE89, 0xFFFF_FFFF_0000_541B, 0x1_0000_5413]
        for cmd in others {
            #expect(try runSeccomp(program, SeccompData(nr: ioctl, args: [3, cmd])) == Ret.allow, "cmd \(cmd)")
        }
    }

    @Test func socketFamilies() throws {
        let families: [Int32] = [AF_UNIX, AF_INET]
        for defaultAction in [SeccompAction.deny(errno: EPERM), .allow] {
            var p = TestPolicies.defaultLike(socketFamilies: families)
            p.defaultAction = defaultAction
            let filter = try SeccompCompiler.compile(p)
            let socket = nr("socket")
            #expect(filter.errno(forSyscall: socket) == EAFNOSUPPORT)
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [UInt64(AF_INET), 1])) == Ret.allow)
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [0x7_0000_0001])) == Ret.allow)
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [UInt64(AF_INET6)])) == Ret.notify)
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [UInt64(AF_NETLINK)])) == Ret.notify)
        }
    }

    @Test func netlinkRouteOnly() throws {
        let route: UInt64 = 0, audit: UInt64 = 9, netfilter: UInt64 = 12, xfrm: UInt64 = 6, uevent: UInt64 = 15
        for defaultAction in [SeccompAction.deny(errno: EPERM), .allow] {
            for mode in [SeccompHardening.DenyMode.notify, .errno] {
                var p = TestPolicies.defaultLike(socketFamilies: [AF_UNIX, AF_INET, AF_NETLINK])
                p.defaultAction = defaultAction
                let filter = try SeccompCompiler.compile(p, hardening: SeccompHardening(denyMode: mode))
                let socket = nr("socket")
                let denied = mode == .notify ? Ret.notify : Ret.errno(EAFNOSUPPORT)
                let netlink = UInt64(AF_NETLINK)
                #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [netlink, 3, route])) == Ret.allow)
                // Only the low 32 bits are the kernel's int.
                #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [netlink, 3, 0x5_0000_0000])) == Ret.allow)
                for proto in [audit, netfilter, xfrm, uevent, 4, 16, 0xFFFF_FFFF, 0x1_0000_0009] {
                    #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [netlink, 3, proto])) == denied,
                            "proto \(proto) default \(defaultAction) \(mode)")
                }
                // Other families are untouched by the protocol test.
                #expect(try runSeccomp(filter.instructions, SeccompData(nr: socket, args: [UInt64(AF_INET), 2, 17])) == Ret.allow)
            }
        }
    }

    @Test func baseSetAlwaysAllowed() throws {
        let filter = try SeccompCompiler.compile(SeccompPolicy(defaultAction: .killProcess,
                                                               rules: [SeccompRule(name: "wait4", action: .deny(errno: 1))]))
        for name in SeccompHardening.runtimeBaseSet {
            #expect(try runSeccomp(filter.instructions, SeccompData(nr: nr(name))) == Ret.allow, "\(name)")
        }
        #expect(try runSeccomp(filter.instructions, SeccompData(nr: nr("openat"))) == Ret.killProcess)
        #expect(filter.allowedCount == SeccompHardening.runtimeBaseSet.count)
    }

    @Test func policyConditionsMergeWithHardening() throws {
        // Docker's clone rule: no namespace flags of its own list.
        let p = SeccompPolicy(rules: [
            SeccompRule(name: "clone", action: .allow,
                        conditions: [SeccompArgCondition(index: 0, op: .maskedEqual, value: 0x7E02_0000, valueTwo: 0)]),
            SeccompRule(name: "socket", action: .allow,
                        conditions: [SeccompArgCondition(index: 0, op: .notEqual, value: 40)]),
        ], socketFamilies: [AF_INET])
        let program = try SeccompCompiler.compile(p).instructions
        #expect(try runSeccomp(program, SeccompData(nr: nr("clone"), args: [17])) == Ret.allow)
        #expect(try runSeccomp(program, SeccompData(nr: nr("clone"), args: [0x80])) == Ret.notify)
        #expect(try runSeccomp(program, SeccompData(nr: nr("socket"), args: [2])) == Ret.allow)

        let incompatible = SeccompPolicy(rules: [
            SeccompRule(name: "ioctl", action: .allow, conditions: [SeccompArgCondition(index: 1, op: .lessThan, value: 0x6000)]),
        ])
        #expect(throws: SeccompError.self) { try SeccompCompiler.compile(incompatible) }
    }

    @Test func argumentFreeAllowRulesStayUnconditional() throws {
        // Every allow of the base set is a plain syscall-number match, which
        // the kernel's action cache turns into a constant allow.
        let plan = try SeccompPlan.make(policy, hardening: .standard)
        let plain = plan.syscalls.filter { $0.clauses == [PlannedClause(action: .allow, conditions: [])] }
        #expect(plain.count > 300)
    }
}

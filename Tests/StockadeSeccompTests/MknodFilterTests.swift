import Glibc
import Testing
@testable import StockadeSeccomp

private func nr(_ name: String) -> Int32 { SyscallTable.number(of: name)! }

/// mknod/mknodat: FIFOs, sockets and regular files pass; devices never do.
@Suite struct MknodFilterTests {
    static let passing: [UInt64] = [0o010644, 0o140755, 0o100600, 0o000644, 0]
    static let refused: [UInt64] = [0o020666, 0o060660, 0o040755, 0o120777, 0o170000, 0o030000]

    @Test(arguments: [SeccompAction.deny(errno: EPERM), .allow, .killProcess])
    func onlyFifosSocketsAndFilesPass(defaultAction: SeccompAction) throws {
        var policy = TestPolicies.defaultLike()
        policy.defaultAction = defaultAction
        #expect(policy.rules.contains { $0.name == "mknod" } && policy.rules.contains { $0.name == "mknodat" })
        let filter = try SeccompCompiler.compile(policy)
        let program = filter.instructions
        for (name, index) in [("mknod", 1), ("mknodat", 2)] {
            for high: UInt64 in [0, 0xFFFF_FFFF_0000_0000] {
                for mode in Self.passing {
                    var args: [UInt64] = [3, 3, 3, 0, 0, 0]
                    args[index] = high | mode
                    #expect(try runSeccomp(program, SeccompData(nr: nr(name), args: args)) == Ret.allow, "\(name) \(String(mode, radix: 8))")
                }
                for mode in Self.refused {
                    var args: [UInt64] = [3, 3, 3, 0, 0, 0]
                    args[index] = high | mode
                    // Notified, so the supervisor answers EPERM and emits syscall.denied.
                    #expect(try runSeccomp(program, SeccompData(nr: nr(name), args: args)) == Ret.notify, "\(name) \(String(mode, radix: 8))")
                }
            }
            #expect(filter.errno(forSyscall: nr(name)) == EPERM)
        }
    }

    /// The mode is read from the right argument: mknodat's dirfd (arg 0) and
    /// path (arg 1) do not decide.
    @Test func mknodatReadsItsThirdArgument() throws {
        let program = try SeccompCompiler.compile(TestPolicies.defaultLike()).instructions
        #expect(try runSeccomp(program, SeccompData(nr: nr("mknodat"), args: [0o020666, 0o010644, 0o020666, 0, 0, 0])) == Ret.notify)
        #expect(try runSeccomp(program, SeccompData(nr: nr("mknodat"), args: [0o020666, 0o020666, 0o010644, 0, 0, 0])) == Ret.allow)
        #expect(try runSeccomp(program, SeccompData(nr: nr("mknod"), args: [0, 0o020666, 0, 0, 0, 0])) == Ret.notify)
        #expect(try runSeccomp(program, SeccompData(nr: nr("mknod"), args: [0, 0o010644, 0o020666, 0, 0, 0])) == Ret.allow)
    }

    @Test func aPolicyWithoutMknodStillDeniesIt() throws {
        var policy = TestPolicies.defaultLike()
        policy.rules.removeAll { $0.name == "mknod" || $0.name == "mknodat" }
        let program = try SeccompCompiler.compile(policy).instructions
        #expect(try runSeccomp(program, SeccompData(nr: nr("mknodat"), args: [0, 0, 0o010644, 0, 0, 0])) == Ret.notify)
    }

    @Test func errnoModeAnswersEPERMForDevices() throws {
        let filter = try SeccompCompiler.compile(TestPolicies.defaultLike(), hardening: SeccompHardening(denyMode: .errno))
        #expect(try runSeccomp(filter.instructions, SeccompData(nr: nr("mknod"), args: [0, 0o020666, 0, 0, 0, 0])) == Ret.errno(EPERM))
    }
}

import Glibc
import Testing
@testable import StockadeSeccomp

/// The block that routes stacked-filter installs to the supervisor, run
/// through the BPF interpreter on a real compiled program.
@Suite struct StackedFilterReportTests {
    let allowAll = SeccompPolicy(defaultAction: .allow)

    @Test func installsAreNotifiedEverythingElseFallsThrough() throws {
        let compiled = try SeccompCompiler.compile(allowAll)
        #expect(compiled.stackingSyscalls == [157, 317])
        let p = compiled.instructions
        // prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER): notified.
        #expect(try runSeccomp(p, SeccompData(nr: 157, args: [22, 2])) == Ret.notify)
        // Garbage in the upper half of the int option is ignored by the kernel, and here.
        #expect(try runSeccomp(p, SeccompData(nr: 157, args: [0xFFFF_FFFF_0000_0016, 2])) == Ret.notify)
        // Strict mode, other options, a mode with high bits set: allowed, not notified.
        #expect(try runSeccomp(p, SeccompData(nr: 157, args: [22, 1])) == Ret.allow)
        #expect(try runSeccomp(p, SeccompData(nr: 157, args: [22, 0x1_0000_0002])) == Ret.allow)
        #expect(try runSeccomp(p, SeccompData(nr: 157, args: [1, 2])) == Ret.allow)
        // seccomp(SECCOMP_SET_MODE_FILTER): notified; other operations not.
        #expect(try runSeccomp(p, SeccompData(nr: 317, args: [1, 0])) == Ret.notify)
        #expect(try runSeccomp(p, SeccompData(nr: 317, args: [0xAAAA_0000_0000_0001, 0])) == Ret.notify)
        #expect(try runSeccomp(p, SeccompData(nr: 317, args: [2, 0])) == Ret.allow)
        #expect(try runSeccomp(p, SeccompData(nr: 39)) == Ret.allow)
        // Another architecture still meets libseccomp's kill.
        #expect(try runSeccomp(p, SeccompData(nr: 157, arch: 0x4000_0003, args: [22, 2])) == Ret.killProcess)
    }

    @Test func seccompIsRoutedOnlyWhenThePolicyAllowsItWhole() throws {
        let denies = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(name: "seccomp", action: .deny(errno: EPERM))])
        let compiled = try SeccompCompiler.compile(denies)
        #expect(compiled.stackingSyscalls == [157])
        // The policy's own denial stands (a notification the supervisor denies).
        #expect(try runSeccomp(compiled.instructions, SeccompData(nr: 317, args: [1, 0])) == Ret.notify)
        #expect(compiled.errno(forSyscall: 317) == EPERM)
    }

    @Test func errnoModeHasNoBlock() throws {
        let compiled = try SeccompCompiler.compile(allowAll, hardening: .init(denyMode: .errno))
        #expect(compiled.stackingSyscalls.isEmpty)
        #expect(try runSeccomp(compiled.instructions, SeccompData(nr: 157, args: [22, 2])) == Ret.allow)
    }
}

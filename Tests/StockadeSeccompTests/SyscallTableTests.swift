import Testing
@testable import StockadeSeccomp

@Suite struct SyscallTableTests {
    @Test func roundTrips() {
        for (nr, name) in SyscallTable.allNative() {
            #expect(SyscallTable.number(of: name) == nr)
            #expect(SyscallTable.isKnown(name))
        }
        #expect(SyscallTable.allNative().count > 300)
    }

    @Test func knownNumbers() {
        #expect(SyscallTable.number(of: "read") == 0)
        #expect(SyscallTable.number(of: "getpid") == 39)
        #expect(SyscallTable.number(of: "clone3") == 435)
        #expect(SyscallTable.name(of: 16) == "ioctl")
    }

    @Test func unknownAndForeignNames() {
        #expect(SyscallTable.number(of: "no_such_syscall") == nil)
        #expect(!SyscallTable.isKnown("no_such_syscall"))
        #expect(SyscallTable.number(of: "socketcall") == nil)
        #expect(SyscallTable.isKnown("socketcall"))
        #expect(!SyscallTable.isNative("socketcall"))
        #expect(SyscallTable.name(of: 99_999) == nil)
        #expect(SyscallTable.name(of: -1) == nil)
    }

    @Test func x32Numbers() {
        #expect(SyscallTable.name(of: 0x4000_0027) == "x32:getpid")
        #expect(SyscallTable.name(of: 0x4000_0000 + 512) == "x32:rt_sigaction")
    }
}

@Suite struct ArgCubeTests {
    @Test func complementCoversEverythingButTheExcluded() {
        let excluded: [UInt64] = [0x5412, 0x541C]
        let cubes = ArgCube.lowWordComplement(index: 1, excluding: excluded)
        #expect(cubes.count == 34)
        func covered(_ v: UInt64) -> Int { cubes.filter { v & $0.mask == $0.value }.count }
        for v: UInt64 in [0x5412, 0x541C, 0xFFFF_FFFF_0000_5412] { #expect(covered(v) == 0) }
        for v: UInt64 in [0, 0x5413, 0x541B, 0x541D, 0x8000_5412, 0xFFFF_FFFF, 0xFFFF_FFFF_0000_0001] {
            #expect(covered(v) == 1, "\(v)")  // exactly one: no overlaps
        }
    }

    @Test func merging() {
        let cube = ArgCube(index: 0, mask: 0xFF, value: 0)
        let masked = SeccompArgCondition(index: 0, op: .maskedEqual, value: 0xF00, valueTwo: 0x100)
        #expect(cube.and([masked]) == .merged([SeccompArgCondition(index: 0, op: .maskedEqual, value: 0xFFF, valueTwo: 0x100)]))
        #expect(cube.and([SeccompArgCondition(index: 0, op: .equal, value: 0x100)]) == .merged([SeccompArgCondition(index: 0, op: .equal, value: 0x100)]))
        #expect(cube.and([SeccompArgCondition(index: 0, op: .equal, value: 0x101)]) == .unsatisfiable)
        #expect(cube.and([SeccompArgCondition(index: 0, op: .notEqual, value: 0x101)]) == .merged([cube.condition]))
        let other = SeccompArgCondition(index: 1, op: .greaterThan, value: 5)
        #expect(cube.and([other]) == .merged([other, cube.condition]))
        if case .incompatible = cube.and([SeccompArgCondition(index: 0, op: .lessThan, value: 5)]) {} else { Issue.record("expected incompatible") }
    }
}

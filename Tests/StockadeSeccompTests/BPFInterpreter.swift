import StockadeSeccomp

/// A classic-BPF interpreter for the seccomp subset libseccomp emits, so
/// tests can run a compiled program against chosen `seccomp_data` without
/// installing it.
struct SeccompData {
    var nr: Int32
    var arch: UInt32 = BPFInstruction.auditArchX86_64
    var args: [UInt64] = [0, 0, 0, 0, 0, 0]

    init(nr: Int32, arch: UInt32 = BPFInstruction.auditArchX86_64, args: [UInt64] = []) {
        self.nr = nr
        self.arch = arch
        self.args = args + Array(repeating: 0, count: 6 - args.count)
    }

    func word(at offset: UInt32) -> UInt32? {
        switch offset {
        case 0: return UInt32(bitPattern: nr)
        case 4: return arch
        case 16..<64 where offset % 4 == 0:
            let arg = args[Int(offset - 16) / 8]
            return (offset - 16) % 8 == 0 ? UInt32(truncatingIfNeeded: arg) : UInt32(truncatingIfNeeded: arg >> 32)
        default: return nil
        }
    }
}

enum BPFInterpreterError: Error { case unsupported(Int, BPFInstruction), outOfRange(Int), badLoad(UInt32) }

/// Runs `program` and returns the `SECCOMP_RET_*` value.
func runSeccomp(_ program: [BPFInstruction], _ data: SeccompData) throws -> UInt32 {
    var a: UInt32 = 0
    var pc = 0
    while true {
        guard pc < program.count else { throw BPFInterpreterError.outOfRange(pc) }
        let ins = program[pc]
        func jump(_ condition: Bool) { pc += 1 + Int(condition ? ins.jt : ins.jf) }
        switch ins.code {
        case 0x20:
            guard let value = data.word(at: ins.k) else { throw BPFInterpreterError.badLoad(ins.k) }
            a = value; pc += 1
        case 0x54: a &= ins.k; pc += 1
        case 0x05: pc += 1 + Int(ins.k)
        case 0x15: jump(a == ins.k)
        case 0x25: jump(a > ins.k)
        case 0x35: jump(a >= ins.k)
        case 0x45: jump(a & ins.k != 0)
        case 0x06: return ins.k
        default: throw BPFInterpreterError.unsupported(pc, ins)
        }
    }
}

/// `SECCOMP_RET_*` values, for readable expectations.
enum Ret {
    static let allow: UInt32 = 0x7FFF_0000
    static let notify: UInt32 = 0x7FC0_0000
    static let killProcess: UInt32 = 0x8000_0000
    static func errno(_ e: Int32) -> UInt32 { 0x0005_0000 | UInt32(e) }
}

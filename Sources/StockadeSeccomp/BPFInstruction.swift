import CStockadeSys

/// One classic-BPF instruction, `struct sock_filter` from
/// `<linux/filter.h>`: 8 bytes, little-endian on x86_64.
public struct BPFInstruction: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var code: UInt16
    public var jt: UInt8
    public var jf: UInt8
    public var k: UInt32

    public init(code: UInt16, jt: UInt8 = 0, jf: UInt8 = 0, k: UInt32) {
        self.code = code
        self.jt = jt
        self.jf = jf
        self.k = k
    }

    public static let size = 8
    /// `BPF_MAXINSNS`: the kernel refuses longer seccomp programs.
    public static let maxCount = 4096

    // Opcodes the compiler itself writes (and tests decode).
    /// `BPF_LD | BPF_W | BPF_ABS`: load 32 bits of `seccomp_data` at offset k.
    public static let loadWordAbsolute: UInt16 = 0x20
    /// `BPF_JMP | BPF_JEQ | BPF_K`.
    public static let jumpIfEqual: UInt16 = 0x15
    /// `BPF_JMP | BPF_JGE | BPF_K`.
    public static let jumpIfGreaterOrEqual: UInt16 = 0x35
    /// `BPF_RET | BPF_K`.
    public static let returnConstant: UInt16 = 0x06

    /// Offsets in `struct seccomp_data`.
    public static let offsetOfNr: UInt32 = 0
    public static let offsetOfArch: UInt32 = 4

    /// `AUDIT_ARCH_X86_64`.
    public static let auditArchX86_64: UInt32 = STK_AUDIT_ARCH_X86_64

    /// Decodes a `sock_filter` array. Trailing bytes that do not make a
    /// whole instruction are ignored (callers check the length first).
    public static func decode(_ bytes: [UInt8]) -> [BPFInstruction] {
        stride(from: 0, to: bytes.count - bytes.count % size, by: size).map { i in
            let code = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            var k: UInt32 = 0
            for byte in bytes[(i + 4)..<(i + 8)].reversed() { k = k << 8 | UInt32(byte) }
            return BPFInstruction(code: code, jt: bytes[i + 2], jf: bytes[i + 3], k: k)
        }
    }

    /// The 8 bytes of this instruction as the kernel reads them.
    public var bytes: [UInt8] {
        [UInt8(code & 0xFF), UInt8(code >> 8), jt, jf,
         UInt8(k & 0xFF), UInt8((k >> 8) & 0xFF), UInt8((k >> 16) & 0xFF), UInt8(k >> 24)]
    }

    public var description: String {
        func hex<T: BinaryInteger>(_ v: T, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "{\(hex(code, 4)), \(jt), \(jf), \(hex(k, 8))}"
    }
}

import CSeccomp
import CStockadeSys
import Glibc

/// Syscall names and numbers for native x86_64, as libseccomp knows them.
///
/// libseccomp is the single source of truth so that a name accepted when a
/// profile is validated is exactly a name the compiler can resolve.
public enum SyscallTable {
    /// Bit the kernel sets in `seccomp_data.nr` for x32-ABI syscalls
    /// (`__X32_SYSCALL_BIT`).
    public static let x32SyscallBit: Int32 = 0x4000_0000

    // SCMP_ARCH_X86_64 / SCMP_ARCH_X32 are built from macros Swift does not
    // import: AUDIT_ARCH_X86_64, and EM_X86_64 | __AUDIT_ARCH_LE.
    static let archX86_64: UInt32 = STK_AUDIT_ARCH_X86_64
    static let archX32: UInt32 = STK_AUDIT_ARCH_X32

    /// The native x86_64 number of `name`, or `nil` when libseccomp does not
    /// know the name or knows it only on other architectures (`socketcall`).
    public static func number(of name: String) -> Int32? {
        let nr = seccomp_syscall_resolve_name_arch(archX86_64, name)
        // __NR_SCMP_ERROR is -1; other negative values are libseccomp's
        // pseudo numbers (__PNR_*) for syscalls absent on this arch.
        return nr >= 0 ? nr : nil
    }

    /// Whether libseccomp knows `name` on any architecture it supports.
    /// A known name may still have no x86_64 number (see ``isNative(_:)``);
    /// such rules are skipped rather than rejected, so that profiles written
    /// for several architectures (OCI/Docker) load.
    public static func isKnown(_ name: String) -> Bool {
        seccomp_syscall_resolve_name_arch(archX86_64, name) != __NR_SCMP_ERROR
    }

    /// Whether `name` is a syscall of native x86_64.
    public static func isNative(_ name: String) -> Bool {
        number(of: name) != nil
    }

    /// The name of syscall `nr` as the kernel reported it in
    /// `seccomp_data.nr` on an x86_64 task.
    ///
    /// Numbers carrying the x32 bit (`0x40000000`) are resolved in the x32
    /// table and returned as `"x32:<name>"` (for example `"x32:getpid"` for
    /// `0x40000027`), so that an event never mistakes an x32 call for the
    /// native syscall of the same low number. `nil` when the number is unknown.
    public static func name(of nr: Int32) -> String? {
        guard nr >= 0 else { return nil }
        let isX32 = nr & x32SyscallBit != 0
        let arch = isX32 ? archX32 : archX86_64
        guard let cName = seccomp_syscall_resolve_num_arch(arch, nr) else { return nil }
        defer { free(cName) }
        let name = String(cString: cName)
        return isX32 ? "x32:" + name : name
    }

    /// Every native x86_64 syscall libseccomp knows, by number. Used by
    /// tests and benchmarks to build default-like policies.
    public static func allNative(upTo limit: Int32 = 1024) -> [(nr: Int32, name: String)] {
        (0..<limit).compactMap { nr in name(of: nr).map { (nr, $0) } }
    }
}

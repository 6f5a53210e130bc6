/// Which nodes `mknod`/`mknodat` may create: FIFOs (`mkfifo`), unix socket
/// nodes, and regular files (type `S_IFREG`, or 0, which the kernel reads
/// as a regular file: no more than `open(O_CREAT)` already gives). Character
/// and block devices are refused by the filter and reported; the kernel
/// refuses them too inside a user namespace (`mknod` needs `CAP_MKNOD` in
/// the initial namespace), so the filter's refusal is the one that is seen
/// and evented, and a policy mistake cannot open a device.
///
/// The test is `(mode & S_IFMT) == type`. `mode` is a `umode_t`; the mask
/// only covers bits 12–15, so the upper half of the register is ignored as
/// the kernel ignores it.
public enum MknodFilter {
    /// `S_IFMT`.
    public static let typeMask: UInt64 = 0o170000
    /// 0 (regular), `S_IFREG`, `S_IFIFO`, `S_IFSOCK`.
    public static let allowedTypes: [UInt64] = [0, 0o100000, 0o010000, 0o140000]
    /// The argument index of `mode`: after the path (and the directory fd).
    public static let modeArgument: [String: UInt32] = ["mknod": 1, "mknodat": 2]

    /// One cube per allowed type.
    static func allowed(index: UInt32) -> [ArgCube] {
        allowedTypes.map { ArgCube(index: index, mask: typeMask, value: $0) }
    }

    /// Every other value of the four type bits: devices, directories, links and the undefined ones.
    static func denied(index: UInt32) -> [ArgCube] {
        (UInt64(0)..<16).map { $0 << 12 }
            .filter { !allowedTypes.contains($0) }
            .map { ArgCube(index: index, mask: typeMask, value: $0) }
    }
}

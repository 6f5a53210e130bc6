import CSeccomp
import CStockadeSys
import Glibc
import StockadeSystem

/// One libseccomp filter context, alive for one compile. Every call names
/// its libseccomp function in the error it throws.
struct LibseccompContext: ~Copyable {
    private let ctx: scmp_filter_ctx

    /// `seccomp_init(defaultAction)`.
    init(defaultAction: UInt32) throws(SeccompError) {
        guard let ctx = seccomp_init(defaultAction) else {
            throw SeccompError(step: .initialize, errno: ENOMEM, message: "seccomp_init failed")
        }
        self.ctx = ctx
    }

    deinit { seccomp_release(ctx) }

    /// `seccomp_attr_set`.
    func set(_ attribute: scmp_filter_attr, _ value: UInt32, _ name: String) throws(SeccompError) {
        let rc = seccomp_attr_set(ctx, attribute, value)
        guard rc == 0 else {
            throw SeccompError(step: .attribute, errno: -rc, message: "seccomp_attr_set(\(name), \(value)) failed")
        }
    }

    /// `seccomp_rule_add_exact_array`: exact, so libseccomp never rewrites a
    /// rule for another architecture (there is only x86_64 here anyway).
    func add(action: UInt32, nr: Int32, name: String, conditions: [SeccompArgCondition]) throws(SeccompError) {
        let comparisons = conditions.map { c in
            scmp_arg_cmp(arg: c.index, op: c.op.libseccomp, datum_a: c.value, datum_b: c.valueTwo)
        }
        let rc = comparisons.withUnsafeBufferPointer { buffer in
            seccomp_rule_add_exact_array(ctx, action, nr, UInt32(buffer.count), buffer.baseAddress)
        }
        guard rc == 0 else {
            throw SeccompError(step: .rule, syscall: name, errno: -rc,
                               message: "seccomp_rule_add_exact_array(action 0x\(String(action, radix: 16)), \(conditions.count) conditions) failed")
        }
    }

    /// `seccomp_export_bpf` into an unlinked temporary file, read back.
    ///
    /// libseccomp 2.5.4 has no `seccomp_export_bpf_mem`, and the export is a
    /// single `write(2)`: into a pipe, a program larger than the pipe would
    /// block forever, so a file it is. `memfd_create` is not visible from
    /// Swift's Glibc module; an `O_TMPFILE` file (preferring tmpfs
    /// `/dev/shm`) is the next best thing.
    func exportBPF() throws(SeccompError) -> [UInt8] {
        let fd = try Self.anonymousFile()
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else {
            throw SeccompError(step: .export, errno: -rc, message: "seccomp_export_bpf failed")
        }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else {
            throw SeccompError(step: .export, errno: Glibc.errno, message: "lseek on the exported program failed")
        }
        guard lseek(fd, 0, SEEK_SET) == 0, let bytes = FileIO.readAll(fd: fd, limit: Int(size)) else {
            throw SeccompError(step: .export, errno: Glibc.errno, message: "reading the exported program back failed")
        }
        guard bytes.count == Int(size) else {
            throw SeccompError(step: .export, errno: EIO, message: "reading the exported program back failed")
        }
        return bytes
    }

    /// `open(dir, O_TMPFILE)`: a file that never has a name. `O_TMPFILE`
    /// needs `_GNU_SOURCE`, which Swift's Glibc module does not define, hence
    /// CStockadeSys's `STK_O_TMPFILE`. Falls back to `mkstemp` + `unlink` on
    /// filesystems without `O_TMPFILE`.
    private static func anonymousFile() throws(SeccompError) -> Int32 {
        let oTmpfile = STK_O_TMPFILE
        var directories = ["/dev/shm"]
        if let tmp = getenv("TMPDIR") { directories.append(String(cString: tmp)) }
        directories.append("/tmp")
        for directory in directories {
            let fd = open(directory, oTmpfile | O_RDWR | O_CLOEXEC, 0o600)
            if fd >= 0 { return fd }
        }
        var template = Array("/tmp/stockade-seccomp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw SeccompError(step: .export, errno: Glibc.errno, message: "no temporary file for seccomp_export_bpf")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}

extension SeccompArgCondition.Op {
    var libseccomp: scmp_compare {
        switch self {
        case .equal: SCMP_CMP_EQ
        case .notEqual: SCMP_CMP_NE
        case .lessThan: SCMP_CMP_LT
        case .lessOrEqual: SCMP_CMP_LE
        case .greaterThan: SCMP_CMP_GT
        case .greaterOrEqual: SCMP_CMP_GE
        case .maskedEqual: SCMP_CMP_MASKED_EQ
        }
    }
}

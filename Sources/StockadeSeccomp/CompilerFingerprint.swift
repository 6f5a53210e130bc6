#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys

/// What identifies the code that turned a policy into a program: the GNU
/// build IDs of the object holding this compiler (the executable) and of the
/// libseccomp it runs with.
///
/// A cached program is only as good as the compiler that made it. The
/// manual ``SeccompFilterCache/format`` number is bumped when someone
/// remembers; a build ID changes with every rebuild of the compiler or of
/// libseccomp (a patched Debian package keeps its version number), so an
/// upgrade can never hand out a program made by the code it replaced.
///
/// Read from the program headers already in memory (`dl_iterate_phdr`): no
/// file is opened, a few microseconds at start-up. `nil` when the compiler's
/// object has no build ID (a link without `--build-id`); the cache is then
/// not used at all.
public enum CompilerFingerprint {
    /// This process's fingerprint, computed once.
    public static let current: String? = compute()

    static func compute() -> String? {
        // An address inside the object that holds this module's code.
        let marker: @convention(c) () -> Void = {}
        guard case .found(let compiler) = buildID(address: unsafeBitCast(marker, to: UnsafeRawPointer.self), namePart: nil) else { return nil }
        switch buildID(address: nil, namePart: "libseccomp.so") {
        case .found(let library): return "compiler \(compiler) libseccomp \(library)"
        // Linked statically, libseccomp is part of the executable's build ID.
        case .noObject: return "compiler \(compiler) libseccomp static"
        case .noBuildID, .tooLong: return nil
        }
    }

    enum Lookup: Equatable {
        case found(String)
        case noBuildID
        case noObject
        /// An ID longer than the buffer: not one that can be compared, and
        /// never taken for "no object" (which reads as linked statically).
        case tooLong
    }

    /// Hex build ID of the loaded object that holds `address` or whose path
    /// contains `namePart`.
    static func buildID(address: UnsafeRawPointer?, namePart: String?) -> Lookup {
        var buffer = [CChar](repeating: 0, count: 129)
        let n = buffer.withUnsafeMutableBufferPointer { out in
            if let namePart {
                return namePart.withCString { stk_build_id(address, $0, out.baseAddress, out.count) }
            }
            return stk_build_id(address, nil, out.baseAddress, out.count)
        }
        if n == -ERANGE { return .tooLong }
        if n < 0 { return .noObject }
        if n == 0 { return .noBuildID }
        return .found(String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

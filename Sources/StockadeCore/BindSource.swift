#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's authoritative open of a bind source, just before it is
/// mounted: the symlink-safe walk again (the workload may have changed the
/// tree since planning), as the sudo caller when there is one, and checks
/// that what was reached is what was planned. The descriptor it returns is
/// what gets mounted.
enum BindSource {
    static func open(_ source: String, destination: String, readOnly: Bool, isFile: Bool, device: Bool,
                     caller: SudoCaller?) throws(SetupError) -> Int32 {
        let opened: (fd: Int32, resolved: ResolvedPath)
        do {
            opened = try walk(source, readOnly: readOnly, device: device, caller: caller)
        } catch {
            switch error {
            case .refused(let refusal):
                let code: SetupError.Code
                var e: Int32 = 0
                switch refusal.reason {
                case .missing: code = .bindSourceMissing
                case .untrustedSymlink: code = .untrustedSymlink
                case .system(let n) where n == EACCES || n == EPERM:
                    // A directory on the way the sudo caller may not search.
                    code = .bindSourceDenied
                    e = n
                default: code = .pathUnresolvable
                }
                throw SetupError(step: "open_bind_source", code: code, errno: e,
                                 subject: refusal.component, message: "cannot bind \(source) at \(destination): \(refusal)")
            case .denied(let e):
                throw SetupError(step: "open_bind_source", code: .bindSourceDenied, errno: e, subject: source,
                                 message: "you (uid \(caller?.uid ?? 0) under sudo) may not \(readOnly ? "read" : "read and write") \(source), so it is not bound at \(destination)")
            case .identity(let e):
                throw SetupError(step: "open_bind_source", code: .callerIdentity, errno: e, subject: source,
                                 message: "cannot take the sudo caller's identity to open \(source)")
            }
        }
        let r = opened.resolved
        if r.isDevice && !device {
            close(opened.fd)
            let e = PlanError.deviceBind(source, resolved: r.path)
            throw SetupError(step: "open_bind_source", code: .bindDevice, subject: source, message: e.message)
        }
        if (r.kind == .directory) == isFile {
            close(opened.fd)
            throw SetupError(step: "open_bind_source", code: .bindSourceChanged, subject: source,
                             message: "\(source) changed since planning (it is now \(r.kind == .directory ? "a directory" : "not a directory")); refusing to bind it")
        }
        return opened.fd
    }

    private static func walk(_ source: String, readOnly: Bool, device: Bool, caller: SudoCaller?) throws(CallerAccess.Failure) -> (fd: Int32, resolved: ResolvedPath) {
        // The sandbox's own /dev nodes are the supervisor's choice, not the
        // caller's: opened as root.
        if let caller, !device {
            return try CallerAccess.open(source, caller: caller, mode: R_OK | (readOnly ? 0 : W_OK))
        }
        do { return try SafePath.open(source) } catch { throw .refused(error) }
    }
}

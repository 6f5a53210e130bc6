#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents

/// Runs one piece of file work with the sudo caller's filesystem
/// credentials, on a short-lived thread of its own (`stk_with_fs_identity`,
/// the one implementation, which the bind-source walk uses too).
///
/// Why a thread: Linux keeps credentials per thread (task), so a thread that
/// switches its fsuid, fsgid and groups with raw syscalls changes nothing for
/// the rest of the supervisor, and its credentials die with it; no
/// switching back, and no window in which the main thread acts as the
/// caller. The raw syscalls matter: glibc's setgroups() (like setuid())
/// would apply the change to every thread of the process. Moving fsuid off 0
/// also clears the DAC-override capabilities from that thread's effective
/// set, so the kernel checks the caller's permissions on every path
/// component and creates files owned by the caller. The thread exists only
/// under sudo with an events file, and ends before the sandbox is built.
enum CallerThread {
    static func run(as caller: CallerCredentials, target: String,
                    _ body: @escaping () -> Result<Int32, EventSinkError>) -> Result<Int32, EventSinkError> {
        let job = Job(body: body)
        let rc = caller.groups.withUnsafeBufferPointer { groups in
            stk_with_fs_identity(caller.uid, caller.gid, groups.baseAddress, groups.count, { ctx in
                let job = Unmanaged<Job>.fromOpaque(ctx!).takeUnretainedValue()
                job.result = job.body()
            }, Unmanaged.passUnretained(job).toOpaque())
        }
        // The thread could not start or could not take the caller's
        // credentials: the body never ran (never as root by mistake).
        guard rc == 0 else { return .failure(EventSinkError(step: .open, target: "caller credentials", errno: -rc)) }
        return job.result ?? .failure(EventSinkError(step: .open, target: target, errno: EPERM))
    }

    /// Written by the one thread that runs it and read only after
    /// stk_with_fs_identity joined that thread, which orders the two.
    private final class Job: @unchecked Sendable {
        let body: () -> Result<Int32, EventSinkError>
        var result: Result<Int32, EventSinkError>?

        init(body: @escaping () -> Result<Int32, EventSinkError>) {
            self.body = body
        }
    }
}

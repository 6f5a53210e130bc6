#if canImport(Glibc)
import Glibc
#endif
import CStockadeSys
import StockadeEvents

/// Runs one piece of file work with the sudo caller's filesystem
/// credentials, on a short-lived thread of its own.
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
        let job = Job(caller: caller, body: body)
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.execute()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            return .failure(EventSinkError(step: .open, target: target, errno: rc))
        }
        pthread_join(thread, nil)
        return job.result ?? .failure(EventSinkError(step: .open, target: target, errno: EPERM))
    }

    /// Written by the one thread that runs it and read only after
    /// pthread_join, which orders the two.
    private final class Job: @unchecked Sendable {
        let caller: CallerCredentials
        let body: () -> Result<Int32, EventSinkError>
        var result: Result<Int32, EventSinkError>?

        init(caller: CallerCredentials, body: @escaping () -> Result<Int32, EventSinkError>) {
            self.caller = caller
            self.body = body
        }

        func execute() {
            let rc = caller.groups.withUnsafeBufferPointer {
                stk_thread_set_fs_creds(caller.uid, caller.gid, $0.baseAddress, Int32($0.count))
            }
            guard rc == 0 else {
                // Never run the body with root's credentials by mistake.
                result = .failure(EventSinkError(step: .open, target: "caller credentials", errno: -rc))
                return
            }
            result = body()
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeEvents

/// Runs one piece of file work with the sudo caller's filesystem
/// credentials, on a short-lived thread of its own (`SudoCaller.asCaller`
/// over `stk_with_fs_identity`, the one implementation, which the
/// bind-source walk and the profile read use too).
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
        // Set by the identity thread while this thread waits in join.
        nonisolated(unsafe) var result: Result<Int32, EventSinkError>?
        // CallerCredentials keeps its own group list (getgrouplist, not
        // SudoCaller's /etc/group members); only the thread is shared.
        let rc = SudoCaller(uid: caller.uid, gid: caller.gid, groups: caller.groups).asCaller {
            result = body()
        }
        // The thread could not start or could not take the caller's
        // credentials: the body never ran (never as root by mistake).
        guard rc == 0 else { return .failure(EventSinkError(step: .open, target: "caller credentials", errno: -rc)) }
        return result ?? .failure(EventSinkError(step: .open, target: target, errno: EPERM))
    }
}

import Glibc
@testable import StockadeCgroups

/// A `/bin/sh -c` child for live tests, held at `read x` on a pipe until
/// `release()` so it can be attached to a cgroup before it does anything.
/// A class, so the gate is closed once whichever of `release()` and
/// `killAndReap()` comes first: a second close could close another test's
/// descriptor that reused the number.
final class GatedShell {
    let pid: pid_t
    private var gate: Int32

    init(_ script: String) throws {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not imported; the suite is serialized, so no other spawn can race the fcntl.
        guard pipe(&fds) == 0 else { throw TestFailure("pipe errno \(errno)") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0 clears CLOEXEC for the child's stdin only.
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        let args = ["/bin/sh", "-c", "read x; " + script]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, nil, argv, environ)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw TestFailure("posix_spawn errno \(rc)")
        }
        pid = child
        gate = fds[1]
    }

    func release() {
        guard gate >= 0 else { return }
        _ = write(gate, "go\n", 3)
        close(gate)
        gate = -1
    }

    /// Waits up to `seconds`; SIGKILLs and reaps on timeout (returns nil).
    func wait(seconds: Double) -> ExitStatus? {
        var status: Int32 = 0
        let deadline = Int(seconds * 100)
        for _ in 0..<deadline {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return ExitStatus(raw: status) }
            if rc < 0 && errno != EINTR { return nil }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return nil
    }

    /// Last-resort cleanup for a test that failed early.
    func killAndReap() {
        if gate >= 0 { close(gate) }
        gate = -1
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}

struct ExitStatus: Equatable, CustomStringConvertible {
    var raw: Int32
    /// WTERMSIG, or nil for a normal exit (the C macros are not imported).
    var signal: Int32? { let sig = raw & 0x7F; return sig != 0 && sig != 0x7F ? sig : nil }
    var code: Int32? { signal == nil ? (raw >> 8) & 0xFF : nil }
    var description: String { signal.map { "signal \($0)" } ?? "exit \(code ?? -1)" }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func uniqueSandboxId(_ tag: String) -> String {
    "t\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}

extension GatedShell {
    /// Not yet exited (nor reaped).
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}

func readFile(_ path: String) -> String? {
    CgroupFS.readIfPresent(path)
}

func pathExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

let isRoot = getuid() == 0

import Foundation
import StockadeSeccomp

/// A tiny C program, compiled at test time with `cc` (the package has no C
/// test target), that installs a BPF program read from a file and tries one
/// syscall. It prints `<case> ok` or `<case> errno N`.
///
/// `probe FILE CASE` installs with `SECCOMP_SET_MODE_FILTER` (errno-mode
/// filters). `probe FILE CASE notify ERRNO` installs with
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`, forks a child that runs the case, and
/// serves one notification like the supervisor would: it prints
/// `notified nr=N arch=0xA` and answers `-ERRNO`.
final class KernelProbe {
    static let compiler = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let directory: URL
    let executable: URL

    init() throws {
        guard let cc = Self.compiler else { throw ProbeError.noCompiler }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("stockade-seccomp-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let source = directory.appendingPathComponent("probe.c")
        executable = directory.appendingPathComponent("probe")
        try Self.source.write(to: source, atomically: true, encoding: .utf8)
        let result = try Self.run(cc, ["-O1", "-o", executable.path, source.path])
        guard result.status == 0 else { throw ProbeError.compileFailed(result.output) }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    struct Result { var output: String; var status: Int32; var signal: Int32? }

    func run(_ filter: CompiledSeccompFilter, _ probeCase: String, notifyErrno: Int32? = nil) throws -> Result {
        let bpf = directory.appendingPathComponent("\(UUID().uuidString).bpf")
        try Data(filter.bpf).write(to: bpf)
        defer { try? FileManager.default.removeItem(at: bpf) }
        var arguments = [bpf.path, probeCase]
        if let notifyErrno { arguments += ["notify", String(notifyErrno)] }
        return try Self.run(executable.path, arguments)
    }

    private static func run(_ path: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            return Result(output: output, status: -1, signal: process.terminationStatus)
        }
        return Result(output: output, status: process.terminationStatus, signal: nil)
    }

    enum ProbeError: Error { case noCompiler, compileFailed(String) }

    static let source = #"""
    #define _GNU_SOURCE
    #include <errno.h>
    #include <fcntl.h>
    #include <linux/filter.h>
    #include <linux/seccomp.h>
    #include <poll.h>
    #include <sched.h>
    #include <signal.h>
    #include <stdint.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/ioctl.h>
    #include <sys/prctl.h>
    #include <sys/socket.h>
    #include <sys/syscall.h>
    #include <sys/wait.h>
    #include <unistd.h>

    static long run_case(const char *c) {
        char ch = 'x';
        if (!strcmp(c, "getppid")) return syscall(SYS_getppid);
        /* A path that does not exist: without the filter this is ENOENT, never a mount. */
        if (!strcmp(c, "mount")) return syscall(SYS_mount, "none", "/nonexistent-stockade-probe", "tmpfs", 0, 0);
        if (!strcmp(c, "unshare_user")) return syscall(SYS_unshare, CLONE_NEWUSER);
        if (!strcmp(c, "unshare_files")) return syscall(SYS_unshare, CLONE_FILES);
        if (!strcmp(c, "clone3")) return syscall(435, NULL, 0);
        if (!strcmp(c, "clone_newnet") || !strcmp(c, "fork")) {
            long flags = SIGCHLD | (!strcmp(c, "fork") ? 0 : CLONE_NEWNET);
            long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
            if (pid == 0) _exit(0);
            if (pid > 0) waitpid((pid_t)pid, NULL, 0);
            return pid;
        }
        /* fd -1: without the filter these are EBADF, nothing reaches a terminal. */
        if (!strcmp(c, "tiocsti")) return syscall(SYS_ioctl, -1, 0x5412UL, &ch);
        if (!strcmp(c, "tiocsti_high")) return syscall(SYS_ioctl, -1, 0xffffffff00005412UL, &ch);
        if (!strcmp(c, "tioclinux")) return syscall(SYS_ioctl, -1, 0x541CUL, &ch);
        if (!strcmp(c, "fionread")) {
            int p[2], n = 0;
            if (pipe(p) < 0) return -1;
            return syscall(SYS_ioctl, p[0], (unsigned long)FIONREAD, &n);
        }
        if (!strncmp(c, "socket_", 7)) {
            unsigned long family = !strcmp(c, "socket_inet") ? AF_INET : !strcmp(c, "socket_inet6") ? AF_INET6
                : !strcmp(c, "socket_unix") ? AF_UNIX : (0x100000000UL | AF_INET);
            long fd = syscall(SYS_socket, family, SOCK_DGRAM, 0);
            if (fd >= 0) close((int)fd);
            return fd;
        }
        if (!strcmp(c, "io_uring_setup")) { char params[120] = {0}; return syscall(425, 1, params); }
        if (!strcmp(c, "setns")) return syscall(SYS_setns, -1, 0);
        if (!strcmp(c, "x32_getpid")) return syscall(0x40000000 | 39);
        if (!strcmp(c, "int80")) {
            long ret;
            __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
            if (ret < 0) { errno = (int)-ret; return -1; }
            return ret;
        }
        fprintf(stderr, "unknown case %s\n", c);
        exit(2);
    }

    static void report(const char *c, long rc) {
        if (rc < 0) printf("%s errno %d\n", c, errno); else printf("%s ok\n", c);
        fflush(stdout);
    }

    int main(int argc, char **argv) {
        if (argc < 3) return 2;
        static unsigned char buf[65536];
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0) { perror("open"); return 2; }
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n <= 0 || n % 8) { fprintf(stderr, "bad bpf\n"); return 2; }
        struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("prctl"); return 2; }
        int notify = argc >= 5 && !strcmp(argv[3], "notify");
        long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
        if (listener < 0) { printf("install errno %d\n", errno); return 3; }
        if (!notify) { report(argv[2], run_case(argv[2])); return 0; }

        pid_t child = fork();
        if (child < 0) { printf("fork errno %d\n", errno); return 3; }
        if (child == 0) { report(argv[2], run_case(argv[2])); _exit(0); }
        struct pollfd pfd = { .fd = (int)listener, .events = POLLIN };
        int status = 0, ready = 0, exited = 0;
        /* Until a notification arrives or the child exits without one (5 s at most). */
        for (int i = 0; i < 50 && !ready && !exited; i++) {
            ready = poll(&pfd, 1, 100) == 1;
            if (!ready) exited = waitpid(child, &status, WNOHANG) == child;
        }
        if (ready) {
            struct seccomp_notif req;
            memset(&req, 0, sizeof req);
            if (ioctl((int)listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
                printf("notified nr=%d arch=0x%x\n", req.data.nr, req.data.arch);
                fflush(stdout);
                struct seccomp_notif_resp resp = { .id = req.id, .val = 0, .error = -atoi(argv[4]), .flags = 0 };
                if (ioctl((int)listener, SECCOMP_IOCTL_NOTIF_SEND, &resp)) printf("send errno %d\n", errno);
            } else printf("recv errno %d\n", errno);
        } else printf("no notification\n");
        fflush(stdout);
        if (!exited) waitpid(child, &status, 0);
        if (WIFSIGNALED(status)) printf("child signal %d\n", WTERMSIG(status));
        return 0;
    }
    """#
}

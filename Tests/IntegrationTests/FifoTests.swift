import Foundation
import StockadeEvents
import Testing

/// Named pipes work; device nodes never appear (issue 11, item 1).
@Suite("FIFOs and device nodes", .enabled(if: Harness.requireRoot()))
struct FifoTests {
    @Test("mkfifo: a reader and a writer meet through a named pipe", arguments: ["agent", "default"])
    func namedPipe(profile: String) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let script = """
        mkfifo pipe && echo made-fifo
        python3 -c 'import os, stat; print("is-fifo" if stat.S_ISFIFO(os.stat("pipe").st_mode) else "not-fifo")'
        (echo through-the-pipe > pipe) &
        cat pipe
        wait
        mkfifo /tmp/p2 && (echo in-tmp > /tmp/p2 &) && cat /tmp/p2
        python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock"); print("bound-socket")'
        """
        let r = try Harness.sandbox(["--profile", profile, "--workspace", ws, "--", "/bin/sh", "-c", script], cwd: ws)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        for expected in ["made-fifo", "is-fifo", "through-the-pipe", "in-tmp", "bound-socket"] {
            #expect(r.stdout.contains(expected), "missing \(expected): \(r.stdout) \(r.stderr)")
        }
        #expect(r.events("syscall.denied").isEmpty, "\(r.events("syscall.denied"))")
    }

    @Test("mknod: a device node is refused inside and evented", arguments: ["agent", "default"])
    func deviceNodeRefused(profile: String) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--profile", profile, "--workspace", ws, "--", "/bin/sh", "-c",
                                     "mknod null2 c 1 3 && echo MADE-DEVICE; mknod blk b 7 0 && echo MADE-BLOCK; ls -l null2 blk 2>&1; echo done"],
                                    cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("done"))
        #expect(!r.stdout.contains("MADE-DEVICE") && !r.stdout.contains("MADE-BLOCK"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ws + "/null2"))
        let denied = r.events("syscall.denied").filter { ["mknod", "mknodat"].contains($0["syscall"]?.stringValue ?? "") }
        #expect(denied.count >= 2, "\(r.eventLines)")
        #expect(denied.allSatisfy { $0["errno"]?.stringValue == "EPERM" })
    }

    /// Without any seccomp filter, the kernel itself refuses device nodes to
    /// root inside a user namespace (mknod needs CAP_MKNOD in the initial
    /// namespace), so the filter's refusal hides nothing that would work.
    @Test("mknod: the kernel refuses device nodes in a user namespace anyway")
    func kernelRefusesDevicesInUserNamespace() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            print("skipped: /usr/bin/unshare is not installed")
            return
        }
        let dir = Harness.makeWorkspace(owner: 0)
        defer { Harness.removeTree(dir) }
        let r = try Harness.runProcess(["/usr/bin/unshare", "--user", "--map-root-user", "/bin/sh", "-c",
                                        "id -u; mknod \(dir)/null2 c 1 3 && echo MADE-DEVICE; mkfifo \(dir)/fifo && echo made-fifo"])
        #expect(r.stdout.hasPrefix("0\n"), "\(r.stdout) \(r.stderr)")  // root inside its namespace
        #expect(!r.stdout.contains("MADE-DEVICE"))
        #expect(r.stderr.contains("Operation not permitted"), "\(r.stderr)")
        #expect(r.stdout.contains("made-fifo"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/null2"))
    }
}

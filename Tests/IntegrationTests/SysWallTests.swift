import Foundation
import StockadeEvents
import Testing

/// The workload tries to climb out of its `/sys` view: change its own
/// limits, uncover a masked subtree, remount sysfs writable.
@Suite("/sys walls", .enabled(if: Harness.requireRoot()))
struct SysWallTests {
    @Test("the workload cannot raise its own limits, uncover masks or remount /sys", arguments: [false, true])
    func climb(rootless: Bool) throws {
        let py = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        def attempt(name, f):
            try:
                f(); print(name, "OK")
            except OSError as e:
                print(name, "ERR", e.errno)
        def write(path, text):
            with open(path, "w") as fh: fh.write(text)
        def sysret(name, r):
            if r != 0: raise OSError(ctypes.get_errno(), name)
        for p in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/pids.max"):
            if os.path.exists(p): attempt("raise " + p, lambda p=p: write(p, "max" if p.endswith(".max") else "9999999999"))
        attempt("umount-firmware", lambda: sysret("umount", libc.umount2(b"/sys/firmware", 2)))
        attempt("remount-sys", lambda: sysret("mount", libc.mount(b"none", b"/sys", None, 0x20 | 0x1000, None)))
        attempt("mkdir-cgroup", lambda: os.mkdir("/sys/fs/cgroup/escape"))
        print("firmware-entries", len(os.listdir("/sys/firmware")))
        for p in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"):
            if os.path.exists(p): print("limit-now", open(p).read().strip())
        """
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try py.write(toFile: ws + "/climb_sys.py", atomically: false, encoding: .utf8)
        // Rootless, limits cannot be enforced on this host (exit 125 by
        // design), so the climb runs without them; the walls are the same.
        let limits = rootless ? [] : ["--memory", "256m", "--pids-limit", "64"]
        var args = ["--workspace", ws] + limits + ["--", "/usr/bin/python3", "climb_sys.py"]
        if rootless {
            args = ["/usr/bin/setpriv", "--reuid", "\(Harness.testUID)", "--regid", "\(Harness.testUID)", "--clear-groups", Harness.binary] + args
        } else {
            args = [Harness.binary] + args
        }
        let r = try Harness.runProcess(args, cwd: ws)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!r.stdout.contains(" OK"), "\(r.stdout)")
        #expect(r.stdout.contains("umount-firmware ERR"))
        #expect(r.stdout.contains("remount-sys ERR"))
        #expect(r.stdout.contains("mkdir-cgroup ERR"))
        #expect(r.stdout.contains("firmware-entries 0"))
        if !rootless {
            #expect(r.stdout.contains("raise /sys/fs/cgroup/"), "no limit file was visible: \(r.stdout)")
            #expect(r.stdout.contains("limit-now 268435456") || r.stdout.contains("limit-now 268435456\n"))
        }
    }

    /// Under a container runtime that masks part of the host's /sys, the
    /// kernel refuses a fresh sysfs (mount_too_revealing). The sandbox must
    /// still start, with the host's /sys bound read-only and the same
    /// subtrees empty. The test makes that host in a private mount namespace
    /// of its own (unshare -m), never touching the machine's /sys.
    @Test("a host whose /sys is partly covered still gets a /sys view", arguments: [false, true])
    func coveredHostSys(rootless: Bool) throws {
        let runAs = rootless ? "/usr/bin/setpriv --reuid \(Harness.testUID) --regid \(Harness.testUID) --clear-groups " : ""
        let inner = "cat /sys/devices/system/cpu/online; for d in /sys/firmware /sys/kernel/security /sys/kernel/debug /sys/power; do [ -n \"$(ls -A $d 2>/dev/null)\" ] && echo VISIBLE $d; done; touch /sys/x 2>/dev/null && echo WROTE; echo end"
        let outer = "mount -t tmpfs stockade-test-mask /sys/firmware && \(runAs)\(Harness.binary) --workspace-mode none -- /bin/sh -c '\(inner)'"
        let r = try Harness.runProcess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", outer], cwd: "/tmp")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("0"), "\(r.stdout)")
        #expect(r.stdout.contains("end"))
        #expect(!r.stdout.contains("VISIBLE"), "\(r.stdout)")
        #expect(!r.stdout.contains("WROTE"))
    }
}

import Foundation
import StockadeEvents
import Testing

/// Syscalls the default-deny filter must stop, each tried for real, each
/// expected to fail and to appear as a `syscall.denied` event.
@Suite("Seccomp walls", .enabled(if: Harness.requireRoot()))
struct SeccompWallTests {
    static let denied: [(wall: String, syscall: String)] = [
        ("mount", "mount"),
        ("unshare-user", "unshare"),
        ("unshare-net", "unshare"),
        ("clone-newns", "clone"),
        ("ptrace", "ptrace"),
        ("keyctl", "keyctl"),
        ("bpf", "bpf"),
        ("io_uring_setup", "io_uring_setup"),
        ("kexec_load", "kexec_load"),
        ("x32", "getpid"),
        ("tiocsti-highbits", "ioctl"),
        ("chroot", "chroot"),
        ("socket-packet", "socket"),
    ]

    @Test("denied syscalls fail and are evented", arguments: denied.map(\.wall))
    func deniedSyscall(wall: String) throws {
        let syscall = Self.denied.first { $0.wall == wall }!.syscall
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "./climb", wall], cwd: ws)
        let result = r.climbResult(wall)
        #expect(result?.hasPrefix("denied") == true, "\(wall): \(result ?? "no result") stderr=\(r.stderr)")
        let events = r.events("syscall.denied")
        let event = events.first { ($0["syscall"]?.stringValue ?? "").hasSuffix(syscall) }
        #expect(event != nil, "no syscall.denied for \(syscall): \(events.map { $0["syscall"]?.stringValue ?? "?" })")
        // The errno the workload saw is the one the listener answered and the
        // event reports, and it is a refusal, not an argument error.
        let errno = event?["errno"]?.stringValue ?? "?"
        #expect(["EPERM", "ENOSYS", "EACCES", "EAFNOSUPPORT"].contains(errno), "\(wall): event errno \(errno)")
        #expect(result == "denied \(errno)", "\(wall): workload saw \(result ?? "nothing"), event says \(errno)")
        let denials = r.end?["denials"]?.objectValue?["syscalls"]?.int64Value ?? 0
        #expect(denials >= 1)
    }

    @Test("an i386 int 0x80 syscall kills the process: exit_reason seccomp_kill")
    func i386Killed() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "./climb", "i386"], cwd: ws)
        #expect(r.climbResult("i386") == nil, "int 0x80 returned: \(r.stdout)")
        #expect(r.exitReason == "seccomp_kill")
        #expect(r.status == 128 + 31)
    }

    @Test("TIOCSTI on the terminal is denied")
    func tiocsti() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "./climb", "tiocsti"], cwd: ws)
        #expect(r.climbResult("tiocsti")?.hasPrefix("denied") == true, "\(r.stdout)")
    }

    @Test("setuid(0) cannot regain root")
    func setuidRoot() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "./climb", "setuid0"], cwd: ws)
        #expect(r.climbResult("setuid0")?.hasPrefix("denied") == true, "\(r.stdout)")
    }

    @Test("a denial storm is capped in events but fully counted")
    func denialStorm() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try Harness.installClimb(into: ws)
        let r = try Harness.sandbox(["--workspace", ws, "--", "/bin/sh", "-c", "i=0; while [ $i -lt 1100 ]; do ./climb keyctl >/dev/null; i=$((i+1)); done"], cwd: ws, timeout: 300)
        #expect(r.status == 0 || r.status == 1)
        #expect(r.events("syscall.denied").count <= 1000)
        let total = r.end?["denials"]?.objectValue?["syscalls"]?.int64Value ?? 0
        #expect(total >= 1100)
        // Every denial is either a line or counted in an events.suppressed.
        let suppressed = r.events("events.suppressed").filter { $0["suppressed_type"] == "syscall.denied" }
            .reduce(0) { $0 + ($1["count"]?.int64Value ?? 0) }
        #expect(Int64(r.events("syscall.denied").count) + suppressed == total)
    }

    @Test("an OCI/Docker seccomp JSON works as a profile's policy")
    func ociPolicy() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let dir = NSTemporaryDirectory() + "stockade-oci-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { Harness.removeTree(dir) }
        let oci = """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
        """
        try oci.write(toFile: dir + "/docker.json", atomically: false, encoding: .utf8)
        try "extends: default\nseccomp:\n  oci: ./docker.json\n".write(toFile: dir + "/p.yaml", atomically: false, encoding: .utf8)
        let r = try Harness.sandbox(["--profile", dir + "/p.yaml", "--workspace", ws, "--", "/bin/sh", "-c", "mkdir \(ws)/d 2>&1; echo done"], cwd: ws)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Permission denied"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ws + "/d"))
        #expect(r.events("syscall.denied").contains { $0["syscall"]?.stringValue == "mkdir" || $0["syscall"]?.stringValue == "mkdirat" })
        let sources = r.events("sandbox.start").first?["profile"]?.objectValue?["sources"]?.arrayValue ?? []
        #expect(sources.contains { $0.objectValue?["path"]?.stringValue?.hasSuffix("docker.json") == true })
    }
}

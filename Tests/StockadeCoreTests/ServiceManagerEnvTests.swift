import Glibc
import StockadeProfile
import Testing
import StockadeTestSupport
@testable import StockadeCore

@Suite("Service manager variables")
struct ServiceManagerEnvTests {
    @Test func notifySocketWatchdogAndListenNeverReachTheWorkload() throws {
        let host = HostContext(uid: 0, gid: 0, cwd: "/work/app", environment: [
            ("PATH", "/usr/bin"), ("NOTIFY_SOCKET", "/run/systemd/notify"), ("WATCHDOG_USEC", "30000000"),
            ("WATCHDOG_PID", "1"), ("LISTEN_FDS", "1"), ("LISTEN_PID", "1"), ("LISTEN_FDNAMES", "x"),
        ], users: FakeUsers())
        var profile = Profile(name: "p")
        profile.env.pass = ["NOTIFY_*", "WATCHDOG_*"]
        profile.env.set = [EnvAssignment(name: "LISTEN_FDS", value: "3")]
        var o = LaunchOverrides()
        o.command = ["/usr/bin/sh"]
        o.envPass = ["NOTIFY_SOCKET", "LISTEN_*"]
        o.envSet = [EnvAssignment(name: "WATCHDOG_USEC", value: "1")]
        let spec = try SpecBuilder(fs: SpecBuilderTests.fs).build(profile: profile, overrides: o, host: host, id: "id1")
        #expect(spec.environment.map(\.name) == ["PATH"])
        #expect(spec.scrubbedNames.contains("NOTIFY_SOCKET"))
    }

    @Test(arguments: ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"])
    func variablesAreRecognized(_ name: String) {
        #expect(SpecBuilder.isServiceManagerVariable(name))
    }

    @Test func ordinaryNamesAreNot() {
        #expect(!SpecBuilder.isServiceManagerVariable("NOTIFY"))
        #expect(!SpecBuilder.isServiceManagerVariable("PATH"))
    }

    @Test func notifySocketNamesMustBeAbsoluteOrAbstract() {
        #expect(SdNotify(socketPath: "relative/sock") == nil)
        #expect(SdNotify(socketPath: "") == nil)
        #expect(SdNotify(socketPath: "/" + String(repeating: "a", count: 200)) == nil)
        #expect(SdNotify(socketPath: "/run/systemd/notify") != nil)
        #expect(SdNotify(socketPath: "@abstract-name") != nil)
    }

    /// Against a real datagram socket the test binds and reads: a send is
    /// queued by the time `sendto` returns, so a zero-timeout poll sees any
    /// datagram a call sent. Before `ready`, status, stopping and watchdog
    /// ticks must leave the socket empty (a readiness lie would show up here);
    /// after it, READY=1 is the first datagram and the rest follow.
    @Test func nothingButReadyBeforeReady() throws {
        let manager = try NotifyListener()
        defer { manager.close() }
        let n = try #require(SdNotify(socketPath: manager.path, watchdogInterval: 0.2))
        let w = try #require(WatchdogSource(notify: n))
        n.status("x")
        n.stopping("y")
        w.tick(now: 5)
        #expect(!n.isReady)
        #expect(w.nextDeadline() == nil)
        #expect(manager.receive() == nil, "sent before READY=1")

        n.ready(pid: 1, sandboxId: "s")
        #expect(n.isReady)
        #expect(manager.receive() == "READY=1\nSTATUS=running: sandbox s, init pid 1")
        n.ready(pid: 1, sandboxId: "s")
        #expect(manager.receive() == nil, "READY=1 is sent once")
        #expect(w.nextDeadline() == 0)
        w.tick(now: 10)
        #expect(manager.receive() == "WATCHDOG=1")
        #expect(w.nextDeadline() == 10.1)
        n.status("x")
        #expect(manager.receive() == "STATUS=x")
        n.stopping("y\nREADY=1")
        #expect(manager.receive() == "STOPPING=1\nSTATUS=y READY=1", "a newline in the text must not start an assignment")
        n.stopping("z")
        #expect(manager.receive() == "STATUS=z")
    }
}

/// A unix datagram socket standing in for the service manager's notify socket.
private final class NotifyListener {
    let path: String
    let fd: Int32

    init() throws {
        var template = Array("/tmp/stockade-notify-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw ListenerError() }
        path = String(cString: dir) + "/notify"
        fd = boundDatagramSocket(at: path)
        guard fd >= 0 else { throw ListenerError() }
    }

    struct ListenerError: Error {}

    /// The datagram already queued, or nil: never waits.
    func receive() -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        return n >= 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    func close() {
        Glibc.close(fd)
        unlink(path)
        rmdir(String(path.dropLast("/notify".count)))
    }
}

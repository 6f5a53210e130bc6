import StockadeProfile
import Testing
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

    @Test func nothingButReadyBeforeReady() {
        // Status and stopping before READY=1 would be a readiness lie; they are dropped.
        let n = SdNotify(socketPath: "/nonexistent/sock", watchdogInterval: 0.2)!
        n.status("x")
        n.stopping("y")
        #expect(!n.isReady)
        let w = WatchdogSource(notify: n)!
        #expect(w.nextDeadline() == nil)
        n.ready(pid: 1, sandboxId: "s")
        #expect(n.isReady)
        #expect(w.nextDeadline() == 0)
        w.tick(now: 10)
        #expect(w.nextDeadline() == 10.1)
    }
}

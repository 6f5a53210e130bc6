import Foundation
import StockadeEvents
import Testing

/// A private fake internet for egress tests, built by `scripts/networld.sh`
/// (one definition of the world for tests, humans and the demo).
///
/// Two namespaces joined by one veth and linked to nothing else: `host-NAME`,
/// where `sandbox-run` runs (its sandboxes' nft tables live in their own
/// namespaces; nothing may appear here, and tests check that), and
/// `world-NAME`, holding dnsmasq (local records only, no upstream) and fake
/// servers that log every connection (HTTPS on 443 with the world's own CA).
/// Every packet a test sends stays inside these namespaces.
struct NetworkWorld: Sendable {
    let name: String
    let worldNS: String
    let hostNS: String
    /// The uplink interface inside `hostNS`; the only link besides `lo` there.
    let hostInterface: String
    /// dnsmasq in the world: the `--dns-upstream` for sandboxes.
    let dns: String
    /// The host namespace's own address on the uplink.
    let hostAddress: String
    /// `allowed.test` (and `alias.test`, a CNAME to it).
    let allowedIP: String
    /// `other.test`: resolvable upstream, never allowlisted in tests.
    let otherIP: String
    /// `short.test`, served with TTL 2.
    let shortIP: String
    /// Every name under `exfil.test`.
    let exfilIP: String
    /// `meta.test`: the cloud metadata address.
    let metadataIP: String
    /// `v6.test` (AAAA only).
    let v6IP: String
    /// An address in the world that nobody holds, blackholed there: what is
    /// sent to it is dropped without a word (a silent DNS upstream).
    let silentIP: String
    /// The host's own service, listening on every host-namespace address.
    let hostPort: Int
    let stateDir: String
    /// The probe/server script; copy it into a workspace to run it inside.
    let probeScript: String
    /// The world's CA certificate (trusted only where a test hands it over).
    let caPath: String
    let dnsLogPath: String
    let serverLogPath: String
    let hostLogPath: String
    /// Processes the world started (servers, dnsmasq), killed by PID on teardown.
    let pids: [Int32]

    static var script: String { Harness.repoRoot.appendingPathComponent("scripts/networld.sh").path }

    /// Why network tests cannot run here, or nil when they can.
    static func unavailableReason() -> String? {
        if !Harness.isRoot { return "network tests need root (they create network namespaces)" }
        for tool in ["/usr/sbin/ip", "/usr/sbin/dnsmasq", "/usr/sbin/nft", "/usr/bin/python3", "/usr/bin/nsenter"]
        where !FileManager.default.isExecutableFile(atPath: tool) && !onPath((tool as NSString).lastPathComponent) {
            return "\((tool as NSString).lastPathComponent) not found (apt-get install dnsmasq-base iproute2 nftables python3 util-linux)"
        }
        return nil
    }

    /// Suite trait condition: prints why it skips rather than passing silently.
    static func available() -> Bool {
        if let reason = unavailableReason() {
            print("SKIP: \(reason)")
            return false
        }
        return true
    }

    private static func onPath(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    struct SetupError: Error, CustomStringConvertible {
        var step: String
        var detail: String
        var description: String { "networld \(step): \(detail)" }
    }

    /// Builds a fresh world with a unique name (tests run in parallel).
    static func make() throws -> NetworkWorld {
        let name = "nw" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let r = try Harness.runProcess(["/bin/bash", script, "up", name], timeout: 60)
        guard r.status == 0 else { throw SetupError(step: "up \(name)", detail: r.stderr) }
        var env: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            env[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        func v(_ key: String) throws -> String {
            guard let value = env[key], !value.isEmpty else { throw SetupError(step: "up \(name)", detail: "no \(key) in output") }
            return value
        }
        return NetworkWorld(
            name: name, worldNS: try v("WORLD_NS"), hostNS: try v("HOST_NS"), hostInterface: try v("HOST_IF"),
            dns: try v("DNS"), hostAddress: try v("HOST_ADDR"), allowedIP: try v("ALLOWED_IP"),
            otherIP: try v("OTHER_IP"), shortIP: try v("SHORT_IP"), exfilIP: try v("EXFIL_IP"),
            metadataIP: try v("METADATA_IP"), v6IP: try v("V6_IP"), silentIP: try v("SILENT_IP"), hostPort: Int(try v("HOST_PORT")) ?? 2222,
            stateDir: try v("STATE"), probeScript: try v("PROBE"), caPath: try v("CA"), dnsLogPath: try v("DNS_LOG"),
            serverLogPath: try v("SERVER_LOG"), hostLogPath: try v("HOST_LOG"),
            pids: try ["SERVER_PID", "HOSTSVC_PID", "DNSMASQ_PID"].compactMap { Int32(try v($0)) })
    }

    /// Removes the world; returns what could not be removed (empty when clean).
    @discardableResult
    func tearDown() -> [String] {
        var left: [String] = []
        let r = try? Harness.runProcess(["/bin/bash", Self.script, "down", name], timeout: 60)
        if r?.status != 0 { left.append("networld down: \(r?.stderr ?? "did not run")") }
        let namespaces = (try? Harness.runProcess(["/usr/sbin/ip", "netns", "list"]).stdout) ?? ""
        for ns in [worldNS, hostNS] where namespaces.split(separator: "\n").contains(where: { $0.split(separator: " ").first.map(String.init) == ns }) {
            left.append("netns \(ns)")
        }
        for pid in pids where kill(pid, 0) == 0 && Self.commandLine(pid).contains(stateDir) {
            left.append("process \(pid)")
        }
        if FileManager.default.fileExists(atPath: stateDir) { left.append("state \(stateDir)") }
        return left
    }

    /// Runs `body` in a fresh world and always tears it down, expecting no leftovers.
    static func with(_ body: (NetworkWorld) throws -> Void) throws {
        let world = try make()
        do {
            try body(world)
        } catch {
            let left = world.tearDown()
            #expect(left.isEmpty, "world leftovers: \(left)")
            throw error
        }
        let left = world.tearDown()
        #expect(left.isEmpty, "world leftovers: \(left)")
    }

    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    // MARK: running things in the host namespace

    /// Enters only the host's network namespace. Not `ip netns exec`: that
    /// also remounts /sys, which hides the cgroup hierarchies from the
    /// supervisor. nsenter without --pid execs, so the PID is the command's.
    static func inNamespace(_ ns: String) -> [String] { ["/usr/bin/nsenter", "--net=/run/netns/\(ns)"] }

    /// Any command inside the host namespace.
    func exec(inHost argv: [String], timeout: Double = 60) throws -> Harness.ProcessResult {
        try Harness.runProcess(Self.inNamespace(hostNS) + argv, timeout: timeout)
    }

    /// Any command inside the world namespace (for checks only).
    func exec(inWorld argv: [String], timeout: Double = 60) throws -> Harness.ProcessResult {
        try Harness.runProcess(Self.inNamespace(worldNS) + argv, timeout: timeout)
    }

    /// `sandbox-run ARGS` inside the host namespace, events to a file, like `Harness.sandbox`.
    /// `asUser`: run `sandbox-run` unprivileged (setpriv), the rootless path.
    /// `wrapper`: a command run as root before that (and before `sandbox-run`),
    /// e.g. `prlimit --nofile=N:N` or `unshare -m` with a bind mount.
    func run(inHost args: [String], cwd: String? = nil, timeout: Double = 120, asUser: uid_t? = nil,
             wrapper: [String] = []) throws -> Harness.Result {
        let eventsPath = NSTemporaryDirectory() + "stockade-net-events-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: eventsPath) }
        let prefix = asUser.map { Harness.asUser($0, home: cwd) } ?? []
        let r = try Harness.runProcess(Self.inNamespace(hostNS) + wrapper + prefix + [Harness.binary, "--events", eventsPath] + args,
                                       cwd: cwd, timeout: timeout)
        return Self.result(status: r.status, stdout: r.stdout, stderr: r.stderr, eventsPath: eventsPath)
    }

    /// Starts `sandbox-run ARGS` inside the host namespace without waiting.
    func start(inHost args: [String], cwd: String? = nil, asUser: uid_t? = nil) throws -> RunningSandbox {
        try RunningSandbox(hostNS: hostNS, args: args, cwd: cwd, asUser: asUser)
    }

    static func result(status: Int32, stdout: String, stderr: String, eventsPath: String) -> Harness.Result {
        let text = (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        let events = lines.compactMap { try? JSONParser().parseObject($0) }
        return Harness.Result(status: status, stdout: stdout, stderr: stderr, events: events, eventLines: lines)
    }

    // MARK: sandbox arguments and probes

    /// `--net MODE --allow-domain D... --dns-upstream UPSTREAM` (the world's dnsmasq unless given).
    func netArgs(_ mode: String = "filtered", allow domains: [String], upstream: String? = nil) -> [String] {
        ["--net", mode] + domains.flatMap { ["--allow-domain", $0] } + ["--dns-upstream", upstream ?? dns]
    }

    /// A workspace holding the probe script, and the command that runs
    /// `probes` inside the sandbox. Each probe prints `RESULT LABEL ok|fail DETAIL`
    /// (read with `Harness.Result.climbResult(LABEL)`). Probes: "tcp L HOST PORT",
    /// "udp L HOST PORT", "resolve L NAME", "resolve6 L NAME", "dns L NAME SERVER",
    /// "dnstcp L NAME SERVER", "http L URL", "sleep S", "tcpuntilfail L HOST PORT S", "await L PATH S",
    /// "raw L HOST PORT HEX", "sameid L NAME N", "tcpmany L NAME N STEP", "idle L NAME N" (the full
    /// list is in `world.py`). `clientTimeout`: the probes' own timeout in seconds (`PROBE_TIMEOUT`,
    /// 3 by default), for probes that must wait for whatever the sandbox answers.
    func probeCommand(_ probes: [String], workspace: String, clientTimeout: Int? = nil) throws -> [String] {
        let dest = workspace + "/world.py"
        if !FileManager.default.fileExists(atPath: dest) {
            try FileManager.default.copyItem(atPath: probeScript, toPath: dest)
            chown(dest, Harness.testUID, Harness.testUID)
            // The probes' HTTPS clients trust the world's CA from next to the script.
            try FileManager.default.copyItem(atPath: caPath, toPath: workspace + "/ca.pem")
        }
        // The sandbox scrubs the environment, so the timeout goes on the command line.
        let env = clientTimeout.map { ["/usr/bin/env", "PROBE_TIMEOUT=\($0)"] } ?? []
        return env + ["/usr/bin/python3", dest, "probe"] + probes
    }

    /// One DNS query from the host namespace straight to the world's dnsmasq.
    /// Returns e.g. "rcode=0 198.18.7.10" or "fail timeout".
    func queryFromHost(_ name: String, type: String = "A", tcp: Bool = false) throws -> String {
        let r = try exec(inHost: ["/usr/bin/python3", probeScript, "dns"] + (tcp ? ["--tcp"] : []) + [name, dns, type])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: what the world saw

    var dnsLog: String { (try? String(contentsOfFile: dnsLogPath, encoding: .utf8)) ?? "" }
    var serverLog: String { (try? String(contentsOfFile: serverLogPath, encoding: .utf8)) ?? "" }
    var hostLog: String { (try? String(contentsOfFile: hostLogPath, encoding: .utf8)) ?? "" }

    /// Waits until dnsmasq has logged everything asked so far, by asking a
    /// marker name from the host and waiting for it in the log. Call before
    /// asserting that something is absent from `dnsLog`.
    func syncDNSLog() throws {
        let marker = "sync-\(UInt32.random(in: 0...UInt32.max)).marker.test"
        _ = try queryFromHost(marker)
        for _ in 0..<100 where !dnsLog.contains(marker) { usleep(50_000) }
        #expect(dnsLog.contains(marker), "dnsmasq log never showed the sync marker")
    }

    /// Connections the fake servers accepted on `address` (and `port`, if given).
    func serverConnections(to address: String, port: Int? = nil) -> [String] {
        serverLog.split(separator: "\n").map(String.init).filter { line in
            let f = line.split(separator: " ")
            return f.count >= 3 && f[1] == address && (port.map { f[2] == "\($0)" } ?? true)
        }
    }

    /// Links in the host namespace besides `lo` and the uplink: sandbox veths.
    func extraHostLinks() throws -> [String] {
        let r = try Harness.runProcess(["/usr/sbin/ip", "-n", hostNS, "-o", "link", "show"])
        return r.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 2)
            guard parts.count >= 2 else { return nil }
            let ifname = parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) ?? ""
            return ifname == "lo" || ifname == hostInterface ? nil : ifname
        }
    }

    /// nftables tables in the host namespace ("inet stockade_…").
    func hostNftTables() throws -> [String] {
        let r = try exec(inHost: ["/usr/sbin/nft", "list", "tables"])
        return r.stdout.split(separator: "\n").map { $0.replacingOccurrences(of: "table ", with: "") }
    }

    /// The host namespace's `net.ipv4.ip_forward` (per namespace).
    func hostIPForward() throws -> String {
        try exec(inHost: ["/bin/cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Routes and addresses of the host namespace, to compare before and after.
    func hostRoutesAndAddresses() throws -> String {
        let routes = try exec(inHost: ["/usr/sbin/ip", "-4", "route"]).stdout + (try exec(inHost: ["/usr/sbin/ip", "-6", "route"]).stdout)
        let addresses = try exec(inHost: ["/usr/sbin/ip", "-br", "addr"]).stdout
        return routes + addresses
    }
}

/// A `sandbox-run` started in the host namespace and not yet waited for.
/// nsenter execs, so `pid` is the supervisor itself.
final class RunningSandbox {
    let process = Process()
    let eventsPath = NSTemporaryDirectory() + "stockade-net-events-\(UUID().uuidString).jsonl"
    private let outPath: String
    private let errPath: String

    init(hostNS: String, args: [String], cwd: String?, asUser: uid_t? = nil) throws {
        let base = NSTemporaryDirectory() + "stockade-net-out-\(UUID().uuidString)"
        outPath = base + ".out"
        errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let prefix = asUser.map { Harness.asUser($0, home: cwd) } ?? []
        let argv = NetworkWorld.inNamespace(hostNS) + prefix + [Harness.binary, "--events", eventsPath] + args
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// The events written so far.
    var eventText: String { (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? "" }

    /// What the sandbox printed so far (probe `RESULT` lines).
    var stdoutText: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Polls until the events contain `marker` (e.g. `"sandbox.ready"`).
    func waitForEvent(_ marker: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if eventText.contains(marker) { return true }
            if !process.isRunning { return eventText.contains(marker) }
            usleep(50_000)
        }
        return false
    }

    /// Waits (SIGKILL after `timeout`), collects output and events, removes the files.
    func wait(timeout: Double = 120) -> Harness.Result {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        let result = NetworkWorld.result(status: status, stdout: out, stderr: err, eventsPath: eventsPath)
        for p in [outPath, errPath, eventsPath] { try? FileManager.default.removeItem(atPath: p) }
        return result
    }
}

extension JSONValue {
    /// Whether this value, or any value nested in it, is the string or number `text`.
    func mentions(_ text: String) -> Bool {
        // Also "name." (absolute form) and "name:port" / "addr:port" (v4 only: a v6 address holds colons).
        if let s = stringValue { return s == text || s == text + "." || (!text.contains(":") && s.hasPrefix(text + ":")) }
        if let i = int64Value { return "\(i)" == text }
        if let a = arrayValue { return a.contains { $0.mentions(text) } }
        if let o = objectValue { return o.mentions(text) }
        return false
    }
}

extension JSONObject {
    /// Whether any member value (nested included) is `text`: events are
    /// matched on what they report, whatever the field is named.
    func mentions(_ text: String) -> Bool { members.contains { $0.value.mentions(text) } }
}

import StockadeCLI
import StockadeCore
import StockadeProfile

/// Turns command-line strings into typed overrides, with errors that name
/// the flag and what it expects.
enum LaunchOptions {
    static func overrides(from c: ParsedArguments) throws(UsageError) -> LaunchOverrides {
        var o = LaunchOverrides()
        o.command = c.command
        o.name = c.value("name")
        o.actor = c.value("actor")
        o.workspace = c.value("workspace")
        if let m = c.value("workspace-mode") {
            guard let mode = WorkspaceMode(rawValue: m) else {
                throw UsageError.invalid("--workspace-mode: expected rw, ro or none, got '\(m)'")
            }
            o.workspaceMode = mode
        }
        for b in c.values("ro-bind") { o.binds.append(try bind(b, writable: false, flag: "--ro-bind")) }
        for b in c.values("bind") { o.binds.append(try bind(b, writable: true, flag: "--bind")) }
        for t in c.values("tmpfs") { o.tmpfs.append(try absolutePath(t, flag: "--tmpfs")) }
        for h in c.values("hide") { o.hide.append(try absolutePath(h, flag: "--hide")) }
        for glob in c.values("unmask") {
            if let problem = PathRules.maskGlobProblem(glob) { throw UsageError.invalid("--unmask '\(glob)': \(problem)") }
            o.unmask.append(glob)
        }
        for e in c.values("env") {
            if let eq = e.firstIndex(of: "=") {
                let name = String(e[..<eq])
                guard isVariableName(name) else { throw UsageError.invalid("--env: '\(name)' is not a valid variable name") }
                o.envSet.append(EnvAssignment(name: name, value: String(e[e.index(after: eq)...])))
            } else {
                guard isVariableName(e) || (e.hasSuffix("*") && isVariableName(String(e.dropLast()))) else {
                    throw UsageError.invalid("--env: '\(e)' is not a valid variable name (NAME, PREFIX*, or NAME=VALUE)")
                }
                o.envPass.append(e)
            }
        }
        o.user = c.value("user")
        o.group = c.value("group")
        if let h = c.value("hostname") {
            guard !h.isEmpty, h.utf8.count <= 64, !h.contains("/") else {
                throw UsageError.invalid("--hostname: expected 1 to 64 characters without '/', got '\(h)'")
            }
            o.hostname = h
        }
        if let t = c.value("timeout") {
            guard let s = DurationParser.parse(t), s > 0 else { throw UsageError.invalid("--timeout: expected a duration like 90s, 20m or 1h30m, got '\(t)'") }
            o.timeoutSeconds = s
        }
        if let t = c.value("kill-after") {
            guard let s = DurationParser.parse(t), s >= 0 else { throw UsageError.invalid("--kill-after: expected a duration like 5s, got '\(t)'") }
            o.killAfterSeconds = s
        }
        if let m = c.value("memory") {
            guard let b = ByteSize.parse(m), b >= 1 << 20 else { throw UsageError.invalid("--memory: expected a size of at least 1m like 512m or 2g, got '\(m)'") }
            o.memoryBytes = b
        }
        if let text = c.value("pids-limit") {
            guard let p = Int(text), p > 0 else { throw UsageError.invalid("--pids-limit: expected a positive number, got '\(text)'") }
            o.pids = p
        }
        if let text = c.value("cpus") {
            guard let cpus = Double(text), cpus > 0, cpus.isFinite else { throw UsageError.invalid("--cpus: expected a positive number like 1.5, got '\(text)'") }
            o.cpus = cpus
        }
        if c.flag("require-limits") { o.requireLimits = true }
        if let n = c.value("net") {
            guard let mode = NetworkMode(rawValue: n) else {
                throw UsageError.invalid("--net: expected none, filtered, audit or host, got '\(n)'")
            }
            o.network = mode
        }
        for d in c.values("allow-domain") {
            if let problem = NetworkSyntax.domainRuleProblem(d) {
                throw UsageError.invalid("--allow-domain '\(d)': \(problem)")
            }
        }
        o.allowDomains = c.values("allow-domain")
        o.allowPresets = c.values("allow-preset")
        if let u = c.value("dns-upstream") {
            guard NetworkSyntax.isUpstream(u) else {
                throw UsageError.invalid("--dns-upstream: expected an IP address with an optional :PORT, got '\(u)'")
            }
            o.dnsUpstream = u
        }
        if c.flag("require-landlock") { o.requireLandlock = true }
        if let t = c.value("dns-timeout") {
            guard let seconds = NetworkSyntax.parseDNSTimeout(t) else {
                throw UsageError.invalid("--dns-timeout: expected seconds from 0.1 to 30, like 2 or 0.5, got '\(t)'")
            }
            o.dnsTimeoutSeconds = seconds
        }
        for name in c.values("allow-ech") {
            if let problem = NetworkSyntax.echEntryProblem(name) {
                throw UsageError.invalid("--allow-ech '\(name)': \(problem)")
            }
        }
        o.allowECH = c.values("allow-ech")
        return o
    }

    static func bind(_ s: String, writable: Bool, flag: String) throws(UsageError) -> BindRequest {
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let src = parts[0]
        let dst = parts.count > 1 ? parts[1] : src
        guard src.hasPrefix("/"), dst.hasPrefix("/") else {
            throw UsageError.invalid("\(flag): paths must be absolute, got '\(s)'")
        }
        return BindRequest(source: src, destination: dst, writable: writable)
    }

    static func absolutePath(_ s: String, flag: String) throws(UsageError) -> String {
        guard s.hasPrefix("/") else { throw UsageError.invalid("\(flag): expected an absolute path, got '\(s)'") }
        return s
    }

    static func isVariableName(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == UInt8(ascii: "_") || (f | 0x20 >= UInt8(ascii: "a") && f | 0x20 <= UInt8(ascii: "z")) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }
    }
}

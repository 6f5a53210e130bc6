import ArgumentParser
import StockadeCore
import StockadeProfile

/// Turns command-line strings into typed overrides, with errors that name
/// the flag and what it expects.
enum LaunchOptions {
    static func overrides(from c: RunCommand) throws -> LaunchOverrides {
        var o = LaunchOverrides()
        o.command = c.command
        o.name = c.name
        o.actor = c.actor
        o.workspace = c.workspace
        if let m = c.workspaceMode {
            guard let mode = WorkspaceMode(rawValue: m) else {
                throw ValidationError("--workspace-mode: expected rw, ro or none, got '\(m)'")
            }
            o.workspaceMode = mode
        }
        o.binds = try c.roBind.map { try bind($0, writable: false, flag: "--ro-bind") }
            + c.bind.map { try bind($0, writable: true, flag: "--bind") }
        o.tmpfs = try c.tmpfs.map { try absolutePath($0, flag: "--tmpfs") }
        o.hide = try c.hide.map { try absolutePath($0, flag: "--hide") }
        for e in c.env {
            if let eq = e.firstIndex(of: "=") {
                let name = String(e[..<eq])
                guard isVariableName(name) else { throw ValidationError("--env: '\(name)' is not a valid variable name") }
                o.envSet.append(EnvAssignment(name: name, value: String(e[e.index(after: eq)...])))
            } else {
                guard isVariableName(e) || (e.hasSuffix("*") && isVariableName(String(e.dropLast()))) else {
                    throw ValidationError("--env: '\(e)' is not a valid variable name (NAME, PREFIX*, or NAME=VALUE)")
                }
                o.envPass.append(e)
            }
        }
        o.user = c.user
        o.group = c.group
        if let h = c.hostname {
            guard !h.isEmpty, h.utf8.count <= 64, !h.contains("/") else {
                throw ValidationError("--hostname: expected 1 to 64 characters without '/', got '\(h)'")
            }
            o.hostname = h
        }
        if let t = c.timeout {
            guard let s = DurationParser.parse(t), s > 0 else { throw ValidationError("--timeout: expected a duration like 90s, 20m or 1h30m, got '\(t)'") }
            o.timeoutSeconds = s
        }
        if let t = c.killAfter {
            guard let s = DurationParser.parse(t), s >= 0 else { throw ValidationError("--kill-after: expected a duration like 5s, got '\(t)'") }
            o.killAfterSeconds = s
        }
        if let m = c.memory {
            guard let b = ByteSize.parse(m), b >= 1 << 20 else { throw ValidationError("--memory: expected a size of at least 1m like 512m or 2g, got '\(m)'") }
            o.memoryBytes = b
        }
        if let p = c.pidsLimit {
            guard p > 0 else { throw ValidationError("--pids-limit: expected a positive number, got \(p)") }
            o.pids = p
        }
        if let cpus = c.cpus {
            guard cpus > 0, cpus.isFinite else { throw ValidationError("--cpus: expected a positive number like 1.5, got \(cpus)") }
            o.cpus = cpus
        }
        if let n = c.net {
            guard let mode = NetworkMode(rawValue: n) else {
                throw ValidationError("--net: expected none, filtered, audit or host, got '\(n)'")
            }
            o.network = mode
        }
        for d in c.allowDomain {
            if let problem = NetworkSyntax.domainRuleProblem(d) {
                throw ValidationError("--allow-domain '\(d)': \(problem)")
            }
        }
        o.allowDomains = c.allowDomain
        o.allowPresets = c.allowPreset
        if let u = c.dnsUpstream {
            guard NetworkSyntax.isUpstream(u) else {
                throw ValidationError("--dns-upstream: expected an IP address with an optional :PORT, got '\(u)'")
            }
            o.dnsUpstream = u
        }
        return o
    }

    static func bind(_ s: String, writable: Bool, flag: String) throws -> BindRequest {
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let src = parts[0]
        let dst = parts.count > 1 ? parts[1] : src
        guard src.hasPrefix("/"), dst.hasPrefix("/") else {
            throw ValidationError("\(flag): paths must be absolute, got '\(s)'")
        }
        return BindRequest(source: src, destination: dst, writable: writable)
    }

    static func absolutePath(_ s: String, flag: String) throws -> String {
        guard s.hasPrefix("/") else { throw ValidationError("\(flag): expected an absolute path, got '\(s)'") }
        return s
    }

    static func isVariableName(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == UInt8(ascii: "_") || (f | 0x20 >= UInt8(ascii: "a") && f | 0x20 <= UInt8(ascii: "z")) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }
    }
}

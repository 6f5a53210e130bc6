import Foundation
import StockadeAddress
import StockadeProfile
import StockadeTestSupport
import Testing
@testable import StockadeCore

/// One grammar for egress rules: every entry point — a profile (what `check`
/// and `--dry-run` load), an agent definition, the command line
/// (`--allow-domain`, `--dns-upstream`, as LaunchOptions and SpecBuilder
/// check them) and the runtime (what EgressRuntime parses from the spec) —
/// accepts and refuses exactly the same strings.
@Suite struct RuleGrammarAgreementTests {
    static let fs = FakeFileSystem(["/work/app/x": .file, "/usr/bin/sh": .file])
    static let host = HostContext(uid: 0, gid: 0, cwd: "/work/app", environment: [], users: FakeUsers())

    static func spec(_ profile: Profile, _ edit: (inout LaunchOverrides) -> Void) throws -> SandboxSpec {
        var o = LaunchOverrides()
        o.command = ["/usr/bin/sh"]
        edit(&o)
        return try SpecBuilder(fs: fs).build(profile: profile, overrides: o, host: host, id: "id1")
    }

    /// A YAML double-quoted scalar (generated strings hold no `"` or `\`).
    static func quoted(_ s: String) -> String { "\"" + s + "\"" }

    struct Verdicts: CustomStringConvertible {
        var all: [(String, Bool)] = []
        mutating func add(_ name: String, _ accepted: Bool) { all.append((name, accepted)) }
        var agree: Bool { Set(all.map(\.1)).count == 1 }
        var accepted: Bool { all.first?.1 ?? false }
        var description: String { all.map { "\($0.0)=\($0.1 ? "accept" : "refuse")" }.joined(separator: " ") }
    }

    /// Every entry point's verdict on `rule` as an allow rule.
    static func allowVerdicts(_ rule: String) -> Verdicts {
        var v = Verdicts()
        v.add("cli", NetworkSyntax.domainRuleProblem(rule) == nil)
        var fromCLI: SandboxSpec? = nil
        do { fromCLI = try spec(Profile(name: "p")) { $0.allowDomains = [rule] } } catch {}
        v.add("spec_builder", fromCLI != nil)
        var profile: Profile? = nil
        do {
            profile = try ProfileLoader.decode(yaml: "network:\n  allow:\n    - \(quoted(rule))\n", path: "p.yaml").profile
        } catch {
            if error.line != 3 { Issue.record("profile error for \(rule) is not at line 3: \(error)") }
        }
        v.add("profile", profile != nil)
        var agent = false
        do {
            _ = try AgentDefinition.decode(yaml: "command: [/bin/true]\nallow:\n  - \(quoted(rule))\n", file: "a.yaml", name: "a")
            agent = true
        } catch {
            if error.line != 3 { Issue.record("agent error for \(rule) is not at line 3: \(error)") }
        }
        v.add("agent", agent)
        v.add("runtime", (try? DomainAllowlist(parsing: [rule])) != nil)
        if let profile {
            // What the runtime receives from a profile that passed `check`.
            let fromProfile = try? spec(profile) { $0.network = .filtered }
            v.add("runtime_via_profile", fromProfile.map { (try? DomainAllowlist(parsing: $0.egress.allow)) != nil } ?? false)
        }
        if let fromCLI {
            v.add("runtime_via_cli", (try? DomainAllowlist(parsing: fromCLI.egress.allow)) != nil)
        }
        return v
    }

    /// Every entry point's verdict on `entry` as an `allow_ech` / `--allow-ech`
    /// entry (covered by the same string as an allow rule, which the ECH
    /// grammar implies is valid).
    static func echVerdicts(_ entry: String) -> Verdicts {
        var v = Verdicts()
        v.add("cli", NetworkSyntax.echEntryProblem(entry) == nil)
        var fromCLI: SandboxSpec? = nil
        do {
            fromCLI = try spec(Profile(name: "p")) {
                $0.allowDomains = NetworkSyntax.domainRuleProblem(entry) == nil ? [entry] : []
                $0.allowECH = [entry]
                $0.network = .filtered
            }
        } catch {}
        v.add("spec_builder", fromCLI != nil)
        var profile: Profile? = nil
        do {
            let yaml = "network:\n  allow_ech:\n    - \(quoted(entry))\n  allow:\n    - \(quoted(entry))\n"
            profile = try ProfileLoader.decode(yaml: yaml, path: "p.yaml").profile
        } catch {
            if error.line != 3 { Issue.record("profile error for allow_ech \(entry) is not at line 3: \(error)") }
        }
        v.add("profile", profile != nil)
        var agent: AgentDefinition? = nil
        do {
            agent = try AgentDefinition.decode(yaml: "command: [/bin/true]\nallow_ech:\n  - \(quoted(entry))\nallow:\n  - \(quoted(entry))\n", file: "a.yaml", name: "a")
        } catch {
            if error.line != 3 { Issue.record("agent error for allow_ech \(entry) is not at line 3: \(error)") }
        }
        v.add("agent", agent != nil)
        if let agent {
            // What `sandbox-run agent` plans from the definition (AgentCommand.overrides).
            let fromAgent = try? spec(Profile(name: "p")) {
                $0.allowDomains = agent.allowDomains
                $0.allowECH = agent.allowECH
                $0.network = .filtered
            }
            v.add("runtime_via_agent", fromAgent.map { (try? ECHAllowance.allowlist(parsing: $0.egress.allowECH)) != nil } ?? false)
        }
        v.add("runtime", (try? ECHAllowance.allowlist(parsing: [entry])) != nil)
        if let profile {
            let fromProfile = try? spec(profile) { $0.network = .filtered }
            v.add("runtime_via_profile", fromProfile.map { (try? ECHAllowance.allowlist(parsing: $0.egress.allowECH)) != nil } ?? false)
        }
        if let fromCLI {
            v.add("runtime_via_cli", (try? ECHAllowance.allowlist(parsing: fromCLI.egress.allowECH)) != nil)
        }
        return v
    }

    static func privateRangeVerdicts(_ range: String) -> Verdicts {
        var v = Verdicts()
        var profile: Profile? = nil
        do {
            profile = try ProfileLoader.decode(yaml: "network:\n  allow_private: [\(quoted(range))]\n", path: "p.yaml").profile
        } catch {
            if error.line != 2 { Issue.record("profile error for \(range) is not at line 2: \(error)") }
        }
        v.add("profile", profile != nil)
        v.add("runtime", (try? CIDR(range)) != nil)
        return v
    }

    static func upstreamVerdicts(_ upstream: String) -> Verdicts {
        var v = Verdicts()
        v.add("profile", (try? ProfileLoader.decode(yaml: "network:\n  dns_upstream: \(quoted(upstream))\n", path: "p.yaml")) != nil)
        v.add("cli", NetworkSyntax.isUpstream(upstream))
        v.add("spec_builder", (try? spec(Profile(name: "p")) { $0.dnsUpstream = upstream; $0.network = .filtered }) != nil)
        // EgressRuntime: DNSEndpoint(parsing:). Today the same parser as the
        // "cli" row (NetworkSyntax.isUpstream is DNSEndpoint(parsing:) != nil);
        // the row stays so the two cannot drift apart unnoticed.
        v.add("runtime", DNSEndpoint(parsing: upstream) != nil)
        return v
    }

    @Test func theIssuesExamplesAreDecidedOnceAndTheSameEverywhere() {
        for rule in ["a.b.example.org:80,8080", "example.com.", "*.example.com.:443", "api.github.com", "_acme.example.com"] {
            let v = Self.allowVerdicts(rule)
            #expect(v.agree && v.accepted, "\(rule): \(v)")
        }
        for rule in ["10.0.0.1", "10.0.0.1:443", "*.com", "exa mple.com", "example.com:", "example.com:0", "example..com", "*", "com", "localhost."] {
            let v = Self.allowVerdicts(rule)
            #expect(v.agree && !v.accepted, "\(rule): \(v)")
        }
        let hostBits = Self.privateRangeVerdicts("10.0.0.1/8")
        #expect(hostBits.agree && !hostBits.accepted, "\(hostBits)")
        do {
            _ = try ProfileLoader.decode(yaml: "name: p\nnetwork:\n  allow_private:\n    - 10.0.0.1/8\n", path: "p.yaml")
            Issue.record("10.0.0.1/8 accepted")
        } catch {
            #expect(error.description.contains("p.yaml:4"), "\(error)")
            #expect(error.description.contains("10.0.0.0/8"), "\(error)")
        }
        for range in ["10.0.0.0/8", "fd00::/8", "192.168.1.7"] {
            let v = Self.privateRangeVerdicts(range)
            #expect(v.agree && v.accepted, "\(range): \(v)")
        }
    }

    static let alphabet = Array("abcXYZ019-_.*:,/ é".unicodeScalars)

    static func randomRule(_ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            return String(String.UnicodeScalarView((0..<Int.random(in: 0..<24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        default:
            // Mostly well-formed, with one thing possibly wrong.
            let labels = (0..<Int.random(in: 1...4, using: &rng)).map { _ -> String in
                let n = [1, 3, 8, 63, 64].randomElement(using: &rng)!
                return String(String.UnicodeScalarView((0..<n).map { _ in Array("abz09-_A".unicodeScalars).randomElement(using: &rng)! }))
            }
            var text = labels.joined(separator: ".")
            if Bool.random(using: &rng) { text = "*." + text }
            if Int.random(in: 0..<4, using: &rng) == 0 { text += "." }
            if Int.random(in: 0..<6, using: &rng) == 0 { text = ["1", "10.0.0", "192.168.1"].randomElement(using: &rng)! + "." + text }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                let ports = (0..<Int.random(in: 0...3, using: &rng)).map { _ in ["0", "1", "22", "443", "65535", "65536", "x", ""].randomElement(using: &rng)! }
                text += ":" + ports.joined(separator: ",")
            }
            if Int.random(in: 0..<8, using: &rng) == 0, !text.isEmpty {
                var scalars = Array(text.unicodeScalars)
                scalars[Int.random(in: 0..<scalars.count, using: &rng)] = alphabet.randomElement(using: &rng)!
                text = String(String.UnicodeScalarView(scalars))
            }
            return text
        }
    }

    @Test func generatedRulesGetTheSameVerdictAtEveryEntryPoint() {
        var rng = SplitMix64(seed: 0x6AA_77A5)
        var accepted = 0, refused = 0, disagreements = 0
        for _ in 0..<1500 {
            let rule = Self.randomRule(&rng)
            let v = Self.allowVerdicts(rule)
            if !v.agree {
                disagreements += 1
                if disagreements <= 10 { Issue.record("\"\(rule)\": \(v)") }
            } else if v.accepted { accepted += 1 } else { refused += 1 }
        }
        print("rule-grammar: accepted=\(accepted) refused=\(refused) disagreements=\(disagreements)")
        #expect(accepted > 100 && refused > 100)
    }

    @Test func echEntriesGetTheSameVerdictAtEveryEntryPoint() {
        for entry in ["example.com", "Example.COM.", "*.cdn.example.org", "_x.example.com"] {
            let v = Self.echVerdicts(entry)
            #expect(v.agree && v.accepted, "\(entry): \(v)")
        }
        for entry in ["example.com:443", "*.example.com:443", "10.0.0.1", "*.com", "*", "com", "", "a..b.com"] {
            let v = Self.echVerdicts(entry)
            #expect(v.agree && !v.accepted, "\(entry): \(v)")
        }
        var rng = SplitMix64(seed: 0xEC4)
        var accepted = 0, refused = 0, disagreements = 0
        for _ in 0..<800 {
            let entry = Self.randomRule(&rng)
            let v = Self.echVerdicts(entry)
            if !v.agree {
                disagreements += 1
                if disagreements <= 10 { Issue.record("\"\(entry)\": \(v)") }
            } else if v.accepted { accepted += 1 } else { refused += 1 }
        }
        print("ech-grammar: accepted=\(accepted) refused=\(refused) disagreements=\(disagreements)")
        #expect(accepted > 50 && refused > 50)
    }

    @Test func generatedRangesAndUpstreamsGetTheSameVerdictEverywhere() {
        var rng = SplitMix64(seed: 0xC1D2)
        let pieces = ["10.0.0.0", "10.0.0.1", "192.168.1.0", "fd00::", "fd00::1", "::1", "[::1]", "1.2.3", "256.1.1.1", "::ffff:10.0.0.1", "x", ""]
        let tails = ["", "/8", "/24", "/32", "/33", "/128", "/-1", "/+8", "/", ":53", ":0", ":65536", ":5353", "]:53"]
        var disagreements = 0
        for _ in 0..<600 {
            let text = pieces.randomElement(using: &rng)! + tails.randomElement(using: &rng)!
            for v in [Self.privateRangeVerdicts(text), Self.upstreamVerdicts(text)] where !v.agree {
                disagreements += 1
                if disagreements <= 10 { Issue.record("\"\(text)\": \(v)") }
            }
        }
        #expect(disagreements == 0)
    }
}

/// `--dns-timeout` and `network.dns_timeout`: one parser, and the value
/// reaches the spec the runtime reads.
@Suite struct DNSTimeoutOptionTests {
    @Test func profileAndOverrideReachTheSpec() throws {
        let doc = try ProfileLoader.decode(yaml: "network:\n  dns_timeout: 0.5\n", path: "p.yaml")
        #expect(doc.profile.network.dnsTimeoutSeconds == 0.5)
        let fromProfile = try RuleGrammarAgreementTests.spec(doc.profile) { $0.network = .filtered }
        #expect(fromProfile.egress.dnsTimeoutSeconds == 0.5)
        let overridden = try RuleGrammarAgreementTests.spec(doc.profile) { $0.network = .filtered; $0.dnsTimeoutSeconds = 3 }
        #expect(overridden.egress.dnsTimeoutSeconds == 3)
        let unset = try RuleGrammarAgreementTests.spec(Profile(name: "p")) { $0.network = .filtered }
        #expect(unset.egress.dnsTimeoutSeconds == nil)
    }

    @Test func badValuesAreRefusedWithTheirLine() {
        for text in ["0", "-1", "31", "abc", "1e3", "inf", "nan", ""] {
            #expect(NetworkSyntax.parseDNSTimeout(text) == nil, "\(text)")
            do {
                _ = try ProfileLoader.decode(yaml: "network:\n  dns_timeout: \"\(text)\"\n", path: "p.yaml")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.line == 2, "\(error)")
            }
        }
        #expect(NetworkSyntax.parseDNSTimeout("2") == 2 && NetworkSyntax.parseDNSTimeout("0.1") == 0.1)
    }
}

/// `allow_ech` / `--allow-ech` entries must be covered by an allow rule:
/// refused otherwise, at file:line in profiles, naming the flag on the
/// command line.
@Suite struct ECHCoverageTests {
    static func directory(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "stockade-ech-\(UUID().uuidString)"
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
        return dir
    }

    @Test func aProfileEntryNoRuleCoversIsRefusedAtItsLine() throws {
        let dir = try Self.directory([
            "p.yaml": "network:\n  allow: [api.example, \"*.cdn.example\"]\n  allow_ech:\n    - api.example\n    - \"*.x.example\"\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try ProfileLoader(searchPaths: []).load(dir + "/p.yaml")
            Issue.record("*.x.example accepted without a covering wildcard")
        } catch {
            #expect(error.line == 5 && error.field == "network.allow_ech[1]", "\(error)")
            #expect(error.description.contains("p.yaml:5"), "\(error)")
        }
    }

    @Test func rulesFromExtendsAndPresetsCover() throws {
        let dir = try Self.directory([
            "base.yaml": "network:\n  allow: [\"*.cdn.example\"]\n",
            "presets/reg.yaml": "network:\n  allow: [registry.example]\n",
            "child.yaml": "extends: base\nnetwork:\n  presets: [reg]\n  allow_ech: [\"*.eu.cdn.example\", registry.example]\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let profile = try ProfileLoader(searchPaths: [dir]).load(dir + "/child.yaml")
        #expect(profile.network.allowECH == ["*.eu.cdn.example", "registry.example"])
    }

    @Test func theCommandLineEntryMustBeCoveredByTheFinalRules() throws {
        let ok = try RuleGrammarAgreementTests.spec(Profile(name: "p")) {
            $0.allowDomains = ["api.example"]
            $0.allowECH = ["api.example", "API.example."]
        }
        #expect(ok.egress.allowECH == ["api.example", "API.example."])
        do {
            _ = try RuleGrammarAgreementTests.spec(Profile(name: "p")) {
                $0.allowDomains = ["api.example"]
                $0.allowECH = ["other.example"]
            }
            Issue.record("uncovered --allow-ech accepted")
        } catch {
            let plan = error as? PlanError
            #expect(plan?.code == .echNotAllowed && plan?.subject == "--allow-ech other.example", "\(error)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import StockadeAddress

/// Syntax checks for the `network:` section and the matching options.
///
/// Every check here calls the parser the runtime uses (DomainRule,
/// DNSEndpoint, CIDR in StockadeAddress): profiles, `check`, `--dry-run`, the
/// command line and the egress runtime accept and refuse the same strings.
/// The only difference is where the error is reported (file:line here).
public enum NetworkSyntax {
    /// nil when `text` is a valid allow rule (`DomainRule(parsing:)`): `name`
    /// or `*.suffix`, an optional trailing dot, then optionally `:PORT` or
    /// `:PORT,PORT…` (1–65535). Otherwise what was expected.
    public static func domainRuleProblem(_ text: String) -> String? {
        do {
            _ = try DomainRule(parsing: text)
            return nil
        } catch {
            return error.message
        }
    }

    /// nil when `text` is a valid `allow_ech` / `--allow-ech` entry
    /// (`ECHAllowance.parse`): a name or `*.suffix`, no ports.
    public static func echEntryProblem(_ text: String) -> String? {
        do {
            _ = try ECHAllowance.parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    /// Seconds the DNS proxy waits for its upstreams before answering
    /// SERVFAIL (`--dns-timeout`, `network.dns_timeout`): a number from 0.1
    /// to 30 (`2`, `0.5`); nil otherwise.
    public static func parseDNSTimeout(_ text: String) -> Double? {
        guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }),
              let value = Double(text), value.isFinite, value >= 0.1, value <= 30 else { return nil }
        return value
    }

    public static func isPresetName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { isLDH($0) }
    }

    /// `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:53` (`DNSEndpoint(parsing:)`).
    public static func isUpstream(_ text: String) -> Bool {
        DNSEndpoint(parsing: text) != nil
    }

    /// `10.0.0.0/8`, `fd00::/8`, or a bare address (one host), with no bits
    /// set past the prefix (`CIDR(_:)`, which the runtime uses).
    public static func isCIDR(_ text: String) -> Bool {
        (try? CIDR(text)) != nil
    }

    /// nil when `text` is a valid `allow_private` range, else what was expected.
    public static func cidrProblem(_ text: String) -> String? {
        do {
            _ = try CIDR(text)
            return nil
        } catch {
            switch error {
            case .badAddress: return "expected an address range like 10.1.0.0/16 or fd00::/8"
            case .badPrefixLength: return "expected a prefix length of 0-32 (IPv4) or 0-128 (IPv6) after '/'"
            case .hostBitsSet(let t): return "expected no address bits set past the prefix (did you mean \(Self.networkOf(t))?)"
            }
        }
    }

    private static func networkOf(_ text: String) -> String {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let n = Int(parts[1]),
              let network = CIDR(clearingHostBitsOf: address, prefixLength: n) else { return "a network address" }
        return network.description
    }

    public static func isIPv4(_ s: String) -> Bool {
        IPv4Address(s) != nil
    }

    public static func isIPv6(_ s: String) -> Bool {
        IPv6Address(s) != nil
    }

    static func isLDH(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }
}

/// Ecosystem allowlists shipped as `presets/<name>.yaml` next to the
/// profiles: each is a profile file with only a `network: {allow: [...]}`.
public struct PresetLoader: Sendable {
    public var searchPaths: [String]

    public init(searchPaths: [String]) {
        self.searchPaths = searchPaths
    }

    /// The allow rules of preset `name`, and the file they came from.
    public func load(_ name: String) throws(ProfileError) -> (rules: [String], source: ProfileSource) {
        guard NetworkSyntax.isPresetName(name) else {
            throw ProfileError(code: .invalidValue, file: "", field: "network.presets", message: "expected a preset name like python or node, got \"\(name)\"")
        }
        var looked: [String] = []
        for dir in searchPaths {
            let path = dir + "/presets/" + name + ".yaml"
            looked.append(path)
            if access(path, R_OK) == 0 {
                let profile = try ProfileLoader(searchPaths: []).load(path)
                return (profile.network.allow, profile.sources.last ?? ProfileSource(path: path, sha256: ""))
            }
        }
        throw ProfileError(code: .notFound, file: "", field: "network.presets", message: "no preset named \"\(name)\"; looked in \(looked.joined(separator: ", "))")
    }
}

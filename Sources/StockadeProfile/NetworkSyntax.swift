#if canImport(Glibc)
import Glibc
#endif

/// Syntax checks for the `network:` section. The matching semantics live in
/// StockadeNet; here we only refuse what can never be a valid rule, so the
/// error can name the file and line.
public enum NetworkSyntax {
    /// nil when `text` is a valid allow rule: `name`, `*.suffix`, each with an
    /// optional `:port` (1–65535). Names are LDH labels (underscores allowed,
    /// as in `_acme-challenge`), at most 253 characters, at least two labels.
    public static func domainRuleProblem(_ text: String) -> String? {
        var name = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard let p = Int(port), p >= 1, p <= 65535 else { return "expected a port between 1 and 65535 after ':'" }
            name = text[..<colon]
        }
        if name.hasPrefix("*.") { name = name.dropFirst(2) }
        guard !name.isEmpty, name.utf8.count <= 253 else { return "expected a domain name of 1 to 253 characters" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "expected a domain with at least two labels (a bare `*` or TLD would allow too much)" }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else { return "expected labels of 1 to 63 characters" }
            guard label.utf8.allSatisfy({ isLDH($0) }) else { return "expected letters, digits, '-' and '_' in names ('*' only as a leading `*.`)" }
            guard label.first != "-", label.last != "-" else { return "labels may not start or end with '-'" }
        }
        return nil
    }

    public static func isPresetName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { isLDH($0) }
    }

    /// `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:53`.
    public static func isUpstream(_ text: String) -> Bool {
        parseUpstream(text) != nil
    }

    /// Address and port of an upstream; port 53 when absent.
    public static func parseUpstream(_ text: String) -> (address: String, port: UInt16)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let addr = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard isIPv6(addr) else { return nil }
            if rest.isEmpty { return (addr, 53) }
            guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()), p > 0 else { return nil }
            return (addr, p)
        }
        if isIPv6(text) { return (text, 53) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, isIPv4(String(parts[0])) else { return nil }
        if parts.count == 1 { return (text, 53) }
        guard let p = UInt16(parts[1]), p > 0 else { return nil }
        return (String(parts[0]), p)
    }

    public static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]) else { return false }
        let addr = String(parts[0])
        if isIPv4(addr) { return bits >= 0 && bits <= 32 }
        if isIPv6(addr) { return bits >= 0 && bits <= 128 }
        return false
    }

    public static func isIPv4(_ s: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, s, &a) == 1
    }

    public static func isIPv6(_ s: String) -> Bool {
        var a = in6_addr()
        return inet_pton(AF_INET6, s, &a) == 1
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

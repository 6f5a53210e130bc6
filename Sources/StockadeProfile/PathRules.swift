/// Path and name checks shared by the decoder sections.
public enum PathRules {
    /// Why `path` is not acceptable as an absolute host path, or the
    /// normalized spelling (`//` collapsed, `.` and trailing `/` removed).
    enum Result {
        case ok(String)
        case relative
        case invalid(String)
    }

    static func absolute(_ path: String) -> Result {
        guard path.hasPrefix("/") else { return .relative }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.contains("..") {
            return .invalid("\"..\" is not allowed in paths; write the path it leads to")
        }
        return .ok("/" + parts.joined(separator: "/"))
    }

    /// A workspace glob: relative, no `..` component, not empty.
    public static func maskGlobProblem(_ glob: String) -> String? {
        if glob.isEmpty { return "expected a glob, got an empty string" }
        if glob.hasPrefix("/") { return "mask globs are relative to the workspace; remove the leading \"/\"" }
        if glob.split(separator: "/").contains("..") { return "\"..\" is not allowed: masks stay inside the workspace" }
        return nil
    }

    /// Environment variable name, optionally a trailing `*` prefix pattern.
    static func isEnvPattern(_ name: String, allowStar: Bool) -> Bool {
        var body = Substring(name)
        if allowStar, body.hasSuffix("*") { body = body.dropLast() }
        guard let first = body.unicodeScalars.first else { return false }
        guard first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return body.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// A uid/gid number or a POSIX-ish user/group name.
    static func isUserOrGroup(_ text: String) -> Bool {
        if let n = UInt32(text) { return n != UInt32.max }
        guard let first = text.unicodeScalars.first, text.utf8.count <= 32 else { return false }
        guard first == "_" || ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }

    /// RFC 1123 host name: letters, digits, `-`, `.`; at most 64 bytes.
    static func isHostname(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64, !text.hasPrefix("-"), !text.hasPrefix(".") else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".")
        }
    }

    /// Profile names: what may appear in `<dir>/<name>.yaml`.
    static func isProfileName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 128, !text.hasPrefix(".") else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == ".")
        }
    }
}

/// The short identifier that names a sandbox's nft table.
///
/// 1…11 characters of `[a-z0-9]`: the names never need quoting.
public struct SandboxNetID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is 1…11 characters of lowercase ASCII letters and digits.
    public init?(_ rawValue: String) {
        guard (1...11).contains(rawValue.utf8.count),
              rawValue.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The nftables table in the sandbox's namespace: `stockade_<id>` (family inet).
    public var tableName: String { "stockade_\(rawValue)" }

    public var description: String { rawValue }
}

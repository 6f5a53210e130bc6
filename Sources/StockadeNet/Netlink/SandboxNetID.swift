/// The short identifier that names a sandbox's kernel objects.
///
/// Interface names are limited to 15 bytes (IFNAMSIZ − 1), and the veth names are
/// `stk<id>h` / `stk<id>s`, so the id is 1…11 characters of `[a-z0-9]`. Keeping the
/// alphabet tight means the names never need quoting and `gc` can find leftovers by
/// prefix.
public struct SandboxNetID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is 1…11 characters of lowercase ASCII letters and digits.
    public init?(_ rawValue: String) {
        guard (1...11).contains(rawValue.utf8.count),
              rawValue.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The nftables table: `stockade_<id>` (family inet).
    public var tableName: String { "stockade_\(rawValue)" }
    /// The veth end that stays in the host namespace.
    public var hostInterface: String { "stk\(rawValue)h" }
    /// The veth end moved into the sandbox's namespace.
    public var sandboxInterface: String { "stk\(rawValue)s" }

    public var description: String { rawValue }
}

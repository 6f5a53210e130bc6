import StockadeSeccomp
// TEMPORARY stub so core compiles before the profile module lands. Deleted on merge.
public struct ProfileError: Error, CustomStringConvertible { public var code = "stub"; public var description: String { "stub" } }
public struct ProfileLoader {
    public init(searchPaths: [String]) {}
    public func load(_ reference: String) throws(ProfileError) -> Profile {
        var p = Profile(name: reference)
        p.filesystem.readOnly = ["/usr", "/bin", "/lib", "/lib64", "/etc", "/sbin"]
        p.filesystem.tmpfs = ["/tmp"]
        p.filesystem.hide = ["/etc/shadow"]
        p.filesystem.mask = [".env*"]
        p.seccomp.policy = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(name: "mount", action: .deny(errno: 1)), SeccompRule(name: "keyctl", action: .deny(errno: 1))])
        return p
    }
}
public enum ByteSize { public static func parse(_ s: String) -> UInt64? { UInt64(s) } }
public enum DurationParser { public static func parse(_ s: String) -> Double? { Double(s) } }
public enum ProfileRenderer { public static func json(_ p: Profile) -> String { p.name } }

import StockadeSeccomp

/// One profile file decoded on its own, before `extends:` is resolved.
public struct ProfileDocument: Equatable, Sendable {
    /// The file as it was named when loading (used in error messages).
    public var path: String
    /// `name:` exactly as written, if present.
    public var declaredName: String?
    /// `extends:` references in file order.
    public var extends: [ProfileReference]
    /// This file's settings alone. `seccomp.policy` is this file's seccomp
    /// section applied to nothing (default action deny/EPERM when unsaid).
    public var profile: Profile
    /// This file's `seccomp:` section as written, for merging onto a parent.
    public var seccomp: SeccompFragment?
    /// `network.allow_ech` entries and where they were written: the loader
    /// checks each is covered by an allow rule once `extends:` is merged.
    public var echEntries: [ProfileReference] = []

    public init(path: String, declaredName: String?, extends: [ProfileReference], profile: Profile, seccomp: SeccompFragment?) {
        self.path = path
        self.declaredName = declaredName
        self.extends = extends
        self.profile = profile
        self.seccomp = seccomp
    }
}

/// An `extends:` entry and where it was written.
public struct ProfileReference: Equatable, Sendable {
    public var reference: String
    public var line: Int
    public var column: Int
    /// `extends` or `extends[1]`.
    public var field: String

    public init(reference: String, line: Int, column: Int, field: String) {
        self.reference = reference
        self.line = line
        self.column = column
        self.field = field
    }
}

/// A file's `seccomp:` section before merging onto its parent's policy.
public struct SeccompFragment: Equatable, Sendable {
    /// `default:`; `nil` keeps the parent's (or deny/EPERM at the base).
    public var defaultAction: SeccompAction?
    /// `allow:` then `deny:` rules, in file order.
    public var rules: [SeccompRule]
    /// `socket_families:` as AF numbers.
    public var socketFamilies: [Int32]?
    /// `oci:` imported; replaces the whole inherited policy.
    public var oci: OCISeccompImport?

    public init(defaultAction: SeccompAction? = nil, rules: [SeccompRule] = [], socketFamilies: [Int32]? = nil, oci: OCISeccompImport? = nil) {
        self.defaultAction = defaultAction
        self.rules = rules
        self.socketFamilies = socketFamilies
        self.oci = oci
    }

    /// Applies this fragment on top of `base` (the parent chain's policy).
    ///
    /// A syscall named here drops every inherited rule for the same name, so a
    /// child can turn a parent's allow into a deny (libseccomp refuses two
    /// different actions for one syscall).
    public func applied(to base: SeccompPolicy?) -> SeccompPolicy {
        var policy: SeccompPolicy
        if let oci {
            policy = oci.policy
        } else {
            policy = base ?? SeccompPolicy()
            let named = Set(rules.map(\.name))
            policy.rules.removeAll { named.contains($0.name) }
            policy.rules.append(contentsOf: rules)
        }
        if let defaultAction {
            policy.defaultAction = defaultAction
        }
        if let socketFamilies {
            let inherited = oci == nil ? (base?.socketFamilies ?? []) : []
            policy.socketFamilies = inherited + socketFamilies.filter { !inherited.contains($0) }
        }
        return policy
    }
}

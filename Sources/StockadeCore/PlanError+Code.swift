import StockadeProfile

extension PlanError {
    /// Stable snake_case codes of the `sandbox.error` event (step `plan`);
    /// docs/events.md ("Error codes") lists the raw values.
    public enum Code: String, Equatable, Sendable, CaseIterable, Codable {
        case noCommand = "no_command"
        case conflictingOptions = "conflicting_options"
        case relativePath = "relative_path"
        case workspaceMissing = "workspace_missing"
        case workspaceNotDirectory = "workspace_not_directory"
        case workspaceForbidden = "workspace_forbidden"
        case bindSourceMissing = "bind_source_missing"
        case bindDevice = "bind_device"
        case untrustedSymlink = "untrusted_symlink"
        case pathUnresolvable = "path_unresolvable"
        case hideSymlink = "hide_symlink"
        case maskScanLimit = "mask_scan_limit"
        case unknownUser = "unknown_user"
        case unknownGroup = "unknown_group"
        case userNotPermitted = "user_not_permitted"
        case groupNotPermitted = "group_not_permitted"
        case rootWorkload = "root_workload"
        case unknownRlimit = "unknown_rlimit"
        case invalidRlimit = "invalid_rlimit"
        case invalidDomain = "invalid_domain"
        case invalidDNSUpstream = "invalid_dns_upstream"
        case echNotAllowed = "ech_not_allowed"
        case presetUnavailable = "preset_unavailable"
        case seccompCompile = "seccomp_compile"

        // A network preset that did not load carries the profile's own code.
        case syntax = "syntax"
        case unknownKey = "unknown_key"
        case duplicateKey = "duplicate_key"
        case wrongType = "wrong_type"
        case invalidValue = "invalid_value"
        case unknownSyscall = "unknown_syscall"
        case unknownSocketFamily = "unknown_socket_family"
        case unknownErrno = "unknown_errno"
        case conflictingKeys = "conflicting_keys"
        case notFound = "not_found"
        case extendsCycle = "extends_cycle"
        case unreadable = "unreadable"
        case unsupported = "unsupported"

        /// A preset's ProfileError, under the same raw value.
        init(_ profile: ProfileError.Code) {
            switch profile {
            case .syntax: self = .syntax
            case .unknownKey: self = .unknownKey
            case .duplicateKey: self = .duplicateKey
            case .wrongType: self = .wrongType
            case .invalidValue: self = .invalidValue
            case .relativePath: self = .relativePath
            case .unknownSyscall: self = .unknownSyscall
            case .unknownRlimit: self = .unknownRlimit
            case .unknownSocketFamily: self = .unknownSocketFamily
            case .unknownErrno: self = .unknownErrno
            case .conflictingKeys: self = .conflictingKeys
            case .notFound: self = .notFound
            case .extendsCycle: self = .extendsCycle
            case .unreadable: self = .unreadable
            case .unsupported: self = .unsupported
            }
        }
    }
}

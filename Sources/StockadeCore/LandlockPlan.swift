/// One Landlock rule: everything beneath `path` (inside the sandbox's view)
/// gets `access`.
public struct LandlockRule: Equatable, Sendable {
    public var path: String
    public var access: LandlockAccess
    /// False for a file (a bound file or device node): such a rule may only
    /// carry `LandlockAccess.fileRights`.
    public var isDirectory: Bool

    public init(path: String, access: LandlockAccess, isDirectory: Bool) {
        self.path = path
        self.access = access
        self.isDirectory = isDirectory
    }
}

/// The Landlock ruleset a plan asks for, whatever the kernel offers: derived
/// from the same mount steps that build the view, so any mount another part
/// of the planner adds is covered by its kind (read-only → read/execute,
/// writable → read/write). Landlock only ever adds rights downwards: a
/// read-only mount or a cover nested under a writable one (a read-only
/// `.git` inside the workspace) is read-only by its mount flag alone, not by
/// this layer (docs/threat-model.md, "Limits of this layer").
public struct LandlockPlan: Equatable, Sendable {
    public var rules: [LandlockRule]
    public var scopes: LandlockScope
    /// `--require-landlock` / `filesystem.require_landlock`: anything less
    /// than the whole ruleset is a setup failure (exit 125).
    public var required: Bool

    /// The first ABI that enforces everything a plan asks for (scoping).
    public static let completeABI = 6

    public init(rules: [LandlockRule] = [], scopes: LandlockScope = [.abstractUnixSocket, .signal], required: Bool = false) {
        self.rules = rules
        self.scopes = scopes
        self.required = required
    }

    /// Rules for the mount steps, in order. A later mount at the same path
    /// lies on top of an earlier one, so its rule replaces the earlier rule;
    /// a remount read-only narrows the rule of its path. Symlinks and covers
    /// get none: Landlock checks where a symlink leads, and a cover is
    /// governed by the rule of the mount it lies in.
    public static func derive(from mounts: [MountStep], required: Bool) -> LandlockPlan {
        var rules: [LandlockRule] = []
        func set(_ path: String, _ access: LandlockAccess, dir: Bool) {
            if let i = rules.firstIndex(where: { $0.path == path }) {
                rules[i] = LandlockRule(path: path, access: access, isDirectory: dir)
            } else {
                rules.append(LandlockRule(path: path, access: access, isDirectory: dir))
            }
        }
        // The root directory may be listed (`ls /`, shells, `find /` are
        // everyday tools); that right also reaches every directory below,
        // so names in the view are visible, but no file in a directory
        // without its own rule can be read, written or run.
        set("/", [.readDir], dir: true)
        for step in mounts {
            switch step {
            case .bind(_, let dst, let readOnly, let isFile, let device):
                if device {
                    // Device nodes (/dev/null, /dev/tty…): open, read, write,
                    // O_TRUNC from shell redirections, terminal ioctls.
                    var a: LandlockAccess = [.readFile, .ioctlDev]
                    if !readOnly { a.formUnion([.writeFile, .truncate]) }
                    set(dst, a, dir: !isFile)
                } else if isFile {
                    set(dst, readOnly ? [.readFile, .execute] : [.readFile, .execute, .writeFile, .truncate], dir: false)
                } else {
                    set(dst, readOnly ? .readExecute : .readWrite, dir: true)
                }
            case .tmpfs(let dst, _, let readOnly):
                set(dst, readOnly ? .readExecute : .readWrite, dir: true)
            case .proc(let dst):
                // noexec; writable files such as /proc/self/oom_score_adj
                // stay subject to their own permissions.
                set(dst, [.readFile, .readDir, .writeFile, .truncate], dir: true)
            case .devpts(let dst):
                set(dst, [.readFile, .readDir, .writeFile, .truncate, .ioctlDev], dir: true)
            case .sysfs(let dst), .cgroupView(let dst):
                // Mounted read-only (filesystem.c); nothing there is run.
                set(dst, [.readFile, .readDir], dir: true)
            case .symlink, .hide:
                continue
            case .remountReadOnly(let path):
                if let i = rules.firstIndex(where: { $0.path == path }) {
                    rules[i].access.formIntersection(LandlockAccess.readExecute.union(.ioctlDev))
                }
            }
        }
        return LandlockPlan(rules: rules, required: required)
    }

    /// What a kernel with Landlock ABI `abi` will enforce of this plan.
    public func enforcement(abi: Int) -> LandlockEnforcement {
        let handled = LandlockAccess.handled(abi: abi)
        let scopes = self.scopes.intersection(LandlockScope.handled(abi: abi))
        var masked: [LandlockRule] = []
        if abi >= 1 {
            for r in rules {
                var a = r.access.intersection(handled)
                if !r.isDirectory { a.formIntersection(LandlockAccess.fileRights) }
                masked.append(LandlockRule(path: r.path, access: a, isDirectory: r.isDirectory))
            }
        }
        let wanted = LandlockAccess.handled(abi: Self.completeABI)
        return LandlockEnforcement(
            abi: max(0, abi), handled: handled, scopes: scopes, rules: masked,
            missing: wanted.subtracting(handled), missingScopes: self.scopes.subtracting(scopes), required: required)
    }
}

/// The part of a `LandlockPlan` the running kernel enforces: what the C
/// child installs and what `sandbox.start` reports.
public struct LandlockEnforcement: Equatable, Sendable {
    /// The ABI used; 0: no Landlock at all.
    public var abi: Int
    /// Rights the ruleset handles: denied unless a rule grants them.
    public var handled: LandlockAccess
    public var scopes: LandlockScope
    /// The plan's rules, masked to `handled` (and file rights for files).
    public var rules: [LandlockRule]
    /// Rights the plan would handle on a complete kernel but this one cannot.
    public var missing: LandlockAccess
    public var missingScopes: LandlockScope
    public var required: Bool

    public static let none = LandlockEnforcement(abi: 0, handled: [], scopes: [], rules: [], missing: [], missingScopes: [], required: false)

    /// Everything the plan asks for is enforced.
    public var complete: Bool { abi >= 1 && missing.isEmpty && missingScopes.isEmpty }

    /// Why it is not complete, for a warning or (when required) an error;
    /// nil when complete.
    public var shortfall: (code: SetupError.Code, message: String)? {
        if complete { return nil }
        if abi == 0 {
            return (.landlockUnavailable, "Landlock is not available on this kernel: the filesystem view rests on the mount namespace alone, and abstract unix sockets and signals are not scoped")
        }
        var lacking = missing.names
        lacking += missingScopes.names.map { "scope " + $0 }
        return (.landlockPartial, "Landlock ABI \(abi) enforces only part of the ruleset; not enforced: \(lacking.joined(separator: ", "))")
    }
}

import Glibc

/// What one planned clause does. `deny` is the supervisor's business
/// (notified, or a direct errno in ``SeccompHardening/DenyMode/errno``);
/// `errno` is answered by the filter itself and never notified.
enum PlannedAction: Equatable, Sendable {
    case allow
    case deny
    case errno(Int32)
    case kill
}

/// One libseccomp rule: a syscall, an action, and a conjunction of tests.
struct PlannedClause: Equatable, Sendable {
    var action: PlannedAction
    var conditions: [SeccompArgCondition]
}

/// All clauses of one native syscall.
struct SyscallClauses: Equatable, Sendable {
    var nr: Int32
    var name: String
    var clauses: [PlannedClause]
}

/// Everything the compiler decided before talking to libseccomp: a pure
/// function of the policy and the hardening, so it is tested without a
/// kernel and printable.
struct SeccompPlan: Equatable, Sendable {
    var defaultAction: PlannedAction
    var defaultErrno: Int32
    /// Clauses by native syscall number, in first-mention order.
    var syscalls: [SyscallClauses]
    var errnoBySyscall: [Int32: Int32]
    var droppedAllowRules: [String]
    var nonNativeSyscalls: [String]

    /// The errno a notified (or, in errno mode, directly denied) call of
    /// `nr` gets.
    func errno(forSyscall nr: Int32) -> Int32 {
        errnoBySyscall[nr] ?? defaultErrno
    }

    /// Whether `seccomp(2)` is allowed whatever its arguments: only then may
    /// its installs be routed to the supervisor to be reported and
    /// continued (see ``StackedFilterReport``).
    var allowsEverySeccompCall: Bool {
        guard let entry = syscalls.first(where: { $0.nr == StackedFilterReport.seccompNr }) else {
            return defaultAction == .allow
        }
        return entry.clauses == [PlannedClause(action: .allow, conditions: [])]
    }
}

extension SeccompPlan {
    /// Reads the policy, then applies ``SeccompHardening``.
    ///
    /// Policy rules for one syscall are combined as libseccomp would: an
    /// unconditional rule makes every other rule for that syscall irrelevant
    /// (the first unconditional rule wins); otherwise all conditional rules
    /// stay. The errno of a syscall is that of its first `deny` rule.
    static func make(_ policy: SeccompPolicy, hardening: SeccompHardening) throws(SeccompError) -> SeccompPlan {
        var plan = SeccompPlan(
            defaultAction: PlannedAction(policy.defaultAction),
            defaultErrno: policy.defaultAction.denyErrno ?? EPERM,
            syscalls: [], errnoBySyscall: [:], droppedAllowRules: [], nonNativeSyscalls: [])

        var order: [Int32] = []
        var names: [Int32: String] = [:]
        var bySyscall: [Int32: [PlannedClause]] = [:]
        func nr(of name: String) throws(SeccompError) -> Int32? {
            if let nr = SyscallTable.number(of: name) {
                if names[nr] == nil { order.append(nr); names[nr] = name }
                return nr
            }
            guard SyscallTable.isKnown(name) else {
                throw SeccompError(step: .resolve, syscall: name, errno: ENOENT, message: "unknown syscall name")
            }
            return nil
        }

        for rule in policy.rules {
            guard let nr = try nr(of: rule.name) else {
                if !plan.nonNativeSyscalls.contains(rule.name) { plan.nonNativeSyscalls.append(rule.name) }
                continue
            }
            if case .deny(let errno) = rule.action, plan.errnoBySyscall[nr] == nil {
                plan.errnoBySyscall[nr] = errno
            }
            let clause = PlannedClause(action: PlannedAction(rule.action), conditions: rule.conditions)
            let existing = bySyscall[nr, default: []]
            if existing.contains(where: \.conditions.isEmpty) { continue }
            bySyscall[nr] = clause.conditions.isEmpty ? [clause] : existing + [clause]
        }

        try plan.harden(&bySyscall, nr: nr, policy: policy, hardening: hardening)

        plan.syscalls = order.compactMap { nr in
            guard let clauses = bySyscall[nr], !clauses.isEmpty, let name = names[nr] else { return nil }
            return SyscallClauses(nr: nr, name: name, clauses: clauses)
        }
        return plan
    }

    private mutating func harden(
        _ bySyscall: inout [Int32: [PlannedClause]],
        nr resolve: (String) throws(SeccompError) -> Int32?,
        policy: SeccompPolicy,
        hardening: SeccompHardening
    ) throws(SeccompError) {
        func nr(_ name: String) throws(SeccompError) -> Int32 {
            guard let nr = try resolve(name) else {
                throw SeccompError(step: .resolve, syscall: name, errno: ENOENT, message: "hardening syscall is not native x86_64")
            }
            return nr
        }

        for name in SeccompHardening.runtimeBaseSet {
            let nr = try nr(name)
            bySyscall[nr] = [PlannedClause(action: .allow, conditions: [])]
            errnoBySyscall[nr] = nil
        }

        for name in SeccompHardening.alwaysDenied {
            let nr = try nr(name)
            let clauses = bySyscall[nr, default: []]
            if clauses.contains(where: { $0.action == .allow }) { droppedAllowRules.append(name) }
            if clauses.contains(where: { $0.action == .kill && $0.conditions.isEmpty }) { continue }
            bySyscall[nr] = [PlannedClause(action: .deny, conditions: [])]
            if errnoBySyscall[nr] == nil { errnoBySyscall[nr] = name.hasPrefix("io_uring") ? ENOSYS : EPERM }
        }

        let clone3 = try nr("clone3")
        if bySyscall[clone3, default: []].contains(where: { $0.action == .allow }) { droppedAllowRules.append("clone3") }
        bySyscall[clone3] = [PlannedClause(action: .errno(ENOSYS), conditions: [])]
        errnoBySyscall[clone3] = nil

        let namespaceFree = [ArgCube(index: 0, mask: SeccompHardening.namespaceFlags, value: 0)]
        let namespaceBits = (0..<64).map { UInt64(1) << UInt64($0) }
            .filter { SeccompHardening.namespaceFlags & $0 != 0 }
            .map { ArgCube(index: 0, mask: $0, value: $0) }
        for name in ["clone", "unshare"] {
            try restrict(&bySyscall, nr: nr(name), name: name, allowed: namespaceFree, denied: namespaceBits,
                         errno: EPERM, hardening: hardening)
        }

        try restrict(&bySyscall, nr: nr("ioctl"), name: "ioctl",
                     allowed: ArgCube.lowWordComplement(index: 1, excluding: SeccompHardening.deniedIoctls),
                     denied: ArgCube.lowWordEquals(index: 1, SeccompHardening.deniedIoctls),
                     errno: EPERM, hardening: hardening)

        for (name, index) in MknodFilter.modeArgument.sorted(by: { $0.key < $1.key }) {
            try restrict(&bySyscall, nr: nr(name), name: name,
                         allowed: MknodFilter.allowed(index: index), denied: MknodFilter.denied(index: index),
                         errno: EPERM, hardening: hardening)
        }

        if let families = policy.socketFamilies {
            let values = families.map { UInt64(UInt32(bitPattern: $0)) }
            try restrict(&bySyscall, nr: nr("socket"), name: "socket",
                         allowed: ArgCube.lowWordEquals(index: 0, values),
                         denied: ArgCube.lowWordComplement(index: 0, excluding: values),
                         errno: EAFNOSUPPORT, hardening: hardening)
            if families.contains(SeccompHardening.netlinkFamily) {
                try restrictNetlink(&bySyscall, nr: nr("socket"), hardening: hardening)
            }
        }
    }

    /// `socket(AF_NETLINK, *, proto)` only for ``SeccompHardening/netlinkProtocols``:
    /// the allow clauses the family restriction pinned to `AF_NETLINK` also
    /// pin the protocol (argument 2, an `int`). Other protocols fall to the
    /// default (denied and notified) or, when that would not deny them, to
    /// explicit deny clauses.
    private mutating func restrictNetlink(
        _ bySyscall: inout [Int32: [PlannedClause]], nr: Int32, hardening: SeccompHardening
    ) throws(SeccompError) {
        guard let clauses = bySyscall[nr], !clauses.isEmpty else { return }
        let family = UInt64(UInt32(bitPattern: SeccompHardening.netlinkFamily))
        let protocols = SeccompHardening.netlinkProtocols.map { UInt64(UInt32(bitPattern: $0)) }
        func pinnedToNetlink(_ c: PlannedClause) -> Bool {
            c.conditions.contains { $0.index == 0 && $0.op == .maskedEqual && $0.value & 0xFFFF_FFFF == 0xFFFF_FFFF && $0.valueTwo & 0xFFFF_FFFF == family }
        }
        var result: [PlannedClause] = []
        for clause in clauses {
            guard clause.action == .allow, pinnedToNetlink(clause) else {
                result.append(clause)
                continue
            }
            for cube in ArgCube.lowWordEquals(index: 2, protocols) {
                switch cube.and(clause.conditions) {
                case .merged(let conditions): result.append(PlannedClause(action: .allow, conditions: conditions))
                case .unsatisfiable: continue
                case .incompatible(let condition):
                    throw SeccompError(step: .rule, syscall: "socket", errno: EINVAL,
                                       message: "argument \(condition.index) test \(condition.op.rawValue) cannot be combined with the netlink protocol test")
                }
            }
        }
        if defaultAction != .deny || hardening.denyMode == .errno {
            let netlink = ArgCube(index: 0, mask: 0xFFFF_FFFF, value: family).condition
            result += ArgCube.lowWordComplement(index: 2, excluding: protocols)
                .map { PlannedClause(action: .deny, conditions: [netlink, $0.condition]) }
        }
        bySyscall[nr] = result
    }

    /// Narrows a syscall to the calls inside `allowed` (a union of cubes);
    /// `denied` is its complement.
    ///
    /// Allow clauses become `clause AND cube` for every cube. When the
    /// default action would let the rest through (default allow), or would
    /// not answer with this syscall's errno (default kill, errno mode), the
    /// complement is denied explicitly.
    private mutating func restrict(
        _ bySyscall: inout [Int32: [PlannedClause]],
        nr: Int32, name: String,
        allowed: [ArgCube], denied: [ArgCube],
        errno: Int32, hardening: SeccompHardening
    ) throws(SeccompError) {
        let clauses = bySyscall[nr, default: []]
        let policyAllows = clauses.contains { $0.action == .allow } || (clauses.isEmpty && defaultAction == .allow)
        guard policyAllows else { return }

        var result: [PlannedClause] = []
        for clause in clauses {
            guard clause.action == .allow else {
                result.append(clause)
                continue
            }
            for cube in allowed {
                switch cube.and(clause.conditions) {
                case .merged(let conditions): result.append(PlannedClause(action: .allow, conditions: conditions))
                case .unsatisfiable: continue
                case .incompatible(let condition):
                    throw SeccompError(step: .rule, syscall: name, errno: EINVAL,
                                       message: "argument \(condition.index) test \(condition.op.rawValue) cannot be combined with the hardening's masked test on the same argument")
                }
            }
        }
        if defaultAction != .deny || hardening.denyMode == .errno {
            result += denied.map { PlannedClause(action: .deny, conditions: [$0.condition]) }
        }
        if errnoBySyscall[nr] == nil { errnoBySyscall[nr] = errno }
        bySyscall[nr] = result
    }
}

extension PlannedAction {
    init(_ action: SeccompAction) {
        switch action {
        case .allow: self = .allow
        case .deny: self = .deny
        case .killProcess: self = .kill
        }
    }
}

extension SeccompAction {
    var denyErrno: Int32? {
        if case .deny(let errno) = self { return errno }
        return nil
    }
}
